//! Source records: what one agency said about one thing, with where it came from.

use std::collections::BTreeMap;

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::ids::{BatchId, ContentHasher, EntityKey, RecordId, StatementId};
use crate::labels::SecurityLabels;
use crate::schema::{PropertyType, Schema};

/// Where a record came from. Not part of the record's id: the same record in two
/// files, or in a rerun of one file, is the same record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Provenance {
    /// The owning agency; it alone decides who else may see the record.
    pub agency: String,
    /// The feed (one agency's file layout) the record came in through.
    pub feed: String,
    /// The record's id in the agency's own system.
    pub source_record_id: String,
    pub batch_id: BatchId,
    /// The file's name as given to ingest, and the line the record starts on.
    pub source_file: String,
    pub line: u64,
    /// When the agency reported it: the feed's own column if it has one, otherwise
    /// when the batch was ingested.
    pub reported_at: DateTime<Utc>,
}

/// One immutable version of one agency's record about one entity.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SourceRecord {
    /// Derived from agency, kind, entity key, properties and labels.
    pub id: RecordId,
    /// The source's identity for the thing described; stable across corrections.
    pub entity_key: EntityKey,
    pub kind: String,
    /// Canonical values per property (see [`crate::ValueFormat`]); references hold
    /// the hex of an [`EntityKey`].
    pub properties: BTreeMap<String, Vec<String>>,
    pub labels: SecurityLabels,
    pub provenance: Provenance,
}

/// One value of one property of one record: the unit of evidence.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Statement<'a> {
    pub id: StatementId,
    pub record_id: RecordId,
    pub entity_key: EntityKey,
    pub kind: &'a str,
    pub property: &'a str,
    pub value: &'a str,
    pub provenance: &'a Provenance,
    pub labels: &'a SecurityLabels,
}

impl SourceRecord {
    /// Builds a record and derives its id from its content. Values of each property are
    /// sorted and deduplicated so that column order in a feed does not change the id.
    pub fn new(
        kind: &str,
        entity_key: EntityKey,
        mut properties: BTreeMap<String, Vec<String>>,
        labels: SecurityLabels,
        provenance: Provenance,
    ) -> SourceRecord {
        properties.retain(|_, values| !values.is_empty());
        for values in properties.values_mut() {
            values.sort();
            values.dedup();
        }
        let id = SourceRecord::content_id(
            &provenance.agency,
            kind,
            &entity_key,
            properties
                .iter()
                .map(|(property, values)| (property.as_str(), values.as_slice())),
            &labels,
        );
        SourceRecord {
            id,
            entity_key,
            kind: kind.to_string(),
            properties,
            labels,
            provenance,
        }
    }

    /// The id of a record with this content, as [`SourceRecord::new`] derives it:
    /// `properties` in name order, each property's values sorted and without repeats,
    /// properties without values left out. Lets ingest find a record's id (and so
    /// whether it is a repeat) before it builds the record.
    pub fn content_id<'a, P, V>(
        agency: &str,
        kind: &str,
        entity_key: &EntityKey,
        properties: P,
        labels: &SecurityLabels,
    ) -> RecordId
    where
        P: IntoIterator<Item = (&'a str, &'a [V])>,
        V: AsRef<str> + 'a,
    {
        let mut hasher = ContentHasher::new(RecordId::DOMAIN);
        hasher
            .field(agency)
            .field(kind)
            .bytes(entity_key.as_bytes());
        for (property, values) in properties {
            hasher.field(property).count(values.len());
            for value in values {
                hasher.field(value.as_ref());
            }
        }
        hasher
            .field(labels.sensitivity.as_str())
            .joined(labels.caveats.iter().map(String::as_str), ",")
            .field(labels.data_class.as_str())
            .field(
                labels
                    .predicate
                    .as_ref()
                    .map_or("", |predicate| predicate.as_str()),
            );
        review_by_field(&mut hasher, labels.review_by);
        RecordId::from_hasher(&hasher)
    }

    pub fn values(&self, property: &str) -> &[String] {
        self.properties.get(property).map_or(&[], Vec::as_slice)
    }

    pub fn first(&self, property: &str) -> Option<&str> {
        self.values(property).first().map(String::as_str)
    }

    /// Every value as a statement with its own content-derived id.
    pub fn statements(&self) -> impl Iterator<Item = Statement<'_>> {
        self.properties.iter().flat_map(move |(property, values)| {
            values.iter().map(move |value| {
                let mut hasher = ContentHasher::new(StatementId::DOMAIN);
                hasher
                    .bytes(self.id.as_bytes())
                    .field(property)
                    .field(value);
                Statement {
                    id: StatementId::from_hasher(&hasher),
                    record_id: self.id,
                    entity_key: self.entity_key,
                    kind: &self.kind,
                    property,
                    value,
                    provenance: &self.provenance,
                    labels: &self.labels,
                }
            })
        })
    }

    /// The record's name for people: the first caption property with a value.
    pub fn caption(&self, schema: &Schema) -> String {
        schema
            .kind(&self.kind)
            .and_then(|kind| {
                kind.caption
                    .iter()
                    .find_map(|property| self.first(property))
            })
            .map_or_else(|| self.kind.clone(), str::to_string)
    }

    /// The entity keys this record refers to, by property.
    pub fn references<'a>(
        &'a self,
        schema: &'a Schema,
    ) -> impl Iterator<Item = (&'a str, EntityKey)> + 'a {
        let kind = schema.kind(&self.kind);
        self.properties.iter().flat_map(move |(property, values)| {
            let is_reference = kind
                .and_then(|kind| kind.property(property))
                .is_some_and(|declared| declared.property_type == PropertyType::Reference);
            values
                .iter()
                .filter(move |_| is_reference)
                .filter_map(move |value| value.parse().ok().map(|key| (property.as_str(), key)))
        })
    }
}

