//! A one-request HTTP/1.1 client on tokio's `TcpStream`: `GET`, `Host`, `Connection: close`,
//! and the status line of the answer. Health checks need nothing more, so no HTTP crate.
//! Timeouts are the caller's (`tokio::time::timeout` around [`get_status`]).

use super::url::HttpUrl;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// The status line must fit in this many bytes; anything longer is not an HTTP server.
const MAX_STATUS_LINE: usize = 8 * 1024;

/// Why a request got no status.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HttpError {
    /// Nothing listens on the port (the connection was refused).
    #[error("connection refused")]
    Refused,
    /// The host name did not resolve.
    #[error("cannot resolve `{0}`")]
    Resolve(String),
    /// The connection failed or broke (reset, unreachable network, closed before a status).
    #[error("{0}")]
    Io(String),
    /// The peer answered, but not with an HTTP status line.
    #[error("not an HTTP answer: {0}")]
    NotHttp(String),
}

/// `GET url.path` and return the response's status code. Only the status line is read.
pub async fn get_status(url: &HttpUrl) -> Result<u16, HttpError> {
    let mut stream = connect(url).await?;
    let request = format!(
        "GET {} HTTP/1.1\r\nHost: {}\r\nUser-Agent: strata/{}\r\nAccept: */*\r\nConnection: close\r\n\r\n",
        url.path,
        url.host_header,
        env!("CARGO_PKG_VERSION"),
    );
    stream
        .write_all(request.as_bytes())
        .await
        .map_err(|e| HttpError::Io(e.to_string()))?;
    let line = read_status_line(&mut stream).await?;
    parse_status_line(&line)
}

async fn connect(url: &HttpUrl) -> Result<TcpStream, HttpError> {
    let addrs: Vec<_> = tokio::net::lookup_host((url.host.as_str(), url.port))
        .await
        .map_err(|_| HttpError::Resolve(url.host.clone()))?
        .collect();
    let mut last = HttpError::Resolve(url.host.clone());
    for addr in addrs {
        match TcpStream::connect(addr).await {
            Ok(s) => return Ok(s),
            Err(e) if e.kind() == std::io::ErrorKind::ConnectionRefused => {
                last = HttpError::Refused
            }
            Err(e) => last = HttpError::Io(e.to_string()),
        }
    }
    Err(last)
}

async fn read_status_line(stream: &mut TcpStream) -> Result<String, HttpError> {
    let mut buf = Vec::with_capacity(256);
    let mut chunk = [0u8; 512];
    loop {
        if let Some(end) = buf.iter().position(|&b| b == b'\n') {
            buf.truncate(end);
            break;
        }
        if buf.len() > MAX_STATUS_LINE {
            return Err(HttpError::NotHttp(
                "no status line in the first 8 KiB".into(),
            ));
        }
        let n = stream
            .read(&mut chunk)
            .await
            .map_err(|e| HttpError::Io(e.to_string()))?;
        if n == 0 {
            return Err(if buf.is_empty() {
                HttpError::Io("the connection closed without an answer".into())
            } else {
                HttpError::NotHttp("the answer ended inside the status line".into())
            });
        }
        buf.extend_from_slice(&chunk[..n]);
    }
    Ok(String::from_utf8_lossy(&buf).trim_end().to_string())
}

/// `HTTP/1.1 200 OK` → 200.
pub fn parse_status_line(line: &str) -> Result<u16, HttpError> {
    let mut parts = line.splitn(3, ' ');
    let version = parts.next().unwrap_or_default();
    let code = parts.next().unwrap_or_default();
    if !version.starts_with("HTTP/1.") {
        return Err(HttpError::NotHttp(shorten(line)));
    }
    match code.parse::<u16>() {
        Ok(c) if code.len() == 3 && (100..=599).contains(&c) => Ok(c),
        _ => Err(HttpError::NotHttp(shorten(line))),
    }
}

/// At most 60 characters of what the peer sent, for messages.
fn shorten(line: &str) -> String {
    let mut s: String = line.chars().take(60).collect();
    if line.chars().count() > 60 {
        s.push('…');
    }
    format!("`{s}`")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_lines() {
        assert_eq!(parse_status_line("HTTP/1.1 200 OK"), Ok(200));
        assert_eq!(
            parse_status_line("HTTP/1.0 503 Service Unavailable"),
            Ok(503)
        );
        assert_eq!(parse_status_line("HTTP/1.1 204"), Ok(204));
        assert!(matches!(
            parse_status_line("SSH-2.0-OpenSSH_9.6"),
            Err(HttpError::NotHttp(_))
        ));
        assert!(matches!(
            parse_status_line("HTTP/1.1 2000 Odd"),
            Err(HttpError::NotHttp(_))
        ));
        assert!(matches!(
            parse_status_line("HTTP/1.1 abc"),
            Err(HttpError::NotHttp(_))
        ));
    }

    #[test]
    fn long_garbage_is_shortened() {
        let line = "x".repeat(200);
        let Err(HttpError::NotHttp(m)) = parse_status_line(&line) else {
            panic!("not http")
        };
        assert!(m.chars().count() < 70, "{m}");
    }
}
