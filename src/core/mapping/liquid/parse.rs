//! Tokens to the template tree: the tags this engine renders, refusal of
//! the tags Segment disables (and of the few liquidjs tags not rendered
//! here), and the block structure (`if … elsif … else … endif`).

use super::expr::{Filtered, Scan};
use super::filters::Filter;
use super::lex::{Pos, Tok};
use super::value::LVal;
use super::LiquidError;

/// Segment's mapping-kit registers these tags as ones that throw.
pub(crate) const DISABLED_TAGS: [&str; 6] =
    ["case", "for", "include", "layout", "render", "tablerow"];

/// liquidjs tags this engine does not render; refused when compiling.
const UNSUPPORTED_TAGS: [&str; 7] = [
    "increment",
    "decrement",
    "cycle",
    "liquid",
    "block",
    "break",
    "continue",
];

#[derive(Debug, Clone)]
pub(crate) enum Part {
    Text(Box<str>),
    Output(Filtered, Pos),
    Assign(Box<str>, Filtered, Pos),
    Capture(Box<str>, Vec<Part>),
    /// `if`/`unless` branches (an `unless` test is wrapped in `Not`) and
    /// the `else` part.
    If(Vec<(Filtered, Vec<Part>)>, Vec<Part>, Pos),
}

pub(crate) fn parse(toks: &[Tok<'_>]) -> Result<Vec<Part>, LiquidError> {
    let mut i = 0;
    let (parts, end) = parse_block(toks, &mut i)?;
    match end {
        None => Ok(parts),
        Some((name, pos)) => Err(LiquidError::at(format!("unexpected tag \"{name}\""), pos)),
    }
}

/// Parts up to an `end…`/`else`/`elsif` tag (returned) or the end.
#[allow(clippy::type_complexity)]
fn parse_block<'s>(
    toks: &[Tok<'s>],
    i: &mut usize,
) -> Result<(Vec<Part>, Option<(&'s str, Pos)>), LiquidError> {
    let mut parts = Vec::new();
    while let Some(tok) = toks.get(*i) {
        *i += 1;
        match tok {
            Tok::Text(t) if !t.is_empty() => parts.push(Part::Text((*t).into())),
            Tok::Text(_) => {}
            Tok::Output(src, pos, start) => {
                parts.push(Part::Output(
                    rest_filtered(Scan::new(src), *start, *pos)?,
                    *pos,
                ));
            }
            Tok::Tag(name, args, pos, raw) => {
                let (name, args, pos) = (*name, *args, *pos);
                if name.starts_with("end") || name == "else" || name == "elsif" {
                    return Ok((parts, Some((name, pos))));
                }
                if let Some(part) = parse_tag(toks, i, name, args, pos, raw)? {
                    parts.push(part);
                }
            }
        }
    }
    Ok((parts, None))
}

fn parse_tag(
    toks: &[Tok<'_>],
    i: &mut usize,
    name: &str,
    args: &str,
    pos: Pos,
    raw: &str,
) -> Result<Option<Part>, LiquidError> {
    if DISABLED_TAGS.contains(&name) {
        return Err(LiquidError::at(format!("tag \"{name}\" is disabled"), pos));
    }
    if UNSUPPORTED_TAGS.contains(&name) {
        return Err(LiquidError::unsupported(format!("tag \"{name}\""), pos));
    }
    Ok(Some(match name {
        "#" => return Ok(None),
        "assign" => {
            let mut scan = Scan::new(args);
            let var = scan
                .ident()
                .ok_or_else(|| LiquidError::at("expected variable name", pos))?;
            if !scan.eat("=") {
                return Err(LiquidError::at("expected \"=\"", pos));
            }
            let value = rest_filtered(scan, pos.advance(&raw[..offset(raw, args)]), pos)?;
            Part::Assign(var.into(), value, pos)
        }
        "echo" => {
            let start = pos.advance(&raw[..offset(raw, args)]);
            Part::Output(rest_filtered(Scan::new(args), start, pos)?, pos)
        }
        "capture" => {
            let var = Scan::new(args)
                .ident()
                .or_else(|| quoted(args))
                .ok_or_else(|| LiquidError::at(format!("{args} not valid identifier"), pos))?;
            let body = block_until(toks, i, "endcapture", pos, raw)?;
            Part::Capture(var.into(), body)
        }
        "comment" => {
            skip_comment(toks, i, pos)?;
            return Ok(None);
        }
        "raw" => {
            let text = match toks.get(*i) {
                Some(Tok::Text(t)) => *t,
                _ => "",
            };
            *i += 2; // the text and the `endraw` the lexer put after it
            Part::Text(text.into())
        }
        "if" | "unless" => parse_if(toks, i, name, (args, raw), pos)?,
        _ => return Err(LiquidError::at(format!("tag \"{name}\" not found"), pos)),
    }))
}

fn parse_if(
    toks: &[Tok<'_>],
    i: &mut usize,
    name: &str,
    (args, raw): (&str, &str),
    pos: Pos,
) -> Result<Part, LiquidError> {
    let mut branches = Vec::new();
    let mut test = condition(name, args, pos.advance(&raw[..offset(raw, args)]), pos)?;
    let close = (format!("end{name}"), raw);
    loop {
        let (body, end) = parse_block(toks, i)?;
        branches.push((test, body));
        match end {
            Some(("elsif", p)) => {
                let Tok::Tag(_, args, _, raw) = toks[*i - 1] else {
                    unreachable!()
                };
                test = condition("if", args, p.advance(&raw[..offset(raw, args)]), p)?;
            }
            Some(("else", _)) => {
                let (otherwise, end) = parse_block(toks, i)?;
                expect_end(end, &close, pos)?;
                return Ok(Part::If(branches, otherwise, pos));
            }
            other => {
                expect_end(other, &close, pos)?;
                return Ok(Part::If(branches, Vec::new(), pos));
            }
        }
    }
}

fn condition(name: &str, args: &str, start: Pos, pos: Pos) -> Result<Filtered, LiquidError> {
    let mut test = rest_filtered(Scan::new(args), start, pos)?;
    if name == "unless" {
        test.expr = super::expr::Expr::Not(Box::new(test.expr));
    }
    Ok(test)
}

/// The block's end tag, or liquidjs's "tag {% if x %} not closed".
fn expect_end(
    end: Option<(&str, Pos)>,
    (close, raw): &(String, &str),
    pos: Pos,
) -> Result<(), LiquidError> {
    match end {
        Some((name, _)) if name == close => Ok(()),
        _ => Err(LiquidError::at(format!("tag {raw} not closed"), pos)),
    }
}

/// Where `inner` (a part of `raw`) starts in it.
fn offset(raw: &str, inner: &str) -> usize {
    (inner.as_ptr() as usize)
        .saturating_sub(raw.as_ptr() as usize)
        .min(raw.len())
}

fn block_until(
    toks: &[Tok<'_>],
    i: &mut usize,
    close: &str,
    pos: Pos,
    raw: &str,
) -> Result<Vec<Part>, LiquidError> {
    let (body, end) = parse_block(toks, i)?;
    expect_end(end, &(close.to_owned(), raw), pos)?;
    Ok(body)
}

/// Skips to the matching `endcomment` (comments nest).
fn skip_comment(toks: &[Tok<'_>], i: &mut usize, pos: Pos) -> Result<(), LiquidError> {
    let mut depth = 1;
    while let Some(tok) = toks.get(*i) {
        *i += 1;
        match tok {
            Tok::Tag("comment", ..) => depth += 1,
            Tok::Tag("endcomment", ..) => {
                depth -= 1;
                if depth == 0 {
                    return Ok(());
                }
            }
            _ => {}
        }
    }
    Err(LiquidError::at("tag {% comment %} not closed", pos))
}

fn quoted(args: &str) -> Option<&str> {
    let t = args.trim();
    let q = t.chars().next().filter(|c| *c == '"' || *c == '\'')?;
    t[1..].find(q).map(|end| &t[1..=end])
}

/// `start` is where the expression's text starts (syntax errors point
/// inside it), `pos` where its token starts.
fn rest_filtered(mut scan: Scan<'_>, start: Pos, pos: Pos) -> Result<Filtered, LiquidError> {
    if scan.at_end() {
        // `{{ }}` renders "".
        return Ok(Filtered {
            expr: super::expr::Expr::Lit(LVal::Undefined),
            filters: Vec::new(),
        });
    }
    let value = scan
        .filtered()
        .map_err(|e| LiquidError::at(e, start.advance(&scan.s[..scan.i])))?;
    if !scan.at_end() {
        let rest = scan.rest();
        return Err(LiquidError::at(format!("unexpected token {rest:?}"), pos));
    }
    for call in &value.filters {
        match &call.filter {
            Filter::Disabled(name) => {
                return Err(LiquidError::at(
                    format!("filter \"{name}\" is disabled"),
                    pos,
                ))
            }
            Filter::Unsupported(name) => {
                return Err(LiquidError::unsupported(format!("filter \"{name}\""), pos))
            }
            _ => {}
        }
    }
    Ok(value)
}
