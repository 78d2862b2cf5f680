//! Lossless ingest: mapping profiles, CSV and JSON Lines readers, row validation into
//! atomic batches, and a quarantine for every row that cannot be taken in.

pub mod profile;
