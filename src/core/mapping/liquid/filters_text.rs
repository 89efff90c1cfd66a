//! liquidjs's string filters, with JS string semantics (UTF-16 lengths,
//! `trim`, `toUpperCase`) and the memory each one charges.

use std::borrow::Cow;

use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig, STANDARD};
use base64::engine::DecodePaddingMode;
use base64::{alphabet, Engine};

use super::filters::Args;
use super::filters_num::code_points;
use super::render::Mem;
use super::value::LVal;
use crate::js;

/// The filter's result, or `None` when `name` is not a text filter.
pub(crate) fn apply_text<'a>(
    name: &str,
    input: &LVal<'a>,
    args: &Args<'a>,
    mem: &mut Mem,
) -> Result<Option<LVal<'a>>, String> {
    let s = input.to_text();
    let len = js::utf16_len(&s);
    let out: String = match name {
        "append" | "prepend" => {
            if args.positional.len() != 1 {
                return Err(format!("{name} expect 2 arguments"));
            }
            let arg = args.text(0);
            mem.use_units(len + js::utf16_len(&arg))?;
            if name == "append" {
                s.into_owned() + &arg
            } else {
                arg + &s
            }
        }
        "upcase" | "downcase" => {
            mem.use_units(len)?;
            if name == "upcase" {
                s.to_uppercase()
            } else {
                s.to_lowercase()
            }
        }
        "capitalize" => {
            mem.use_units(len)?;
            let mut units = s.chars();
            match units.next() {
                Some(c) => c.to_uppercase().collect::<String>() + &units.as_str().to_lowercase(),
                None => String::new(),
            }
        }
        "strip" | "lstrip" | "rstrip" => {
            mem.use_units(len)?;
            let chars = args.get(0).filter(|c| c.js_truthy());
            let set: Option<Vec<char>> = chars.map(|c| c.to_text().chars().collect());
            if let Some(set) = &set {
                mem.use_units(set.len())?;
            }
            let is_trimmed = |c: char| match &set {
                Some(set) => set.contains(&c),
                None => js::is_js_whitespace(c),
            };
            match name {
                "strip" => s.trim_matches(is_trimmed),
                "lstrip" => s.trim_start_matches(is_trimmed),
                _ => s.trim_end_matches(is_trimmed),
            }
            .to_owned()
        }
        "strip_newlines" => {
            mem.use_units(len)?;
            s.replace("\r\n", "").replace('\n', "")
        }
        "squish" | "normalize_whitespace" => {
            mem.use_units(len)?;
            let mut out = String::with_capacity(s.len());
            let mut in_ws = false;
            for c in s.chars() {
                if js::is_js_whitespace(c) {
                    if !in_ws {
                        out.push(' ');
                    }
                    in_ws = true;
                } else {
                    out.push(c);
                    in_ws = false;
                }
            }
            if name == "squish" {
                js::js_trim(&out).to_owned()
            } else {
                out
            }
        }
        "strip_html" => {
            mem.use_units(len)?;
            strip_html(&s)
        }
        "replace" | "remove" => {
            let pattern = args.text(0);
            let with = if name == "replace" {
                args.text(1)
            } else {
                String::new()
            };
            let count = if pattern.is_empty() {
                len + 1
            } else {
                s.matches(pattern.as_str()).count()
            };
            let grow =
                count as f64 * (js::utf16_len(&with) as f64 - js::utf16_len(&pattern) as f64);
            mem.use_f64(if name == "replace" {
                len as f64 + grow
            } else {
                (len + js::utf16_len(&pattern)) as f64
            })?;
            js_split(&s, &pattern).join(&with)
        }
        "replace_first" | "remove_first" => {
            let pattern = args.text(0);
            let with = if name == "replace_first" {
                args.text(1)
            } else {
                String::new()
            };
            mem.use_units(len + js::utf16_len(&pattern) + js::utf16_len(&with))?;
            s.replacen(pattern.as_str(), &with, 1)
        }
        "replace_last" | "remove_last" => {
            let pattern = args.text(0);
            let with = if name == "replace_last" {
                args.text(1)
            } else {
                String::new()
            };
            mem.use_units(len + js::utf16_len(&pattern) + js::utf16_len(&with))?;
            match s.rfind(pattern.as_str()) {
                Some(i) => format!("{}{with}{}", &s[..i], &s[i + pattern.len()..]),
                None => s.into_owned(),
            }
        }
        "truncate" => return truncate(input, &s, args, mem).map(Some),
        "truncatewords" => truncatewords(&s, args, mem)?,
        "split" => {
            mem.use_units(len)?;
            let sep = args.text(0);
            let mut parts: Vec<LVal<'a>> = if sep == " " {
                s.split([' ', '\t', '\n', '\u{b}', '\u{c}', '\r'])
                    .filter(|p| !p.is_empty())
                    .map(|p| LVal::str(p.to_owned()))
                    .collect()
            } else {
                js_split(&s, &sep)
                    .into_iter()
                    .map(|p| LVal::str(p.to_owned()))
                    .collect()
            };
            while matches!(parts.last(), Some(LVal::Str(p)) if p.is_empty()) {
                parts.pop();
            }
            return Ok(Some(LVal::Arr(parts)));
        }
        "escape" | "xml_escape" | "escape_once" => {
            mem.use_units(len)?;
            escape(&s, name == "escape_once")
        }
        "url_encode" | "cgi_escape" => {
            let mut out = String::with_capacity(s.len());
            for b in s.bytes() {
                match b {
                    b' ' => out.push('+'),
                    b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                        out.push(b as char)
                    }
                    b'!' | b'\'' | b'(' | b')' | b'*' if name == "url_encode" => {
                        out.push(b as char)
                    }
                    _ => out.push_str(&format!("%{b:02X}")),
                }
            }
            out
        }
        "url_decode" => url_decode(&s.replace('+', " "))?,
        // `encodeURI`, with `[` and `]` kept.
        "uri_escape" => {
            let mut out = String::with_capacity(s.len());
            for b in s.bytes() {
                if b.is_ascii_alphanumeric() || b";,/?:@&=+$-_.!~*'()#[]".contains(&b) {
                    out.push(b as char);
                } else {
                    out.push_str(&format!("%{b:02X}"));
                }
            }
            out
        }
        "base64_encode" => {
            mem.use_units(len)?;
            STANDARD.encode(s.as_bytes())
        }
        "base64_decode" => {
            mem.use_units(len)?;
            base64_decode(&s)?
        }
        _ => return Ok(None),
    };
    Ok(Some(LVal::str(out)))
}

