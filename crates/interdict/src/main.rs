//! The `interdict` binary: command-line glue over the library crates.
//!
//! Raw arguments are parsed by clap in `cli`, each command lives in its own module
//! under `commands`, and errors reach the user once, here, with their whole context.

mod cli;
mod commands;
mod memory;
mod open;
mod progress;

use std::process::ExitCode;

use clap::Parser;

// Ingest builds and frees millions of small records; glibc malloc spent a quarter of
// the CPU time on them, mimalloc's thread-local free lists far less.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let arguments = cli::Arguments::parse();
    init_tracing(arguments.verbose);
    match commands::run(arguments.command) {
        Ok(code) => code,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::from(2)
        }
    }
}

fn init_tracing(verbose: u8) {
    let default_level = match verbose {
        0 => "warn",
        1 => "info",
        _ => "debug",
    };
    let filter = tracing_subscriber::EnvFilter::try_from_env("INTERDICT_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default_level));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .init();
}
