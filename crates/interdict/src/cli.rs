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
    /// Cluster people into entities: of one file (deduplicate), two files (link) or a
    /// store (--db, with judgements, stable ids and the review flow).
    Resolve(ResolveArgs),
    /// Measure results against ground truth.
    Eval(EvalArgs),
    /// Network analytics on an edge list: key players, communities, paths, export.
    Graph(GraphArgs),
    /// Verify, read or anchor the hash-chained audit log.
    Audit(AuditArgs),
    /// Register planned operations and learn who else operates there, then, or on the
    /// same target (contacts only, never the other operation's details).
    Deconflict(DeconflictArgs),
    /// Standing watches on resolved entities: alerts, as pointers, when any agency
    /// ingests something new about them.
    Watch(WatchArgs),
    /// 28 CFR Part 23 retention: what is due for review, and the audited purge.
    Retention(RetentionArgs),
    /// Serve the HTTP API and the web UI over a store (until ctrl-c).
    Serve(ServeArgs),
    /// The task force's agencies (add, list).
    Agencies(AgenciesArgs),
    /// User accounts: add (password on stdin), list, unlock, enrol TOTP, disable.
    Users(UsersArgs),
    /// Sharing agreements between agencies (add, list).
    Agreements(AgreementsArgs),
    /// Cases and their members (add, member, list).
    Cases(CasesArgs),
}

#[derive(Debug, Args)]
#[command(args_conflicts_with_subcommands = true, subcommand_negates_reqs = true)]
pub struct ResolveArgs {
    /// The review flow on a store: judge pairs, list judgements, the review queue,
    /// explain a pair or an entity.
    #[command(subcommand)]
    pub command: Option<ResolveCommand>,
    /// A data file; once to deduplicate it, twice to link two files (only pairs across
    /// the files are compared).
    #[arg(long = "input", required_unless_present = "db", num_args = 1)]
    pub inputs: Vec<PathBuf>,
    /// The mapping profile of the inputs; it must map exactly one Person entity.
    #[arg(long, required_unless_present = "db")]
    pub profile: Option<PathBuf>,
    /// Where to write `record_id,cluster_id` for every input record.
    #[arg(long, required_unless_present = "db")]
    pub out: Option<PathBuf>,
    /// Resolve every Person record of this store (sqlite:PATH or postgres://…) instead
    /// of files: replays the judgement log, keeps entity ids stable across runs and
    /// writes the assignment, redirects, review queue and a run row.
    #[arg(long, conflicts_with_all = ["inputs", "profile", "out", "explain"])]
    pub db: Option<String>,
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
    /// With --db: match only Person records no run has assigned yet against the
    /// entities of the latest full run, with its model and threshold, instead of
    /// resolving everything again.
    #[arg(long, requires = "db")]
    pub incremental: bool,
    /// Print the summary as JSON on stdout.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Subcommand)]
pub enum ResolveCommand {
    /// Record a reviewer's decision on two records (or withdraw one with --reverse);
    /// `interdict resolve --db` applies it.
    Judge(ResolveJudgeArgs),
    /// The judgement log, oldest first, with what is in force.
    Judgements(ResolveJudgementsArgs),
    /// The review queue of the latest run: borderline pairs, most valuable first.
    Review(ResolveReviewArgs),
    /// The evidence for two records, or how an entity was built.
    Explain(ResolveExplainArgs),
    /// The entities of the latest run, largest first.
    Entities(ResolveEntitiesArgs),
}

#[derive(Debug, Args)]
pub struct ResolveEntitiesArgs {
    #[command(flatten)]
    pub store: StoreArg,
    /// Only entities with at least this many records.
    #[arg(long, default_value_t = 2)]
    pub min_records: usize,
    /// How many entities to list.
    #[arg(long, default_value_t = 50)]
    pub limit: usize,
    /// Print the entities as JSON on stdout.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum JudgeKind {
    /// The two records are one person.
    Same,
    /// The two records are different people.
    Different,
}

#[derive(Debug, Args)]
pub struct ResolveJudgeArgs {
    #[command(flatten)]
    pub store: StoreArg,
    /// same or different.
    #[arg(
        value_enum,
        required_unless_present = "reverse",
        conflicts_with = "reverse"
    )]
    pub kind: Option<JudgeKind>,
    /// A record: its id (32 hex digits, as `resolve explain` and the review queue show
    /// it) or AGENCY/FEED/SOURCE_RECORD_ID.
    #[arg(required_unless_present = "reverse")]
    pub left: Option<String>,
    /// The other record, in the same forms.
    #[arg(required_unless_present = "reverse")]
    pub right: Option<String>,
    /// Withdraw this earlier judgement (its id, as `resolve judgements` lists it).
    #[arg(long)]
    pub reverse: Option<u64>,
    /// Who decides (a user id).
    #[arg(long = "by")]
    pub decided_by: String,
    /// Why: required free text (evidence seen, case number).
    #[arg(long = "why")]
    pub reason: String,
    /// Print the appended entry as JSON on stdout.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct ResolveJudgementsArgs {
    #[command(flatten)]
    pub store: StoreArg,
    /// Print the log as JSON on stdout.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct ResolveReviewArgs {
    #[command(flatten)]
    pub store: StoreArg,
    /// How many pairs to show.
    #[arg(long, default_value_t = 10)]
    pub limit: usize,
    /// Print the queue as JSON on stdout.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct ResolveExplainArgs {
    #[command(flatten)]
    pub store: StoreArg,
    /// A record (id or AGENCY/FEED/SOURCE_RECORD_ID).
    #[arg(required_unless_present = "entity", conflicts_with = "entity")]
    pub left: Option<String>,
    /// The other record.
    #[arg(required_unless_present = "entity")]
    pub right: Option<String>,
    /// Explain an entity instead: its records, and the links and judgements that built
    /// it (a merged-away id is followed to the entity that absorbed it).
    #[arg(long)]
    pub entity: Option<String>,
    /// Print the explanation as JSON on stdout.
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
    /// Precision and recall of the conflicting operation pairs found among the
    /// operations `deconflict load` registered, against the simulator's truth.
    Deconfliction(EvalDeconflictionArgs),
    /// Ring recovery, leaders among the key players, role accuracy and overdose trace
    /// hit rate of a store's network, against the simulator's truth.
    Network(EvalNetworkArgs),
}

