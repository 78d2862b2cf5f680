//! Ingest end to end: a profile and a data file in, records and quarantined rows in a
//! real SQLite store out. Each test states its input and the expected outcome as text.

use std::collections::BTreeMap;
use std::path::Path;

use chrono::{DateTime, Utc};
use ingest::{
    FileReport, FileToIngest, IngestError, IngestOptions, Stage, discover, ingest_file,
    ingest_files,
};
use model::{DataClass, SourceRecord};
use store::{RecordQuery, Store};
use store_sqlite::SqliteStore;

const NOW: &str = "2024-06-01T12:00:00Z";

fn now() -> DateTime<Utc> {
    NOW.parse().unwrap()
}

/// A fresh store and folder per test.
struct Fixture {
    folder: tempfile::TempDir,
    store: SqliteStore,
}

impl Fixture {
    fn new() -> Fixture {
        let folder = tempfile::tempdir().unwrap();
        let store = SqliteStore::open(folder.path().join("store.db").to_str().unwrap()).unwrap();
        Fixture { folder, store }
    }

    /// Writes the profile as `feed.profile.toml` and the data as its first file.
    fn write(&self, profile: &str, data: &[u8]) {
        let feeds = self.folder.path().join("feeds");
        std::fs::create_dir_all(&feeds).unwrap();
        std::fs::write(feeds.join("feed.profile.toml"), profile).unwrap();
        let jobs = discover(&feeds).unwrap();
        std::fs::write(&jobs[0].files[0], data).unwrap();
    }

    fn ingest_with(&self, options: &IngestOptions) -> Result<FileReport, IngestError> {
        let jobs = discover(&self.folder.path().join("feeds"))?;
        let mut stages = Vec::new();
        let report = ingest_file(
            &self.store,
            &jobs[0].profile,
            &jobs[0].files[0],
            options,
            &mut |event| stages.push(event.stage),
        )?;
        assert_eq!(stages.last(), Some(&Stage::Finished));
        Ok(report)
    }

    fn ingest(&self) -> FileReport {
        self.ingest_with(&IngestOptions::new(now())).unwrap()
    }

    fn records(&self) -> Vec<SourceRecord> {
        self.store
            .records(&RecordQuery {
                limit: 10_000,
                ..RecordQuery::default()
            })
            .unwrap()
    }

    /// Everything the store holds, as text: counts, records (by line), quarantine.
    fn render(&self, report: &FileReport) -> String {
        let counts = report.counts;
        let mut text = format!(
            "read {}, accepted {}, quarantined {}, written {}, duplicates {}\n",
            counts.rows_read,
            counts.rows_accepted,
            counts.rows_quarantined,
            counts.records_written,
            counts.duplicates_skipped
        );
        let mut records = self.records();
        records.sort_by(|a, b| {
            (a.provenance.line, &a.provenance.source_record_id)
                .cmp(&(b.provenance.line, &b.provenance.source_record_id))
        });
        // A reference shows the first record (by line) of the entity it points at.
        let mut names: BTreeMap<String, String> = BTreeMap::new();
        for record in &records {
            let name = format!("{} {}", record.kind, record.provenance.source_record_id);
            names.entry(record.entity_key.to_hex()).or_insert(name);
        }
        let mut lines: Vec<(u64, String)> = records
            .iter()
            .map(|record| (record.provenance.line, render_record(record, &names)))
            .collect();
        lines.sort();
        for (_, line) in lines {
            text.push_str(&line);
            text.push('\n');
        }
        for row in self.store.quarantined(None, 0, 1000).unwrap() {
            let file = Path::new(&row.source_file)
                .file_name()
                .unwrap()
                .to_string_lossy()
                .into_owned();
            text.push_str(&format!(
                "! {file}:{} {}: {} | {}\n",
                row.line,
                row.field.as_deref().unwrap_or("-"),
                row.reason,
                row.raw
            ));
        }
        text
    }
}

