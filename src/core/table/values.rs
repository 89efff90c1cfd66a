//! How values that tables (and the Python objects made from them) carry,
//! but JSON lacks, become JSON: the one rule for the Arrow reader and the
//! Python converter, so a table and its rows as dicts give the same event.
//!
//! - an instant: ISO 8601 in UTC with milliseconds, as JavaScript's
//!   `Date.prototype.toISOString()` writes it (a naive one is taken as UTC);
//! - a date: `YYYY-MM-DD`; a time of day: as Python's `time.isoformat()`;
//! - a decimal: the JSON number of its digits (an integer when it has no
//!   fraction and fits 64 bits, else the nearest double, as `JSON.parse`
//!   reads the digits);
//! - NaN and infinities: no JSON form, the record fails.

use chrono::{Datelike, NaiveDate};
use serde_json::Number;

/// The largest instant a JavaScript `Date` holds: ±8.64e15 ms from the epoch.
const JS_DATE_MAX_MS: i64 = 8_640_000_000_000_000;

/// Why a double cannot be a JSON number, spelled as Python prints it.
pub fn not_a_json_number(value: f64) -> String {
    let shown = if value.is_nan() {
        "nan"
    } else if value > 0.0 {
        "inf"
    } else {
        "-inf"
    };
    format!("{shown} is not a JSON number (NaN and infinities have no JSON form)")
}

/// A double as a JSON number, or why it cannot be one.
pub fn float_number(value: f64) -> Result<f64, String> {
    if value.is_finite() {
        Ok(value)
    } else {
        Err(not_a_json_number(value))
    }
}

/// An instant, in milliseconds since the epoch (UTC), as
/// `new Date(ms).toISOString()` writes it: `2024-05-01T12:30:00.000Z`;
/// years outside 0…9999 as `+YYYYYY`/`-YYYYYY`, over JavaScript's whole
/// range (±8.64e15 ms).
pub fn iso_instant(ms: i64) -> Result<String, String> {
    if !(-JS_DATE_MAX_MS..=JS_DATE_MAX_MS).contains(&ms) {
        return Err(format!(
            "{ms} ms from the epoch is outside a JavaScript Date's range"
        ));
    }
    let (days, in_day) = (ms.div_euclid(86_400_000), ms.rem_euclid(86_400_000));
    let (year, month, day) = civil_from_days(days);
    let (secs, millis) = (in_day / 1000, in_day % 1000);
    // Digits written by hand: `format!` was most of a timestamp column's cost.
    let mut out = String::with_capacity(27);
    if (0..=9999).contains(&year) {
        push_digits(&mut out, year, 4);
    } else {
        out.push(if year < 0 { '-' } else { '+' });
        push_digits(&mut out, year.abs(), 6);
    }
    for (separator, value, width) in [
        ('-', i64::from(month), 2),
        ('-', i64::from(day), 2),
        ('T', secs / 3600, 2),
        (':', secs / 60 % 60, 2),
        (':', secs % 60, 2),
        ('.', millis, 3),
    ] {
        out.push(separator);
        push_digits(&mut out, value, width);
    }
    out.push('Z');
    Ok(out)
}

/// `value` (≥ 0) in decimal, zero-padded to `width` digits.
fn push_digits(out: &mut String, value: i64, width: usize) {
    let mut digits = [b'0'; 20];
    let mut rest = value;
    let mut at = digits.len();
    while rest > 0 {
        at -= 1;
        digits[at] = b'0' + (rest % 10) as u8;
        rest /= 10;
    }
    let start = at.min(digits.len() - width);
    out.extend(digits[start..].iter().map(|&d| char::from(d)));
}

/// The proleptic Gregorian date of a day count from 1970-01-01 (Howard
/// Hinnant's `civil_from_days`), for any day a JavaScript Date holds.
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

