//! The string formats and JavaScript conversions Segment's pipeline applies:
//! ajv-formats' `email` and `date-time` checks, `new Date(text)` for the
//! accepted date-times, and header values (JS `String(value)` /
//! `JSON.stringify`, from [`crate::js`]).

use chrono::{NaiveDate, NaiveTime};
use serde_json::Value;

use crate::js;

/// ajv-formats' `email` format (the same regex in "fast" and "full" mode):
/// dot-separated atoms of `[a-z0-9!#$%&'*+/=?^_`{|}~-]`, `@`, then at least
/// two DNS labels of ASCII letters, digits and inner hyphens (≤ 63 each).
pub fn is_email(text: &str) -> bool {
    let Some((local, domain)) = text.split_once('@') else {
        return false;
    };
    let atom_char = |c: char| c.is_ascii_alphanumeric() || "!#$%&'*+/=?^_`{|}~-".contains(c);
    let local_ok = local
        .split('.')
        .all(|atom| !atom.is_empty() && atom.chars().all(atom_char));
    let labels: Vec<&str> = domain.split('.').collect();
    let label_ok = |label: &&str| {
        let bytes = label.as_bytes();
        (1..=63).contains(&bytes.len())
            && bytes
                .iter()
                .all(|b| b.is_ascii_alphanumeric() || *b == b'-')
            && bytes[0] != b'-'
            && bytes[bytes.len() - 1] != b'-'
    };
    local_ok && labels.len() >= 2 && labels.iter().all(label_ok)
}

/// The parts of a date-time that passed ajv-formats' `date-time` check.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DateTimeParts {
    year: i32,
    month: u32,
    day: u32,
    hour: u32,
    minute: u32,
    second: u32,
    millis: u32,
    /// Offset east of UTC in minutes; `None` when the text has no zone.
    offset_minutes: Option<i32>,
}

fn digits(text: &str, len: usize) -> Option<u32> {
    (text.len() == len && text.bytes().all(|b| b.is_ascii_digit()))
        .then(|| text.parse().ok())
        .flatten()
}

/// ajv-formats 2.x `date-time` (full mode): `date` + `t`/`T`/whitespace +
/// `time`, where the zone is optional and `23:59:60` is allowed.
pub fn parse_date_time(text: &str) -> Option<DateTimeParts> {
    let mut pieces = text.split(|c: char| c == 't' || c == 'T' || c.is_whitespace());
    let (date, time) = (pieces.next()?, pieces.next()?);
    if pieces.next().is_some() {
        return None;
    }
    let mut ymd = date.split('-');
    let year = digits(ymd.next()?, 4)? as i32;
    let month = digits(ymd.next()?, 2)?;
    let day = digits(ymd.next()?, 2)?;
    if ymd.next().is_some() || NaiveDate::from_ymd_opt(year, month, day).is_none() {
        return None;
    }
    // The zone starts at the first `z`, `+` or `-` after the seconds.
    let zone_at = time.find(['z', 'Z', '+', '-']).unwrap_or(time.len());
    let (clock, zone) = time.split_at(zone_at);
    let (hms, fraction) = match clock.split_once('.') {
        Some((hms, fraction)) => (hms, Some(fraction)),
        None => (clock, None),
    };
    let mut parts = hms.split(':');
    let hour = digits(parts.next()?, 2)?;
    let minute = digits(parts.next()?, 2)?;
    let second = digits(parts.next()?, 2)?;
    if parts.next().is_some() {
        return None;
    }
    let leap = hour == 23 && minute == 59 && second == 60;
    if !(leap || (hour <= 23 && minute <= 59 && second <= 59)) {
        return None;
    }
    let millis = match fraction {
        None => 0,
        Some(f) if !f.is_empty() && f.bytes().all(|b| b.is_ascii_digit()) => {
            // JS keeps milliseconds and drops the rest.
            format!("{f:0<3}")[..3].parse().ok()?
        }
        Some(_) => return None,
    };
    let offset_minutes = match zone {
        "" => None,
        "z" | "Z" => Some(0),
        _ => Some(parse_offset(zone)?),
    };
    Some(DateTimeParts {
        year,
        month,
        day,
        hour,
        minute,
        second,
        millis,
        offset_minutes,
    })
}

