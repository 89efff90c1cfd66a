//! Expressions inside `{{ }}` and tags: literals, variable paths, ranges,
//! the operators and filters with their arguments. Operators follow
//! liquidjs's precedence (comparisons, then `not`, then `and`/`or`, all
//! right-associative).

use super::filters::Filter;
use super::value::LVal;

#[derive(Debug, Clone)]
pub(crate) enum Expr {
    Lit(LVal<'static>),
    /// A variable and the properties read from it (`a.b[0]["c"]`, `a[b]`).
    Path(Box<str>, Vec<Expr>),
    Range(Box<Expr>, Box<Expr>),
    Op(Box<Expr>, Op, Box<Expr>),
    Not(Box<Expr>),
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Op {
    Eq,
    Ne,
    Lt,
    Gt,
    Le,
    Ge,
    Contains,
    And,
    Or,
}

/// A value and the filters it goes through.
#[derive(Debug, Clone)]
pub(crate) struct Filtered {
    pub expr: Expr,
    pub filters: Vec<FilterCall>,
}

#[derive(Debug, Clone)]
pub(crate) struct FilterCall {
    pub filter: Filter,
    /// Positional arguments; `key: value` arguments come as (key, value).
    pub args: Vec<(Option<Box<str>>, Expr)>,
}

/// A cursor over an expression's text.
pub(crate) struct Scan<'s> {
    pub s: &'s str,
    pub i: usize,
}

impl<'s> Scan<'s> {
    pub(crate) fn new(s: &'s str) -> Self {
        Self { s, i: 0 }
    }

    pub(crate) fn skip_ws(&mut self) {
        let rest = &self.s[self.i..];
        self.i += rest.len() - rest.trim_start().len();
    }

    pub(crate) fn rest(&self) -> &'s str {
        &self.s[self.i..]
    }

    pub(crate) fn at_end(&mut self) -> bool {
        self.skip_ws();
        self.i >= self.s.len()
    }

    pub(crate) fn eat(&mut self, token: &str) -> bool {
        self.skip_ws();
        if self.rest().starts_with(token) {
            self.i += token.len();
            true
        } else {
            false
        }
    }

