//! The parameters of a request as strict rules read them: the form fields of a query-protocol
//! body, the segments of a REST path, and the region the request was signed for.

use super::super::http::Request;

/// The decoded `key=value` fields of a form body (or of the query string when the body has
/// none), in order; repeated keys are kept.
pub fn form(request: &Request) -> Vec<(String, String)> {
    let body = std::str::from_utf8(&request.body).unwrap_or("");
    let text = if body.contains('=') {
        body
    } else {
        request.query()
    };
    text.split('&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| {
            let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
            (percent_decode(key), percent_decode(value))
        })
        .collect()
}

/// The first value of form field `key`.
pub fn first<'a>(fields: &'a [(String, String)], key: &str) -> Option<&'a str> {
    fields
        .iter()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.as_str())
}

/// The path segment after `after` (`/2020-05-31/distribution/E1/config`, `distribution` → `E1`).
pub fn path_segment_after<'a>(request: &'a Request, after: &str) -> Option<&'a str> {
    let mut segments = request.path().split('/');
    segments.find(|s| *s == after)?;
    segments.next().filter(|s| !s.is_empty())
}

/// The region of the SigV4 credential scope; moto keeps one account per region, so every
/// question strict mode asks moto must name the same region as the call it judges.
pub fn region(request: &Request) -> String {
    request
        .header("authorization")
        .and_then(|auth| auth.split("Credential=").nth(1))
        .and_then(|credential| credential.split([',', ' ']).next())
        .and_then(|scope| scope.split('/').nth(2))
        .unwrap_or("us-east-1")
        .to_string()
}

/// `application/x-www-form-urlencoded` decoding: `+` is a space, `%XX` a byte.
pub fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => {
                let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).unwrap_or("");
                match u8::from_str_radix(hex, 16) {
                    Ok(b) => {
                        out.push(b);
                        i += 2;
                    }
                    Err(_) => out.push(b'%'),
                }
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Percent-encode a form value (unreserved characters kept).
pub fn percent_encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}
