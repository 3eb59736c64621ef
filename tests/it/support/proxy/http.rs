//! Just enough HTTP/1.1 to relay the SDK's calls: requests read from keep-alive client
//! connections (Content-Length or chunked bodies, `Expect: 100-continue`), responses read from
//! one-shot upstream connections (Content-Length, chunked, or until close), and both written back
//! re-framed with a Content-Length so that no chunking crosses the proxy.

use std::io::{self, BufRead, Write};

/// Longest request or status line plus headers accepted; the SDK's are a few hundred bytes.
const MAX_HEAD: usize = 64 * 1024;

/// Headers that describe one hop and are therefore rewritten by the proxy, not relayed.
const HOP_BY_HOP: &[&str] = &[
    "connection",
    "keep-alive",
    "transfer-encoding",
    "content-length",
    "expect",
    "proxy-connection",
    "te",
    "trailer",
    "upgrade",
];

/// One request as the client sent it, its body de-chunked.
#[derive(Debug, Clone)]
pub struct Request {
    /// `GET`, `POST`, ...
    pub method: String,
    /// The request target: path and query, e.g. `/2020-05-31/distribution?WithTags`.
    pub target: String,
    /// Header names and values in the order received.
    pub headers: Vec<(String, String)>,
    /// The body bytes.
    pub body: Vec<u8>,
}

/// One response, its body de-chunked.
#[derive(Debug, Clone)]
pub struct Response {
    /// HTTP status code.
    pub status: u16,
    /// The reason phrase (`OK`); informational only.
    pub reason: String,
    /// Header names and values, hop-by-hop ones included as received.
    pub headers: Vec<(String, String)>,
    /// The body bytes.
    pub body: Vec<u8>,
}

impl Request {
    /// The first value of header `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        header(&self.headers, name)
    }

    /// The path without the query string.
    pub fn path(&self) -> &str {
        self.target.split('?').next().unwrap_or("")
    }

    /// The query string without the `?`, empty when there is none.
    pub fn query(&self) -> &str {
        self.target.split_once('?').map(|(_, q)| q).unwrap_or("")
    }

    /// Whether the client asked to close the connection after this exchange.
    pub fn wants_close(&self) -> bool {
        self.header("connection")
            .is_some_and(|v| v.eq_ignore_ascii_case("close"))
    }
}

impl Response {
    /// A response with a body and a content type.
    pub fn new(status: u16, content_type: &str, body: impl Into<Vec<u8>>) -> Self {
        Response {
            status,
            reason: reason(status).to_string(),
            headers: vec![("Content-Type".to_string(), content_type.to_string())],
            body: body.into(),
        }
    }

    /// Add a header.
    pub fn with_header(mut self, name: &str, value: &str) -> Self {
        self.headers.push((name.to_string(), value.to_string()));
        self
    }
}

fn header<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

/// The first line of a message and its headers.
type Head = (String, Vec<(String, String)>);

fn invalid(message: impl Into<String>) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, message.into())
}

/// Read the request line (or status line) and headers up to the blank line. `None` when the
/// peer closed the connection before sending anything (the end of a keep-alive connection).
fn read_head(reader: &mut impl BufRead) -> io::Result<Option<Head>> {
    let mut first = String::new();
    let mut headers = Vec::new();
    let mut total = 0;
    loop {
        let mut line = Vec::new();
        let n = reader.read_until(b'\n', &mut line)?;
        if n == 0 {
            return if first.is_empty() && headers.is_empty() {
                Ok(None)
            } else {
                Err(invalid("connection closed inside the message head"))
            };
        }
        total += n;
        if total > MAX_HEAD {
            return Err(invalid("message head too long"));
        }
        let line = String::from_utf8(line).map_err(|_| invalid("message head is not UTF-8"))?;
        let line = line.trim_end_matches(['\r', '\n']);
        if first.is_empty() {
            // Tolerate stray blank lines between keep-alive messages (RFC 9112 §2.2).
            if !line.is_empty() {
                first = line.to_string();
            }
            continue;
        }
        if line.is_empty() {
            return Ok(Some((first, headers)));
        }
        let (name, value) = line
            .split_once(':')
            .ok_or_else(|| invalid(format!("malformed header line {line:?}")))?;
        headers.push((name.trim().to_string(), value.trim().to_string()));
    }
}

/// Read a chunked body, trailers discarded.
fn read_chunked(reader: &mut impl BufRead) -> io::Result<Vec<u8>> {
    let mut body = Vec::new();
    loop {
        let mut size_line = String::new();
        if reader.read_line(&mut size_line)? == 0 {
            return Err(invalid("connection closed inside a chunked body"));
        }
        let size_text = size_line.trim().split(';').next().unwrap_or("").trim();
        let size = usize::from_str_radix(size_text, 16)
            .map_err(|_| invalid(format!("bad chunk size {size_text:?}")))?;
        if size == 0 {
            // Trailers, then the final blank line.
            loop {
                let mut trailer = String::new();
                let n = reader.read_line(&mut trailer)?;
                if n == 0 || trailer.trim().is_empty() {
                    return Ok(body);
                }
            }
        }
        let start = body.len();
        body.resize(start + size, 0);
        reader.read_exact(&mut body[start..])?;
        let mut crlf = String::new();
        reader.read_line(&mut crlf)?;
    }
}

