//! liquidjs's `date` filter under `TZ=UTC` (where Segment runs): Unix
//! seconds (numbers and digit strings), `now`/`today` and ISO 8601 text
//! (`2024-01-02`, `2024-01-02T03:04:05.123Z`, `+05:30` offsets, a space for
//! the `T`) are read; other text is returned unchanged, as liquidjs returns
//! what `new Date()` cannot read (V8 also reads a few other formats, such
//! as `1/2/2024`). Formatting is liquidjs's `strftime`, en-US names.

use chrono::{DateTime, Datelike, Timelike, Utc};

use super::filters::Args;
use super::render::Mem;
use super::value::LVal;
use crate::js;

const DEFAULT_FORMAT: &str = "%A, %B %-e, %Y at %-l:%M %P %z";
/// `new Date()` holds at most ±8.64e15 ms.
const MAX_MS: f64 = 8.64e15;
const DAYS: [&str; 7] = [
    "Sunday",
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
];
const MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

/// A date to format: the instant shifted into its display offset, and
/// that offset in minutes as `getTimezoneOffset` gives it.
struct Shown {
    at: DateTime<Utc>,
    ms: f64,
    offset: i64,
}

/// A date filter's result, or `None` when `name` is not one.
pub(crate) fn apply_date<'a>(
    name: &str,
    input: &LVal<'a>,
    args: &Args<'a>,
    mem: &mut Mem,
) -> Option<Result<LVal<'a>, String>> {
    let fixed = |format: &str| Args {
        positional: vec![LVal::str(format.to_owned())],
        named: Vec::new(),
    };
    Some(match name {
        "date" => date(input, args, mem),
        "date_to_xmlschema" => date(input, &fixed("%Y-%m-%dT%H:%M:%S%:z"), mem),
        "date_to_rfc822" => date(input, &fixed("%a, %d %b %Y %H:%M:%S %z"), mem),
        "date_to_string" | "date_to_long_string" => {
            let month = if name == "date_to_string" { "%b" } else { "%B" };
            let Some(ms) = read_ms(input) else {
                return Some(Ok(input.clone()));
            };
            let day = DateTime::from_timestamp_millis(ms as i64).map_or(0, |t| t.day());
            let ordinal = args
                .get(0)
                .is_some_and(|t| matches!(t, LVal::Str(s) if s == "ordinal"));
            let us = args
                .get(1)
                .is_some_and(|s| matches!(s, LVal::Str(s) if s == "US"));
            let format = match (ordinal, us) {
                (true, true) => format!("{month} {day}%q, %Y"),
                (true, false) => format!("{day}%q {month} %Y"),
                _ => format!("%d {month} %Y"),
            };
            let shown =
                DateTime::from_timestamp_millis(ms as i64).map(|at| Shown { at, ms, offset: 0 });
            match shown {
                Some(shown) => strftime(&shown, &format, mem).map(LVal::str),
                None => Ok(input.clone()),
            }
        }
        _ => return None,
    })
}

fn date<'a>(input: &LVal<'a>, args: &Args<'a>, mem: &mut Mem) -> Result<LVal<'a>, String> {
    if let LVal::Str(s) = input {
        mem.use_units(js::utf16_len(s))?;
    }
    let offset = match args.given(1) {
        None => 0,
        Some(LVal::Num(n)) if n.is_finite() => n.trunc() as i64,
        Some(_) => return Err("date: a time zone name is not supported yet".to_owned()),
    };
    let Some(ms) = read_ms(input) else {
        return Ok(input.clone());
    };
    let shown_ms = ms - (offset as f64) * 60_000.0;
    let Some(at) = DateTime::from_timestamp_millis(shown_ms as i64) else {
        return Ok(input.clone());
    };
    let format = match args.get(0).map(LVal::to_value) {
        None => DEFAULT_FORMAT.to_owned(),
        Some(f) if f.is_nil() => DEFAULT_FORMAT.to_owned(),
        Some(f) => f.to_text().into_owned(),
    };
    mem.use_units(js::utf16_len(&format))?;
    let shown = Shown { at, ms, offset };
    strftime(&shown, &format, mem).map(LVal::str)
}

