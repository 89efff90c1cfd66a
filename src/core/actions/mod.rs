//! The destination's actions, each in its own module.

pub mod input;
pub mod send;