/// `+HH`, `+HHMM` or `+HH:MM` (and `-`), as ajv-formats accepts them.
fn parse_offset(zone: &str) -> Option<i32> {
    let sign = if zone.starts_with('-') { -1 } else { 1 };
    let rest = &zone[1..];
    if !rest.is_ascii() {
        return None;
    }
    let (hours, minutes) = match rest.len() {
        2 => (digits(rest, 2)?, 0),
        4 => (digits(&rest[..2], 2)?, digits(&rest[2..], 2)?),
        5 if rest.as_bytes()[2] == b':' => (digits(&rest[..2], 2)?, digits(&rest[3..], 2)?),
        _ => return None,
    };
    Some(sign * (hours as i32 * 60 + minutes as i32))
}

impl DateTimeParts {
    /// Milliseconds since the epoch. `None` for what `new Date()` cannot
    /// represent (a leap second); a missing zone is read as UTC (D8).
    pub fn epoch_millis(&self) -> Option<i64> {
        let date = NaiveDate::from_ymd_opt(self.year, self.month, self.day)?;
        let time = NaiveTime::from_hms_milli_opt(self.hour, self.minute, self.second, self.millis)
            .filter(|_| self.second < 60)?;
        let local = date.and_time(time).and_utc().timestamp_millis();
        Some(local - i64::from(self.offset_minutes.unwrap_or(0)) * 60_000)
    }
}

/// Header and custom_args values: scalars as JS `String()`, objects and
/// arrays as their compact `JSON.stringify` text (D3) instead of
/// `[object Object]` / `a,b`.
pub fn header_value_string(value: &Value) -> String {
    js::scalar_to_string(value).unwrap_or_else(|| js::stringify(value))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn email_format_matches_ajv() {
        for ok in [
            "a@b.co",
            "Mary.Jane+Promo@Example.COM",
            "x_y@sub.example.org",
        ] {
            assert!(is_email(ok), "{ok}");
        }
        for bad in [
            "",
            "   ",
            "nope",
            "a@b",
            "a..b@c.de",
            ".a@c.de",
            "a@-b.de",
            "a@b.de@c",
            "é@x.de",
        ] {
            assert!(!is_email(bad), "{bad}");
        }
    }

    #[test]
    fn date_times_parse_like_ajv_and_js() {
        let at = |t: &str| parse_date_time(t).and_then(|p| p.epoch_millis());
        assert_eq!(at("1970-01-01T00:00:01.5Z"), Some(1500));
        assert_eq!(at("1970-01-01t00:00:01.123456z"), Some(1123));
        assert_eq!(at("1970-01-01 05:30:00+05:30"), Some(0));
        assert_eq!(at("1970-01-01T05:30:00+0530"), Some(0));
        assert_eq!(at("1970-01-01T00:00:00"), Some(0));
        assert!(parse_date_time("2016-12-31T23:59:60Z").is_some());
        assert_eq!(at("2016-12-31T23:59:60Z"), None);
        for bad in [
            "tomorrow",
            "2030-01-01",
            "1704721970",
            "2030-02-30T00:00:00Z",
            "2030-01-01T24:00:00Z",
        ] {
            assert!(parse_date_time(bad).is_none(), "{bad}");
        }
    }

    #[test]
    fn js_strings() {
        assert_eq!(header_value_string(&json!(1e21)), "1e+21");
        assert_eq!(header_value_string(&json!(1.5)), "1.5");
        assert_eq!(header_value_string(&json!(123)), "123");
        assert_eq!(header_value_string(&json!(null)), "null");
        assert_eq!(header_value_string(&json!({"a": 1.0})), r#"{"a":1}"#);
        assert_eq!(header_value_string(&json!(["a", "b"])), r#"["a","b"]"#);
    }
}