/// A wall-clock instant (a Python `datetime`: its date, microseconds into
/// the day, and UTC offset in microseconds, 0 when naive) as
/// [`iso_instant`] writes it.
pub fn iso_civil_instant(
    (year, month, day): (i64, i64, i64),
    micros_of_day: i64,
    offset_micros: i64,
) -> Result<String, String> {
    let date = i32::try_from(year)
        .ok()
        .zip(u32::try_from(month).ok().zip(u32::try_from(day).ok()))
        .and_then(|(y, (m, d))| NaiveDate::from_ymd_opt(y, m, d))
        .ok_or_else(|| format!("{year:04}-{month:02}-{day:02} is not a date"))?;
    let days = date.signed_duration_since(NaiveDate::default()).num_days();
    let micros = days
        .checked_mul(86_400_000_000)
        .and_then(|m| m.checked_add(micros_of_day)?.checked_sub(offset_micros))
        .ok_or_else(|| {
            format!("{year:04}-{month:02}-{day:02} is outside a JavaScript Date's range")
        })?;
    iso_instant(micros.div_euclid(1000))
}

/// Floor division of a count of `unit`s into milliseconds (`per_ms` units
/// per millisecond), or multiplication when the unit is coarser.
pub fn to_millis(value: i64, unit: TimeUnit) -> Option<i64> {
    match unit {
        TimeUnit::Second => value.checked_mul(1000),
        TimeUnit::Millisecond => Some(value),
        TimeUnit::Microsecond => Some(value.div_euclid(1000)),
        TimeUnit::Nanosecond => Some(value.div_euclid(1_000_000)),
    }
}

/// The units Arrow counts instants and times of day in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TimeUnit {
    Second,
    Millisecond,
    Microsecond,
    Nanosecond,
}

/// A date, in days since the epoch, as `date.isoformat()` writes it.
pub fn iso_date(days: i64) -> Result<String, String> {
    let epoch = NaiveDate::from_ymd_opt(1970, 1, 1).expect("a valid date");
    i32::try_from(days)
        .ok()
        .and_then(|d| epoch.checked_add_signed(chrono::Duration::try_days(d.into())?))
        .filter(|d| (1..=9999).contains(&d.year()))
        .map(|d| format!("{:04}-{:02}-{:02}", d.year(), d.month(), d.day()))
        .ok_or_else(|| format!("{days} days from the epoch is not a date of years 1 to 9999"))
}

/// A time of day, in microseconds since midnight, as Python's
/// `time.isoformat()` writes it: `HH:MM:SS`, then `.ffffff` when not zero.
pub fn iso_time(micros: i64) -> Result<String, String> {
    if !(0..86_400_000_000).contains(&micros) {
        return Err(format!("{micros} µs is not a time of day"));
    }
    let (secs, frac) = (micros / 1_000_000, micros % 1_000_000);
    let hms = format!("{:02}:{:02}:{:02}", secs / 3600, secs / 60 % 60, secs % 60);
    Ok(if frac == 0 {
        hms
    } else {
        format!("{hms}.{frac:06}")
    })
}

