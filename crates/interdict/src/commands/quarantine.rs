//! `interdict quarantine`: rows that could not be taken in, and why.

use std::process::ExitCode;

use anyhow::{Context, Result};

use crate::cli::QuarantineArgs;
use crate::open::open_store;

pub fn run(arguments: &QuarantineArgs) -> Result<ExitCode> {
    let store = open_store(&arguments.store.db)?;
    let rows = store
        .quarantined(arguments.batch, arguments.offset, arguments.limit)
        .context("reading the quarantine")?;
    if arguments.json {
        super::print_json(&rows)?;
        return Ok(ExitCode::SUCCESS);
    }
    if rows.is_empty() {
        println!("no quarantined rows");
        return Ok(ExitCode::SUCCESS);
    }
    for row in &rows {
        let field = row.field.as_deref().unwrap_or("-");
        println!(
            "{}:{}  [{} / {}]  field {}: {}",
            row.source_file, row.line, row.agency, row.feed, field, row.reason
        );
        println!("    {}", abbreviate(&row.raw, 160));
    }
    let total = store.status()?.total_quarantined();
    let shown_to = arguments.offset + rows.len() as u64;
    if shown_to < total && arguments.batch.is_none() {
        println!(
            "\nrows {}–{} of {total}; --offset {shown_to} for more",
            arguments.offset + 1,
            shown_to
        );
    }
    Ok(ExitCode::SUCCESS)
}

fn abbreviate(text: &str, limit: usize) -> String {
    let single_line = text.replace(['\n', '\r'], "⏎");
    if single_line.chars().count() <= limit {
        single_line
    } else {
        let cut: String = single_line.chars().take(limit).collect();
        format!("{cut}…")
    }
}
