//! The one integration-test binary of the `interdict` crate.

mod cli;
mod resolve;
mod tidy;