/// liquidjs's `parseDate`: the milliseconds of the instant, or `None`.
fn read_ms(v: &LVal<'_>) -> Option<f64> {
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

fn strftime(d: &Shown, format: &str, mem: &mut Mem) -> Result<String, String> {
    let mut out = String::new();
    let mut rest = format;
    while let Some(i) = rest.find('%') {
        out.push_str(&rest[..i]);
        let spec = &rest[i + 1..];
        let flags_len = spec.find(|c| !"-_0^#:".contains(c)).unwrap_or(spec.len());
        let after_flags = &spec[flags_len..];
        let width_len = after_flags
            .find(|c: char| !c.is_ascii_digit())
            .unwrap_or(after_flags.len());
        let mut tail = &after_flags[width_len..];
        tail = tail.strip_prefix(['E', 'O']).unwrap_or(tail);
        let Some(conv) = tail.chars().next().filter(|c| *c != '\n' && *c != '\r') else {
            out.push('%');
            rest = spec;
            continue;
        };
        let whole = &rest[i..rest.len() - tail.len() + conv.len_utf8()];
        rest = &tail[conv.len_utf8()..];
        let flags = &spec[..flags_len];
        let width = &after_flags[..width_len];
        match convert(d, conv, flags, width, mem)? {
            Some(text) => out.push_str(&pad(text, conv, flags, width, mem)?),
            None => out.push_str(whole),
        }
    }
    out.push_str(rest);
    Ok(out)
}

fn convert(
    d: &Shown,
    conv: char,
    flags: &str,
    width: &str,
    mem: &mut Mem,
) -> Result<Option<String>, String> {
    let t = &d.at;
    let hour12 = |h: u32| if h % 12 == 0 { 12 } else { h % 12 };
    let day = t.weekday().num_days_from_sunday();
    let zone = |colon: bool| {
        let (sign, abs) = if d.offset > 0 {
            ('-', d.offset)
        } else {
            ('+', -d.offset)
        };
        let sep = if colon { ":" } else { "" };
        format!("{sign}{:02}{sep}{:02}", abs / 60, abs % 60)
    };
    let week_of_year = |start: u32| (t.ordinal0() + 7 - (day + 7 - start) % 7) / 7;
    Ok(Some(match conv {
        'a' => DAYS[day as usize][..3].to_owned(),
        'A' => DAYS[day as usize].to_owned(),
        'b' | 'h' => MONTHS[t.month0() as usize][..3].to_owned(),
        'B' => MONTHS[t.month0() as usize].to_owned(),
        'c' => format!("{}/{}/{}, {}", t.month(), t.day(), t.year(), time_en_us(t)),
        'x' => format!("{}/{}/{}", t.month(), t.day(), t.year()),
        'X' => time_en_us(t),
        'C' => t.year().div_euclid(100).to_string(),
        'd' | 'e' => t.day().to_string(),
        'g' => t.iso_week().year().rem_euclid(100).to_string(),
        'G' => t.iso_week().year().to_string(),
        'H' | 'k' => t.hour().to_string(),
        'I' | 'l' => hour12(t.hour()).to_string(),
        'j' => t.ordinal().to_string(),
        'L' => (t.timestamp_subsec_millis()).to_string(),
        'm' => t.month().to_string(),
        'M' => t.minute().to_string(),
        'N' => {
            let width = width.parse::<usize>().ok().filter(|w| *w > 0).unwrap_or(9);
            let digits = format!("{:03}", t.timestamp_subsec_millis());
            let kept: String = digits.chars().take(width).collect();
            mem.use_f64(width as f64 - kept.len() as f64)?;
            format!("{kept:0<width$}")
        }
        'p' => (if t.hour() < 12 { "AM" } else { "PM" }).to_owned(),
        'P' => (if t.hour() < 12 { "am" } else { "pm" }).to_owned(),
        'q' => ordinal_suffix(t.day()).to_owned(),
        's' => (d.ms / 1000.0).floor().to_string(),
        'S' => t.second().to_string(),
        'u' => (if day == 0 { 7 } else { day }).to_string(),
        'U' => week_of_year(0).to_string(),
        'V' => t.iso_week().week().to_string(),
        'w' => day.to_string(),
        'W' => week_of_year(1).to_string(),
        'y' => t.year().rem_euclid(100).to_string(),
        'Y' => t.year().to_string(),
        'z' => zone(flags.contains(':')),
        // `TZ=UTC`: the zone's name, or the offset when one was given.
        'Z' if d.offset == 0 => "UTC".to_owned(),
        'Z' => zone(flags.contains(':')),
        't' => "\t".to_owned(),
        'n' => "\n".to_owned(),
        '%' => "%".to_owned(),
        'D' => strftime(d, "%m/%d/%y", mem)?,
        'F' => strftime(d, "%Y-%m-%d", mem)?,
        'r' => strftime(d, "%I:%M:%S %p", mem)?,
        'R' => strftime(d, "%H:%M", mem)?,
        'T' => strftime(d, "%H:%M:%S", mem)?,
        _ => return Ok(None),
    }))
}

/// `toLocaleTimeString()` in en-US: `3:04:05 AM`.
fn time_en_us(t: &DateTime<Utc>) -> String {
    let h = if t.hour() % 12 == 0 {
        12
    } else {
        t.hour() % 12
    };
    let half = if t.hour() < 12 { "AM" } else { "PM" };
    format!("{h}:{:02}:{:02} {half}", t.minute(), t.second())
}

fn ordinal_suffix(day: u32) -> &'static str {
    match (day, day % 10) {
        (11..=13, _) => "th",
        (_, 1) => "st",
        (_, 2) => "nd",
        (_, 3) => "rd",
        _ => "th",
    }
}