fn render_record(record: &SourceRecord, names: &BTreeMap<String, String>) -> String {
    let properties: Vec<String> = record
        .properties
        .iter()
        .map(|(property, values)| {
            let values: Vec<String> = values
                .iter()
                .map(|value| {
                    names
                        .get(value)
                        .map_or_else(|| value.clone(), |name| format!("→{name}"))
                })
                .collect();
            format!("{property}={}", values.join("|"))
        })
        .collect();
    let labels = &record.labels;
    let mut label_text = String::new();
    if labels.data_class == DataClass::CriminalIntelligence || !labels.caveats.is_empty() {
        label_text = format!(
            " [{}; {}; review {}; {}]",
            labels.data_class,
            labels
                .predicate
                .as_ref()
                .map_or("-", |predicate| predicate.as_str()),
            labels
                .review_by
                .map_or("-".to_string(), |date| date.to_string()),
            labels.caveats_text()
        );
    }
    format!(
        "{} {} {}{label_text}: {}",
        record.provenance.line,
        record.kind,
        record.provenance.source_record_id,
        properties.join("; ")
    )
}

/// Ingests `data` with `profile` into a fresh store and compares the outcome.
fn check(profile: &str, data: &[u8], expected: &str) {
    let fixture = Fixture::new();
    fixture.write(profile, data);
    let report = fixture.ingest();
    let actual = fixture.render(&report);
    assert_eq!(actual.trim(), expected.trim(), "\nactual:\n{actual}");
}

const BOOKINGS: &str = r#"
agency = "sheriff"
feed = "bookings"
files = ["bookings.csv"]
id_column = "BOOKING_NO"

[labels]
sensitivity = "law_enforcement"
data_class = "investigative_case"

[values]
date_formats = ["%m/%d/%Y"]

[[entities]]
name = "arrest"
kind = "Arrest"
key = ["BOOKING_NO"]
[entities.properties]
person = { entity = "subject" }
date = "BOOKED"
charge = "CHARGE"

[[entities]]
name = "subject"
kind = "Person"
key = ["SUBJECT_ID"]
[entities.properties]
name = { columns = ["FIRST", "LAST"] }
birth_date = "DOB"
"#;

#[test]
fn good_rows_become_records_with_references_within_the_row() {
    check(
        BOOKINGS,
        b"BOOKING_NO,SUBJECT_ID,FIRST,LAST,DOB,BOOKED,CHARGE\n\
          B-1,S-9,Jose,Garcia,03/07/1988,01/05/2024,HS 11351\n\
          B-2,S-9,Jose,Garcia,03/07/1988,02/05/2024,HS 11352\n",
        r#"
read 2, accepted 2, quarantined 0, written 3, duplicates 1
2 Arrest B-1: charge=HS 11351; date=2024-01-05; person=→Person B-1#subject
2 Person B-1#subject: birth_date=1988-03-07; name=Jose Garcia
3 Arrest B-2: charge=HS 11352; date=2024-02-05; person=→Person B-1#subject
"#,
    );
}