/// A decimal's text (`12.30`, `-7`, `1.2E+3`) as a JSON number; `None`
/// when it is not a finite number (`NaN`, `Infinity`).
pub fn decimal_number(text: &str) -> Option<Number> {
    if let Ok(int) = text.parse::<i64>() {
        return Some(int.into());
    }
    if let Ok(int) = text.parse::<u64>() {
        return Some(int.into());
    }
    text.parse::<f64>()
        .ok()
        .filter(|v| v.is_finite())
        .and_then(Number::from_f64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn instants_are_written_as_javascript_writes_them() {
        assert_eq!(iso_instant(0).unwrap(), "1970-01-01T00:00:00.000Z");
        assert_eq!(
            iso_instant(1_714_566_600_123).unwrap(),
            "2024-05-01T12:30:00.123Z"
        );
        assert_eq!(iso_instant(-1).unwrap(), "1969-12-31T23:59:59.999Z");
        // new Date(-62198755200000).toISOString() === "-000001-01-01T00:00:00.000Z"
        assert_eq!(
            iso_instant(-62_198_755_200_000).unwrap(),
            "-000001-01-01T00:00:00.000Z"
        );
        assert_eq!(
            iso_instant(253_402_300_800_000).unwrap(),
            "+010000-01-01T00:00:00.000Z"
        );
        // Checked against node: new Date(ms).toISOString().
        assert_eq!(
            iso_instant(JS_DATE_MAX_MS).unwrap(),
            "+275760-09-13T00:00:00.000Z"
        );
        assert_eq!(
            iso_instant(-JS_DATE_MAX_MS).unwrap(),
            "-271821-04-20T00:00:00.000Z"
        );
        assert_eq!(
            iso_instant(951_782_400_000).unwrap(),
            "2000-02-29T00:00:00.000Z"
        );
        assert_eq!(
            iso_instant(8_000_000_000_000_000).unwrap(),
            "+255479-11-28T14:13:20.000Z"
        );
        assert!(iso_instant(JS_DATE_MAX_MS + 1).is_err());
        assert!(iso_instant(i64::MIN).is_err());
    }

    #[test]
    fn instants_agree_with_chrono_over_its_range() {
        let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
        for _ in 0..20_000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            // Years about -200,000 to 200,000.
            let ms = (x % 12_600_000_000_000_000) as i64 - 6_300_000_000_000_000;
            let at = chrono::DateTime::from_timestamp_millis(ms).unwrap();
            let year = at.year();
            let expected = if (0..=9999).contains(&year) {
                at.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string()
            } else {
                let sign = if year < 0 { '-' } else { '+' };
                format!(
                    "{sign}{:06}{}",
                    year.abs(),
                    at.format("-%m-%dT%H:%M:%S%.3fZ")
                )
            };
            assert_eq!(iso_instant(ms).unwrap(), expected, "{ms}");
        }
    }

    #[test]
    fn wall_clock_instants_are_taken_to_utc() {
        // 2024-05-01T14:30:00.123456+02:00
        let micros = (14 * 3600 + 30 * 60) * 1_000_000 + 123_456;
        assert_eq!(
            iso_civil_instant((2024, 5, 1), micros, 7_200_000_000).unwrap(),
            "2024-05-01T12:30:00.123Z"
        );
        assert_eq!(
            iso_civil_instant((1, 1, 1), 0, 0).unwrap(),
            "0001-01-01T00:00:00.000Z"
        );
        assert!(iso_civil_instant((2024, 2, 30), 0, 0).is_err());
    }

    #[test]
    fn finer_units_floor_to_the_millisecond() {
        assert_eq!(to_millis(-1, TimeUnit::Microsecond), Some(-1));
        assert_eq!(to_millis(1_999_999, TimeUnit::Nanosecond), Some(1));
        assert_eq!(to_millis(2, TimeUnit::Second), Some(2000));
        assert_eq!(to_millis(i64::MAX, TimeUnit::Second), None);
    }

    #[test]
    fn dates_and_times_are_written_as_python_writes_them() {
        assert_eq!(iso_date(0).unwrap(), "1970-01-01");
        assert_eq!(iso_date(-719_162).unwrap(), "0001-01-01");
        assert!(iso_date(-719_163).is_err());
        assert!(iso_date(i64::MAX).is_err());
        assert_eq!(iso_time(0).unwrap(), "00:00:00");
        assert_eq!(iso_time(45_296_000_001).unwrap(), "12:34:56.000001");
        assert!(iso_time(86_400_000_000).is_err());
    }

    #[test]
    fn decimals_keep_their_digits() {
        assert_eq!(decimal_number("12").unwrap().to_string(), "12");
        assert_eq!(decimal_number("12.30").unwrap().as_f64(), Some(12.3));
        assert_eq!(decimal_number("1.2E+3").unwrap().as_f64(), Some(1200.0));
        assert_eq!(
            decimal_number("18446744073709551615").unwrap().as_u64(),
            Some(u64::MAX)
        );
        assert!(decimal_number("NaN").is_none());
        assert!(decimal_number("Infinity").is_none());
        assert!(decimal_number("1e400").is_none());
    }

    #[test]
    fn non_finite_doubles_fail_with_pythons_spelling() {
        assert_eq!(float_number(1.5), Ok(1.5));
        assert_eq!(
            float_number(f64::NAN).unwrap_err(),
            "nan is not a JSON number (NaN and infinities have no JSON form)"
        );
        assert!(float_number(f64::NEG_INFINITY)
            .unwrap_err()
            .starts_with("-inf "));
    }
}
