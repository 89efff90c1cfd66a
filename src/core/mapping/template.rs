//! `@template` strings: `{{path}}` and `{{{path}}}` placeholders.
//!
//! Segment renders in two regex passes, triple braces first, then double
//! braces over the result. A template without triple-brace placeholders is
//! therefore fully known at compile time; with them, the second pass runs on
//! the rendered text (a value may itself contain `{{…}}`).

use super::js;
use super::path::{get, Path};
use super::value::{push_js_string, Val};
use crate::error::Result;

#[derive(Debug, Clone)]
enum Part {
    Text(Box<str>),
    Placeholder(Path),
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
        let triple = scan(source, 3);
        if triple.iter().any(|p| matches!(p, Part::Placeholder(_))) {
            Self {
                triple,
                double: Vec::new(),
            }
        } else {
            Self {
                triple: Vec::new(),
                double: scan(source, 2),
            }
        }
    }

    /// Renders against `payload`; missing and `null` values print as "".
    pub(crate) fn render(&self, payload: &Val<'_>) -> Result<String> {
        if self.triple.is_empty() {
            return render_parts(&self.double, payload);
        }
        let first = render_parts(&self.triple, payload)?;
        render_parts(&scan(&first, 2), payload)
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

/// Splits `text` at `{{x}}` (braces = 2) or `{{{x}}}` (braces = 3), as the
/// regex `\{\{([^}]+)\}\}` finds them, leftmost first, no overlaps.
fn scan(text: &str, braces: usize) -> Vec<Part> {
    let bytes = text.as_bytes();
    let is_run = |from: usize, b: u8| {
        bytes.len() >= from + braces && bytes[from..from + braces].iter().all(|c| *c == b)
    };
    let mut parts = Vec::new();
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
                    parts.push(Part::Text(text[last..i].into()));
                }
                let name = js::js_trim(&text[inner_start..inner_end]);
                parts.push(Part::Placeholder(Path::parse(name)));
                i = inner_end + braces;
                last = i;
                continue;
            }
        }
        i += 1;
    }
    if last < text.len() {
        parts.push(Part::Text(text[last..].into()));
    }
    parts
}

fn render_parts(parts: &[Part], payload: &Val<'_>) -> Result<String> {
    let mut out = String::new();
    for part in parts {
        match part {
            Part::Text(t) => out.push_str(t),
            Part::Placeholder(path) => {
                let value = get(payload, path);
                if !value.is_nullish() {
                    push_js_string(&mut out, &value, 0)?;
                }
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn render(tpl: &str, data: serde_json::Value) -> String {
        Template::compile(tpl)
            .render(&Val::Ref((&data).into()))
            .unwrap()
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
