//! `@replace`: Segment escapes the pattern and runs
//! `value.replace(new RegExp(pattern, flags), replacement)`, so the pattern is
//! a literal, matching is per character (case-folded the way a non-unicode
//! `/i` RegExp does) and the replacement expands `$$`, `$&`, `` $` `` and `$'`.

use super::budget::{Budget, Text};
use crate::error::Result;
use crate::js;

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
/// The result is built as matches are found, charged to `budget` piece by
/// piece: `$\`` and `$'` copy the text before or after every match, so one
/// replacement can ask for the square of the value's length.
pub(crate) fn replace(
    value: &str,
    pattern: &str,
    replacement: &Replacement,
    global: bool,
    ignore_case: bool,
    budget: &mut Budget<'_>,
) -> Result<String> {
    let mut out = Text::new(budget)?;
    let mut last = 0;
    let mut substitute = |start: usize, end: usize| -> Result<()> {
        out.push_str(&value[last..start])?;
        for part in &replacement.parts {
            out.push_str(match part {
                Piece::Text(t) => t,
                Piece::Matched => &value[start..end],
                Piece::Before => &value[..start],
                Piece::After => &value[end..],
            })?;
        }
        last = end;
        Ok(())
    };
    if pattern.is_empty() {
        // Not reached from a mapping (patterns are 1 to 10 characters).
    } else if ignore_case {
        for_each_folded(value, pattern, global, &mut substitute)?;
    } else {
        let limit = if global { usize::MAX } else { 1 };
        for (start, found) in value.match_indices(pattern).take(limit) {
            substitute(start, start + found.len())?;
        }
    }
    out.push_str(&value[last..])?;
    Ok(out.out)
}

/// Calls `f` with the byte range of each case-insensitive match, leftmost
/// first, no overlaps (patterns are at most 10 characters: each start is
/// compared in place).
fn for_each_folded(
    value: &str,
    pattern: &str,
    global: bool,
    mut f: impl FnMut(usize, usize) -> Result<()>,
) -> Result<()> {
    let wanted: Vec<char> = pattern.chars().map(js::canonicalize).collect();
    let mut at = 0;
    while let Some(first) = value[at..].chars().next() {
        let mut end = at;
        let mut chars = value[at..].chars();
        let matched = wanted.iter().all(|w| match chars.next() {
            Some(c) if js::canonicalize(c) == *w => {
                end += c.len_utf8();
                true
            }
            _ => false,
        });
        if matched {
            f(at, end)?;
            if !global {
                break;
            }
            at = end;
        } else {
            at += first.len_utf8();
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mapping::budget::MAX_OUTPUT_BYTES;

    fn run(value: &str, pattern: &str, replacement: &str, global: bool, icase: bool) -> String {
        replace(
            value,
            pattern,
            &Replacement::parse(replacement),
            global,
            icase,
            &mut Budget::new(MAX_OUTPUT_BYTES),
        )
        .unwrap()
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

    #[test]
    fn text_around_every_match_is_bounded() {
        // Each of 100,000 matches copies what precedes it: ~5 GB unbounded.
        let value = "a".repeat(100_000);
        for (pattern, replacement, ignore_case) in [("a", "$`", false), ("A", "$'", true)] {
            let mut budget = Budget::new(1 << 20);
            let replacement = Replacement::parse(replacement);
            let result = replace(
                &value,
                pattern,
                &replacement,
                true,
                ignore_case,
                &mut budget,
            );
            assert!(result.is_err(), "{pattern}");
        }
    }
}