#[test]
fn each_kind_of_bad_row_is_quarantined_with_its_line_and_field() {
    check(
        BOOKINGS,
        b"BOOKING_NO,SUBJECT_ID,FIRST,LAST,DOB,BOOKED,CHARGE\n\
          B-1,S-1,Ana,Ruiz,1990,01/05/2024,x\n\
          B-2,S-2,Ana,Ruiz,1990,last week,x\n\
          B-3,S-3,Ana,Ruiz,1990,,x\n\
          B-4,S-4,Ana,Ruiz,1990\n\
          B-5,,Ana,Ruiz,1990,01/05/2024,x\n\
          B-6,S-6,Jos\xe9,Ruiz,1990,01/05/2024,x\n\
          B-7,S-7,Ana,Ruiz,1990,01/05/2024,x,extra\n\
          B-8,S-8,Ana,Ruiz,1990,01/05/2024,x",
        r#"
read 8, accepted 2, quarantined 6, written 4, duplicates 0
2 Arrest B-1: charge=x; date=2024-01-05; person=→Person B-1#subject
2 Person B-1#subject: birth_date=1990; name=Ana Ruiz
9 Arrest B-8: charge=x; date=2024-01-05; person=→Person B-8#subject
9 Person B-8#subject: birth_date=1990; name=Ana Ruiz
! bookings.csv:3 BOOKED: Arrest.date: "last week" is not a date (tried %Y-%m-%d | %m/%d/%Y) | B-2,S-2,Ana,Ruiz,1990,last week,x
! bookings.csv:4 BOOKED: required property Arrest.date has no value | B-3,S-3,Ana,Ruiz,1990,,x
! bookings.csv:5 -: expected 7 fields, found 5 | B-4,S-4,Ana,Ruiz,1990
! bookings.csv:6 SUBJECT_ID: entity "subject" (Person) has no key: SUBJECT_ID empty | B-5,,Ana,Ruiz,1990,01/05/2024,x
! bookings.csv:7 FIRST: undecodable bytes in column FIRST | B-6,S-6,Jos�,Ruiz,1990,01/05/2024,x
! bookings.csv:8 -: expected 7 fields, found 8 | B-7,S-7,Ana,Ruiz,1990,01/05/2024,x,extra
"#,
    );
}

#[test]
fn a_truncated_last_line_is_quarantined_as_such() {
    check(
        BOOKINGS,
        b"BOOKING_NO,SUBJECT_ID,FIRST,LAST,DOB,BOOKED,CHARGE\n\
          B-1,S-1,Ana,Ruiz,1990,01/05/2024,x\n\
          B-2,S-2,Ana,Ru",
        r#"
read 2, accepted 1, quarantined 1, written 2, duplicates 0
2 Arrest B-1: charge=x; date=2024-01-05; person=→Person B-1#subject
2 Person B-1#subject: birth_date=1990; name=Ana Ruiz
! bookings.csv:3 -: truncated last line | B-2,S-2,Ana,Ru
"#,
    );
    // Cut inside a quoted field: the field count may even be right.
    check(
        BOOKINGS,
        b"BOOKING_NO,SUBJECT_ID,FIRST,LAST,DOB,BOOKED,CHARGE\n\
          B-2,S-2,Ana,Ruiz,1990,01/05/2024,\"HS 113",
        r#"
read 1, accepted 0, quarantined 1, written 0, duplicates 0
! bookings.csv:2 -: truncated last line | B-2,S-2,Ana,Ruiz,1990,01/05/2024,"HS 113
"#,
    );
}

#[test]
fn multi_line_fields_crlf_and_blank_lines_keep_the_line_a_row_starts_on() {
    check(
        BOOKINGS,
        b"BOOKING_NO,SUBJECT_ID,FIRST,LAST,DOB,BOOKED,CHARGE\r\n\
          B-1,S-1,Ana,Ruiz,1990,01/05/2024,\"HS 11351\r\nand HS 11352\"\r\n\
          \r\n\
          B-2,S-2,Ana,Ruiz,1990,01/05/2024,x\r\n",
        r#"
read 2, accepted 2, quarantined 0, written 4, duplicates 0
2 Arrest B-1: charge=HS 11351 and HS 11352; date=2024-01-05; person=→Person B-1#subject
2 Person B-1#subject: birth_date=1990; name=Ana Ruiz
5 Arrest B-2: charge=x; date=2024-01-05; person=→Person B-2#subject
5 Person B-2#subject: birth_date=1990; name=Ana Ruiz
"#,
    );
}

