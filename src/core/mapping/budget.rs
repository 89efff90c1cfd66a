//! The one bound on what applying a mapping may produce for one record.
//!
//! A few bytes of mapping can ask for gigabytes: nested `@replace` grows
//! tenfold per level, nested `@json` encode doubles, a `@template` repeats a
//! value once per placeholder, `$\`` in a replacement copies the text before
//! every match. Rather than a rule per directive, every byte the engine
//! builds (strings, array slots, object members) or copies out of the record
//! (the output, a value read twice) is charged here *before* it is
//! allocated, and the record fails with a `MappingError` once the budget is
//! spent. The charge is roughly the JSON size of what is built: the UTF-8
//! bytes of strings and keys, plus [`VALUE_BYTES`] per value.

use crate::error::{Error, Result};

/// The default limit: 64 MiB per record, twice SendGrid's largest request
/// body (a mail, "less than 30 MB"), so no record SendGrid would take is
/// refused here, and far below what would exhaust memory.
pub const MAX_OUTPUT_BYTES: usize = 64 * 1024 * 1024;

/// What a value costs besides its text: a number, `true`, an array slot,
/// an object member.
pub(crate) const VALUE_BYTES: usize = 8;

/// The bytes a record may still produce, and where they are being spent.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Budget<'s> {
    left: usize,
    limit: usize,
    /// The directive building now (its location in the mapping), named by
    /// the error; empty while the output is being copied out.
    pub site: &'s str,
}

impl<'s> Budget<'s> {
    pub(crate) fn new(limit: usize) -> Self {
        Self {
            left: limit,
            limit,
            site: "",
        }
    }

    /// What is left, to carry on with later (the output of
    /// [`Mapped`](super::Mapped), serialized after the mapping ran).
    pub(crate) fn left(&self) -> (usize, usize) {
        (self.left, self.limit)
    }

    pub(crate) fn resume(left: usize, limit: usize) -> Self {
        Self {
            left,
            limit,
            site: "",
        }
    }

    /// Takes `bytes` from the budget, or fails the record.
    #[inline(always)]
    pub(crate) fn charge(&mut self, bytes: usize) -> Result<()> {
        match self.left.checked_sub(bytes) {
            Some(left) => {
                self.left = left;
                Ok(())
            }
            None => Err(self.exceeded()),
        }
    }

    /// A string about to be built or copied: its bytes and its slot.
    #[inline(always)]
    pub(crate) fn charge_str(&mut self, text: &str) -> Result<()> {
        self.charge(text.len().saturating_add(VALUE_BYTES))
    }

    /// `count` array slots or object members about to be built.
    #[inline(always)]
    pub(crate) fn charge_values(&mut self, count: usize) -> Result<()> {
        self.charge(count.saturating_mul(VALUE_BYTES))
    }

    /// Text about to be split into parts (a path into its keys, JSON text
    /// into its values): its bytes, and a value for each byte `starts_part`
    /// marks (an upper bound of the parts), so a text of many tiny parts
    /// costs what its parts will.
    pub(crate) fn charge_parts(&mut self, text: &str, starts_part: fn(u8) -> bool) -> Result<()> {
        let parts = 1 + text.bytes().filter(|b| starts_part(*b)).count();
        self.charge(text.len())?;
        self.charge_values(parts)
    }

    #[cold]
    #[inline(never)]
    fn exceeded(&self) -> Error {
        let limit = self.limit;
        let what = format!(
            "the mapping's output for this record would exceed {limit} bytes, the limit \
             of what a mapping may produce for one record"
        );
        if self.site.is_empty() {
            Error::Mapping(format!("mapping: {what}"))
        } else {
            Error::Mapping(format!("{}: {what}", self.site))
        }
    }
}

/// A `String` that charges the budget before each push: how directives
/// build text whose size is not known up front.
pub(crate) struct Text<'b, 's> {
    pub out: String,
    budget: &'b mut Budget<'s>,
}

impl<'b, 's> Text<'b, 's> {
    /// Charges the string's own slot up front.
    pub(crate) fn new(budget: &'b mut Budget<'s>) -> Result<Self> {
        budget.charge(VALUE_BYTES)?;
        Ok(Self {
            out: String::new(),
            budget,
        })
    }

    #[inline]
    pub(crate) fn push_str(&mut self, piece: &str) -> Result<()> {
        self.budget.charge(piece.len())?;
        self.out.push_str(piece);
        Ok(())
    }

    #[inline]
    pub(crate) fn push(&mut self, c: char) -> Result<()> {
        self.budget.charge(c.len_utf8())?;
        self.out.push(c);
        Ok(())
    }

    /// The string to append exactly `bytes` bytes to, charged first (for
    /// text whose length is worked out before it is written).
    pub(crate) fn charged(&mut self, bytes: usize) -> Result<&mut String> {
        self.budget.charge(bytes)?;
        Ok(&mut self.out)
    }

    /// A number as JS prints it (at most 25 bytes, charged once written).
    pub(crate) fn push_number(&mut self, n: &serde_json::Number) -> Result<()> {
        let before = self.out.len();
        crate::js::push_number(&mut self.out, n);
        self.budget.charge(self.out.len() - before)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn charges_until_the_limit_then_names_the_site() {
        let mut budget = Budget::new(100);
        budget.site = "mapping.v.@replace";
        assert!(budget.charge(60).is_ok());
        assert!(budget.charge(40).is_ok());
        let Err(Error::Mapping(message)) = budget.charge(1) else {
            panic!("no error")
        };
        assert_eq!(
            message,
            "mapping.v.@replace: the mapping's output for this record would exceed 100 \
             bytes, the limit of what a mapping may produce for one record"
        );
        assert!(Budget::new(10).charge(usize::MAX).is_err());
    }

    #[test]
    fn text_is_not_grown_past_the_budget() {
        let mut budget = Budget::new(VALUE_BYTES + 5);
        let mut text = Text::new(&mut budget).unwrap();
        text.push_str("abc").unwrap();
        text.push('é').unwrap();
        assert!(text.push_str("x").is_err());
        assert_eq!(text.out, "abcé");
    }
}
