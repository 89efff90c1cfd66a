//! Filters by name: the ones this engine runs, the ones Segment disables,
//! the liquidjs filters not run here (refused when compiling), and unknown
//! names, which liquidjs (without `strictFilters`) passes over.

use super::filters_date::apply_date;
use super::filters_num::{apply_array, apply_math};
use super::filters_text::apply_text;
use super::render::Mem;
use super::value::LVal;

/// Segment's mapping-kit registers these filters as ones that throw.
pub(crate) const DISABLED_FILTERS: [&str; 20] = [
    "array_to_sentence_string",
    "concat",
    "find",
    "find_exp",
    "find_index",
    "find_index_exp",
    "group_by",
    "group_by_exp",
    "has",
    "has_exp",
    "map",
    "newline_to_br",
    "reject",
    "reject_exp",
    "reverse",
    "sort",
    "sort_natural",
    "uniq",
    "where_exp",
    "type",
];

/// The liquidjs filters this engine runs.
pub(crate) const SUPPORTED_FILTERS: [&str; 55] = [
    // text
    "append",
    "prepend",
    "upcase",
    "downcase",
    "capitalize",
    "strip",
    "lstrip",
    "rstrip",
    "strip_newlines",
    "strip_html",
    "squish",
    "normalize_whitespace",
    "replace",
    "replace_first",
    "replace_last",
    "remove",
    "remove_first",
    "remove_last",
    "truncate",
    "truncatewords",
    "split",
    "escape",
    "xml_escape",
    "escape_once",
    "url_encode",
    "url_decode",
    "cgi_escape",
    // numbers
    "abs",
    "at_least",
    "at_most",
    "ceil",
    "floor",
    "divided_by",
    "minus",
    "plus",
    "modulo",
    "times",
    "round",
    // dates
    "date",
    "date_to_xmlschema",
    "date_to_rfc822",
    "date_to_string",
    "date_to_long_string",
    // arrays and values
    "join",
    "first",
    "last",
    "size",
    "compact",
    "slice",
    "sum",
    "default",
    "raw",
    "json",
    "jsonify",
    "to_integer",
];

/// liquidjs filters not run here: refused when compiling.
const UNSUPPORTED_FILTERS: [&str; 14] = [
    "uri_escape",
    "slugify",
    "push",
    "unshift",
    "pop",
    "shift",
    "where",
    "sample",
    "base64_encode",
    "base64_decode",
    "sha256",
    "hmac_sha256",
    "inspect",
    "number_of_words",
];

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Filter {
    Run(&'static str),
    Disabled(Box<str>),
    Unsupported(Box<str>),
    /// Not a liquidjs filter: the value passes through.
    Unknown,
}

impl Filter {
    pub(crate) fn named(name: &str) -> Self {
        if let Some(known) = SUPPORTED_FILTERS.iter().find(|f| **f == name) {
            Filter::Run(known)
        } else if DISABLED_FILTERS.contains(&name) {
            Filter::Disabled(name.into())
        } else if UNSUPPORTED_FILTERS.contains(&name) {
            Filter::Unsupported(name.into())
        } else {
            Filter::Unknown
        }
    }
}

/// The arguments a filter got: positional first, then `key: value` ones.
pub(crate) struct Args<'a> {
    pub positional: Vec<LVal<'a>>,
    pub named: Vec<(Box<str>, LVal<'a>)>,
}

impl<'a> Args<'a> {
    pub(crate) fn get(&self, i: usize) -> Option<&LVal<'a>> {
        self.positional.get(i)
    }

    /// An argument with a JS default: `undefined` takes the default too.
    pub(crate) fn given(&self, i: usize) -> Option<&LVal<'a>> {
        self.get(i).filter(|v| !matches!(v, LVal::Undefined))
    }

    /// An argument as text; a missing one is `undefined`, printed "".
    pub(crate) fn text(&self, i: usize) -> String {
        self.get(i)
            .map(|v| v.to_text().into_owned())
            .unwrap_or_default()
    }
}

pub(crate) fn apply<'a>(
    filter: &Filter,
    input: LVal<'a>,
    args: &Args<'a>,
    mem: &mut Mem,
) -> Result<LVal<'a>, String> {
    let Filter::Run(name) = filter else {
        return Ok(input);
    };
    if let Some(out) = apply_text(name, &input, args, mem)? {
        return Ok(out);
    }
    if let Some(out) = apply_math(name, &input, args) {
        return Ok(out);
    }
    if let Some(out) = apply_date(name, &input, args, mem) {
        return out;
    }
    apply_array(name, input, args, mem)
}
