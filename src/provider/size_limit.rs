//! Size limits a kind declares on a string attribute (EC2 user data: 16 KiB), checked when
//! the value is known (at load, at plan) and applied again on the way to the API.

use std::borrow::Cow;
use std::io::Write;

/// At most `max_bytes` bytes of the attribute's text reach the API; with `gzip`, text over the
/// limit is sent gzip-compressed instead, and only a compressed form still over it is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SizeLimit {
    /// The most bytes the API accepts.
    pub max_bytes: usize,
    /// Whether text over the limit may be sent gzip-compressed (cloud-init reads gzip).
    pub gzip: bool,
}

/// How a value fits its limit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fit {
    /// Sent as it is.
    Plain,
    /// Sent gzip-compressed, in `compressed` bytes.
    Gzipped {
        /// Size of the text.
        bytes: usize,
        /// Size of its gzip form.
        compressed: usize,
    },
    /// Too large even compressed (when the kind allows compression).
    TooLarge {
        /// Size of the text.
        bytes: usize,
        /// Size of its gzip form, when the kind compresses.
        compressed: Option<usize>,
    },
}

impl SizeLimit {
    /// How `text` fits.
    pub fn fit(&self, text: &str) -> Fit {
        match self.encode(text) {
            Ok(Cow::Borrowed(_)) => Fit::Plain,
            Ok(Cow::Owned(gz)) => Fit::Gzipped {
                bytes: text.len(),
                compressed: gz.len(),
            },
            Err(fit) => fit,
        }
    }

    /// The bytes to send: the text itself when it fits, else its gzip form when allowed and
    /// small enough; otherwise the [`Fit::TooLarge`] that says why not.
    pub fn encode<'a>(&self, text: &'a str) -> Result<Cow<'a, [u8]>, Fit> {
        if text.len() <= self.max_bytes {
            return Ok(Cow::Borrowed(text.as_bytes()));
        }
        if !self.gzip {
            return Err(Fit::TooLarge {
                bytes: text.len(),
                compressed: None,
            });
        }
        match gzip(text.as_bytes()) {
            Ok(gz) if gz.len() <= self.max_bytes => Ok(Cow::Owned(gz)),
            Ok(gz) => Err(Fit::TooLarge {
                bytes: text.len(),
                compressed: Some(gz.len()),
            }),
            // Compressing into memory does not fail; if it ever did, nothing shorter exists.
            Err(_) => Err(Fit::TooLarge {
                bytes: text.len(),
                compressed: None,
            }),
        }
    }
}

impl Fit {
    /// Why a [`Fit::TooLarge`] is refused, in words (`None` for a value that fits).
    pub fn refusal(&self, limit: &SizeLimit) -> Option<String> {
        let Fit::TooLarge { bytes, compressed } = self else {
            return None;
        };
        Some(match compressed {
            Some(c) => format!(
                "{bytes} bytes, {c} gzip-compressed: more than the {} accepted",
                limit.max_bytes
            ),
            None => format!("{bytes} bytes: more than the {} accepted", limit.max_bytes),
        })
    }
}

/// gzip at the best level with a zero timestamp, so the same text always gives the same
/// bytes (and the same plan).
fn gzip(bytes: &[u8]) -> std::io::Result<Vec<u8>> {
    let mut encoder = flate2::GzBuilder::new()
        .mtime(0)
        .write(Vec::new(), flate2::Compression::best());
    encoder.write_all(bytes)?;
    encoder.finish()
}

/// The text back from bytes [`SizeLimit::encode`] produced (for tests and read-backs).
pub fn decode(bytes: &[u8]) -> std::io::Result<String> {
    if !bytes.starts_with(&[0x1f, 0x8b]) {
        return String::from_utf8(bytes.to_vec())
            .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidData, e));
    }
    let mut out = String::new();
    std::io::Read::read_to_string(&mut flate2::read::GzDecoder::new(bytes), &mut out)?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    const LIMIT: SizeLimit = SizeLimit {
        max_bytes: 1024,
        gzip: true,
    };

    /// Printable xorshift noise: 94 symbols carry 6.55 bits a byte, so gzip keeps over 80%.
    fn noise(len: usize) -> String {
        let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
        (0..len)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                char::from(b'!' + (x % 94) as u8)
            })
            .collect()
    }

    #[test]
    fn small_text_goes_as_it_is_and_large_text_compressed_when_that_fits() {
        assert_eq!(LIMIT.fit("echo hi\n"), Fit::Plain);
        let big = "echo hello world\n".repeat(200);
        let Fit::Gzipped { bytes, compressed } = LIMIT.fit(&big) else {
            panic!("expected gzip: {:?}", LIMIT.fit(&big));
        };
        assert_eq!(bytes, big.len());
        assert!(compressed <= LIMIT.max_bytes);
        let sent = LIMIT.encode(&big).expect("fits compressed");
        assert_eq!(decode(&sent).expect("gunzip"), big);
        assert_eq!(sent, LIMIT.encode(&big).expect("again"), "deterministic");
    }

    #[test]
    fn incompressible_text_over_the_limit_is_refused() {
        let text = noise(4096);
        assert!(matches!(
            LIMIT.fit(&text),
            Fit::TooLarge {
                bytes: 4096,
                compressed: Some(c)
            } if c > LIMIT.max_bytes
        ));
        let plain = SizeLimit {
            gzip: false,
            ..LIMIT
        };
        let compressible = "a".repeat(2000);
        assert_eq!(
            plain.fit(&compressible),
            Fit::TooLarge {
                bytes: 2000,
                compressed: None
            }
        );
        assert_eq!(plain.fit(&"a".repeat(1024)), Fit::Plain);
    }
}