#[derive(Debug, Args)]
pub struct EvalResolutionArgs {
    /// CSV with `record_id,cluster_id`, as `interdict resolve` writes it.
    #[arg(long, required_unless_present = "db")]
    pub clusters: Option<PathBuf>,
    /// Score the latest `resolve --db` run of this store instead of a clusters file;
    /// --truth is then a simulated world's folder (or its `truth/entities.csv`), whose
    /// Person rows name each record's true person by agency, feed and source record id.
    #[arg(long, conflicts_with = "clusters")]
    pub db: Option<String>,
    /// CSV with `record_id,entity_id`: the true entity of each record (with --db: the
    /// world folder or its truth file).
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
    /// Instead of a world, write this many FEBRL-style people with noisy duplicates
    /// (`people.csv`, its profile and `truth.csv`), for measuring entity resolution.
    #[arg(long)]
    pub people: Option<usize>,
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
    /// SQLite only, for large loads: hold the database alone for the run, writing
    /// through a rollback journal instead of the WAL (each new page written once).
    /// Refused while another connection (a server) has the file open; keeps others
    /// out until the ingest ends. Into a new file, the load syncs once, when it ends
    /// (PATH-unsynced marks it meanwhile): if the machine stops before that, the file
    /// is refused and must be loaded again; a killed process's rerun goes on.
    #[arg(long)]
    pub exclusive: bool,
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
    /// Print the summary as JSON on stdout (and do not serve).
    #[arg(long)]
    pub json: bool,
    /// Where the web UI and API listen (port 0: any free port).
    #[arg(long, default_value = "127.0.0.1:8080")]
    pub listen: std::net::SocketAddr,
    /// Prepare the store and stop, without serving.
    #[arg(long)]
    pub no_serve: bool,
    /// World size: small (a few thousand records, about a minute in all) or medium
    /// (about a million records, for load tests).
    #[arg(long, default_value = "small")]
    pub scale: String,
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
    /// Entity resolution of FEBRL-style people: speed, peak memory and quality of a
    /// full deduplication, then of matching new records incrementally.
    Resolve(BenchResolveArgs),
    /// What access costs: building a user's view against the unrestricted network,
    /// and queries through the façade against the same operations without access.
    Access(crate::commands::bench_access::BenchAccessArgs),
}