/// Hashes a review-by date as the field its ISO text would be (`NaiveDate`'s display,
/// or empty), written digit by digit for years 0 to 9999: every criminal-intelligence
/// record carries one, and formatting it cost more than hashing it.
fn review_by_field(hasher: &mut ContentHasher, review_by: Option<NaiveDate>) {
    match review_by {
        None => {
            hasher.field("");
        }
        Some(date) if (0..=9999).contains(&date.year()) => {
            let year = date.year() as u32;
            let digit = |value: u32| b'0' + (value % 10) as u8;
            let text = [
                digit(year / 1000),
                digit(year / 100),
                digit(year / 10),
                digit(year),
                b'-',
                digit(date.month() / 10),
                digit(date.month()),
                b'-',
                digit(date.day() / 10),
                digit(date.day()),
            ];
            hasher.bytes(&text);
        }
        Some(date) => {
            hasher.field(&date.to_string());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::labels::{DataClass, Sensitivity};

    fn provenance(line: u64) -> Provenance {
        Provenance {
            agency: "sheriff".into(),
            feed: "bookings".into(),
            source_record_id: "B-1".into(),
            batch_id: BatchId::new("sheriff", "bookings", "h"),
            source_file: "bookings.csv".into(),
            line,
            reported_at: DateTime::UNIX_EPOCH,
        }
    }

    fn labels() -> SecurityLabels {
        SecurityLabels::new(
            Sensitivity::LawEnforcement,
            [],
            DataClass::InvestigativeCase,
            None,
            None,
            "2024-01-01".parse().unwrap(),
        )
        .unwrap()
    }

    #[test]
    fn record_id_depends_on_content_not_on_provenance_or_value_order() {
        let key = EntityKey::new("sheriff", "Person", "bookings", &["B-1"]);
        let properties = |names: [&str; 2]| {
            BTreeMap::from([(
                "name".to_string(),
                names.iter().map(|name| name.to_string()).collect(),
            )])
        };
        let first = SourceRecord::new(
            "Person",
            key,
            properties(["Joe", "Jose"]),
            labels(),
            provenance(2),
        );
        let second = SourceRecord::new(
            "Person",
            key,
            properties(["Jose", "Joe"]),
            labels(),
            provenance(9),
        );
        assert_eq!(first.id, second.id);
        // Stored ids depend on these exact bytes: a change here orphans every store.
        assert_eq!(first.id.to_hex(), "9353925e597cf0fe64d1a9624d9df52f");
        let corrected = SourceRecord::new(
            "Person",
            key,
            properties(["Jose", "Joseph"]),
            labels(),
            provenance(2),
        );
        assert_ne!(first.id, corrected.id);
        assert_eq!(first.statements().count(), 2);
        let statement_ids: Vec<_> = first.statements().map(|statement| statement.id).collect();
        assert_ne!(statement_ids[0], statement_ids[1]);
    }

    #[test]
    fn review_dates_hash_as_their_text() {
        for text in [
            "2024-01-05",
            "0005-12-31",
            "0999-07-04",
            "9999-12-31",
            "+10000-01-01",
        ] {
            let date: NaiveDate = text.parse().unwrap();
            assert_eq!(date.to_string(), text);
            let mut by_text = ContentHasher::new("test");
            by_text.field(text);
            let mut direct = ContentHasher::new("test");
            review_by_field(&mut direct, Some(date));
            assert_eq!(
                RecordId::from_hasher(&by_text),
                RecordId::from_hasher(&direct)
            );
        }
        let mut empty = ContentHasher::new("test");
        empty.field("");
        let mut direct = ContentHasher::new("test");
        review_by_field(&mut direct, None);
        assert_eq!(
            RecordId::from_hasher(&empty),
            RecordId::from_hasher(&direct)
        );
    }

    #[test]
    fn caption_and_references_follow_the_schema() {
        let schema = Schema::builtin();
        let person = EntityKey::new("sheriff", "Person", "bookings", &["B-1"]);
        let arrest = SourceRecord::new(
            "Arrest",
            EntityKey::new("sheriff", "Arrest", "bookings", &["A-1"]),
            BTreeMap::from([
                ("person".to_string(), vec![person.to_hex()]),
                ("charge".to_string(), vec!["HS 11351".to_string()]),
                ("date".to_string(), vec!["2024-01-01".to_string()]),
            ]),
            labels(),
            provenance(3),
        );
        assert_eq!(arrest.caption(schema), "HS 11351");
        assert_eq!(
            arrest.references(schema).collect::<Vec<_>>(),
            vec![("person", person)]
        );
    }
}
