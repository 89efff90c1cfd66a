//! The parts of the payload a template reads, so that a caller converts or
//! parses only those (`Mapping::input_paths`). A read stops before what
//! depends on the whole value: `size`, `first`, `last`, `length` (a count or
//! an element of the parent) and computed or numeric indexes.

use super::expr::{Expr, Filtered};
use super::parse::Part;
use super::value::LVal;

/// Each read as its keys from the payload's root; an empty list is the
/// whole payload.
pub(crate) fn reads(parts: &[Part]) -> Vec<Vec<String>> {
    let mut out = Vec::new();
    for part in parts {
        match part {
            Part::Text(_) => {}
            Part::Output(value, _) | Part::Assign(_, value, _) => filtered(value, &mut out),
            Part::Capture(_, body) => out.extend(reads(body)),
            Part::If(branches, otherwise, _) => {
                for (test, body) in branches {
                    filtered(test, &mut out);
                    out.extend(reads(body));
                }
                out.extend(reads(otherwise));
            }
        }
    }
    out
}

fn filtered(value: &Filtered, out: &mut Vec<Vec<String>>) {
    expr(&value.expr, out);
    for call in &value.filters {
        for (_, arg) in &call.args {
            expr(arg, out);
        }
    }
}

fn expr(e: &Expr, out: &mut Vec<Vec<String>>) {
    match e {
        Expr::Lit(_) => {}
        Expr::Range(a, b) | Expr::Op(a, _, b) => {
            expr(a, out);
            expr(b, out);
        }
        Expr::Not(inner) => expr(inner, out),
        Expr::Path(name, props) => {
            let mut keys = Vec::new();
            for key in std::iter::once(&**name)
                .map(Some)
                .chain(props.iter().map(plain_key))
            {
                match key {
                    Some(key) if !matches!(key, "size" | "first" | "last" | "length") => {
                        keys.push(key.to_owned());
                    }
                    _ => break,
                }
            }
            out.push(keys);
            for prop in props {
                expr(prop, out);
            }
        }
    }
}

/// `.name` or `["name"]`.
fn plain_key(e: &Expr) -> Option<&str> {
    match e {
        Expr::Lit(LVal::Str(key)) if crate::js::array_index(key).is_none() => Some(key),
        _ => None,
    }
}
