//! One module per command; `run` dispatches.

mod audit;
mod bench;
pub(crate) mod bench_access;
mod deconflict;
mod demo;
mod directory;
mod eval;
mod graph;
mod graph_store;
mod ingest;
mod quarantine;
mod resolve;
mod resolve_store;
mod retention;
mod serve;
mod simulate;
mod status;
mod watch;

use std::process::ExitCode;

use anyhow::Result;

use crate::cli::{BenchTarget, Command, EvalTarget, GraphCommand};

pub fn run(command: Command) -> Result<ExitCode> {
    match command {
        Command::Simulate(arguments) => simulate::run(&arguments),
        Command::Ingest(arguments) => ingest::run(&arguments),
        Command::Status(arguments) => status::run(&arguments),
        Command::Quarantine(arguments) => quarantine::run(&arguments),
        Command::Demo(arguments) => demo::run(&arguments),
        Command::Bench(arguments) => match arguments.target {
            BenchTarget::Ingest(arguments) => bench::ingest(&arguments),
            BenchTarget::Simulate(arguments) => bench::simulate(&arguments),
            BenchTarget::Resolve(arguments) => bench::resolve(&arguments),
            BenchTarget::Access(arguments) => bench_access::run(&arguments),
        },
        Command::Resolve(arguments) => resolve::run(&arguments),
        Command::Eval(arguments) => match arguments.target {
            EvalTarget::Resolution(arguments) => eval::resolution(&arguments),
            EvalTarget::Deconfliction(arguments) => deconflict::eval(&arguments),
            EvalTarget::Network(arguments) => graph_store::eval(&arguments),
        },
        Command::Audit(arguments) => audit::run(&arguments),
        Command::Deconflict(arguments) => deconflict::run(&arguments),
        Command::Watch(arguments) => watch::run(&arguments),
        Command::Retention(arguments) => retention::run(&arguments),
        Command::Serve(arguments) => serve::run(&arguments),
        Command::Agencies(arguments) => directory::agencies(&arguments),
        Command::Users(arguments) => directory::users(&arguments),
        Command::Agreements(arguments) => directory::agreements(&arguments),
        Command::Cases(arguments) => directory::cases(&arguments),
        Command::Graph(arguments) => match arguments.command {
            GraphCommand::KeyPlayers(arguments) => graph::key_players(&arguments),
            GraphCommand::Communities(arguments) => graph::communities(&arguments),
            GraphCommand::Path(arguments) => graph::path(&arguments),
            GraphCommand::Neighbours(arguments) => graph::neighbours(&arguments),
            GraphCommand::Common(arguments) => graph_store::common(&arguments),
            GraphCommand::Export(arguments) => graph::export(&arguments),
            GraphCommand::Roles(arguments) => graph_store::roles(&arguments),
            GraphCommand::Trace(arguments) => graph_store::trace(&arguments),
        },
    }
}

/// Prints a value as pretty JSON on stdout.
fn print_json<T: serde::Serialize>(value: &T) -> Result<()> {
    println!("{}", serde_json::to_string_pretty(value)?);
    Ok(())
}
