//! Records laid out flat for the bulk path.
//!
//! A [`SourceRecord`] owns some twenty allocations (property map, value strings,
//! provenance and label strings). Ingest builds millions of them only to hand them to a
//! writer that turns each straight into column values, and the building, the freeing
//! and the writer's cache misses on records another thread built were most of a bulk
//! load's time. [`EncodedRecords`] holds a chunk of records as fixed-size entries plus
//! one text buffer they point into, with the properties already written as the JSON
//! text every backend stores; the buffers are cleared and reused chunk after chunk.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
use model::{
    BatchId, DataClass, EntityKey, Provenance, RecordId, SecurityLabels, Sensitivity, SourceRecord,
};

use crate::{BatchHeader, StoreError, StoreResult, StoredLabels, decode_properties};

/// A piece of an [`EncodedRecords`]' shared text (see [`EncodedRecords::intern`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TextRef {
    start: u32,
    end: u32,
}

/// What a record holds besides its per-record source id and its properties: fixed-size
/// values, and text already in the buffer (see [`EncodedRecords::intern`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RecordHead {
    pub id: RecordId,
    pub entity_key: EntityKey,
    pub kind: TextRef,
    pub agency: TextRef,
    pub feed: TextRef,
    pub batch_id: BatchId,
    pub source_file: TextRef,
    pub line: u64,
    pub reported_at: DateTime<Utc>,
    pub sensitivity: Sensitivity,
    /// Upper-case caveats joined with `,`, as stored.
    pub caveats: TextRef,
    pub data_class: DataClass,
    pub predicate: Option<TextRef>,
    pub review_by: Option<NaiveDate>,
}

#[derive(Debug, Clone, Copy)]
struct Entry {
    head: RecordHead,
    source_record_id: TextRef,
    properties: TextRef,
}

/// A chunk of records as fixed-size entries and one text buffer.
///
/// Offsets are 32-bit: a chunk's text stays far below 4 GiB (ingest hands over chunks
/// of thousands of records); pushing beyond that panics.
#[derive(Debug, Default)]
pub struct EncodedRecords {
    /// Text many records name: agencies, feeds, kinds, files, caveats, predicates.
    shared: String,
    /// Each record's own text (source record id, properties), in entry order once
    /// sorted, so that a writer reads it front to back.
    text: String,
    /// The next `text` while sorting.
    spare: String,
    entries: Vec<Entry>,
    /// Sort keys: each entry's id as a number (the same order as its bytes) and its
    /// index, the tie-break that keeps equal ids in push order.
    order: Vec<(u128, u32)>,
    /// Recently interned texts, the most recent last: a chunk names the same few
    /// agencies, feeds, kinds and caveats again and again.
    interned: Vec<TextRef>,
}

/// One record of an [`EncodedRecords`], its text borrowed.
#[derive(Debug, Clone, Copy)]
pub struct EncodedRecord<'a> {
    pub id: RecordId,
    pub entity_key: EntityKey,
    pub kind: &'a str,
    pub agency: &'a str,
    pub feed: &'a str,
    pub source_record_id: &'a str,
    pub batch_id: BatchId,
    pub source_file: &'a str,
    pub line: u64,
    pub reported_at: DateTime<Utc>,
    pub sensitivity: Sensitivity,
    pub caveats: &'a str,
    pub data_class: DataClass,
    pub predicate: Option<&'a str>,
    pub review_by: Option<NaiveDate>,
    /// `{"property":["value",…],…}`, properties in name order, as serde_json writes a
    /// `BTreeMap<String, Vec<String>>`.
    pub properties_json: &'a str,
}

impl EncodedRecords {
    const INTERNED: usize = 16;

    pub fn new() -> EncodedRecords {
        EncodedRecords::default()
    }

