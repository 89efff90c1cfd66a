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

/// The liquidjs filters this engine runs, by the module that runs them.
const TEXT_FILTERS: [&str; 30] = [
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
    "base64_encode",
    "base64_decode",
    "uri_escape",
];
const MATH_FILTERS: [&str; 11] = [
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
];
const DATE_FILTERS: [&str; 5] = [
    "date",
    "date_to_xmlschema",
    "date_to_rfc822",
    "date_to_string",
    "date_to_long_string",
];
const VALUE_FILTERS: [&str; 18] = [
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
    "push",
    "pop",
    "shift",
    "unshift",
    "where",
    "inspect",
];

#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Kind {
    Text,
    Math,
    Date,
    Value,
}

const KINDS: [(Kind, &[&str]); 4] = [
    (Kind::Text, &TEXT_FILTERS),
    (Kind::Math, &MATH_FILTERS),
    (Kind::Date, &DATE_FILTERS),
    (Kind::Value, &VALUE_FILTERS),
];

/// liquidjs filters not run here: refused when compiling.
const UNSUPPORTED_FILTERS: [&str; 5] = [
    "slugify",
    "sample",
    "sha256",
    "hmac_sha256",
    "number_of_words",
];

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Filter {
    Run(Kind, &'static str),
    Disabled(Box<str>),
    Unsupported(Box<str>),
    /// Not a liquidjs filter: the value passes through.
    Unknown,
}

impl Filter {
    pub(crate) fn named(name: &str) -> Self {
        let known = KINDS
            .iter()
            .find_map(|(kind, names)| names.iter().find(|f| **f == name).map(|f| (*kind, *f)));
        if let Some((kind, known)) = known {
            Filter::Run(kind, known)
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
    let Filter::Run(kind, name) = *filter else {
        return Ok(input);
    };
    // Dispatched once per call by kind: a filter's work starts with its input.
    match kind {
        Kind::Text => Ok(apply_text(name, &input, args, mem)?.unwrap_or(input)),
        Kind::Math => Ok(apply_math(name, &input, args).unwrap_or(input)),
        Kind::Date => apply_date(name, &input, args, mem).unwrap_or(Ok(input)),
        Kind::Value => apply_array(name, input, args, mem),
    }
}