#[test]
fn a_broken_quote_costs_its_own_line_only() {
    check(
        BOOKINGS,
        b"BOOKING_NO,SUBJECT_ID,FIRST,LAST,DOB,BOOKED,CHARGE\n\
          B-1,S-1,\"Ana,Ruiz,1990,01/05/2024,x\n\
          B-2,S-2,Ana,Ruiz,1990,01/05/2024,x\n\
          B-3,S-3,\"Ana\",Ruiz,1990,01/05/2024,\"y\"\n\
          B-4,S-4,\"Ana\"x,Ruiz,1990,01/05/2024,z\n\
          B-5,S-5,\"Ana\"x,Ruiz,1990,01/05/2024,z,w\n",
        r#"
read 5, accepted 2, quarantined 3, written 4, duplicates 0
3 Arrest B-2: charge=x; date=2024-01-05; person=→Person B-2#subject
3 Person B-2#subject: birth_date=1990; name=Ana Ruiz
4 Arrest B-3: charge=y; date=2024-01-05; person=→Person B-3#subject
4 Person B-3#subject: birth_date=1990; name=Ana Ruiz
! bookings.csv:2 -: text after a closing quote | B-1,S-1,"Ana,Ruiz,1990,01/05/2024,x
! bookings.csv:5 -: text after a closing quote | B-4,S-4,"Ana"x,Ruiz,1990,01/05/2024,z
! bookings.csv:6 -: expected 7 fields, found 8 | B-5,S-5,"Ana"x,Ruiz,1990,01/05/2024,z,w
"#,
    );
}

#[test]
fn windows_1252_files_decode() {
    let profile = BOOKINGS.replace(
        "id_column",
        "encoding = \"windows-1252\"\ndelimiter = \";\"\nid_column",
    );
    check(
        &profile,
        b"BOOKING_NO;SUBJECT_ID;FIRST;LAST;DOB;BOOKED;CHARGE\n\
          B-1;S-1;Jos\xe9;Pe\xf1a;1990;01/05/2024;x\n",
        r#"
read 1, accepted 1, quarantined 0, written 2, duplicates 0
2 Arrest B-1: charge=x; date=2024-01-05; person=→Person B-1#subject
2 Person B-1#subject: birth_date=1990; name=José Peña
"#,
    );
}

const CALLS: &str = r#"
agency = "dea"
feed = "pen_register"
files = ["calls.jsonl"]
format = "jsonl"
id_column = "id"
reported_at_column = "logged"

[labels]
sensitivity = "law_enforcement"
data_class = "criminal_intelligence"
predicate_column = "predicate"
caveats = ["orcon"]
caveats_column = "handling"

[[entities]]
name = "call"
kind = "Communication"
key = ["id"]
[entities.properties]
caller = { entity = "from" }
receiver = { entity = "to" }
datetime = "at"
duration_s = "meta.seconds"

[[entities]]
name = "from"
kind = "Phone"
key_properties = ["number"]
namespace = "phones"
[entities.properties]
number = "from"

[[entities]]
name = "to"
kind = "Phone"
key_properties = ["number"]
namespace = "phones"
[entities.properties]
number = "to"
imei = "to_imei"
"#;