    /// Encodes records built the general way (tests, small writes).
    pub fn from_records(records: &[SourceRecord]) -> EncodedRecords {
        let mut encoded = EncodedRecords::new();
        for record in records {
            encoded.push_record(record);
        }
        encoded
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Empties the chunk, keeping its buffers.
    pub fn clear(&mut self) {
        self.shared.clear();
        self.text.clear();
        self.entries.clear();
        self.interned.clear();
    }

    /// A text for [`RecordHead`]s: one of the recent ones if equal, else appended.
    pub fn intern(&mut self, text: &str) -> TextRef {
        if let Some(found) = self
            .interned
            .iter()
            .rev()
            .find(|interned| shared(&self.shared, **interned) == text)
        {
            return *found;
        }
        let start = self.shared.len();
        self.shared.push_str(text);
        let interned = TextRef {
            start: offset(start),
            end: offset(self.shared.len()),
        };
        if self.interned.len() == Self::INTERNED {
            self.interned.remove(0);
        }
        self.interned.push(interned);
        interned
    }

    /// Appends a record: its head, its source record id as the concatenation of
    /// `source_record_id`'s pieces, and its properties (in name order, each with
    /// sorted values without repeats, none empty, as in a [`SourceRecord`]).
    pub fn push<'v, V>(
        &mut self,
        head: RecordHead,
        source_record_id: &[&str],
        properties: impl IntoIterator<Item = (&'v str, &'v [V])>,
    ) where
        V: AsRef<str> + 'v,
    {
        let start = self.text.len();
        for piece in source_record_id {
            self.text.push_str(piece);
        }
        let source_record_id = self.span(start);
        let start = self.text.len();
        write_properties_json(&mut self.text, properties);
        let properties = self.span(start);
        self.entries.push(Entry {
            head,
            source_record_id,
            properties,
        });
    }

    /// Appends a record built the general way.
    pub fn push_record(&mut self, record: &SourceRecord) {
        let provenance = &record.provenance;
        let labels = &record.labels;
        let head = RecordHead {
            id: record.id,
            entity_key: record.entity_key,
            kind: self.intern(&record.kind),
            agency: self.intern(&provenance.agency),
            feed: self.intern(&provenance.feed),
            batch_id: provenance.batch_id,
            source_file: self.intern(&provenance.source_file),
            line: provenance.line,
            reported_at: provenance.reported_at,
            sensitivity: labels.sensitivity,
            caveats: self.intern(&labels.caveats_text()),
            data_class: labels.data_class,
            predicate: labels
                .predicate
                .as_ref()
                .map(|predicate| self.intern(predicate.as_str())),
            review_by: labels.review_by,
        };
        self.push(
            head,
            &[&provenance.source_record_id],
            record
                .properties
                .iter()
                .map(|(property, values)| (property.as_str(), values.as_slice())),
        );
    }

    /// Puts the records in id order, keeping the order of equal ids (the first is
    /// the one a store keeps). Sorted, a store's inserts walk its id index in order
    /// instead of jumping around it.
    /// Each record's own text is then laid out again in the new order.
    ///
    /// Entries are some 150 bytes: sorting small keys and then moving each entry once
    /// beats swapping entries around (and comparing ids byte by byte) in the sort.
    pub fn sort_by_id(&mut self) {
        self.order.clear();
        self.order
            .extend(self.entries.iter().enumerate().map(|(index, entry)| {
                let index = u32::try_from(index).expect("a chunk holds below 2^32 records");
                (entry.head.id.to_u128(), index)
            }));
        self.order.sort_unstable();
        // Entry `target` takes entry `order[target].1`: followed cycle by cycle, in
        // place; a placed entry's index is set to itself.
        for start in 0..self.order.len() {
            if self.order[start].1 as usize == start {
                continue;
            }
            let first = self.entries[start];
            let mut target = start;
            loop {
                let source = self.order[target].1 as usize;
                self.order[target].1 = target as u32;
                if source == start {
                    self.entries[target] = first;
                    break;
                }
                self.entries[target] = self.entries[source];
                target = source;
            }
        }
        self.spare.clear();
        for entry in &mut self.entries {
            for span in [&mut entry.source_record_id, &mut entry.properties] {
                let start = self.spare.len();
                self.spare
                    .push_str(&self.text[span.start as usize..span.end as usize]);
                *span = TextRef {
                    start: offset(start),
                    end: offset(self.spare.len()),
                };
            }
        }
        std::mem::swap(&mut self.text, &mut self.spare);
    }