/// `str.split(sep)` of JS: "" splits into UTF-16 units (chars here).
fn js_split<'s>(s: &'s str, sep: &str) -> Vec<&'s str> {
    if sep.is_empty() {
        return s
            .char_indices()
            .map(|(i, c)| &s[i..i + c.len_utf8()])
            .collect();
    }
    s.split(sep).collect()
}

/// `truncate(v, l = 50, o = '...')`: `l` counts code points.
fn truncate<'a>(
    input: &LVal<'a>,
    s: &str,
    args: &Args<'a>,
    mem: &mut Mem,
) -> Result<LVal<'a>, String> {
    let ellipsis = args.given(1).map_or(Cow::Borrowed("..."), LVal::to_text);
    let len = js::utf16_len(s);
    mem.use_units(len + js::utf16_len(&ellipsis))?;
    let l = args.given(0).map_or(50.0, LVal::js_number);
    let chars = s.chars().count();
    if len as f64 <= l || code_points(l) >= chars {
        return Ok(input.clone());
    }
    let keep = code_points((l - ellipsis.chars().count() as f64).max(0.0));
    let head: String = s.chars().take(keep).collect();
    Ok(LVal::str(head + &ellipsis))
}

/// `truncatewords(v, words = 15, o = '...')`.
fn truncatewords<'a>(s: &str, args: &Args<'a>, mem: &mut Mem) -> Result<String, String> {
    let ellipsis = args.given(1).map_or(Cow::Borrowed("..."), LVal::to_text);
    mem.use_units(js::utf16_len(s) + js::utf16_len(&ellipsis))?;
    let mut words = args.given(0).map_or(15.0, LVal::js_number);
    if words <= 0.0 {
        words = 1.0;
    }
    let limit = words.floor();
    let mut kept = Vec::new();
    let mut last_end = 0;
    let mut rest = s;
    while (kept.len() as f64) < limit {
        let Some(start) = rest.find(|c| !js::is_js_whitespace(c)) else {
            break;
        };
        let word = &rest[start..];
        let end = word.find(js::is_js_whitespace).unwrap_or(word.len());
        kept.push(&word[..end]);
        last_end = s.len() - word.len() + end;
        rest = &word[end..];
    }
    // `kept.length < limit || rWord.lastIndex >= str.length`
    if (kept.len() as f64) < limit || last_end >= s.len() {
        return Ok(s.to_owned());
    }
    Ok(kept.join(" ") + &ellipsis)
}

