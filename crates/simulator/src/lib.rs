//! A realistic, deterministic multi-agency trafficking world written as feed files, mapping
//! profiles and ground truth.
//!
//! [`simulate`] builds a true world (people in households across California's counties,
//! companies, trafficking rings with a hierarchy — leader → importers and couriers → stash-
//! house hubs → suppliers → street dealers, plus money handlers and front businesses —,
//! presses with dies and the product fingerprints they stamp), then lets it live day by day
//! and writes what each agency would have recorded, in that agency's own layout:
//!
//! | agency | feeds |
//! |---|---|
//! | `dea` (federal drug agency) | `subjects.csv` (criminal intelligence, predicate per row, INFORMANT caveat), `seizures.csv` (kg), `tolls.jsonl` (criminal intelligence), `operations.csv` (radius in feet) |
//! | `cbp` (customs and border) | `parcels.csv` (`;`-separated, `%d-%b-%Y`), `precursors.csv`, `press_imports.csv` |
//! | `ca_doj` (state justice department) | `arrests.csv` (Windows-1252, accents kept), `press_registry.jsonl`, `press_transfers.csv` (Windows-1252) |
//! | `sheriff` (county sheriff) | `bookings.csv` (separate name columns, `415.555.0123`), `seizures.csv` (grams), `operations.jsonl` |
//! | `county_health` (public health) | `overdoses.csv` (public_health, no names) |
//! | `fiu` (financial intelligence unit) | `transfers.csv`, `cash_deposits.csv`, `crypto.jsonl`, `sar.csv` (restricted, BSA caveat) |
//!
//! Each feed `OUT/<agency>/<feed>.{csv,jsonl}` sits next to `OUT/<agency>/<feed>.profile.toml`;
//! the ground truth is in `OUT/truth/` (see [`truth`] for the files and columns).
//!
//! # Scale
//!
//! Volumes are totals over the whole run, spread over `days` (so a scale means a size,
//! whatever the period); ring activity and overdoses follow California's fentanyl-death
//! curve (434 deaths in 2016 to 3,244 in 2020, interpolated log-linearly per day).
//!
//! | parameter | Small | Medium | Large |
//! |---|---|---|---|
//! | people | 1,500 | 60,000 | 500,000 |
//! | rings | 3 | 30 | 150 |
//! | companies | 100 | 3,000 | 25,000 |
//! | background calls | 1,200 | 200,000 | 4,300,000 |
//! | ring calls per ring | 150 | 3,000 | 8,000 |
//! | background transfers / cash deposits / crypto | 500 / 120 / 60 | 100,000 / 15,000 / 8,000 | 2,300,000 / 250,000 / 150,000 |
//! | background parcels | 600 | 100,000 | 1,800,000 |
//! | background arrests | 200 | 20,000 | 250,000 |
//! | background overdoses | 300 | 20,000 | 200,000 |
//! | rows written (measured, seed 1) | 4,300 | 598,000 | 10,980,000 |
//! | truth entity lines | 11,000 | 1,619,000 | 30,277,000 |
//!
//! Bad rows: about 0.2 % of background rows (1 % at Small, so that every kind appears) in
//! `dea/tolls`, `cbp/parcels`, `ca_doj/arrests`, `sheriff/bookings`, `county_health/overdoses`
//! and `fiu/transfers` are written broken on purpose (wrong field count, bad date, missing
//! required value, invalid UTF-8, malformed JSON), and `sheriff/bookings.csv` ends with a
//! truncated line without newline. Each is listed in `truth/bad_rows.csv`.
//!
//! Everything random comes from ChaCha8 streams derived from the seed, one per component,
//! so the same seed and scale give byte-identical output.

mod agencies;
mod feeds;
mod noise;
pub mod people;
mod sim;
mod tables;
pub mod truth;
mod world;

use std::path::{Path, PathBuf};
use std::str::FromStr;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// How big a world to simulate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Scale {
    /// A few thousand rows: tests and the demo.
    Small,
    /// Around half a million rows.
    Medium,
    /// More than ten million rows.
    Large,
}

impl FromStr for Scale {
    type Err = String;

    fn from_str(text: &str) -> Result<Scale, String> {
        match text.trim().to_ascii_lowercase().as_str() {
            "small" => Ok(Scale::Small),
            "medium" => Ok(Scale::Medium),
            "large" => Ok(Scale::Large),
            other => Err(format!("unknown scale {other:?} (small, medium or large)")),
        }
    }
}

impl std::fmt::Display for Scale {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.write_str(match self {
            Scale::Small => "small",
            Scale::Medium => "medium",
            Scale::Large => "large",
        })
    }
}

/// What to simulate.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SimulationConfig {
    pub seed: u64,
    pub scale: Scale,
    /// The first simulated day.
    pub start: NaiveDate,
    /// How many days to simulate (at least one).
    pub days: u32,
}

impl SimulationConfig {
    /// 2016 to 2020, the years the overdose curve is calibrated on.
    pub fn new(seed: u64, scale: Scale) -> SimulationConfig {
        SimulationConfig {
            seed,
            scale,
            start: NaiveDate::from_ymd_opt(2016, 1, 1).unwrap_or_default(),
            days: 1827,
        }
    }
}

/// Reported while writing, for a progress bar.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct SimulationProgress {
    pub rows_written: u64,
    /// An estimate: the final count differs by a few per cent.
    pub rows_expected: u64,
}

/// One feed written.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FeedSummary {
    pub agency: String,
    pub feed: String,
    pub file: PathBuf,
    pub profile: PathBuf,
    pub rows: u64,
    pub bad_rows: u64,
}

/// What was written.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SimulationSummary {
    pub config: SimulationConfig,
    pub feeds: Vec<FeedSummary>,
    pub total_rows: u64,
    pub total_bad_rows: u64,
    pub truth_dir: PathBuf,
    /// Source entities listed in `truth/entities.csv`.
    pub truth_entities: u64,
    pub people: u64,
    pub rings: u64,
}

#[derive(Debug, thiserror::Error)]
pub enum SimulationError {
    #[error("cannot write {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("invalid configuration: {0}")]
    Config(String),
}

/// Simulates the world described by `config` and writes its feeds, profiles and ground
/// truth under `out`.
pub fn simulate(
    config: &SimulationConfig,
    out: &Path,
    progress: &mut dyn FnMut(SimulationProgress),
) -> Result<SimulationSummary, SimulationError> {
    if config.days == 0 {
        return Err(SimulationError::Config(
            "days must be at least 1".to_string(),
        ));
    }
    if config
        .start
        .checked_add_days(chrono::Days::new(u64::from(config.days)))
        .is_none()
    {
        return Err(SimulationError::Config(
            "the period runs past the calendar".to_string(),
        ));
    }
    sim::run(config, out, progress)
}
