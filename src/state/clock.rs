//! Timestamps as state records them: RFC 3339, UTC, whole seconds.

use std::time::SystemTime;
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

/// The time recorded when a moment is not known (e.g. resources migrated from format v0, which
/// kept no timestamps). The Unix epoch is unmistakable as "unknown" in any listing.
pub const UNKNOWN_TIME: &str = "1970-01-01T00:00:00Z";

/// The current time as RFC 3339 UTC with whole seconds, e.g. `2026-11-21T21:00:00Z`.
pub fn now_rfc3339() -> String {
    format_rfc3339(OffsetDateTime::now_utc())
}

/// A file system time (e.g. a modification time) as RFC 3339 UTC with whole seconds.
pub fn system_time_rfc3339(at: SystemTime) -> String {
    format_rfc3339(OffsetDateTime::from(at))
}

fn format_rfc3339(at: OffsetDateTime) -> String {
    // Sub-second digits only add noise to state diffs and listings.
    let at = at.replace_nanosecond(0).unwrap_or(at);
    at.format(&Rfc3339)
        .unwrap_or_else(|_| UNKNOWN_TIME.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_whole_seconds_in_utc() {
        let t = SystemTime::UNIX_EPOCH + std::time::Duration::from_millis(1_795_000_000_123);
        assert_eq!(system_time_rfc3339(t), "2026-11-18T11:06:40Z");
        let now = now_rfc3339();
        assert!(now.ends_with('Z') && !now.contains('.'), "{now}");
        assert!(OffsetDateTime::parse(&now, &Rfc3339).is_ok());
    }
}
