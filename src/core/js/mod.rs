//! JavaScript semantics Segment's code has because it runs under Node, in
//! one place for the mapping engine and both actions: key enumeration order,
//! truthiness, `String()` of numbers and scalars, `trim()`, UTF-16 lengths and
//! `JSON.stringify` (string escaping and whole values).

mod json;
mod keys;
mod values;

pub(crate) use json::*;
pub(crate) use keys::*;
pub(crate) use values::*;

#[cfg(test)]
mod tests;
