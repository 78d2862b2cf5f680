//! The one integration-test binary of the `interdict` crate.

mod audit;
mod browser;
mod cli;
mod deconflict;
mod directory;
mod graph;
mod graph_store;
mod resolve;
mod resolve_store;
mod retention;
mod tidy;
mod watch;

use std::process::{Command, Output};

/// The built `interdict` binary, ready for arguments.
fn interdict() -> Command {
    Command::new(env!("CARGO_BIN_EXE_interdict"))
}

/// Runs a command and fails the test, with its output, unless it succeeds.
fn run_ok(command: &mut Command) -> Output {
    let output = command.output().expect("interdict runs");
    assert!(
        output.status.success(),
        "{command:?} failed with {}:\n{}\n{}",
        output.status,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    output
}
