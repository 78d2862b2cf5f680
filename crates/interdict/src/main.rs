//! The `interdict` binary: command-line glue over the library crates.

fn main() {}
