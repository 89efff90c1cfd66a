//! Splitting a template into text, `{{ output }}` and `{% tag %}` tokens,
//! as liquidjs's tokenizer does: whitespace control (`{{-`, `-%}`) trims all
//! whitespace next to the marker, `{% raw %}` keeps its content verbatim,
//! and an unclosed marker is an error naming where it starts.

use super::LiquidError;

/// Where a token starts (1-based), for the `, line:L, col:C` of messages.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Pos {
    pub line: u32,
    pub col: u32,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Tok<'s> {
    Text(&'s str),
    /// The expression between `{{` and `}}`, where the token starts and
    /// where the expression starts.
    Output(&'s str, Pos, Pos),
    /// A tag's name, the rest of its text, and the whole token.
    Tag(&'s str, &'s str, Pos, &'s str),
}

pub(crate) fn tokenize(src: &str) -> Result<Vec<Tok<'_>>, LiquidError> {
    let mut toks = Vec::new();
    // Per token: does it trim the whitespace before / after it?
    let mut trims: Vec<(bool, bool)> = Vec::new();
    let mut i = 0;
    while i < src.len() {
        let Some(open) = find_open(src, i) else {
            toks.push(Tok::Text(&src[i..]));
            trims.push((false, false));
            break;
        };
        if open > i {
            toks.push(Tok::Text(&src[i..open]));
            trims.push((false, false));
        }
        let pos = pos_of(src, open);
        let is_output = src[open..].starts_with("{{");
        let close = if is_output { "}}" } else { "%}" };
        let Some(end) = find_close(src, open + 2, close) else {
            let what = if is_output { "output" } else { "tag" };
            return Err(LiquidError::at(
                format!("{what} {:?} not closed", &src[open..]),
                pos,
            ));
        };
        let mut inner = &src[open + 2..end];
        let trim_left = inner.starts_with('-');
        if trim_left {
            inner = &inner[1..];
        }
        let trim_right = inner.ends_with('-');
        if trim_right {
            inner = &inner[..inner.len() - 1];
        }
        i = end + 2;
        if is_output {
            let inner_at = inner.as_ptr() as usize - src.as_ptr() as usize;
            toks.push(Tok::Output(inner, pos, pos_of(src, inner_at)));
            trims.push((trim_left, trim_right));
            continue;
        }
        let inner = inner.trim_start();
        let name_len = if inner.starts_with('#') {
            1
        } else {
            inner
                .find(|c: char| !(c.is_alphanumeric() || c == '_' || c == '-'))
                .unwrap_or(inner.len())
        };
        let (name, args) = inner.split_at(name_len);
        if name.is_empty() {
            return Err(LiquidError::at(
                "illegal tag syntax, tag name expected",
                pos,
            ));
        }
        toks.push(Tok::Tag(name, args.trim(), pos, &src[open..i]));
        trims.push((trim_left, trim_right));
        if name == "raw" {
            let (content, after, raw_trim) = raw_content(src, i).ok_or_else(|| {
                LiquidError::at(format!("raw {:?} not closed", &src[open..]), pos)
            })?;
            toks.push(Tok::Text(content));
            trims.push((false, false));
            toks.push(Tok::Tag("endraw", "", pos, ""));
            trims.push(raw_trim);
            i = after;
        }
    }
    apply_trims(&mut toks, &trims);
    Ok(toks)
}

fn find_open(src: &str, from: usize) -> Option<usize> {
    let bytes = src.as_bytes();
    (from..bytes.len().saturating_sub(1))
        .find(|&j| bytes[j] == b'{' && (bytes[j + 1] == b'{' || bytes[j + 1] == b'%'))
}

/// The closing marker, skipping quoted strings as liquidjs does.
fn find_close(src: &str, from: usize, close: &str) -> Option<usize> {
    let bytes = src.as_bytes();
    let mut j = from;
    while j < bytes.len() {
        match bytes[j] {
            q @ (b'"' | b'\'') => {
                j = src[j + 1..]
                    .find(q as char)
                    .map_or(bytes.len(), |k| j + 1 + k);
            }
            // Bytes, not `src[j..]`: `j` may be inside a multi-byte character.
            _ if bytes[j..].starts_with(close.as_bytes()) => return Some(j),
            _ => {}
        }
        j += 1;
    }
    None
}

/// The text up to `{% endraw %}`, the index after it and its trim markers.
fn raw_content(src: &str, from: usize) -> Option<(&str, usize, (bool, bool))> {
    let mut j = from;
    loop {
        let open = src[j..].find("{%")? + j;
        let end = src[open..].find("%}")? + open;
        let inner = &src[open + 2..end];
        let (l, r) = (inner.starts_with('-'), inner.ends_with('-'));
        if inner.trim_matches('-').trim() == "endraw" {
            return Some((&src[from..open], end + 2, (l, r)));
        }
        j = open + 2;
    }
}

fn pos_of(src: &str, at: usize) -> Pos {
    Pos { line: 1, col: 1 }.advance(&src[..at])
}

impl Pos {
    /// The position after `text`, which starts here.
    pub(crate) fn advance(self, text: &str) -> Pos {
        let lines = u32::try_from(text.matches('\n').count()).unwrap_or(u32::MAX);
        let last = text.rsplit('\n').next().unwrap_or("");
        let chars = u32::try_from(last.encode_utf16().count()).unwrap_or(u32::MAX);
        if lines == 0 {
            Pos {
                line: self.line,
                col: self.col.saturating_add(chars),
            }
        } else {
            Pos {
                line: self.line.saturating_add(lines),
                col: chars.saturating_add(1),
            }
        }
    }
}

/// liquidjs is "greedy": a marker trims every whitespace character
/// (newlines too) of the text next to it.
fn apply_trims(toks: &mut [Tok<'_>], trims: &[(bool, bool)]) {
    for k in 0..toks.len() {
        let (left, right) = trims[k];
        if left && k > 0 {
            if let Tok::Text(t) = &mut toks[k - 1] {
                *t = t.trim_end_matches(is_ws);
            }
        }
        if right && k + 1 < toks.len() {
            if let Tok::Text(t) = &mut toks[k + 1] {
                *t = t.trim_start_matches(is_ws);
            }
        }
    }
}

fn is_ws(c: char) -> bool {
    // The `\s` class liquidjs's tokenizer trims with.
    crate::js::is_js_whitespace(c)
}