fn escape(s: &str, once: bool) -> String {
    let mut out = String::with_capacity(s.len());
    for (i, c) in s.char_indices() {
        match c {
            '&' if once && is_entity(&s[i + 1..]) => out.push('&'),
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&#34;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// `(?:[a-zA-Z]+|#\d+);` at the start of `rest`.
fn is_entity(rest: &str) -> bool {
    let (body, digits) = match rest.strip_prefix('#') {
        Some(r) => (r, true),
        None => (rest, false),
    };
    let n = body
        .find(|c: char| {
            !(if digits {
                c.is_ascii_digit()
            } else {
                c.is_ascii_alphabetic()
            })
        })
        .unwrap_or(body.len());
    n > 0 && body[n..].starts_with(';')
}

/// liquidjs's `strip_html`: script/style blocks, comments and tags go.
fn strip_html(s: &str) -> String {
    let mut blocks: Vec<(&str, &str)> = vec![
        ("<script", "</script>"),
        ("<style", "</style>"),
        ("<!--", "-->"),
        ("<", ">"),
    ];
    let mut out = String::new();
    let mut i = 0;
    while i < s.len() {
        let Some(lt) = s[i..].find('<').map(|k| k + i) else {
            out.push_str(&s[i..]);
            return out;
        };
        out.push_str(&s[i..lt]);
        let mut k = 0;
        while k < blocks.len() {
            let (open, close) = blocks[k];
            if !s[lt..].starts_with(open) {
                k += 1;
                continue;
            }
            if let Some(e) = s[lt + open.len()..].find(close) {
                i = lt + open.len() + e + close.len();
                break;
            }
            blocks.remove(k);
        }
        if i <= lt {
            out.push_str(&s[lt..]);
            return out;
        }
    }
    out
}

/// liquidjs's `isBase64` check, then Node's `Buffer.from(text, 'base64')`
/// (whitespace and padding ignored, a short last group kept) read as UTF-8.
fn base64_decode(s: &str) -> Result<String, String> {
    let compact: String = s
        .chars()
        .filter(|c| !matches!(c, '\t' | '\n' | '\u{c}' | '\r' | ' '))
        .collect();
    let mut body = compact.as_str();
    if body.len() % 4 == 0 {
        body = body
            .strip_suffix("==")
            .or_else(|| body.strip_suffix('='))
            .unwrap_or(body);
    }
    let valid = body.len() % 4 != 1
        && body
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'+' || b == b'/');
    if !valid {
        return Err("invalid base64 provided to base64_decode".to_owned());
    }
    let lenient = GeneralPurposeConfig::new()
        .with_decode_padding_mode(DecodePaddingMode::Indifferent)
        .with_decode_allow_trailing_bits(true);
    let bytes = GeneralPurpose::new(&alphabet::STANDARD, lenient)
        .decode(body)
        .map_err(|_| "invalid base64 provided to base64_decode".to_owned())?;
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}

/// `decodeURIComponent` of each run of `%XX`: malformed UTF-8 throws.
fn url_decode(s: &str) -> Result<String, String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            if let (Some(h), Some(l)) = (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                out.push((h * 16 + l) as u8);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8(out).map_err(|_| "URI malformed".to_owned())
}