/// Read a body framed by `headers`; `until_close` says what an unframed body means (a request
/// without length has none, a response without length runs to the end of the connection).
fn read_body(
    reader: &mut impl BufRead,
    headers: &[(String, String)],
    until_close: bool,
) -> io::Result<Vec<u8>> {
    let chunked = header(headers, "transfer-encoding")
        .is_some_and(|v| v.to_ascii_lowercase().contains("chunked"));
    if chunked {
        return read_chunked(reader);
    }
    if let Some(length) = header(headers, "content-length") {
        let length: usize = length
            .trim()
            .parse()
            .map_err(|_| invalid(format!("bad Content-Length {length:?}")))?;
        let mut body = vec![0; length];
        reader.read_exact(&mut body)?;
        return Ok(body);
    }
    let mut body = Vec::new();
    if until_close {
        reader.read_to_end(&mut body)?;
    }
    Ok(body)
}

/// Read the next request of a client connection; `None` once the client has closed it.
/// `Expect: 100-continue` is answered on `writer` before the body is read.
pub fn read_request(
    reader: &mut impl BufRead,
    writer: &mut impl Write,
) -> io::Result<Option<Request>> {
    let Some((line, headers)) = read_head(reader)? else {
        return Ok(None);
    };
    let mut parts = line.split_whitespace();
    let (Some(method), Some(target)) = (parts.next(), parts.next()) else {
        return Err(invalid(format!("malformed request line {line:?}")));
    };
    if header(&headers, "expect").is_some_and(|v| v.eq_ignore_ascii_case("100-continue")) {
        writer.write_all(b"HTTP/1.1 100 Continue\r\n\r\n")?;
        writer.flush()?;
    }
    let body = read_body(reader, &headers, false)?;
    Ok(Some(Request {
        method: method.to_string(),
        target: target.to_string(),
        headers,
        body,
    }))
}

/// Read a whole response from an upstream connection. `head_request` says the request was a
/// HEAD, whose response has headers but no body.
pub fn read_response(reader: &mut impl BufRead, head_request: bool) -> io::Result<Response> {
    let (line, headers) =
        read_head(reader)?.ok_or_else(|| invalid("upstream closed without answering"))?;
    let mut parts = line.splitn(3, ' ');
    let _version = parts.next();
    let status: u16 = parts
        .next()
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| invalid(format!("malformed status line {line:?}")))?;
    let reason = parts.next().unwrap_or("").to_string();
    let bodiless = head_request || status == 204 || status == 304 || (100..200).contains(&status);
    let body = if bodiless {
        Vec::new()
    } else {
        read_body(reader, &headers, true)?
    };
    Ok(Response {
        status,
        reason,
        headers,
        body,
    })
}

/// Write `request` upstream on a one-shot connection (`Connection: close`).
pub fn write_request(writer: &mut impl Write, request: &Request) -> io::Result<()> {
    let mut head = format!("{} {} HTTP/1.1\r\n", request.method, request.target);
    for (name, value) in relayed(&request.headers) {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str(&format!(
        "Content-Length: {}\r\nConnection: close\r\n\r\n",
        request.body.len()
    ));
    writer.write_all(head.as_bytes())?;
    writer.write_all(&request.body)?;
    writer.flush()
}

/// Write `response` to a client, keeping the connection open unless `close`.
pub fn write_response(writer: &mut impl Write, response: &Response, close: bool) -> io::Result<()> {
    let reason = if response.reason.is_empty() {
        reason(response.status)
    } else {
        &response.reason
    };
    let mut head = format!("HTTP/1.1 {} {reason}\r\n", response.status);
    for (name, value) in relayed(&response.headers) {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    let connection = if close { "close" } else { "keep-alive" };
    head.push_str(&format!(
        "Content-Length: {}\r\nConnection: {connection}\r\n\r\n",
        response.body.len()
    ));
    writer.write_all(head.as_bytes())?;
    writer.write_all(&response.body)?;
    writer.flush()
}

/// The end-to-end headers, in order.
fn relayed(headers: &[(String, String)]) -> impl Iterator<Item = &(String, String)> {
    headers
        .iter()
        .filter(|(k, _)| !HOP_BY_HOP.iter().any(|h| k.eq_ignore_ascii_case(h)))
}

/// The standard reason phrase of the statuses the proxy itself produces.
fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        400 => "Bad Request",
        403 => "Forbidden",
        404 => "Not Found",
        409 => "Conflict",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        _ => "Status",
    }
}
