//! What the date filters read as a date, as liquidjs's `parseDate` under
//! `TZ=UTC`: Unix seconds (numbers and digit strings), `now`/`today`, ISO
//! 8601 text (`2024-01-02`, `2024-01-02T03:04:05.123Z`, `+05:30` offsets, a
//! space for the `T`) and RFC 2822 text (what `date_to_rfc822` writes).
//! Other text is not a date, and the filter returns it unchanged, as
//! liquidjs does with what `new Date()` cannot read; V8 reads a few more
//! forms (`1/2/2024`, `"-3.5"`), which are not copied.

use chrono::Utc;

use super::filters_date::{DAYS, MONTHS};
use super::value::LVal;
use crate::js;

/// `new Date()` holds at most ±8.64e15 ms.
const MAX_MS: f64 = 8.64e15;

/// liquidjs's `parseDate`: the milliseconds of the instant, or `None`.
pub(crate) fn read_ms(v: &LVal<'_>) -> Option<f64> {
    let ms = match v.to_value() {
        LVal::Num(n) => n * 1000.0,
        LVal::Bool(b) => f64::from(u8::from(b)),
        LVal::Str(s) if s == "now" || s == "today" => Utc::now().timestamp_millis() as f64,
        LVal::Str(s) if !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) => {
            js::string_to_number(&s) * 1000.0
        }
        LVal::Str(s) => {
            let s = js::js_trim(&s);
            parse_iso(s).or_else(|| parse_rfc2822(s))?
        }
        _ => return None,
    };
    (ms.abs() <= MAX_MS).then(|| ms.trunc())
}

/// `YYYY[-MM[-DD]][(T| )HH:mm[:ss[.fff…]]][Z|±HH[:]mm]`, days past the
/// month's end rolling over as in V8.
fn parse_iso(s: &str) -> Option<f64> {
    let num = |t: &str, len: usize| -> Option<u32> {
        (t.len() >= len && t.as_bytes()[..len].iter().all(u8::is_ascii_digit))
            .then(|| t[..len].parse().ok())
            .flatten()
    };
    let year = num(s, 4)? as i64;
    let mut rest = &s[4..];
    let (mut month, mut day) = (1, 1);
    if let Some(r) = rest.strip_prefix('-') {
        month = num(r, 2)?;
        rest = &r[2..];
        if let Some(r) = rest.strip_prefix('-') {
            day = num(r, 2)?;
            rest = &r[2..];
        }
    }
    let (mut h, mut m, mut sec, mut ms) = (0, 0, 0, 0.0);
    if let Some(r) = rest.strip_prefix(['T', 't', ' ']) {
        h = num(r, 2)?;
        m = num(r.get(3..)?, 2).filter(|_| r.as_bytes().get(2) == Some(&b':'))?;
        rest = &r[5..];
        if let Some(r) = rest.strip_prefix(':') {
            sec = num(r, 2)?;
            rest = &r[2..];
            if let Some(r) = rest.strip_prefix('.') {
                let digits = r.bytes().take_while(u8::is_ascii_digit).count();
                if digits == 0 {
                    return None;
                }
                ms = format!("0.{}", &r[..digits]).parse::<f64>().ok()? * 1000.0;
                rest = &r[digits..];
            }
        }
    }
    let zone = match rest {
        "" | "Z" | "z" => 0,
        _ => {
            let sign = match rest.as_bytes()[0] {
                b'+' => -1,
                b'-' => 1,
                _ => return None,
            };
            let z = &rest[1..];
            let (zh, zm) = match z.len() {
                5 if z.as_bytes()[2] == b':' => (num(z, 2)?, num(&z[3..], 2)?),
                4 => (num(z, 2)?, num(&z[2..], 2)?),
                _ => return None,
            };
            sign * i64::from(zh * 60 + zm)
        }
    };
    let valid = (1..=12).contains(&month)
        && (1..=31).contains(&day)
        && (h < 24 || (h == 24 && m == 0 && sec == 0 && ms == 0.0))
        && m < 60
        && sec < 60;
    if !valid {
        return None;
    }
    let days = days_from_civil(year, month, 1) + i64::from(day) - 1;
    let seconds = days * 86_400 + i64::from(h * 3600 + m * 60 + sec) + zone * 60;
    Some(seconds as f64 * 1000.0 + ms.trunc())
}

/// `[Thu, ]01 Jan 1970 00:00[:10] [+0000|GMT|UT|Z]`, what `date_to_rfc822`
/// writes (so its output can be read again, as V8 reads it).
fn parse_rfc2822(s: &str) -> Option<f64> {
    let s = match s.split_once(", ") {
        Some((day, rest)) if DAYS.iter().any(|d| &d[..3] == day) => rest,
        _ => s,
    };
    let parts: Vec<&str> = s.split(' ').collect();
    let (day, month, year, time) = match parts.as_slice() {
        [d, m, y, t] | [d, m, y, t, _] => (*d, *m, *y, *t),
        _ => return None,
    };
    let month = MONTHS.iter().position(|m| &m[..3] == month)? + 1;
    let zone = match parts.get(4) {
        None | Some(&"GMT") | Some(&"UT") | Some(&"Z") => "Z",
        Some(z) => z,
    };
    let day: u32 = day.parse().ok().filter(|d| (1..=31).contains(d))?;
    let year: u32 = year.parse().ok().filter(|_| year.len() == 4)?;
    parse_iso(&format!("{year:04}-{month:02}-{day:02}T{time}{zone}"))
}

/// Days since 1970-01-01 of a proleptic Gregorian date.
fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = i64::from((m + 9) % 12);
    let doy = (153 * mp + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}
