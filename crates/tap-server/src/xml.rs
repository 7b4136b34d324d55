//! Small helpers for the XML documents the service writes by hand (UWS, VOSI).

/// `text` escaped for XML content and attribute values (one escaping for
/// every document the service writes by hand, links documents included).
pub use datalink::links::escape;

/// An instant (ms since the epoch) in ISO 8601, UTC, as UWS and DALI write them.
pub fn iso(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms)
        .unwrap_or_default()
        .format("%Y-%m-%dT%H:%M:%S%.3fZ")
        .to_string()
}

/// Reads an ISO 8601 instant (with or without a zone: none means UTC).
pub fn parse_iso(text: &str) -> Option<i64> {
    let text = text.trim();
    if let Ok(t) = chrono::DateTime::parse_from_rfc3339(text) {
        return Some(t.timestamp_millis());
    }
    for format in ["%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d"] {
        if let Ok(t) = chrono::NaiveDateTime::parse_from_str(text, format) {
            return Some(t.and_utc().timestamp_millis());
        }
        if let Ok(d) = chrono::NaiveDate::parse_from_str(text, format) {
            return Some(d.and_hms_opt(0, 0, 0)?.and_utc().timestamp_millis());
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_and_times() {
        assert_eq!(
            escape("a<b & \"c\"\u{1}"),
            "a&lt;b &amp; &quot;c&quot;\u{FFFD}"
        );
        let t = parse_iso("2026-12-01T16:00:00.250Z").unwrap();
        assert_eq!(iso(t), "2026-12-01T16:00:00.250Z");
        assert_eq!(
            parse_iso("2026-12-01T16:00:00"),
            parse_iso("2026-12-01T16:00:00Z")
        );
        assert_eq!(parse_iso("2026-12-01"), parse_iso("2026-12-01T00:00:00Z"));
        assert_eq!(parse_iso("yesterday"), None);
    }
}