    pub fn iter(&self) -> impl ExactSizeIterator<Item = EncodedRecord<'_>> + '_ {
        self.entries.iter().map(|entry| self.view(entry))
    }

    /// The records built the general way again.
    pub fn decode(&self) -> StoreResult<Vec<SourceRecord>> {
        self.iter().map(|record| record.decode()).collect()
    }

    fn view<'a>(&'a self, entry: &Entry) -> EncodedRecord<'a> {
        let head = &entry.head;
        EncodedRecord {
            id: head.id,
            entity_key: head.entity_key,
            kind: shared(&self.shared, head.kind),
            agency: shared(&self.shared, head.agency),
            feed: shared(&self.shared, head.feed),
            source_record_id: self.slice(entry.source_record_id),
            batch_id: head.batch_id,
            source_file: shared(&self.shared, head.source_file),
            line: head.line,
            reported_at: head.reported_at,
            sensitivity: head.sensitivity,
            caveats: shared(&self.shared, head.caveats),
            data_class: head.data_class,
            predicate: head
                .predicate
                .map(|predicate| shared(&self.shared, predicate)),
            review_by: head.review_by,
            properties_json: self.slice(entry.properties),
        }
    }

    fn slice(&self, text: TextRef) -> &str {
        &self.text[text.start as usize..text.end as usize]
    }

    fn span(&self, start: usize) -> TextRef {
        TextRef {
            start: offset(start),
            end: offset(self.text.len()),
        }
    }
}

/// The records of several chunks in id order, for a writer: one pass of inserts walks
/// a store's id index from one end to the other, and the more records it carries, the
/// more of them land on an index page the pass just visited. A chunk's records span the
/// whole index and a large store's index outgrows the caches, so merging eight chunks
/// before writing them saved the writer thread 29 % of its CPU time in an ingest of
/// 15M records into SQLite (docs/benchmarks.md, item 18).
///
/// Of equal ids, the record of the earlier chunk comes first, and within a chunk the
/// earlier record: the order in which a writer keeps the first of equal ids. The
/// sort keys are kept from call to call.
#[derive(Debug, Default)]
pub struct IdOrder {
    /// (id as a number, chunk, index in the chunk).
    keys: Vec<(u128, u32, u32)>,
}

impl IdOrder {
    pub fn new() -> IdOrder {
        IdOrder::default()
    }

    /// The records of `chunks`, merged in id order.
    pub fn merge<'a>(
        &'a mut self,
        chunks: &'a [&'a EncodedRecords],
    ) -> impl ExactSizeIterator<Item = EncodedRecord<'a>> + 'a {
        self.keys.clear();
        for (chunk_index, chunk) in chunks.iter().enumerate() {
            let chunk_index = u32::try_from(chunk_index).expect("below 2^32 chunks");
            self.keys
                .extend(chunk.entries.iter().enumerate().map(|(index, entry)| {
                    let index = u32::try_from(index).expect("a chunk holds below 2^32 records");
                    (entry.head.id.to_u128(), chunk_index, index)
                }));
        }
        // Chunks sorted by id (as ingest sends them) are runs that the stable sort
        // finds and merges, a few passes rather than a full sort.
        self.keys.sort();
        self.keys.iter().map(move |&(_, chunk, index)| {
            let chunk = chunks[chunk as usize];
            chunk.view(&chunk.entries[index as usize])
        })
    }
}

fn shared(text: &str, piece: TextRef) -> &str {
    &text[piece.start as usize..piece.end as usize]
}

fn offset(at: usize) -> u32 {
    u32::try_from(at).expect("a chunk's text stays below 4 GiB")
}