    /// An identifier (`[\w-]+`, liquidjs allows dashes).
    pub(crate) fn ident(&mut self) -> Option<&'s str> {
        self.skip_ws();
        let rest = self.rest();
        let len = rest
            .find(|c: char| !(c.is_alphanumeric() || c == '_' || c == '-' || c == '?'))
            .unwrap_or(rest.len());
        if len == 0 || rest.starts_with('-') {
            return None;
        }
        self.i += len;
        Some(&rest[..len])
    }

    /// A word operator (`and`, `contains`, …) followed by a non-word character.
    fn word(&mut self, w: &str) -> bool {
        self.skip_ws();
        let rest = self.rest();
        let after = rest.get(w.len()..).and_then(|r| r.chars().next());
        if rest.starts_with(w) && !after.is_some_and(|c| c.is_alphanumeric() || c == '_') {
            self.i += w.len();
            true
        } else {
            false
        }
    }

    /// `expr | filter: args | …`, up to the end or an unknown character.
    pub(crate) fn filtered(&mut self) -> Result<Filtered, String> {
        let expr = self.logic()?;
        let mut filters = Vec::new();
        while self.eat("|") {
            let name = self.ident().ok_or("expected filter name")?;
            let mut args = Vec::new();
            self.skip_ws();
            if !self.rest().is_empty() && !self.rest().starts_with(['|', ':']) {
                return Err("expected \":\" after filter name".to_owned());
            }
            if self.eat(":") {
                loop {
                    let save = self.i;
                    let key = self.ident().filter(|_| self.eat(":"));
                    if key.is_none() {
                        self.i = save;
                    }
                    args.push((key.map(Into::into), self.operand()?));
                    if !self.eat(",") {
                        break;
                    }
                }
            }
            filters.push(FilterCall {
                filter: Filter::named(name),
                args,
            });
        }
        Ok(Filtered { expr, filters })
    }

    pub(crate) fn logic(&mut self) -> Result<Expr, String> {
        let left = self.not()?;
        for (w, op) in [("and", Op::And), ("or", Op::Or)] {
            if self.word(w) {
                let right = self.logic()?;
                return Ok(Expr::Op(Box::new(left), op, Box::new(right)));
            }
        }
        Ok(left)
    }

    fn not(&mut self) -> Result<Expr, String> {
        if self.word("not") {
            return Ok(Expr::Not(Box::new(self.not()?)));
        }
        self.comparison()
    }

    fn comparison(&mut self) -> Result<Expr, String> {
        let left = self.operand()?;
        let symbols = [
            ("==", Op::Eq),
            ("!=", Op::Ne),
            ("<>", Op::Ne),
            ("<=", Op::Le),
            (">=", Op::Ge),
            ("<", Op::Lt),
            (">", Op::Gt),
        ];
        let op = symbols
            .into_iter()
            .find(|(s, _)| self.eat(s))
            .map(|(_, op)| op)
            .or_else(|| self.word("contains").then_some(Op::Contains));
        match op {
            Some(op) => Ok(Expr::Op(Box::new(left), op, Box::new(self.comparison()?))),
            None => Ok(left),
        }
    }

    /// A literal, a range or a variable path.
    pub(crate) fn operand(&mut self) -> Result<Expr, String> {
        self.skip_ws();
        let rest = self.rest();
        let Some(first) = rest.chars().next() else {
            return Err("expected a value".to_owned());
        };
        if first == '"' || first == '\'' {
            let end = rest[1..].find(first).ok_or("unclosed string")? + 1;
            self.i += end + 1;
            return Ok(Expr::Lit(LVal::str(rest[1..end].to_owned())));
        }
        if first == '(' {
            self.i += 1;
            let low = self.operand()?;
            if !self.eat("..") {
                return Err("invalid range syntax".to_owned());
            }
            let high = self.operand()?;
            if !self.eat(")") {
                return Err("invalid range syntax".to_owned());
            }
            return Ok(Expr::Range(Box::new(low), Box::new(high)));
        }
        if let Some(n) = number_prefix(rest) {
            self.i += n.len();
            return Ok(Expr::Lit(LVal::Num(n.parse().unwrap_or(f64::NAN))));
        }
        if first == '[' {
            return self.path(String::new());
        }
        let name = self
            .ident()
            .ok_or_else(|| format!("unexpected token {first:?}"))?;
        let literal = match name {
            "true" => Some(LVal::Bool(true)),
            "false" => Some(LVal::Bool(false)),
            "nil" | "null" => Some(LVal::Nil),
            "empty" => Some(LVal::Empty),
            "blank" => Some(LVal::Blank),
            _ => None,
        };
        match literal {
            Some(v) if !self.rest().starts_with(['.', '[']) => Ok(Expr::Lit(v)),
            _ => self.path(name.to_owned()),
        }
    }

    /// The `.key`, `[expr]` reads after a variable name.
    fn path(&mut self, name: String) -> Result<Expr, String> {
        let mut name = name;
        let mut props = Vec::new();
        loop {
            if self.rest().starts_with('.') && !self.rest().starts_with("..") {
                self.i += 1;
                let key = self.ident().ok_or("expected a property name")?;
                props.push(Expr::Lit(LVal::str(key.to_owned())));
            } else if self.rest().starts_with('[') {
                self.i += 1;
                let key = self.operand()?;
                if !self.eat("]") {
                    return Err("expected \"]\"".to_owned());
                }
                if name.is_empty() && props.is_empty() {
                    // `["a b"]`: a variable named by a string.
                    if let Expr::Lit(LVal::Str(s)) = &key {
                        name = s.to_string();
                        continue;
                    }
                }
                props.push(key);
            } else {
                return Ok(Expr::Path(name.into(), props));
            }
        }
    }
}

/// `-?\d+(\.\d+)?` not followed by a word character.
fn number_prefix(s: &str) -> Option<&str> {
    let digits = |t: &str| t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
    let sign = usize::from(s.starts_with('-'));
    let int = digits(&s[sign..]);
    if int == 0 {
        return None;
    }
    let mut end = sign + int;
    if s[end..].starts_with('.') && !s[end..].starts_with("..") {
        let frac = digits(&s[end + 1..]);
        if frac > 0 {
            end += 1 + frac;
        }
    }
    let next = s[end..].chars().next();
    if next.is_some_and(|c| c.is_alphabetic() || c == '_') {
        return None;
    }
    Some(&s[..end])
}
