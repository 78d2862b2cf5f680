//! Command-line arguments as clap parses them.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// Interdict: multi-agency counter-narcotics intelligence.
#[derive(Debug, Parser)]
#[command(name = "interdict", version, about)]
pub struct Arguments {
    /// More log output on stderr (-v info, -vv debug); INTERDICT_LOG overrides.
    #[arg(short, long, action = clap::ArgAction::Count, global = true)]
    pub verbose: u8,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Write a simulated multi-agency world: feed files, their profiles and the truth.
    Simulate(SimulateArgs),
    /// Take feed files into a store (a profile, a folder of profiles, or --profile + files).
    Ingest(IngestArgs),
    /// What a store holds: records by kind and agency, batches, quarantine.
    Status(StatusArgs),
    /// The rows that could not be taken in, with file, line, field and reason.
    Quarantine(QuarantineArgs),
    /// Simulate a small world, ingest it into a fresh SQLite file, and show it.
    Demo(DemoArgs),
    /// Measure throughput and memory (prints figures; see docs/benchmarks.md).
    Bench(BenchArgs),
    /// Cluster the people of one file (deduplicate) or two files (link) into entities.
    Resolve(ResolveArgs),
    /// Measure results against ground truth.
    Eval(EvalArgs),
}

#[derive(Debug, Args)]
pub struct ResolveArgs {
    /// A data file; once to deduplicate it, twice to link two files (only pairs across
    /// the files are compared).
    #[arg(long = "input", required = true, num_args = 1)]
    pub inputs: Vec<PathBuf>,
    /// The mapping profile of the inputs; it must map exactly one Person entity.
    #[arg(long)]
    pub profile: PathBuf,
    /// Where to write `record_id,cluster_id` for every input record.
    #[arg(long)]
    pub out: PathBuf,
    /// Merge pairs with at least this match weight (bits). Default: the weight at which
    /// the fitted model gives a pair probability 0.5, log2((1 - λ) / λ).
    #[arg(long, allow_negative_numbers = true)]
    pub threshold: Option<f64>,
    /// Write every scored candidate pair, with per-field evidence, as JSON Lines here.
    #[arg(long)]
    pub explain: Option<PathBuf>,
    /// Seed of the random pairs the model's u-probabilities are fitted on.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Print the summary as JSON on stdout.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct EvalArgs {
    #[command(subcommand)]
    pub target: EvalTarget,
}

#[derive(Debug, Subcommand)]
pub enum EvalTarget {
    /// Pairwise and B-cubed precision, recall and F1 of a `resolve` output.
    Resolution(EvalResolutionArgs),
}

#[derive(Debug, Args)]
pub struct EvalResolutionArgs {
    /// CSV with `record_id,cluster_id`, as `interdict resolve` writes it.
    #[arg(long)]
    pub clusters: PathBuf,
    /// CSV with `record_id,entity_id`: the true entity of each record.
    #[arg(long)]
    pub truth: PathBuf,
    /// Print the metrics as JSON on stdout.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct StoreArg {
    /// The store: sqlite:PATH (embedded, the default) or postgres://USER@HOST:PORT/DB.
    #[arg(long, env = "INTERDICT_DB", default_value = "sqlite:interdict.sqlite")]
    pub db: String,
}

#[derive(Debug, Args)]
pub struct SimulateArgs {
    /// Seed of the random world; the same seed and scale give the same files.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// small (a few thousand records), medium (about a million), large (over ten million).
    #[arg(long, default_value = "small")]
    pub scale: String,
    /// First day of the simulated period (YYYY-MM-DD).
    #[arg(long, default_value = "2016-01-01")]
    pub start: chrono::NaiveDate,
    /// Length of the simulated period in days.
    #[arg(long, default_value_t = 1827)]
    pub days: u32,
    /// The folder to write into (created; must be empty or absent).
    #[arg(long)]
    pub out: PathBuf,
    /// Print the summary as JSON on stdout.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct IngestArgs {
    #[command(flatten)]
    pub store: StoreArg,
    /// A mapping profile to apply to the data files given as PATH.
    #[arg(long)]
    pub profile: Option<PathBuf>,
    /// Fail (exit 1) if any row is quarantined.
    #[arg(long)]
    pub strict: bool,
    /// Print the report as JSON on stdout.
    #[arg(long)]
    pub json: bool,
    /// Profiles (*.profile.toml), folders holding them, or data files with --profile.
    #[arg(required = true)]
    pub paths: Vec<PathBuf>,
}

#[derive(Debug, Args)]
pub struct StatusArgs {
    #[command(flatten)]
    pub store: StoreArg,
    /// Print the status as JSON on stdout.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct QuarantineArgs {
    #[command(flatten)]
    pub store: StoreArg,
    /// Only the rows of this batch (its id, as `status` and `ingest` print it).
    #[arg(long)]
    pub batch: Option<model::BatchId>,
    #[arg(long, default_value_t = 0)]
    pub offset: u64,
    #[arg(long, default_value_t = 100)]
    pub limit: u64,
    /// Print the rows as JSON on stdout.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Where to put the world and the SQLite file (replaced if it holds an earlier demo).
    #[arg(long, default_value = "interdict-demo")]
    pub dir: PathBuf,
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Print the summary as JSON on stdout.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct BenchArgs {
    #[command(subcommand)]
    pub target: BenchTarget,
}

#[derive(Debug, Subcommand)]
pub enum BenchTarget {
    /// Ingest throughput and peak memory into SQLite and/or PostgreSQL.
    Ingest(BenchIngestArgs),
    /// Simulator throughput.
    Simulate(BenchSimulateArgs),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum BenchBackend {
    Sqlite,
    Postgres,
    Both,
}

#[derive(Debug, Args)]
pub struct BenchIngestArgs {
    /// World sizes to ingest, as simulator scales (medium ≈ 1M records, large ≥ 10M).
    #[arg(long, value_delimiter = ',', default_value = "medium")]
    pub scales: Vec<String>,
    #[arg(long, value_enum, default_value_t = BenchBackend::Both)]
    pub backend: BenchBackend,
    /// Scratch folder for worlds and databases (default: a temporary folder).
    #[arg(long)]
    pub work_dir: Option<PathBuf>,
    #[arg(long, default_value_t = 7)]
    pub seed: u64,
    /// Print the figures as JSON on stdout.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct BenchSimulateArgs {
    #[arg(long, value_delimiter = ',', default_value = "medium")]
    pub scales: Vec<String>,
    #[arg(long)]
    pub work_dir: Option<PathBuf>,
    #[arg(long, default_value_t = 7)]
    pub seed: u64,
    #[arg(long)]
    pub json: bool,
}
