//! `interdict status`: what a store holds.

use std::process::ExitCode;

use anyhow::{Context, Result};
use store::{Store, StoreStatus};

use crate::cli::StatusArgs;
use crate::open::open_store;

pub fn run(arguments: &StatusArgs) -> Result<ExitCode> {
    let store = open_store(&arguments.store.db)?;
    let status = store.status().context("reading store status")?;
    if arguments.json {
        super::print_json(&status)?;
    } else {
        print!("{}", render(store.as_ref(), &status));
    }
    Ok(ExitCode::SUCCESS)
}

/// The status as a table for people.
pub fn render(store: &dyn Store, status: &StoreStatus) -> String {
    let mut text = format!(
        "{} store: {} records in {} batches, {} rows quarantined\n",
        store.backend(),
        status.total_records(),
        status.batches,
        status.total_quarantined()
    );
    if !status.records.is_empty() {
        text.push_str(&format!(
            "\n{:<24} {:<14} {:>12}\n",
            "kind", "agency", "records"
        ));
        for count in &status.records {
            text.push_str(&format!(
                "{:<24} {:<14} {:>12}\n",
                count.kind, count.agency, count.records
            ));
        }
    }
    if !status.quarantined.is_empty() {
        text.push_str(&format!(
            "\n{:<14} {:<28} {:>12}\n",
            "agency", "feed", "quarantined"
        ));
        for count in &status.quarantined {
            text.push_str(&format!(
                "{:<14} {:<28} {:>12}\n",
                count.agency, count.feed, count.rows
            ));
        }
        text.push_str("\n`interdict quarantine` lists the rows with their reasons.\n");
    }
    text
}
