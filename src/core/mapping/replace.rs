//! `@replace`: Segment escapes the pattern and runs
//! `value.replace(new RegExp(pattern, flags), replacement)`, so the pattern is
//! a literal, matching is per character (case-folded the way a non-unicode
//! `/i` RegExp does) and the replacement expands `$$`, `$&`, `` $` `` and `$'`.

use super::js;

/// A replacement string with its `$` patterns resolved once.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Replacement {
    parts: Vec<Piece>,
}

#[derive(Debug, Clone, PartialEq)]
enum Piece {
    Text(String),
    /// `$&`
    Matched,
    /// `` $` ``
    Before,
    /// `$'`
    After,
}

impl Replacement {
    /// `GetSubstitution` with no capture groups: `$1` or `$<x>` stay literal.
    pub(crate) fn parse(source: &str) -> Self {
        let mut parts = Vec::new();
        let mut text = String::new();
        let mut chars = source.chars().peekable();
        while let Some(c) = chars.next() {
            if c != '$' {
                text.push(c);
                continue;
            }
            let piece = match chars.peek() {
                Some('$') => None,
                Some('&') => Some(Piece::Matched),
                Some('`') => Some(Piece::Before),
                Some('\'') => Some(Piece::After),
                _ => {
                    text.push('$');
                    continue;
                }
            };
            chars.next();
            match piece {
                None => text.push('$'),
                Some(piece) => {
                    if !text.is_empty() {
                        parts.push(Piece::Text(std::mem::take(&mut text)));
                    }
                    parts.push(piece);
                }
            }
        }
        if !text.is_empty() {
            parts.push(Piece::Text(text));
        }
        Self { parts }
    }
}

/// Replaces the first (or every, when `global`) occurrence of `pattern`.
pub(crate) fn replace(
    value: &str,
    pattern: &str,
    replacement: &Replacement,
    global: bool,
    ignore_case: bool,
) -> String {
    if pattern.is_empty() {
        return value.to_owned();
    }
    let matches = if ignore_case {
        find_folded(value, pattern, global)
    } else {
        let found = value.match_indices(pattern).map(|(i, m)| (i, i + m.len()));
        if global {
            found.collect()
        } else {
            found.take(1).collect()
        }
    };
    let mut out = String::with_capacity(value.len());
    let mut last = 0;
    for (start, end) in matches {
        out.push_str(&value[last..start]);
        for part in &replacement.parts {
            match part {
                Piece::Text(t) => out.push_str(t),
                Piece::Matched => out.push_str(&value[start..end]),
                Piece::Before => out.push_str(&value[..start]),
                Piece::After => out.push_str(&value[end..]),
            }
        }
        last = end;
    }
    out.push_str(&value[last..]);
    out
}

/// Byte ranges of case-insensitive matches, leftmost first, no overlaps.
fn find_folded(value: &str, pattern: &str, global: bool) -> Vec<(usize, usize)> {
    let wanted: Vec<char> = pattern.chars().map(js::canonicalize).collect();
    let text: Vec<(usize, char)> = value
        .char_indices()
        .map(|(i, c)| (i, js::canonicalize(c)))
        .collect();
    let mut found = Vec::new();
    let mut i = 0;
    while i + wanted.len() <= text.len() {
        let window = &text[i..i + wanted.len()];
        if window.iter().zip(&wanted).all(|((_, a), b)| a == b) {
            let start = window.first().map_or(value.len(), |(b, _)| *b);
            let end = text.get(i + wanted.len()).map_or(value.len(), |(b, _)| *b);
            found.push((start, end));
            if !global {
                break;
            }
            i += wanted.len();
        } else {
            i += 1;
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(value: &str, pattern: &str, replacement: &str, global: bool, icase: bool) -> String {
        replace(
            value,
            pattern,
            &Replacement::parse(replacement),
            global,
            icase,
        )
    }

    #[test]
    fn literal_patterns_and_dollar_expansion() {
        assert_eq!(run("abcb", "b", "[$&]", true, false), "a[b]c[b]");
        assert_eq!(run("axbx", "x", "$$", true, false), "a$b$");
        assert_eq!(run("abc", "b", "$`|$'", true, false), "aa|cc");
        assert_eq!(run("abc", "b", "$1$<x>$", true, false), "a$1$<x>$c");
        assert_eq!(run("a.b.c", ".", "-", true, false), "a-b-c");
        assert_eq!(
            run("many+different+things", "+", "_", false, false),
            "many_different+things"
        );
    }

    #[test]
    fn case_folding() {
        assert_eq!(
            run("aab-----AaB---aab", "AaB", "nice", true, true),
            "nice-----nice---nice"
        );
        assert_eq!(run("École élevée", "é", "E", true, true), "Ecole ElevEe");
        assert_eq!(run("zABabAB", "ab", "X", false, true), "zXabAB");
        assert_eq!(
            run("STRASSE straße", "ß", "ss", true, true),
            "STRASSE strasse"
        );
    }
}
