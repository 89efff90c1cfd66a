//! The subset of SendGrid's Segmentation Query Language (SGQL) that
//! `POST /v3/marketing/contacts/search` understands here: `field = 'v'`,
//! `field LIKE 'pat%'`, `field IN ('a', 'b')` and `CONTAINS(list_ids, 'id')`,
//! combined with `AND` / `OR` (AND binds tighter) and parentheses. Keywords
//! are case-insensitive; `''` inside a string is a quote. Anything else is
//! an error naming the part, so a query is never silently answered empty.

use std::fmt;

use serde_json::Value;

use super::contacts::{Contact, IDENTIFIERS};

/// Fields `=`, `LIKE` and `IN` accept besides the identifiers.
const TEXT_FIELDS: [&str; 6] = [
    "first_name",
    "last_name",
    "city",
    "country",
    "postal_code",
    "state_province_region",
];

/// Parentheses deeper than this are refused: the parser recurses on them,
/// and a 1 MB body of `(` must not exhaust the stack.
const MAX_DEPTH: usize = 32;

/// Why a query is outside the subset; the text names the offending part.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SgqlError(pub String);

impl fmt::Display for SgqlError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

fn fail<T>(message: String) -> Result<T, SgqlError> {
    Err(SgqlError(message))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
    /// Index into [`IDENTIFIERS`].
    Identifier(usize),
    Text(&'static str),
}

impl Field {
    fn named(name: &str) -> Option<Self> {
        if let Some(kind) = IDENTIFIERS.iter().position(|f| *f == name) {
            return Some(Self::Identifier(kind));
        }
        TEXT_FIELDS
            .iter()
            .find(|f| **f == name)
            .map(|f| Self::Text(f))
    }

    /// The stored value; an unset field has none and matches nothing (as
    /// SQL's NULL), even though the contact JSON shows it as `""`.
    fn value(self, contact: &Contact) -> Option<&str> {
        match self {
            Self::Identifier(kind) => contact.identifiers.get(kind)?.as_deref(),
            Self::Text(name) => contact.fields.get(name).and_then(Value::as_str),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Filter {
    Or(Vec<Filter>),
    And(Vec<Filter>),
    /// `=` (one value) and `IN` (several); exact, case-sensitive: SendGrid
    /// stores emails lower-cased and asks queries to be lower-case too.
    Equals(Field, Vec<String>),
    /// `%` matches any run of characters; everything else is literal.
    Like(Field, String),
    InList(String),
}

impl Filter {
    pub fn matches(&self, contact: &Contact) -> bool {
        match self {
            Self::Or(items) => items.iter().any(|f| f.matches(contact)),
            Self::And(items) => items.iter().all(|f| f.matches(contact)),
            Self::Equals(field, values) => field
                .value(contact)
                .is_some_and(|v| values.iter().any(|want| want == v)),
            Self::Like(field, pattern) => field.value(contact).is_some_and(|v| like(v, pattern)),
            Self::InList(id) => contact.list_ids.iter().any(|l| l == id),
        }
    }
}

fn like(text: &str, pattern: &str) -> bool {
    let parts: Vec<&str> = pattern.split('%').collect();
    let (Some(first), Some(last)) = (parts.first(), parts.last()) else {
        return false;
    };
    if parts.len() == 1 {
        return text == pattern;
    }
    if text.len() < first.len() + last.len() || !text.starts_with(first) || !text.ends_with(last) {
        return false;
    }
    // Both cuts sit on char boundaries: after a prefix, before a suffix.
    let mut rest = &text[first.len()..text.len() - last.len()];
    for middle in &parts[1..parts.len() - 1] {
        match rest.find(middle) {
            Some(at) => rest = &rest[at + middle.len()..],
            None => return false,
        }
    }
    true
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Token {
    Word(String),
    Text(String),
    Open,
    Close,
    Comma,
    Equals,
}

impl fmt::Display for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Word(word) => write!(f, "'{word}'"),
            Self::Text(text) => write!(f, "the string '{}'", text.replace('\'', "''")),
            Self::Open => f.write_str("'('"),
            Self::Close => f.write_str("')'"),
            Self::Comma => f.write_str("','"),
            Self::Equals => f.write_str("'='"),
        }
    }
}

/// Tokens with their character positions.
fn lex(query: &str) -> Result<Vec<(usize, Token)>, SgqlError> {
    let chars: Vec<char> = query.chars().collect();
    let mut tokens = Vec::new();
    let mut i = 0;
    while let Some(&c) = chars.get(i) {
        let start = i;
        i += 1;
        let token = match c {
            c if c.is_whitespace() => continue,
            '(' => Token::Open,
            ')' => Token::Close,
            ',' => Token::Comma,
            '=' => Token::Equals,
            '\'' => {
                let mut text = String::new();
                loop {
                    match chars.get(i) {
                        Some('\'') if chars.get(i + 1) == Some(&'\'') => {
                            text.push('\'');
                            i += 2;
                        }
                        Some('\'') => break,
                        Some(&c) => {
                            text.push(c);
                            i += 1;
                        }
                        None => {
                            let message =
                                format!("unterminated string starting at position {start}");
                            return fail(message);
                        }
                    }
                }
                i += 1; // the closing quote
                Token::Text(text)
            }
            c if c.is_ascii_alphabetic() || c == '_' => {
                while chars
                    .get(i)
                    .is_some_and(|c| c.is_ascii_alphanumeric() || *c == '_')
                {
                    i += 1;
                }
                Token::Word(chars[start..i].iter().collect())
            }
            '!' | '<' | '>' => {
                let end = i + usize::from(matches!(chars.get(i), Some('=' | '>')));
                let op: String = chars[start..end].iter().collect();
                return fail(format!(
                    "unsupported operator '{op}' at position {start}; use =, LIKE or IN"
                ));
            }
            '"' => {
                return fail(format!(
                    "unsupported '\"' at position {start}: strings take single quotes"
                ))
            }
            c if c.is_ascii_digit() || c == '-' => {
                return fail(format!(
                    "unsupported value at position {start}: values must be quoted strings"
                ));
            }
            other => {
                return fail(format!(
                    "unsupported character '{other}' at position {start}"
                ))
            }
        };
        tokens.push((start, token));
    }
    Ok(tokens)
}

/// Parses `query` into a filter, or names what is outside the subset.
pub fn parse(query: &str) -> Result<Filter, SgqlError> {
    let tokens = lex(query)?;
    if tokens.is_empty() {
        return fail("the query is empty".into());
    }
    let mut parser = Parser {
        tokens,
        at: 0,
        depth: 0,
    };
    let filter = parser.or()?;
    match parser.tokens.get(parser.at) {
        None => Ok(filter),
        Some((pos, token)) => fail(format!(
            "unexpected {token} at position {pos}; conditions combine with AND or OR"
        )),
    }
}

struct Parser {
    tokens: Vec<(usize, Token)>,
    at: usize,
    depth: usize,
}

impl Parser {
    fn next(&mut self) -> Option<(usize, Token)> {
        let token = self.tokens.get(self.at).cloned();
        self.at += 1;
        token
    }

    fn keyword(&mut self, word: &str) -> bool {
        let hit = matches!(self.tokens.get(self.at), Some((_, Token::Word(w))) if w.eq_ignore_ascii_case(word));
        self.at += usize::from(hit);
        hit
    }

    fn expect(&mut self, want: &Token, what: &str) -> Result<(), SgqlError> {
        match self.next() {
            Some((_, token)) if token == *want => Ok(()),
            Some((pos, token)) => fail(format!("expected {what} at position {pos}, got {token}")),
            None => fail(format!("expected {what}, but the query ends")),
        }
    }

    fn string(&mut self, after: &str) -> Result<String, SgqlError> {
        match self.next() {
            Some((_, Token::Text(text))) => Ok(text),
            Some((pos, token)) => fail(format!(
                "expected a quoted string after {after} at position {pos}, got {token}"
            )),
            None => fail(format!(
                "expected a quoted string after {after}, but the query ends"
            )),
        }
    }

    fn or(&mut self) -> Result<Filter, SgqlError> {
        let mut items = vec![self.and()?];
        while self.keyword("OR") {
            items.push(self.and()?);
        }
        Ok(if items.len() == 1 {
            items.remove(0)
        } else {
            Filter::Or(items)
        })
    }

    fn and(&mut self) -> Result<Filter, SgqlError> {
        let mut items = vec![self.condition()?];
        while self.keyword("AND") {
            items.push(self.condition()?);
        }
        Ok(if items.len() == 1 {
            items.remove(0)
        } else {
            Filter::And(items)
        })
    }

    fn condition(&mut self) -> Result<Filter, SgqlError> {
        let (pos, word) = match self.next() {
            Some((pos, Token::Open)) => {
                if self.depth >= MAX_DEPTH {
                    return fail(format!(
                        "parentheses nest deeper than {MAX_DEPTH} levels at position {pos}"
                    ));
                }
                self.depth += 1;
                let inner = self.or()?;
                self.depth -= 1;
                self.expect(&Token::Close, "')'")?;
                return Ok(inner);
            }
            Some((pos, Token::Word(word))) => (pos, word),
            Some((pos, token)) => {
                return fail(format!(
                    "expected a condition at position {pos}, got {token}"
                ))
            }
            None => return fail("expected a condition, but the query ends".into()),
        };
        if matches!(self.tokens.get(self.at), Some((_, Token::Open))) {
            if !word.eq_ignore_ascii_case("CONTAINS") {
                return fail(format!("unsupported function '{word}' at position {pos}; only CONTAINS(list_ids, '…') is"));
            }
            self.at += 1;
            return self.contains();
        }
        let upper = word.to_ascii_uppercase();
        if ["AND", "OR", "NOT", "LIKE", "IN", "IS", "BETWEEN"].contains(&upper.as_str()) {
            return fail(format!(
                "unsupported keyword '{word}' at position {pos}: a condition starts with a field"
            ));
        }
        let Some(field) = Field::named(&word) else {
            return fail(format!(
                "unsupported field '{word}' at position {pos}; fields: {}, {}",
                IDENTIFIERS.join(", "),
                TEXT_FIELDS.join(", ")
            ));
        };
        self.comparison(field, &word)
    }

    fn comparison(&mut self, field: Field, name: &str) -> Result<Filter, SgqlError> {
        match self.next() {
            Some((_, Token::Equals)) => Ok(Filter::Equals(field, vec![self.string("=")?])),
            Some((_, Token::Word(w))) if w.eq_ignore_ascii_case("LIKE") => {
                Ok(Filter::Like(field, self.string("LIKE")?))
            }
            Some((_, Token::Word(w))) if w.eq_ignore_ascii_case("IN") => {
                self.expect(&Token::Open, "'(' after IN")?;
                let mut values = vec![self.string("IN (")?];
                while matches!(self.tokens.get(self.at), Some((_, Token::Comma))) {
                    self.at += 1;
                    values.push(self.string(",")?);
                }
                self.expect(&Token::Close, "')' closing IN")?;
                Ok(Filter::Equals(field, values))
            }
            Some((pos, token)) => fail(format!(
                "unsupported operator {token} after '{name}' at position {pos}; use =, LIKE or IN"
            )),
            None => fail(format!(
                "expected =, LIKE or IN after '{name}', but the query ends"
            )),
        }
    }

    /// After `CONTAINS(`: `list_ids, '<id>')`.
    fn contains(&mut self) -> Result<Filter, SgqlError> {
        match self.next() {
            Some((_, Token::Word(w))) if w == "list_ids" => {}
            Some((pos, token)) => {
                return fail(format!(
                    "CONTAINS supports only list_ids; got {token} at position {pos}"
                ))
            }
            None => return fail("expected list_ids in CONTAINS, but the query ends".into()),
        }
        self.expect(&Token::Comma, "','")?;
        let id = self.string("CONTAINS(list_ids,")?;
        self.expect(&Token::Close, "')' closing CONTAINS")?;
        Ok(Filter::InList(id))
    }
}

#[cfg(test)]
mod tests;
