//! Lossless ingest: mapping profiles, CSV and JSON Lines readers, row validation into
//! atomic batches, and a quarantine for every row that cannot be taken in.
//!
//! The layers, from the outside in:
//! - [`discover`] finds profiles and their data files ([`FeedJob`]);
//! - [`ingest_files`] and [`ingest_file`] (the driver, the only part doing IO) hash a
//!   file, skip it if its batch is committed, else stream it through a reader and the
//!   mapper into one batch, files and stages overlapping on a pipeline of threads;
//! - readers ([`CsvReader`], [`JsonlReader`]) turn bytes into [`RawRow`]s with their
//!   start line, or into [`BadRow`]s (wrong field count, broken quotes, bad bytes);
//! - the [`RowMapper`], compiled once per profile, turns a raw row into source records or
//!   a [`RowError`]. It is pure: time and batch come in as [`BatchContext`].
//!
//! Row problems are never [`IngestError`]s: they become quarantined rows. An
//! `IngestError` means the file as a whole could not be ingested, and nothing was.

mod discover;
mod driver;
mod mapper;
pub mod profile;
mod read;
mod sent;

use std::path::PathBuf;

pub use discover::{FeedJob, PROFILE_SUFFIX, discover};
pub use driver::{
    FileFailure, FileReport, FileToIngest, IngestOptions, ProgressEvent, Stage, ingest_file,
    ingest_files,
};
pub use mapper::{BatchContext, InvalidProfile, RawRow, RowError, RowMapper};
pub use read::{
    BadRow, CsvReader, Decoder, JsonlReader, OpenError, ReadItem, ReadOptions, RowReader,
    open_reader, raw_row_text,
};

use profile::ProfileError;
use store::StoreError;

/// Why a file (or a whole feed) could not be ingested. Nothing of it was stored.
#[derive(Debug, thiserror::Error)]
pub enum IngestError {
    /// The profile file cannot be read or parsed, or does not fit the schema.
    #[error(transparent)]
    Profile(#[from] ProfileError),
    /// The profile fits the schema but cannot drive an ingest.
    #[error(transparent)]
    InvalidProfile(#[from] InvalidProfile),
    /// The data file cannot be read, or its header does not fit the profile.
    #[error("cannot read {path}")]
    Read {
        path: PathBuf,
        #[source]
        source: OpenError,
    },
    #[error("no mapping profiles (*{PROFILE_SUFFIX}) below {path}")]
    NoProfiles { path: PathBuf },
    #[error(transparent)]
    Store(#[from] StoreError),
}