#[test]
fn json_lines_with_paths_arrays_phone_keys_and_labels_per_row() {
    check(
        CALLS,
        br#"{"id": "C1", "from": "(415) 555-0100", "to": "+1 415 555 0199", "at": "2024-01-05T10:00:00Z", "meta": {"seconds": 62}, "predicate": "hub of a pill ring", "logged": "2024-01-06"}

{"id": "C2", "from": "415.555.0100", "to": "4155550199", "at": "2024-01-05 11:00:00", "predicate": "hub of a pill ring", "logged": "2024-01-06"}
{"id": "C3", "from": "415.555.0100", "to": "4155550199", "at": "2024-01-05 11:00:00"}
{"id": "C4", "from": "415.555.0100", "to": "4155550199", "at": "2024-01-05 12:00:00", "meta": {"seconds": {"n": 1}}, "predicate": "x"}
{"id": "C5", "from": 
[1, 2]
{"id": "C6", "from": "415-555-0100", "to": "415 555 0199", "at": "2024-01-05 13:00:00", "to_imei": ["35-209900-176148-1", "35209900176148 2"], "predicate": "courier", "handling": "informant; grand jury", "logged": "2024-01-07"}
{"id": "C7", "from": "415"#,
        r#"
read 8, accepted 3, quarantined 5, written 7, duplicates 2
1 Communication C1 [criminal_intelligence; hub of a pill ring; review 2029-01-06; ORCON]: caller=→Phone C1#from; datetime=2024-01-05T10:00:00Z; duration_s=62; receiver=→Phone C1#to
1 Phone C1#from [criminal_intelligence; hub of a pill ring; review 2029-01-06; ORCON]: number=+14155550100
1 Phone C1#to [criminal_intelligence; hub of a pill ring; review 2029-01-06; ORCON]: number=+14155550199
3 Communication C2 [criminal_intelligence; hub of a pill ring; review 2029-01-06; ORCON]: caller=→Phone C1#from; datetime=2024-01-05T11:00:00Z; receiver=→Phone C1#to
8 Communication C6 [criminal_intelligence; courier; review 2029-01-07; GRAND-JURY,INFORMANT,ORCON]: caller=→Phone C1#from; datetime=2024-01-05T13:00:00Z; receiver=→Phone C1#to
8 Phone C6#from [criminal_intelligence; courier; review 2029-01-07; GRAND-JURY,INFORMANT,ORCON]: number=+14155550100
8 Phone C6#to [criminal_intelligence; courier; review 2029-01-07; GRAND-JURY,INFORMANT,ORCON]: imei=352099001761481|352099001761482; number=+14155550199
! calls.jsonl:4 predicate: criminal intelligence needs a criminal predicate (28 CFR 23.20(a)) | {"id": "C3", "from": "415.555.0100", "to": "4155550199", "at": "2024-01-05 11:00:00"}
! calls.jsonl:5 meta.seconds: expected a value, found an object | {"id": "C4", "from": "415.555.0100", "to": "4155550199", "at": "2024-01-05 12:00:00", "meta": {"seconds": {"n": 1}}, "predicate": "x"}
! calls.jsonl:6 -: EOF while parsing a value at line 1 column 21 | {"id": "C5", "from": 
! calls.jsonl:7 -: expected a JSON object, found an array | [1, 2]
! calls.jsonl:9 -: truncated last line (EOF while parsing a string at line 1 column 25) | {"id": "C7", "from": "415
"#,
    );
}

#[test]
fn optional_entities_without_key_are_left_out_and_references_to_them_dropped() {
    let profile = r#"
agency = "chp"
feed = "stops"
files = ["stops.csv"]
id_column = "STOP"
[labels]
sensitivity = "law_enforcement"
data_class = "investigative_case"
[[entities]]
name = "seizure"
kind = "Seizure"
key = ["STOP"]
[entities.properties]
date = "DATE"
drug = { column = "DRUG", map = { "fent" = "fentanyl" } }
quantity_g = { column = "KG", scale = 1000 }
vehicle = { entity = "car" }
[[entities]]
name = "car"
kind = "Vehicle"
key = ["PLATE"]
optional = true
[entities.properties]
plate = "PLATE"
make = "MAKE"
"#;
    check(
        profile,
        b"STOP,DATE,DRUG,KG,PLATE,MAKE\n\
          T-1,2024-02-01,FENT,1.1,7ABC123,Toyota\n\
          T-2,2024-02-02,fentanyl,0.25,,Honda\n",
        r#"
read 2, accepted 2, quarantined 0, written 3, duplicates 0
2 Seizure T-1: date=2024-02-01; drug=fentanyl; quantity_g=1100; vehicle=→Vehicle T-1#car
2 Vehicle T-1#car: make=Toyota; plate=7ABC123
3 Seizure T-2: date=2024-02-02; drug=fentanyl; quantity_g=250
"#,
    );
}

#[test]
fn re_ingesting_the_same_file_adds_nothing_and_says_so() {
    let fixture = Fixture::new();
    let data = b"BOOKING_NO,SUBJECT_ID,FIRST,LAST,DOB,BOOKED,CHARGE\n\
                 B-1,S-1,Ana,Ruiz,1990,01/05/2024,x\n\
                 B-2,S-2,Ana,Ruiz,1990,nope,x\n";
    fixture.write(BOOKINGS, data);
    let first = fixture.ingest();
    assert!(!first.already_ingested);
    let later = IngestOptions::new("2024-07-01T00:00:00Z".parse().unwrap());
    let second = fixture.ingest_with(&later).unwrap();
    assert!(second.already_ingested);
    assert_eq!(second.batch_id, first.batch_id);
    assert_eq!(
        fixture.render(&second),
        "read 2, accepted 1, quarantined 1, written 0, duplicates 2\n\
         2 Arrest B-1: charge=x; date=2024-01-05; person=→Person B-1#subject\n\
         2 Person B-1#subject: birth_date=1990; name=Ana Ruiz\n\
         ! bookings.csv:3 BOOKED: Arrest.date: \"nope\" is not a date (tried %Y-%m-%d | %m/%d/%Y) | B-2,S-2,Ana,Ruiz,1990,nope,x\n"
    );
    assert_eq!(fixture.store.batches().unwrap().len(), 1);
}

#[test]
fn a_batch_interrupted_before_commit_leaves_nothing_and_a_rerun_counts_the_same() {
    let fixture = Fixture::new();
    let mut data = String::from("BOOKING_NO,SUBJECT_ID,FIRST,LAST,DOB,BOOKED,CHARGE\n");
    for number in 0..50 {
        data.push_str(&format!(
            "B-{number},S-{number},Ana,Ruiz,1990,01/05/2024,x\n"
        ));
    }
    data.push_str("B-x,S-x,Ana,Ruiz,1990,never,x\n");
    fixture.write(BOOKINGS, data.as_bytes());
    let jobs = discover(&fixture.folder.path().join("feeds")).unwrap();
    let options = IngestOptions {
        chunk_rows: 10,
        ..IngestOptions::new(now())
    };
    // A panic in the middle of the stream stands in for a crash: the writer is dropped
    // uncommitted, as it would be by a process dying.
    let interrupted = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        ingest_file(
            &fixture.store,
            &jobs[0].profile,
            &jobs[0].files[0],
            &options,
            &mut |event| {
                assert!(event.rows_read < 30, "simulated crash");
            },
        )
    }));
    assert!(interrupted.is_err());
    assert!(fixture.records().is_empty());
    assert!(fixture.store.batches().unwrap().is_empty());
    assert!(fixture.store.quarantined(None, 0, 10).unwrap().is_empty());

    let rerun = fixture.ingest_with(&options).unwrap();
    assert!(!rerun.already_ingested);
    let counts = rerun.counts;
    assert_eq!(
        (
            counts.rows_read,
            counts.rows_accepted,
            counts.rows_quarantined,
            counts.records_written
        ),
        (51, 50, 1, 100)
    );
}

#[test]
fn a_header_without_the_profiles_columns_is_an_error_not_a_quarantine() {
    let fixture = Fixture::new();
    fixture.write(
        BOOKINGS,
        b"BOOKING_NO,SUBJECT_ID,FIRST,LAST\nB-1,S-1,Ana,Ruiz\n",
    );
    let error = fixture.ingest_with(&IngestOptions::new(now())).unwrap_err();
    assert!(error.to_string().ends_with("bookings.csv"), "{error}");
    let cause = std::error::Error::source(&error).expect("the reason is the source");
    assert_eq!(
        cause.to_string(),
        "the header lacks columns the profile reads: CHARGE, BOOKED, DOB"
    );
    assert!(fixture.store.batches().unwrap().is_empty());
}

#[test]
fn discover_finds_profiles_below_a_folder_in_path_order() {
    let folder = tempfile::tempdir().unwrap();
    for (sub, feed) in [("b", "second"), ("a", "first")] {
        let path = folder.path().join(sub);
        std::fs::create_dir_all(&path).unwrap();
        let profile = BOOKINGS.replace("\"bookings\"", &format!("\"{feed}\""));
        std::fs::write(path.join(format!("{feed}.profile.toml")), profile).unwrap();
        std::fs::write(path.join("notes.toml"), "not = \"a profile\"").unwrap();
    }
    let jobs = discover(folder.path()).unwrap();
    let found: Vec<_> = jobs
        .iter()
        .map(|job| {
            (
                job.profile.feed.as_str(),
                job.files[0].strip_prefix(folder.path()).unwrap().to_owned(),
            )
        })
        .collect();
    assert_eq!(
        found,
        [
            ("first", Path::new("a/bookings.csv").to_owned()),
            ("second", Path::new("b/bookings.csv").to_owned())
        ]
    );
    let single = discover(&folder.path().join("a/first.profile.toml")).unwrap();
    assert_eq!(single[0].files, jobs[0].files);
    assert!(matches!(
        discover(&folder.path().join("a/bookings.csv")),
        Err(IngestError::Profile(_))
    ));
    let empty = tempfile::tempdir().unwrap();
    assert!(matches!(
        discover(empty.path()),
        Err(IngestError::NoProfiles { .. })
    ));
}

/// Three feeds in their own folders (`a`, `b`, `c`), in discovery order, each with
/// its data; rows repeat people within a file, and some rows are bad.
fn three_feeds(folder: &Path, second: &[u8]) -> Vec<ingest::FeedJob> {
    let first = b"BOOKING_NO,SUBJECT_ID,FIRST,LAST,DOB,BOOKED,CHARGE\n\
                  B-1,S-1,Ana,Ruiz,1990,01/05/2024,x\n\
                  B-2,S-1,Ana,Ruiz,1990,01/06/2024,y\n\
                  B-3,S-2,Joe,Doe,1985,never,x\n\
                  B-4,S-2,Joe,Doe,1985,01/07/2024,x\n\
                  B-5,S-1,Ana,Ruiz,1990,01/08/2024,x\n";
    let third = b"BOOKING_NO,SUBJECT_ID,FIRST,LAST,DOB,BOOKED,CHARGE\n\
                  C-1,S-1,Ana,Ruiz,1990,02/05/2024,x\n\
                  C-2,S-9,\"Bo,b\n";
    for (sub, feed, data) in [
        ("a", "first", &first[..]),
        ("b", "second", second),
        ("c", "third", &third[..]),
    ] {
        let path = folder.join(sub);
        std::fs::create_dir_all(&path).unwrap();
        let profile = BOOKINGS.replace("\"bookings\"", &format!("\"{feed}\""));
        std::fs::write(path.join(format!("{feed}.profile.toml")), profile).unwrap();
        std::fs::write(path.join("bookings.csv"), data).unwrap();
    }
    discover(folder).unwrap()
}

fn files_of(jobs: &[ingest::FeedJob]) -> Vec<FileToIngest<'_>> {
    jobs.iter()
        .map(|job| FileToIngest {
            profile: &job.profile,
            path: &job.files[0],
        })
        .collect()
}

