//! liquidjs's date filters under `TZ=UTC` (where Segment runs), formatting
//! with liquidjs's `strftime` and en-US names; what is read as a date is
//! in `date_parse.rs`.

use chrono::{DateTime, Datelike, Timelike, Utc};

use super::date_parse::read_ms;
use super::filters::Args;
use super::render::Mem;
use super::value::LVal;
use crate::js;

const DEFAULT_FORMAT: &str = "%A, %B %-e, %Y at %-l:%M %P %z";
pub(crate) const DAYS: [&str; 7] = [
    "Sunday",
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
];
pub(crate) const MONTHS: [&str; 12] = [
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
