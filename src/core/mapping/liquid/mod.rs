//! `@liquid`: Liquid templates as Segment's mapping-kit renders them with
//! liquidjs (`new Liquid({renderLimit: 500, parseLimit: 1000, memoryLimit:
//! 1e8})`, the tags `case for include layout render tablerow` and 20
//! filters disabled, the payload as the only variables).
//!
//! A template is parsed once, when the mapping compiles: a template over
//! 1000 characters, a syntax error or a disabled tag or filter fails the
//! compilation with liquidjs's message. Rendering one record can fail only
//! that record (the memory limit, a filter that throws).
//!
//! Why not the `liquid` crate (0.26.11, checked for issue 22): it follows
//! Shopify's Ruby Liquid, not liquidjs, and cannot be configured to match:
//! a missing variable or property is an error (liquidjs renders ""), an
//! unknown filter is a parse error (liquidjs passes the value on), `not`,
//! `echo`, `{{ }}` and chained comparisons do not parse, numbers are Rust
//! integers and floats (`10 | divided_by: 4` is 2, liquidjs 2.5; `1e21`
//! prints in full, JS `1e+21`), and it has no memory or size limits. Every
//! filter would have been overridden and the variables wrapped, leaving the
//! grammar differences; the differential run against mapping-kit
//! (`scripts/conformance/liquid_differential.mjs`) is what this engine is
//! held to instead.

mod date_parse;
mod expr;
mod filters;
mod filters_date;
mod filters_json;
mod filters_num;
mod filters_text;
mod lex;
mod parse;
mod reads;
mod render;
mod value;

use crate::js;
use crate::json_doc::JsonRef;
use lex::Pos;
use parse::Part;
pub(crate) use render::Mem;

/// Segment's limit on a template's `length` (UTF-16 code units); liquidjs's
/// `parseLimit` is the same number.
pub(crate) const MAX_TEMPLATE_LEN: usize = 1000;

/// liquidjs's `memoryLimit`.
pub(crate) const MEMORY_LIMIT: f64 = 1e8;

/// A liquidjs error message, with the `, line:L, col:C` of its token.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct LiquidError(pub String);

impl LiquidError {
    pub(crate) fn at(message: impl Into<String>, pos: Pos) -> Self {
        let message = message.into();
        LiquidError(format!("{message}, line:{}, col:{}", pos.line, pos.col))
    }

    /// A liquidjs tag or filter this engine does not render.
    pub(crate) fn unsupported(what: String, pos: Pos) -> Self {
        Self::at(format!("{what} is not supported yet"), pos)
    }
}

#[derive(Debug, Clone)]
pub(crate) struct LiquidTemplate {
    parts: Vec<Part>,
}

impl LiquidTemplate {
    pub(crate) fn compile(source: &str) -> Result<Self, LiquidError> {
        if js::utf16_len(source) > MAX_TEMPLATE_LEN {
            return Err(LiquidError(format!(
                "liquid template values are limited to {MAX_TEMPLATE_LEN} characters"
            )));
        }
        let toks = lex::tokenize(source)?;
        Ok(Self {
            parts: parse::parse(&toks)?,
        })
    }

    /// The parts of the payload it reads, each as keys from the root (an
    /// empty list is the whole payload).
    pub(crate) fn reads(&self) -> Vec<Vec<String>> {
        reads::reads(&self.parts)
    }

    /// The template rendered with `payload`'s members as its variables;
    /// what filters build is charged to `mem`.
    pub(crate) fn render(
        &self,
        payload: JsonRef<'_>,
        mem: &mut Mem,
    ) -> Result<String, LiquidError> {
        render::render(&self.parts, payload, mem)
    }
}

#[cfg(test)]
mod tests;
