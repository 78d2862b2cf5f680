//! `interdict demo`: a small simulated world ingested into a fresh SQLite file, its
//! people resolved across agencies, a demo task force (agencies, one account per role,
//! sharing agreements, a need-to-know case, Part 23 validations), and the web UI served
//! with the log-ons to try.

use std::path::Path;
use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use serde::Serialize;
use simulator::{Scale, SimulationConfig, SimulationSummary};
use store::StoreStatus;

use super::ingest::{IngestRun, ingest_jobs, print_run};
use super::simulate::{print_summary, simulate_into};
use super::status::render;
use crate::cli::DemoArgs;
use crate::open::open_store;

/// Marks a folder as the demo's own, so a rerun may replace it and nothing else.
const DEMO_MARKER: &str = ".interdict-demo";

#[derive(Debug, Serialize)]
struct DemoReport {
    database_url: String,
    simulation: SimulationSummary,
    ingest: IngestRun,
    status: StoreStatus,
}

pub fn run(arguments: &DemoArgs) -> Result<ExitCode> {
    prepare_folder(&arguments.dir)?;
    let world = arguments.dir.join("world");
    let database = arguments.dir.join("interdict.sqlite");
    let database_url = format!("sqlite:{}", database.display());
    let show_progress = !arguments.json;

    let scale: Scale = arguments
        .scale
        .parse()
        .map_err(|error| anyhow::anyhow!("--scale: {error}"))?;
    let config = SimulationConfig::new(arguments.seed, scale);
    let simulation = simulate_into(&config, &world, show_progress)?;
    let store = open_store(&database_url)?;
    let jobs = ingest::discover(&world).context("finding the simulated feeds")?;
    let ingest = ingest_jobs(store.as_ref(), &jobs, show_progress)?;
    let status = store.status().context("reading store status")?;

    if arguments.json {
        super::print_json(&DemoReport {
            database_url,
            simulation,
            ingest,
            status,
        })?;
        return Ok(ExitCode::SUCCESS);
    }
    print_summary(&simulation);
    println!();
    print_run(&ingest);
    println!();
    print!("{}", render(store.as_ref(), &status));
    println!("\nResolving the people of every agency:");
    let resolve_arguments = crate::cli::ResolveArgs {
        command: None,
        inputs: Vec::new(),
        profile: None,
        out: None,
        db: Some(database_url.clone()),
        threshold: None,
        explain: None,
        seed: 1,
        incremental: false,
        json: false,
    };
    super::resolve_store::resolve_store(&database_url, &resolve_arguments)?;
    println!(
        "\nThe world's feeds, profiles and ground truth are in {}.",
        world.display()
    );
    // The name this binary was started by, so the hints work without an install.
    let program = std::env::args()
        .next()
        .unwrap_or_else(|| "interdict".to_string());
    println!("Explore the store:");
    println!("  {program} status --db {database_url}");
    println!("  {program} quarantine --db {database_url}");
    println!("  {program} resolve entities --db {database_url}");
    println!("  {program} resolve review --db {database_url} --limit 5");
    println!("  {program} graph key-players --db {database_url} --top 10");
    println!("  {program} deconflict load --db {database_url}");
    println!("  {program} audit verify --db {database_url}");
    let logons = service::demo::seed_demo(store.as_ref()).context("seeding the demo task force")?;
    if arguments.no_serve {
        return Ok(ExitCode::SUCCESS);
    }
    println!(
        "\nDemo log-ons (password {:?} for all; no second factor in the demo):",
        service::demo::DEMO_PASSWORD
    );
    for logon in &logons {
        println!(
            "  {:<22} {:<14} {:<15} {}",
            logon.user,
            logon.agency,
            logon.roles.join(","),
            logon.what_they_see
        );
    }
    let schema = std::sync::Arc::new(model::Schema::builtin().clone());
    let service = service::Service::open(
        std::sync::Arc::from(store),
        schema,
        service::Settings {
            require_second_factor: false,
            ..service::Settings::default()
        },
    )
    .context("loading the demo world for serving")?;
    service.set_resolution_runner(super::resolve_store::resolution_runner());
    super::serve::serve_blocking(std::sync::Arc::new(service), arguments.listen, None, false)?;
    Ok(ExitCode::SUCCESS)
}

/// Creates the demo folder, or empties it if an earlier demo made it.
fn prepare_folder(folder: &Path) -> Result<()> {
    if folder.exists() {
        if !folder.join(DEMO_MARKER).exists() {
            let is_empty = folder
                .read_dir()
                .with_context(|| format!("reading {}", folder.display()))?
                .next()
                .is_none();
            if !is_empty {
                bail!(
                    "{} exists and was not made by `interdict demo`: choose another --dir",
                    folder.display()
                );
            }
        }
        std::fs::remove_dir_all(folder)
            .with_context(|| format!("removing the earlier demo in {}", folder.display()))?;
    }
    std::fs::create_dir_all(folder).with_context(|| format!("creating {}", folder.display()))?;
    std::fs::write(
        folder.join(DEMO_MARKER),
        "made by interdict demo; safe to delete\n",
    )
    .with_context(|| format!("writing into {}", folder.display()))?;
    Ok(())
}