#[derive(Debug, Args)]
pub struct BenchResolveArgs {
    /// People resolved in full (originals and duplicates).
    #[arg(long, default_value_t = 1_000_000)]
    pub records: usize,
    /// People arriving afterwards, matched against the resolved ones.
    #[arg(long, default_value_t = 10_000)]
    pub incremental: usize,
    #[arg(long)]
    pub work_dir: Option<PathBuf>,
    #[arg(long, default_value_t = 7)]
    pub seed: u64,
    #[arg(long)]
    pub json: bool,
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

#[derive(Debug, Args)]
pub struct GraphArgs {
    #[command(subcommand)]
    pub command: GraphCommand,
}

#[derive(Debug, Subcommand)]
pub enum GraphCommand {
    /// Ranked key players with their scores and reasons, and which removals fragment most.
    KeyPlayers(GraphKeyPlayersArgs),
    /// Communities (rings) by Leiden, seeded and reproducible.
    Communities(GraphCommunitiesArgs),
    /// Shortest path, or the k shortest paths, between two nodes.
    Path(GraphPathArgs),
    /// The nodes within some hops of a node (following edge direction with --directed).
    Neighbours(GraphNeighboursArgs),
    /// Associates two or more entities of a store have in common, with the evidence
    /// that ties each to them.
    Common(GraphCommonArgs),
    /// Write the graph as GraphML or GEXF (networkx, Gephi).
    Export(GraphExportArgs),
    /// Roles in the supply chain of every person and organisation of a store, with reasons.
    Roles(GraphRolesArgs),
    /// From an overdose, rank seizures of the same product, the people behind them and
    /// the suppliers above them, as chains with evidence.
    Trace(GraphTraceArgs),
}

#[derive(Debug, Args)]
pub struct EdgeListArgs {
    /// Edge-list CSV with a header: source,target[,weight][,time].
    #[arg(long, required_unless_present = "db", conflicts_with = "db")]
    pub edges: Option<PathBuf>,
    /// Build the network from this store instead (sqlite:PATH or postgres://…): resolved
    /// entities, relations and references, with their evidence records.
    #[arg(long)]
    pub db: Option<String>,
    /// Edges point from source to target (default: undirected).
    #[arg(long)]
    pub directed: bool,
    /// The weight column (default: `weight` when the header has one, else weight 1).
    #[arg(long)]
    pub weight: Option<String>,
    /// The time column (default: `time` when the header has one).
    #[arg(long)]
    pub time: Option<String>,
    /// Keep edges at or after this time (Unix seconds, YYYY-MM-DD or RFC 3339).
    #[arg(long, value_parser = edge_time)]
    pub since: Option<i64>,
    /// Keep edges before this time (Unix seconds, YYYY-MM-DD or RFC 3339).
    #[arg(long, value_parser = edge_time)]
    pub until: Option<i64>,
}

fn edge_time(text: &str) -> Result<i64, String> {
    graph::edgelist::parse_time(text)
        .ok_or_else(|| format!("`{text}` is not a time (Unix seconds, YYYY-MM-DD or RFC 3339)"))
}

#[derive(Debug, Args)]
pub struct GraphKeyPlayersArgs {
    #[command(flatten)]
    pub edges: EdgeListArgs,
    /// How many key players to list.
    #[arg(long, default_value_t = 10)]
    pub top: usize,
    /// Estimate betweenness from this many sampled sources (default: exact up to 5,000
    /// nodes, else 1,000 pivots).
    #[arg(long)]
    pub pivots: Option<usize>,
    /// Seed of the pivot sample.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// How many nodes the greedy removal analysis takes out.
    #[arg(long, default_value_t = 3)]
    pub removals: usize,
    /// Print the result as JSON on stdout.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum CommunityQuality {
    Modularity,
    Cpm,
}

#[derive(Debug, Args)]
pub struct GraphCommunitiesArgs {
    #[command(flatten)]
    pub edges: EdgeListArgs,
    #[arg(long, value_enum, default_value_t = CommunityQuality::Modularity)]
    pub quality: CommunityQuality,
    /// Resolution γ (larger: smaller communities). For CPM, the least internal density.
    #[arg(long, default_value_t = 1.0)]
    pub resolution: f64,
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// At most this many Leiden iterations (default: until quality stops improving).
    #[arg(long)]
    pub iterations: Option<usize>,
    /// Split every community (ring) of at least this many nodes into cells: Leiden
    /// again, with the same settings, on the subgraph inside it.
    #[arg(long)]
    pub split_from: Option<usize>,
    /// Print the result as JSON on stdout.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum PathCost {
    /// Every edge counts 1.
    Hops,
    /// 1 / weight: strong ties are short.
    InverseWeight,
    /// The weight itself is the length.
    Weight,
}

#[derive(Debug, Args)]
pub struct GraphPathArgs {
    #[command(flatten)]
    pub edges: EdgeListArgs,
    #[arg(long)]
    pub from: String,
    #[arg(long)]
    pub to: String,
    /// How many shortest loopless paths (Yen).
    #[arg(long, default_value_t = 1)]
    pub k: usize,
    #[arg(long, value_enum, default_value_t = PathCost::InverseWeight)]
    pub cost: PathCost,
    /// Print the result as JSON on stdout.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct GraphNeighboursArgs {
    #[command(flatten)]
    pub edges: EdgeListArgs,
    #[arg(long)]
    pub node: String,
    /// How many hops out.
    #[arg(long, default_value_t = 1)]
    pub depth: u32,
    /// With --db: follow only links of this relation (repeatable; `Seizure` also
    /// matches `Seizure.seized_from`).
    #[arg(long)]
    pub relation: Vec<String>,
    /// With --db: follow only links with evidence from this agency (repeatable).
    #[arg(long)]
    pub agency: Vec<String>,
    /// Print the result as JSON on stdout.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct GraphCommonArgs {
    /// The store (sqlite:PATH or postgres://…).
    #[arg(long)]
    pub db: String,
    /// An entity id, record id or AGENCY/FEED/SOURCE_RECORD_ID; at least two.
    #[arg(long = "node", required = true, num_args = 1)]
    pub nodes: Vec<String>,
    /// How many hops out from each.
    #[arg(long, default_value_t = 1)]
    pub depth: u32,
    /// Follow only links of this relation (repeatable).
    #[arg(long)]
    pub relation: Vec<String>,
    /// Follow only links with evidence from this agency (repeatable).
    #[arg(long)]
    pub agency: Vec<String>,
    /// Print the result as JSON on stdout.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum GraphFormat {
    Graphml,
    Gexf,
}

#[derive(Debug, Args)]
pub struct GraphExportArgs {
    #[command(flatten)]
    pub edges: EdgeListArgs,
    #[arg(long, value_enum)]
    pub format: GraphFormat,
    #[arg(long)]
    pub out: PathBuf,
    /// Add node attributes: degree, PageRank and Leiden community (seed 1).
    #[arg(long)]
    pub scores: bool,
}

/// A store's network, optionally time-sliced.
#[derive(Debug, Args)]
pub struct NetworkStoreArgs {
    #[command(flatten)]
    pub store: StoreArg,
    /// Keep dated records at or after this time (Unix seconds, YYYY-MM-DD or RFC 3339).
    #[arg(long, value_parser = edge_time)]
    pub since: Option<i64>,
    /// Keep dated records before this time (Unix seconds, YYYY-MM-DD or RFC 3339).
    #[arg(long, value_parser = edge_time)]
    pub until: Option<i64>,
}

#[derive(Debug, Args)]
pub struct GraphRolesArgs {
    #[command(flatten)]
    pub network: NetworkStoreArgs,
    /// List at most this many actors (strongest evidence first).
    #[arg(long, default_value_t = 50)]
    pub top: usize,
    /// Print the result as JSON on stdout.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct GraphTraceArgs {
    #[command(flatten)]
    pub network: NetworkStoreArgs,
    /// The overdose: its node id, record id or AGENCY/FEED/SOURCE_RECORD_ID.
    #[arg(long)]
    pub overdose: String,
    /// How many candidate seizures to follow.
    #[arg(long, default_value_t = 5)]
    pub seizures: usize,
    /// Print the result as JSON on stdout.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct EvalNetworkArgs {
    #[command(flatten)]
    pub store: StoreArg,
    /// The simulated world's folder or its truth folder (rings.csv, entities.csv,
    /// overdose_clusters.csv, fingerprints.csv).
    #[arg(long)]
    pub truth: PathBuf,
    /// Leaders are looked for among this many top key players (people).
    #[arg(long, default_value_t = 10)]
    pub top: usize,
    /// Leiden modularity resolution γ of the rings (as `graph communities`).
    #[arg(long, default_value_t = 1.0)]
    pub resolution: f64,
    /// Print the metrics as JSON on stdout.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct AuditArgs {
    #[command(subcommand)]
    pub target: AuditTarget,
}

#[derive(Debug, Subcommand)]
pub enum AuditTarget {
    /// Walk the chain; exit 1 naming the first bad entry on any edit, deletion,
    /// reordering or truncation.
    Verify(AuditVerifyArgs),
    /// List entries, oldest first.
    Log(AuditLogArgs),
    /// Write the chain's head to a file, for `verify --anchor` (keep it elsewhere).
    Anchor(AuditAnchorArgs),
    /// The dissemination log: who received which records, why and when.
    Disseminations(AuditDisseminationsArgs),
}

#[derive(Debug, Args)]
pub struct AuditVerifyArgs {
    #[command(flatten)]
    pub store: StoreArg,
    /// An anchor written earlier by `interdict audit anchor`: also catches the newest
    /// entries removed together with the head.
    #[arg(long)]
    pub anchor: Option<PathBuf>,
    /// Print the verification as JSON on stdout.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct AuditLogArgs {
    #[command(flatten)]
    pub store: StoreArg,
    /// Only entries by this actor (user id).
    #[arg(long)]
    pub actor: Option<String>,
    /// Only entries recorded at or after this (YYYY-MM-DD, or RFC 3339 with an offset).
    #[arg(long)]
    pub since: Option<String>,
    #[arg(long, default_value_t = 100)]
    pub limit: u64,
    /// Newest entries first.
    #[arg(long)]
    pub newest_first: bool,
    /// Who is reading (recorded in the log).
    #[arg(long, env = "USER", default_value = "unknown")]
    pub user: String,
    /// Print the entries as JSON on stdout.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct AuditAnchorArgs {
    #[command(flatten)]
    pub store: StoreArg,
    /// The anchor file to write.
    #[arg(long)]
    pub out: PathBuf,
    /// Who is anchoring (recorded in the log).
    #[arg(long, env = "USER", default_value = "unknown")]
    pub user: String,
}

#[derive(Debug, Args)]
pub struct DeconflictArgs {
    #[command(subcommand)]
    pub command: DeconflictCommand,
}

#[derive(Debug, Subcommand)]
pub enum DeconflictCommand {
    /// Register a planned operation; prints the conflicts found, notifies both parties
    /// of each and records it in the audit log.
    Register(DeconflictOperationArgs),
    /// Check a planned operation against those registered, without registering it.
    Check(DeconflictOperationArgs),
    /// The notifications an agency received, as pointers to the other party.
    Notifications(DeconflictNotificationsArgs),
    /// Register the planned operations already ingested (Operation records), and notify
    /// the conflicts among them.
    Load(DeconflictLoadArgs),
}

#[derive(Debug, Args)]
pub struct DeconflictOperationArgs {
    #[command(flatten)]
    pub store: StoreArg,
    /// The agency running the operation.
    #[arg(long)]
    pub agency: String,
    /// Whom the other party should call: "Name, +1 555 0100" (the phone after the last
    /// comma).
    #[arg(long)]
    pub contact: String,
    /// Latitude of the centre, degrees.
    #[arg(long, allow_negative_numbers = true)]
    pub lat: f64,
    /// Longitude of the centre, degrees.
    #[arg(long, allow_negative_numbers = true)]
    pub lon: f64,
    /// Radius of the area, metres.
    #[arg(long)]
    pub radius_m: f64,
    /// Start: RFC 3339 (2024-05-01T08:00:00-07:00) or YYYY-MM-DD[T| ]HH:MM[:SS] in UTC.
    #[arg(long)]
    pub start: String,
    /// End (exclusive), in the same forms.
    #[arg(long)]
    pub end: String,
    /// A target: a record id, an entity key (32 hex digits each) or `entity:ID` from
    /// `resolve entities`; repeat for several.
    #[arg(long = "target")]
    pub targets: Vec<String>,
    /// The agency's own name for the operation (never shown to others).
    #[arg(long, default_value = "")]
    pub label: String,
    /// Who registers or checks (recorded in the audit log).
    #[arg(long, env = "USER", default_value = "unknown")]
    pub user: String,
    /// Print the conflicts as JSON on stdout.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct DeconflictNotificationsArgs {
    #[command(flatten)]
    pub store: StoreArg,
    /// The agency whose notifications to list.
    #[arg(long)]
    pub agency: String,
    /// Who reads (recorded in the audit log).
    #[arg(long, env = "USER", default_value = "unknown")]
    pub user: String,
    /// Print the notifications as JSON on stdout.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct DeconflictLoadArgs {
    #[command(flatten)]
    pub store: StoreArg,
    /// Who registers (recorded with each operation and in the audit log).
    #[arg(long, env = "USER", default_value = "unknown")]
    pub user: String,
    /// Print the summary as JSON on stdout.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct EvalDeconflictionArgs {
    #[command(flatten)]
    pub store: StoreArg,
    /// The simulator's truth folder (with operation_conflicts.csv).
    #[arg(long)]
    pub truth: PathBuf,
    /// Print the metrics as JSON on stdout.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct AuditDisseminationsArgs {
    #[command(flatten)]
    pub store: StoreArg,
    /// Only disseminations of this record: 32 hex digits or AGENCY/FEED/SOURCE_RECORD_ID
    /// (every version; purged records by their id).
    #[arg(long)]
    pub record: Option<String>,
    /// Only disseminations received by this agency.
    #[arg(long)]
    pub recipient: Option<String>,
    /// Who is reading (recorded in the log).
    #[arg(long, env = "USER", default_value = "unknown")]
    pub user: String,
    /// Print the disseminations as JSON on stdout.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct WatchArgs {
    #[command(subcommand)]
    pub command: WatchCommand,
}

#[derive(Debug, Subcommand)]
pub enum WatchCommand {
    /// Watch an entity: an entity id (`entity:ID` or the bare id) or a record
    /// (AGENCY/FEED/SOURCE_RECORD_ID or 32 hex digits), made canonical through the
    /// latest resolution run.
    Add(WatchAddArgs),
    /// An agency's watches.
    List(WatchListArgs),
    /// Stop a watch (it stays listed as removed).
    Remove(WatchRemoveArgs),
    /// Look at the batches ingested since the last check and raise alerts.
    Check(WatchCheckArgs),
    /// The alerts raised for an agency's watchers: pointers, or content where the
    /// watcher may read it.
    Alerts(WatchAlertsArgs),
}

#[derive(Debug, Args)]
pub struct WatchAddArgs {
    #[command(flatten)]
    pub store: StoreArg,
    /// The watcher's agency.
    #[arg(long)]
    pub agency: String,
    /// The watcher.
    #[arg(long)]
    pub user: String,
    /// What to watch (see `watch add --help`).
    #[arg(long)]
    pub entity: String,
    /// Why (required).
    #[arg(long)]
    pub why: String,
    /// The case or investigation number.
    #[arg(long)]
    pub case: Option<String>,
    /// The watcher's roles (analyst, investigator, supervisor, epidemiologist, …);
    /// repeat for several. Alerts are decided with them.
    #[arg(long = "role", default_values_t = ["analyst".to_string()])]
    pub roles: Vec<String>,
    /// The watcher's clearance: public, sensitive, law_enforcement or restricted.
    #[arg(long, default_value = "law_enforcement")]
    pub clearance: String,
    /// Handling caveats the watcher holds; repeat for several.
    #[arg(long = "caveat")]
    pub caveats: Vec<String>,
    /// Print the watch as JSON on stdout.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct WatchListArgs {
    #[command(flatten)]
    pub store: StoreArg,
    #[arg(long)]
    pub agency: String,
    /// Who reads (recorded in the audit log).
    #[arg(long, env = "USER", default_value = "unknown")]
    pub user: String,
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct WatchRemoveArgs {
    #[command(flatten)]
    pub store: StoreArg,
    #[arg(long)]
    pub agency: String,
    #[arg(long)]
    pub user: String,
    /// The watch id.
    #[arg(long)]
    pub id: u64,
}

#[derive(Debug, Args)]
pub struct WatchCheckArgs {
    #[command(flatten)]
    pub store: StoreArg,
    /// The access policy (JSON: sharing agreements and agency contacts, as
    /// `access::Policy`); without one, no agreements and no contacts.
    #[arg(long, env = "INTERDICT_POLICY")]
    pub policy: Option<PathBuf>,
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct WatchAlertsArgs {
    #[command(flatten)]
    pub store: StoreArg,
    /// The agency whose watchers' alerts to list.
    #[arg(long)]
    pub agency: String,
    /// Who reads (recorded in the audit log).
    #[arg(long, env = "USER", default_value = "unknown")]
    pub user: String,
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct RetentionArgs {
    #[command(subcommand)]
    pub command: RetentionCommand,
}

#[derive(Debug, Subcommand)]
pub enum RetentionCommand {
    /// Criminal-intelligence records due for review (by the earliest review-by date of
    /// any version: corrections do not reset the clock), by agency and feed.
    Review(RetentionReviewArgs),
    /// Remove a record from the store and everything derived from it, keeping a
    /// tombstone and the audit trail; lists whom it was disseminated to, for notice.
    Purge(RetentionPurgeArgs),
}

#[derive(Debug, Args)]
pub struct RetentionReviewArgs {
    #[command(flatten)]
    pub store: StoreArg,
    /// Only this agency's records.
    #[arg(long)]
    pub agency: Option<String>,
    /// Also list records due within this many days from today.
    #[arg(long, default_value_t = 0)]
    pub due_within: u32,
    /// Who reviews (recorded in the audit log).
    #[arg(long, env = "USER", default_value = "unknown")]
    pub user: String,
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct RetentionPurgeArgs {
    #[command(flatten)]
    pub store: StoreArg,
    /// The record: 32 hex digits (one version) or AGENCY/FEED/SOURCE_RECORD_ID (every
    /// version).
    #[arg(long)]
    pub record: String,
    /// Who purges.
    #[arg(long)]
    pub by: String,
    /// Why (required).
    #[arg(long)]
    pub why: String,
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct ServeArgs {
    #[command(flatten)]
    pub store: StoreArg,
    /// The address to listen on (port 0: any free port).
    #[arg(long, default_value = "127.0.0.1:8080")]
    pub listen: std::net::SocketAddr,
    /// Serve HTTPS with this certificate chain (PEM); needs --tls-key.
    #[arg(long, requires = "tls_key")]
    pub tls_cert: Option<PathBuf>,
    /// The private key (PEM) of --tls-cert.
    #[arg(long, requires = "tls_cert")]
    pub tls_key: Option<PathBuf>,
    /// Let accounts sign on without a TOTP code (demos and tests only).
    #[arg(long)]
    pub no_second_factor: bool,
}

#[derive(Debug, Args)]
pub struct DirectoryListArgs {
    #[command(flatten)]
    pub store: StoreArg,
    /// Print as JSON on stdout.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct AgenciesArgs {
    #[command(subcommand)]
    pub command: AgenciesCommand,
}

#[derive(Debug, Subcommand)]
pub enum AgenciesCommand {
    /// Add an agency (refused when the id exists).
    Add(AgencyAddArgs),
    /// All agencies.
    List(DirectoryListArgs),
}

#[derive(Debug, Args)]
pub struct AgencyAddArgs {
    #[command(flatten)]
    pub store: StoreArg,
    /// The agency code records carry in their provenance (`dea`, `sheriff`, …).
    #[arg(long)]
    pub id: String,
    #[arg(long)]
    pub name: String,
    /// Whom other agencies' users are told to contact (a desk, a phone number).
    #[arg(long)]
    pub contact: String,
}

#[derive(Debug, Args)]
pub struct UsersArgs {
    #[command(subcommand)]
    pub command: UsersCommand,
}

#[derive(Debug, Subcommand)]
pub enum UsersCommand {
    /// Add an account; the password is the first line of stdin (at least 12
    /// characters): `printf '%s\n' "$PASSWORD" | interdict users add …`.
    Add(UserAddArgs),
    /// All accounts (never their password hashes or TOTP secrets).
    List(DirectoryListArgs),
    /// Release a locked account.
    Unlock(UserIdArgs),
    /// Enrol a new TOTP second factor (replacing any): prints the otpauth:// URI and
    /// the secret once, for the user's authenticator app.
    Totp(UserIdArgs),
    /// Disable an account (it cannot sign on; accounts are never deleted).
    Disable(UserIdArgs),
}

#[derive(Debug, Args)]
pub struct UserAddArgs {
    #[command(flatten)]
    pub store: StoreArg,
    /// The log-on name (one word).
    #[arg(long)]
    pub id: String,
    /// The user's agency (it must exist: `interdict agencies add`).
    #[arg(long)]
    pub agency: String,
    /// analyst, investigator, supervisor, epidemiologist, auditor or administrator;
    /// repeat for several.
    #[arg(long = "role", required = true)]
    pub roles: Vec<String>,
    /// public, sensitive, law_enforcement or restricted.
    #[arg(long)]
    pub clearance: String,
    /// Handling caveats held; repeat for several.
    #[arg(long = "caveat")]
    pub caveats: Vec<String>,
    /// The display name (default: the id).
    #[arg(long)]
    pub name: Option<String>,
}

#[derive(Debug, Args)]
pub struct UserIdArgs {
    #[command(flatten)]
    pub store: StoreArg,
    /// The account.
    #[arg(long)]
    pub id: String,
}

#[derive(Debug, Args)]
pub struct AgreementsArgs {
    #[command(subcommand)]
    pub command: AgreementsCommand,
}

#[derive(Debug, Subcommand)]
pub enum AgreementsCommand {
    /// Let one agency read some of another's data (replaces the agreement between
    /// the same two agencies).
    Add(AgreementAddArgs),
    /// All agreements.
    List(DirectoryListArgs),
}

#[derive(Debug, Args)]
pub struct AgreementAddArgs {
    #[command(flatten)]
    pub store: StoreArg,
    /// The agency sharing its data.
    #[arg(long)]
    pub from: String,
    /// The agency whose users may read it.
    #[arg(long)]
    pub to: String,
    /// criminal_intelligence, investigative_case, public_health or public; repeat for
    /// several.
    #[arg(long = "class", required = true)]
    pub classes: Vec<String>,
    /// The most sensitive records shared: public, sensitive, law_enforcement or
    /// restricted.
    #[arg(long)]
    pub up_to: String,
}

#[derive(Debug, Args)]
pub struct CasesArgs {
    #[command(subcommand)]
    pub command: CasesCommand,
}

#[derive(Debug, Subcommand)]
pub enum CasesCommand {
    /// Open a case (refused when the number exists).
    Add(CaseAddArgs),
    /// Add a member to a case, or remove one (--remove).
    Member(CaseMemberArgs),
    /// All cases with their members.
    List(DirectoryListArgs),
}

#[derive(Debug, Args)]
pub struct CaseAddArgs {
    #[command(flatten)]
    pub store: StoreArg,
    /// The case number records carry.
    #[arg(long)]
    pub id: String,
    /// The agency the case belongs to.
    #[arg(long)]
    pub agency: String,
    #[arg(long)]
    pub title: String,
    /// A member (an existing account); repeat for several.
    #[arg(long = "member")]
    pub members: Vec<String>,
}

#[derive(Debug, Args)]
pub struct CaseMemberArgs {
    #[command(flatten)]
    pub store: StoreArg,
    /// The case number.
    #[arg(long)]
    pub case: String,
    /// The account.
    #[arg(long)]
    pub user: String,
    /// Remove the member instead of adding them.
    #[arg(long)]
    pub remove: bool,
}