impl EncodedRecord<'_> {
    /// Whether the record may go into the open batch `header`: it names that batch, and
    /// its agency, feed and source file are the batch's, which the stores keep once,
    /// with the batch.
    pub fn check_batch(&self, header: &BatchHeader) -> StoreResult<()> {
        if self.batch_id != header.id {
            return Err(StoreError::ForeignBatch {
                expected: header.id,
                found: self.batch_id,
            });
        }
        for (field, batch, record) in [
            ("agency", header.agency.as_str(), self.agency),
            ("feed", header.feed.as_str(), self.feed),
            ("source file", header.source_file.as_str(), self.source_file),
        ] {
            if batch != record {
                return Err(StoreError::ForeignProvenance {
                    field,
                    batch: batch.to_string(),
                    record: record.to_string(),
                });
            }
        }
        Ok(())
    }

    /// The record built the general way, as a store reads it back.
    pub fn decode(&self) -> StoreResult<SourceRecord> {
        let labels: SecurityLabels = StoredLabels {
            sensitivity: self.sensitivity.as_str(),
            caveats: self.caveats,
            data_class: self.data_class.as_str(),
            predicate: self.predicate,
            review_by: self.review_by,
        }
        .decode()?;
        let properties: BTreeMap<String, Vec<String>> = decode_properties(self.properties_json)?;
        Ok(SourceRecord {
            id: self.id,
            entity_key: self.entity_key,
            kind: self.kind.to_string(),
            properties,
            labels,
            provenance: Provenance {
                agency: self.agency.to_string(),
                feed: self.feed.to_string(),
                source_record_id: self.source_record_id.to_string(),
                batch_id: self.batch_id,
                source_file: self.source_file.to_string(),
                line: self.line,
                reported_at: self.reported_at,
            },
        })
    }
}

/// Writes properties as serde_json writes a `BTreeMap<String, Vec<String>>`
/// (`{"p":["v",…],…}`, in the order given) at the end of `json`.
pub fn write_properties_json<'v, V>(
    json: &mut String,
    properties: impl IntoIterator<Item = (&'v str, &'v [V])>,
) where
    V: AsRef<str> + 'v,
{
    json.push('{');
    for (index, (property, values)) in properties.into_iter().enumerate() {
        if index > 0 {
            json.push(',');
        }
        write_json_string(json, property);
        json.push_str(":[");
        for (index, value) in values.iter().enumerate() {
            if index > 0 {
                json.push(',');
            }
            write_json_string(json, value.as_ref());
        }
        json.push(']');
    }
    json.push('}');
}

