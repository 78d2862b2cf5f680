//! Measures ingest throughput: read + map alone, then the whole pipeline into SQLite.
//!
//! `cargo run --release -p ingest --example throughput -- [rows] [map-only]` (default
//! 300,000 rows of a call-records feed; each row gives a communication and two phones).

use std::io::Write;
use std::time::Instant;

use ingest::{
    BatchContext, IngestOptions, RawRow, ReadItem, ReadOptions, RowMapper, ingest_file,
    open_reader, profile::MappingProfile,
};
use model::{BatchId, Schema};

const PROFILE: &str = r#"
agency = "dea"
feed = "pen_register"
id_column = "CALL_ID"
[labels]
sensitivity = "law_enforcement"
data_class = "investigative_case"
[values]
utc_offset = "-08:00"
[[entities]]
name = "call"
kind = "Communication"
key = ["CALL_ID"]
[entities.properties]
caller = { entity = "from" }
receiver = { entity = "to" }
datetime = "STARTED"
duration_s = "SECONDS"
channel = "CHANNEL"
[[entities]]
name = "from"
kind = "Phone"
key_properties = ["number"]
namespace = "phones"
[entities.properties]
number = "FROM"
[[entities]]
name = "to"
kind = "Phone"
key_properties = ["number"]
namespace = "phones"
[entities.properties]
number = "TO"
carrier = "TO_CARRIER"
"#;

fn main() {
    let rows: u64 = std::env::args()
        .nth(1)
        .map_or(300_000, |text| text.parse().expect("rows must be a number"));
    let folder = tempfile::tempdir().expect("a temporary folder");
    let data_path = folder.path().join("calls.csv");
    let mut file = std::io::BufWriter::new(std::fs::File::create(&data_path).expect("data file"));
    writeln!(file, "CALL_ID,STARTED,SECONDS,CHANNEL,FROM,TO,TO_CARRIER").expect("write");
    for row in 0..rows {
        // Phones repeat (5,000 lines), as in a real pen register.
        writeln!(
            file,
            "C{row},2024-01-{:02} {:02}:{:02}:00,{},call,(415) 555-{:04},415.556.{:04},Carrier {}",
            row % 28 + 1,
            row % 24,
            row % 60,
            row % 900,
            row % 5000,
            (row * 7) % 5000,
            row % 4
        )
        .expect("write");
    }
    drop(file);
    let bytes = std::fs::metadata(&data_path).expect("metadata").len();
    let profile: MappingProfile = toml::from_str(PROFILE).expect("profile");
    let now = "2024-06-01T00:00:00Z".parse().expect("time");

    // Read + map only, on this thread.
    let mapper = RowMapper::compile(&profile, Schema::builtin()).expect("compile");
    let context = BatchContext {
        batch_id: BatchId::new("dea", "pen_register", "x"),
        source_file: "calls.csv".into(),
        batch_time: now,
    };
    let started = Instant::now();
    let input = std::fs::File::open(&data_path).expect("open");
    let mut reader = open_reader(&profile, &mapper, input, ReadOptions::default()).expect("reader");
    let mut row = RawRow::new(mapper.columns().len());
    let mut records = Vec::with_capacity(10_000);
    let mut produced = 0;
    while let Some(item) = reader.next_row(&mut row).expect("read") {
        if item == ReadItem::Row {
            mapper
                .map_row(&row, &context, &mut records)
                .expect("a good row");
        }
        if records.len() >= 10_000 {
            produced += records.len();
            records.clear();
        }
    }
    produced += records.len();
    let seconds = started.elapsed().as_secs_f64();
    println!(
        "read+map: {rows} rows, {produced} records, {:.1} MB in {seconds:.2} s: {:.0} records/s",
        bytes as f64 / 1e6,
        produced as f64 / seconds
    );

    if std::env::args().any(|argument| argument == "map-only") {
        return;
    }

    // The whole pipeline into a fresh SQLite store.
    let store_path = folder.path().join("store.db");
    let store =
        store_sqlite::SqliteStore::open(store_path.to_str().expect("utf-8 path")).expect("store");
    let started = Instant::now();
    let report = ingest_file(
        &store,
        &profile,
        &data_path,
        &IngestOptions::new(now),
        &mut |_| {},
    )
    .expect("ingest");
    let seconds = started.elapsed().as_secs_f64();
    let counts = report.counts;
    let records = counts.records_written + counts.duplicates_skipped;
    println!(
        "pipeline into SQLite: {} rows, {records} records ({} new) in {seconds:.2} s: {:.0} records/s",
        counts.rows_read,
        counts.records_written,
        records as f64 / seconds
    );
}
