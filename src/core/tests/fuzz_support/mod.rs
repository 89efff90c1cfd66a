//! Generators, checks and the seed corpus of `fuzz_mapping.rs`.

pub mod checks;
pub mod corpus;
pub mod gen;