/// Everything a store holds of its records and quarantine, in a fixed order.
fn stored(store: &SqliteStore) -> (Vec<SourceRecord>, Vec<store::QuarantinedRow>) {
    let records = store
        .records(&RecordQuery {
            limit: 10_000,
            ..RecordQuery::default()
        })
        .unwrap();
    (records, store.quarantined(None, 0, 1000).unwrap())
}

#[test]
fn a_run_of_files_through_the_pipeline_stores_what_file_by_file_ingests_store() {
    let folder = tempfile::tempdir().unwrap();
    let second = b"BOOKING_NO,SUBJECT_ID,FIRST,LAST,DOB,BOOKED,CHARGE\n\
                   D-1,S-2,Joe,Doe,1985,03/05/2024,x\n\
                   D-2,S-3,Eve,Li,1970,03/06/2024\n\
                   D-3,S-3,Eve,Li,1970,03/07/2024,z\n";
    let jobs = three_feeds(&folder.path().join("feeds"), second);
    let open = |name: &str| SqliteStore::open(folder.path().join(name).to_str().unwrap()).unwrap();

    // File by file, in chunks of the default size.
    let one_by_one = open("one_by_one.db");
    let mut expected = Vec::new();
    for file in files_of(&jobs) {
        let options = IngestOptions::new(now());
        expected.push(
            ingest_file(&one_by_one, file.profile, file.path, &options, &mut |_| {}).unwrap(),
        );
    }

    // One run, in chunks of two rows, so that every file spans several chunks and the
    // mapping threads take turns within a file.
    let piped = open("piped.db");
    let options = IngestOptions {
        chunk_rows: 2,
        ..IngestOptions::new(now())
    };
    let mut finished = Vec::new();
    let reports = ingest_files(&piped, &files_of(&jobs), &options, &mut |index, event| {
        if event.stage == Stage::Finished {
            finished.push(index);
        }
    })
    .unwrap();
    assert_eq!(reports, expected);
    assert_eq!(finished, [0, 1, 2]);
    assert_eq!(stored(&piped), stored(&one_by_one));
    let counts: Vec<_> = reports
        .iter()
        .map(|report| {
            let counts = report.counts;
            (
                counts.rows_read,
                counts.rows_quarantined,
                counts.records_written,
                counts.duplicates_skipped,
            )
        })
        .collect();
    // first: 5 rows, one bad date; 4 arrests, 2 people (Ana three times, Joe once: his
    // other row is the bad one). second: 3 rows, one short; 2 arrests, Joe and Eve
    // (each feed keys its own people). third: 2 rows, the second an unterminated
    // quote; 1 arrest and Ana.
    assert_eq!(counts, [(5, 1, 6, 2), (3, 1, 4, 0), (2, 1, 2, 0)]);

    // A second run finds every file in.
    let again = ingest_files(&piped, &files_of(&jobs), &options, &mut |_, _| {}).unwrap();
    assert!(again.iter().all(|report| report.already_ingested));
    assert_eq!(piped.batches().unwrap().len(), 3);
}