/// liquidjs's padding: a default width per conversion, `-` for none, `_`
/// and `0` for the character, `^` upper case, `#` swapped case.
fn pad(
    mut text: String,
    conv: char,
    flags: &str,
    width: &str,
    mem: &mut Mem,
) -> Result<String, String> {
    let default_width = match conv {
        'C' | 'd' | 'e' | 'g' | 'H' | 'I' | 'k' | 'l' | 'm' | 'M' | 'S' | 'U' | 'V' | 'W' | 'y' => {
            2
        }
        'j' | 'L' => 3,
        'G' | 'Y' => 4,
        _ => 0,
    };
    let mut width = width
        .parse::<usize>()
        .ok()
        .filter(|w| *w > 0)
        .unwrap_or(default_width);
    let mut fill = if "aAbBceklpPDFrRT".contains(conv) {
        ' '
    } else {
        '0'
    };
    if flags.contains('^') {
        text = text.to_uppercase();
    } else if flags.contains('#') {
        text = if text.chars().any(|c| c.is_ascii_lowercase()) {
            text.to_uppercase()
        } else {
            text.to_lowercase()
        };
    }
    if flags.contains('_') {
        fill = ' ';
    } else if flags.contains('0') {
        fill = '0';
    }
    if flags.contains('-') {
        width = 0;
    }
    let len = js::utf16_len(&text);
    mem.use_f64(width as f64 - len as f64)?;
    if fill == '0' && text.starts_with('-') {
        let digits = &text[1..];
        let n = width
            .saturating_sub(1)
            .saturating_sub(js::utf16_len(digits));
        return Ok(format!("-{}{digits}", "0".repeat(n)));
    }
    Ok(format!(
        "{}{text}",
        fill.to_string().repeat(width.saturating_sub(len))
    ))
}