/// A JSON string literal, escaped as serde_json escapes: quote, backslash and the
/// control characters below U+0020, nothing else.
fn write_json_string(json: &mut String, text: &str) {
    // Nearly every value needs no escape; a fold without early exit, which the
    // compiler vectorises, finds that out faster than the byte loop below.
    let plain = !text.bytes().fold(false, |found, byte| {
        found | (byte < 0x20) | (byte == b'"') | (byte == b'\\')
    });
    json.push('"');
    if plain {
        json.push_str(text);
        json.push('"');
        return;
    }
    let mut plain_from = 0;
    for (at, byte) in text.bytes().enumerate() {
        let escape = match byte {
            b'"' => "\\\"",
            b'\\' => "\\\\",
            b'\n' => "\\n",
            b'\r' => "\\r",
            b'\t' => "\\t",
            0x08 => "\\b",
            0x0c => "\\f",
            0x00..=0x1f => "",
            _ => continue,
        };
        // Escaped bytes are ASCII, so these slices fall on character boundaries.
        json.push_str(&text[plain_from..at]);
        if escape.is_empty() {
            json.push_str(&format!("\\u{byte:04x}"));
        } else {
            json.push_str(escape);
        }
        plain_from = at + 1;
    }
    json.push_str(&text[plain_from..]);
    json.push('"');
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use model::CriminalPredicate;
    use std::collections::BTreeSet;

    fn record(line: u64, name: &str, labels: SecurityLabels) -> SourceRecord {
        SourceRecord::new(
            "person",
            EntityKey::new("dea", "person", "dea.person", &[&format!("P{line}")]),
            BTreeMap::from([
                ("name".to_string(), vec![name.to_string()]),
                ("phone".to_string(), vec!["+15551234567".to_string()]),
            ]),
            labels,
            Provenance {
                agency: "dea".to_string(),
                feed: "cases".to_string(),
                source_record_id: format!("C-{line}"),
                batch_id: BatchId::new("dea", "cases", "hash"),
                source_file: "cases.csv".to_string(),
                line,
                reported_at: Utc.with_ymd_and_hms(2025, 3, 1, 12, 0, 0).unwrap(),
            },
        )
    }

    fn intelligence() -> SecurityLabels {
        SecurityLabels {
            sensitivity: Sensitivity::LawEnforcement,
            caveats: BTreeSet::from(["INFORMANT".to_string(), "ORCON".to_string()]),
            data_class: DataClass::CriminalIntelligence,
            predicate: Some(CriminalPredicate::new("distribution of fentanyl").unwrap()),
            review_by: NaiveDate::from_ymd_opt(2029, 3, 1),
        }
    }

    fn public() -> SecurityLabels {
        SecurityLabels {
            sensitivity: Sensitivity::Public,
            caveats: BTreeSet::new(),
            data_class: DataClass::Public,
            predicate: None,
            review_by: None,
        }
    }

    #[test]
    fn records_come_back_as_they_went_in_and_sort_by_id_stably() {
        let records = vec![
            record(2, "Ana \"La Flaca\" Ruiz", intelligence()),
            record(3, "Joe Doe", public()),
            record(2, "Ana \"La Flaca\" Ruiz", intelligence()),
            record(4, "José\tß→東京", public()),
        ];
        let mut encoded = EncodedRecords::from_records(&records);
        assert_eq!(encoded.len(), 4);
        assert_eq!(encoded.decode().unwrap(), records);
        // Shared texts are stored once: "dea", "cases", "person", "cases.csv", the two
        // caveat texts and the predicate.
        assert_eq!(encoded.shared.matches("cases.csv").count(), 1);

        // The repeat of line 2 (equal id, equal content) stays after the first.
        let mut repeat = records[2].clone();
        repeat.provenance.line = 9;
        let mut with_repeat = records.clone();
        with_repeat[2] = repeat;
        encoded = EncodedRecords::from_records(&with_repeat);
        encoded.sort_by_id();
        let sorted = encoded.decode().unwrap();
        assert!(sorted.windows(2).all(|pair| pair[0].id <= pair[1].id));
        let lines: Vec<u64> = sorted
            .iter()
            .filter(|record| record.id == records[0].id)
            .map(|record| record.provenance.line)
            .collect();
        assert_eq!(lines, vec![2, 9]);

        encoded.clear();
        assert!(encoded.is_empty());
        assert_eq!(encoded.iter().count(), 0);
    }

    #[test]
    fn sorting_by_id_is_a_stable_sort_of_the_records() {
        // 600 records of 150 distinct ids, each id four times in push order, pushed
        // in an order unrelated to their ids: the permutation has long cycles.
        let records: Vec<SourceRecord> = (0..600)
            .map(|line| {
                let mut record = record(line % 150, "Ana Ruiz", public());
                record.provenance.line = line;
                record.provenance.source_record_id = format!("C-{line}");
                record
            })
            .collect();
        let mut encoded = EncodedRecords::from_records(&records);
        encoded.sort_by_id();
        let mut expected = records.clone();
        expected.sort_by_key(|record| record.id);
        assert_eq!(encoded.decode().unwrap(), expected);
        // The buffers are reused: a second chunk sorts as well.
        encoded.clear();
        for record in records.iter().rev() {
            encoded.push_record(record);
        }
        encoded.sort_by_id();
        let mut expected: Vec<SourceRecord> = records.into_iter().rev().collect();
        expected.sort_by_key(|record| record.id);
        assert_eq!(encoded.decode().unwrap(), expected);
    }

    #[test]
    fn properties_json_is_what_serde_json_writes() {
        for properties in [
            BTreeMap::new(),
            BTreeMap::from([("name".to_string(), vec![])]),
            BTreeMap::from([
                (
                    "name".to_string(),
                    vec!["Ana \"La Flaca\" Ruiz".to_string(), "ß→東京".to_string()],
                ),
                (
                    "note\\".to_string(),
                    vec!["tab\tnew\nline\r\u{0}\u{8}\u{c}\u{1f}\u{7f}\u{2028}".to_string()],
                ),
            ]),
        ] {
            let mut json = String::from("kept:");
            write_properties_json(
                &mut json,
                properties
                    .iter()
                    .map(|(property, values)| (property.as_str(), values.as_slice())),
            );
            assert_eq!(
                json,
                format!("kept:{}", serde_json::to_string(&properties).unwrap())
            );
        }
    }
}
