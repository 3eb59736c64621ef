//! The URLs health checks accept: plain `http://host[:port][/path]`, nothing more, so that the
//! client stays small enough to write on a TCP socket.

/// A parsed `http://` URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpUrl {
    /// Host to connect to (an IPv6 literal without its brackets).
    pub host: String,
    /// TCP port (80 when the URL names none).
    pub port: u16,
    /// Path and query sent in the request line; `/` when the URL has none.
    pub path: String,
    /// The `Host` header: host as written, with the port when the URL gave one.
    pub host_header: String,
}

/// Why a URL cannot be checked.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UrlError {
    /// `https://`: the client speaks plain HTTP only.
    #[error("`https://` is not supported: health checks speak plain `http://` only")]
    Https,
    /// Any other scheme, or none.
    #[error("`{0}` is not an `http://` URL")]
    NotHttp(String),
    /// `user:password@` in the URL.
    #[error("credentials in the URL are not supported")]
    Credentials,
    /// No host after `http://`.
    #[error("the URL has no host")]
    NoHost,
    /// A port that is not a number from 1 to 65535.
    #[error("`{0}` is not a port")]
    BadPort(String),
    /// Spaces or control characters, which would break the request line.
    #[error("the URL contains spaces or control characters")]
    BadCharacter,
}

impl UrlError {
    /// What to do about it.
    pub fn help(&self) -> &'static str {
        match self {
            UrlError::Https => "point the check at the service's plain-HTTP port (or a load balancer's http listener); TLS is not checked",
            UrlError::Credentials => "remove `user:password@`; health endpoints should answer without credentials",
            _ => "write the check's `url` as `http://HOST[:PORT]/PATH`",
        }
    }
}

/// Parse `http://host[:port][/path][?query]`; a `#fragment` is dropped.
pub fn parse(url: &str) -> Result<HttpUrl, UrlError> {
    if url.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(UrlError::BadCharacter);
    }
    let (scheme, rest) = url
        .split_once("://")
        .ok_or_else(|| UrlError::NotHttp(url.to_string()))?;
    if scheme.eq_ignore_ascii_case("https") {
        return Err(UrlError::Https);
    }
    if !scheme.eq_ignore_ascii_case("http") {
        return Err(UrlError::NotHttp(url.to_string()));
    }
    let rest = rest.split('#').next().unwrap_or_default();
    let split = rest.find(['/', '?']).unwrap_or(rest.len());
    let (authority, path) = rest.split_at(split);
    if authority.contains('@') {
        return Err(UrlError::Credentials);
    }
    let (host, port_text) = split_host_port(authority)?;
    if host.is_empty() {
        return Err(UrlError::NoHost);
    }
    let port = match port_text {
        None => 80,
        Some(p) => p
            .parse::<u16>()
            .ok()
            .filter(|p| *p != 0)
            .ok_or_else(|| UrlError::BadPort(p.to_string()))?,
    };
    let path = match path {
        "" => "/".to_string(),
        p if p.starts_with('?') => format!("/{p}"),
        p => p.to_string(),
    };
    Ok(HttpUrl {
        host: host.to_string(),
        port,
        path,
        host_header: authority.to_string(),
    })
}

/// `host`, `host:port`, `[v6]` or `[v6]:port` → host (brackets removed) and the port text.
fn split_host_port(authority: &str) -> Result<(&str, Option<&str>), UrlError> {
    if let Some(bracketed) = authority.strip_prefix('[') {
        let (host, after) = bracketed.split_once(']').ok_or(UrlError::NoHost)?;
        return match after {
            "" => Ok((host, None)),
            p => p
                .strip_prefix(':')
                .map(|port| (host, Some(port)))
                .ok_or_else(|| UrlError::BadPort(p.to_string())),
        };
    }
    Ok(match authority.rsplit_once(':') {
        Some((host, port)) => (host, Some(port)),
        None => (authority, None),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn host_port_and_path() {
        let u = parse("http://127.0.0.1:5678/healthz?x=1#top").unwrap();
        assert_eq!(u.host, "127.0.0.1");
        assert_eq!(u.port, 5678);
        assert_eq!(u.path, "/healthz?x=1");
        assert_eq!(u.host_header, "127.0.0.1:5678");
    }

    #[test]
    fn defaults_port_80_and_root_path() {
        let u = parse("HTTP://example.internal").unwrap();
        assert_eq!((u.port, u.path.as_str()), (80, "/"));
        assert_eq!(u.host_header, "example.internal");
        assert_eq!(parse("http://h?q").unwrap().path, "/?q");
    }

    #[test]
    fn ipv6_literals_lose_their_brackets_for_connecting_only() {
        let u = parse("http://[::1]:8080/x").unwrap();
        assert_eq!(u.host, "::1");
        assert_eq!(u.port, 8080);
        assert_eq!(u.host_header, "[::1]:8080");
        assert_eq!(parse("http://[::1]/").unwrap().port, 80);
    }

    #[test]
    fn rejects_what_the_client_cannot_do() {
        assert_eq!(parse("https://h/"), Err(UrlError::Https));
        assert!(parse("https://h/")
            .unwrap_err()
            .help()
            .contains("plain-HTTP"));
        assert!(matches!(parse("ftp://h/"), Err(UrlError::NotHttp(_))));
        assert!(matches!(parse("h:80/x"), Err(UrlError::NotHttp(_))));
        assert_eq!(parse("http://u:p@h/"), Err(UrlError::Credentials));
        assert_eq!(parse("http:///x"), Err(UrlError::NoHost));
        assert_eq!(parse("http://:80/x"), Err(UrlError::NoHost));
        assert!(matches!(parse("http://h:0/"), Err(UrlError::BadPort(_))));
        assert!(matches!(
            parse("http://h:99999/"),
            Err(UrlError::BadPort(_))
        ));
        assert!(matches!(parse("http://h:abc/"), Err(UrlError::BadPort(_))));
        assert_eq!(parse("http://h/a b"), Err(UrlError::BadCharacter));
        assert_eq!(parse("http://h/\r\nX: y"), Err(UrlError::BadCharacter));
    }
}
