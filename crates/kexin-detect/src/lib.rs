//! Kexin's detection engine (crate documentation to be merged with the evaluator's).

pub mod correlation;
