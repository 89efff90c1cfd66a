//! `@template` strings: `{{path}}` and `{{{path}}}` placeholders.
//!
//! Segment renders in two regex passes, triple braces first, then double
//! braces over the result. A template without triple-brace placeholders is
//! therefore fully known at compile time; with them, the second pass runs on
//! the rendered text (a value may itself contain `{{…}}`).

use super::budget::{Budget, Text};
use super::path::{read, Path};
use super::stringify::push_js_string;
use super::value::Val;
use crate::error::Result;
use crate::js;

#[derive(Debug, Clone)]
enum Part {
    Text(Box<str>),
    Placeholder(Path),
}

/// A piece of template text as the regex pass meets it.
enum Piece<'t> {
    Text(&'t str),
    /// The placeholder's name, trimmed.
    Placeholder(&'t str),
}

#[derive(Debug, Clone)]
pub(crate) struct Template {
    /// Triple-brace pass; empty when the template has no such placeholder.
    triple: Vec<Part>,
    /// Double-brace pass over the template text (used when `triple` is empty).
    double: Vec<Part>,
}

impl Template {
    pub(crate) fn compile(source: &str) -> Self {
        let triple = parts(source, 3);
        if triple.iter().any(|p| matches!(p, Part::Placeholder(_))) {
            Self {
                triple,
                double: Vec::new(),
            }
        } else {
            Self {
                triple: Vec::new(),
                double: parts(source, 2),
            }
        }
    }

    /// Renders against `payload`; missing and `null` values print as "".
    pub(crate) fn render(&self, payload: &Val<'_>, budget: &mut Budget<'_>) -> Result<String> {
        if self.triple.is_empty() {
            let mut out = Text::new(budget)?;
            render_parts(&self.double, payload, &mut out)?;
            return Ok(out.out);
        }
        let first = {
            let mut first = Text::new(budget)?;
            render_parts(&self.triple, payload, &mut first)?;
            first.out
        };
        render_text(&first, 2, payload, budget)
    }

    /// The paths this template reads, or `None` when a value rendered by the
    /// first pass decides what the second pass reads.
    pub(crate) fn paths(&self) -> Option<impl Iterator<Item = &Path>> {
        self.triple.is_empty().then(|| {
            self.double.iter().filter_map(|p| match p {
                Part::Placeholder(path) => Some(path),
                Part::Text(_) => None,
            })
        })
    }
}

/// A template known only at run time (`@template` of a directive, or the
/// second pass over rendered text), rendered as it is scanned: its
/// placeholders are never collected, however many there are.
pub(crate) fn render_source(
    source: &str,
    payload: &Val<'_>,
    budget: &mut Budget<'_>,
) -> Result<String> {
    let mut triple = false;
    scan(source, 3, |piece| {
        triple |= matches!(piece, Piece::Placeholder(_));
        Ok(())
    })?;
    if !triple {
        return render_text(source, 2, payload, budget);
    }
    let first = render_text(source, 3, payload, budget)?;
    render_text(&first, 2, payload, budget)
}

fn render_text(
    text: &str,
    braces: usize,
    payload: &Val<'_>,
    budget: &mut Budget<'_>,
) -> Result<String> {
    let mut out = Text::new(budget)?;
    scan(text, braces, |piece| match piece {
        Piece::Text(t) => out.push_str(t),
        Piece::Placeholder(name) => push_value(&mut out, payload, &Path::parse(name)),
    })?;
    Ok(out.out)
}

fn parts(text: &str, braces: usize) -> Vec<Part> {
    let mut parts = Vec::new();
    let _ = scan(text, braces, |piece| {
        parts.push(match piece {
            Piece::Text(t) => Part::Text(t.into()),
            Piece::Placeholder(name) => Part::Placeholder(Path::parse(name)),
        });
        Ok(())
    });
    parts
}

/// Splits `text` at `{{x}}` (braces = 2) or `{{{x}}}` (braces = 3), as the
/// regex `\{\{([^}]+)\}\}` finds them, leftmost first, no overlaps.
fn scan<'t>(
    text: &'t str,
    braces: usize,
    mut emit: impl FnMut(Piece<'t>) -> Result<()>,
) -> Result<()> {
    let bytes = text.as_bytes();
    let is_run = |from: usize, b: u8| {
        bytes.len() >= from + braces && bytes[from..from + braces].iter().all(|c| *c == b)
    };
    let (mut last, mut i) = (0, 0);
    while i < bytes.len() {
        if is_run(i, b'{') {
            let inner_start = i + braces;
            let inner_len = bytes[inner_start..]
                .iter()
                .take_while(|c| **c != b'}')
                .count();
            let inner_end = inner_start + inner_len;
            if inner_len > 0 && is_run(inner_end, b'}') {
                if last < i {
                    emit(Piece::Text(&text[last..i]))?;
                }
                emit(Piece::Placeholder(js::js_trim(
                    &text[inner_start..inner_end],
                )))?;
                i = inner_end + braces;
                last = i;
                continue;
            }
        }
        i += 1;
    }
    if last < text.len() {
        emit(Piece::Text(&text[last..]))?;
    }
    Ok(())
}

fn render_parts(parts: &[Part], payload: &Val<'_>, out: &mut Text<'_, '_>) -> Result<()> {
    for part in parts {
        match part {
            Part::Text(t) => out.push_str(t)?,
            Part::Placeholder(path) => push_value(out, payload, path)?,
        }
    }
    Ok(())
}

fn push_value(out: &mut Text<'_, '_>, payload: &Val<'_>, path: &Path) -> Result<()> {
    read(payload, path, |value| {
        if value.is_nullish() {
            return Ok(());
        }
        push_js_string(out, value, 0)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mapping::budget::MAX_OUTPUT_BYTES;
    use serde_json::json;

    fn render(tpl: &str, data: serde_json::Value) -> String {
        let payload = Val::Ref((&data).into());
        let mut budget = Budget::new(MAX_OUTPUT_BYTES);
        let compiled = Template::compile(tpl)
            .render(&payload, &mut budget)
            .unwrap();
        let at_run_time = render_source(tpl, &payload, &mut budget).unwrap();
        assert_eq!(compiled, at_run_time, "{tpl}");
        compiled
    }

    #[test]
    fn renders_like_segment() {
        assert_eq!(render("Hello, {{who}}!", json!({"who": "W"})), "Hello, W!");
        assert_eq!(render("{{foo}}}", json!({"foo": "hello"})), "hello}");
        assert_eq!(render("{{}}-{x}", json!({})), "{{}}-{x}");
        assert_eq!(
            render("{{{a.b}}}/{{a.b}}", json!({"a": {"b": "<i>"}})),
            "<i>/<i>"
        );
        assert_eq!(
            render("{{arr}}", json!({"arr": [1, "a", null, [2, 3]]})),
            "1,a,,2,3"
        );
        assert_eq!(render("{{o}}", json!({"o": {"a": 1}})), "[object Object]");
        // A value inserted by the triple pass is rendered again by the double pass.
        assert_eq!(render("{{{a}}}", json!({"a": "{{b}}", "b": "B"})), "B");
    }
}