fn committed_feeds(store: &SqliteStore) -> Vec<String> {
    let batches = store.batches().unwrap();
    batches.into_iter().map(|batch| batch.header.feed).collect()
}

#[test]
fn a_run_stops_at_the_file_it_cannot_read_keeping_the_files_before_it() {
    let folder = tempfile::tempdir().unwrap();
    let unreadable = b"BOOKING_NO,SUBJECT_ID,FIRST,LAST\nD-1,S-2,Joe,Doe\n";
    let jobs = three_feeds(&folder.path().join("feeds"), unreadable);
    let store = SqliteStore::open(folder.path().join("store.db").to_str().unwrap()).unwrap();
    let options = IngestOptions {
        chunk_rows: 2,
        ..IngestOptions::new(now())
    };
    let failure = ingest_files(&store, &files_of(&jobs), &options, &mut |_, _| {}).unwrap_err();
    assert_eq!(failure.index, 1);
    assert!(
        matches!(failure.error, IngestError::Read { .. }),
        "{:?}",
        failure.error
    );
    assert_eq!(committed_feeds(&store), ["first"]);

    // A writer that dies mid-run (a panic standing in for a crash) leaves the batch it
    // was writing uncommitted and stops every thread of the run.
    let readable =
        b"BOOKING_NO,SUBJECT_ID,FIRST,LAST,DOB,BOOKED,CHARGE\nD-1,S-2,Joe,Doe,1985,03/05/2024,x\n";
    std::fs::write(&jobs[1].files[0], readable).unwrap();
    let crashed = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        ingest_files(&store, &files_of(&jobs), &options, &mut |index, event| {
            assert!(
                index < 2 || event.stage != Stage::Reading,
                "simulated crash"
            );
        })
    }));
    assert!(crashed.is_err());
    assert_eq!(committed_feeds(&store), ["first", "second"]);
}
