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
    quiet_on_closed_pipe();
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

/// `interdict … | head` closes stdout early; `println!` then panics on the broken pipe.
/// Like a command killed by SIGPIPE, stop quietly instead of printing a panic (this
/// crate forbids the `unsafe` that resetting the signal would take).
fn quiet_on_closed_pipe() {
    let default_hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let message = info
            .payload()
            .downcast_ref::<String>()
            .map(String::as_str)
            .or_else(|| info.payload().downcast_ref::<&str>().copied())
            .unwrap_or("");
        if message.contains("Broken pipe") {
            std::process::exit(141);
        }
        default_hook(info);
    }));
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
