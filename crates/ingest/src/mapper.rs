//! The row mapper: a mapping profile compiled once against the schema, then applied to
//! one raw row at a time, giving the row's source records or the one reason it fails.
//!
//! Pure: no files, no clock. The batch's time and id come in through [`BatchContext`].
//! A row maps whole or not at all, so a partly understood row never reaches the store.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use model::{
    BatchId, CriminalPredicate, DataClass, EntityKey, LabelError, Property, PropertyType,
    Provenance, RecordId, Schema, SecurityLabels, Sensitivity, SourceRecord, ValueFormat,
};

use store::{EncodedRecords, RecordHead, TextRef};

use crate::profile::{EntityMapping, FileFormat, MappingProfile, ValueSource};

/// Separates several raw values inside one key part; it cannot occur in trimmed text a
/// person typed, so `["a b"]` and `["a", "b"]` key different entities.
const KEY_VALUE_SEPARATOR: &str = "\u{1f}";

/// A profile that cannot be compiled into a mapper.
#[derive(Debug, thiserror::Error, Clone, PartialEq, Eq)]
#[error("profile {agency}/{feed}: {message}")]
pub struct InvalidProfile {
    pub agency: String,
    pub feed: String,
    pub message: String,
}

/// Why one row cannot be taken in. Never an error of the ingest itself: the driver
/// quarantines the row with this field and reason.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowError {
    /// The column (or, for constants and references, the property) at fault.
    pub field: Option<String>,
    pub reason: String,
}

/// What every record of one batch shares.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BatchContext {
    pub batch_id: BatchId,
    /// The data file as given to ingest.
    pub source_file: String,
    /// When the batch was started: the reported-at of rows without their own.
    pub batch_time: DateTime<Utc>,
}

/// One row as read: for each column the profile uses (its *slot*), zero or more raw
/// values. Buffers are reused from row to row, so reading allocates only while warming up.
///
/// A reading block holds thousands of rows, and most slots hold one value or none: each
/// slot's first value sits in one array, and the rare further ones in another, rather
/// than a list per slot (a score of small allocations per row, which a run's first
/// blocks paid for as fresh memory).
#[derive(Debug, Clone, Default)]
pub struct RawRow {
    /// The line the row starts on (1-based; a CSV header is line 1).
    pub line: u64,
    text: String,
    /// Each slot's first value, as a span of `text`; [`RawRow::NO_VALUE`] if none.
    first: Vec<(u32, u32)>,
    /// Later values: slot and span, in the order pushed.
    more: Vec<(u32, u32, u32)>,
}

impl RawRow {
    const NO_VALUE: (u32, u32) = (u32::MAX, u32::MAX);

    pub fn new(slot_count: usize) -> RawRow {
        RawRow {
            line: 0,
            text: String::new(),
            first: vec![Self::NO_VALUE; slot_count],
            more: Vec::new(),
        }
    }

    /// Gives the row room for `slot_count` columns, keeping its buffers: a reading
    /// block's rows go from file to file.
    pub fn set_slot_count(&mut self, slot_count: usize) {
        self.first.resize(slot_count, Self::NO_VALUE);
    }

    /// How many columns (slots) the row has room for.
    pub fn slot_count(&self) -> usize {
        self.first.len()
    }

    /// Empties the row for the next one, keeping its buffers.
    pub fn clear(&mut self, line: u64) {
        self.line = line;
        self.text.clear();
        self.first.fill(Self::NO_VALUE);
        self.more.clear();
    }

    /// Adds one raw value to a slot.
    pub fn push(&mut self, slot: usize, value: &str) {
        let start = self.text.len();
        self.text.push_str(value);
        // Readers cap a row far below 4 GiB, so offsets fit in 32 bits.
        let span = (start as u32, self.text.len() as u32);
        if self.first[slot] == Self::NO_VALUE {
            self.first[slot] = span;
        } else {
            self.more.push((slot as u32, span.0, span.1));
        }
    }

    /// The raw values of a slot, as read.
    pub fn values(&self, slot: usize) -> impl Iterator<Item = &str> + '_ {
        let first = self.first[slot];
        let later = self
            .more
            .iter()
            .filter(move |&&(of, _, _)| of as usize == slot)
            .map(|&(_, start, end)| (start, end));
        (first != Self::NO_VALUE)
            .then_some(first)
            .into_iter()
            .chain(later)
            .map(|(start, end)| &self.text[start as usize..end as usize])
    }

    fn first_non_empty(&self, slot: usize) -> Option<&str> {
        self.values(slot)
            .map(str::trim)
            .find(|value| !value.is_empty())
    }

    fn has_value(&self, slot: usize) -> bool {
        self.first_non_empty(slot).is_some()
    }
}

/// One entity's values in a row while it is mapped: (property, canonical values), each
/// property once and with values. Built without owned names or a map, since a repeat
/// of an earlier record is left out as soon as its id is known, and a kept record is
/// then written straight into the chunk's flat form.
type PropertyValues<'mapper> = Vec<(&'mapper str, Vec<String>)>;

/// What every record of one row shares, put into the chunk's text once per row.
struct SharedText {
    agency: TextRef,
    feed: TextRef,
    source_file: TextRef,
    caveats: TextRef,
    predicate: Option<TextRef>,
    /// The row's id in the agency's system, or its line.
    row_id: String,
}

/// A mapping profile compiled against the schema: columns resolved to slots, property
/// declarations and value sources looked up once.
#[derive(Debug, Clone)]
pub struct RowMapper {
    agency: String,
    feed: String,
    format: FileFormat,
    value_format: ValueFormat,
    columns: Vec<String>,
    id_slot: Option<usize>,
    reported_at: Option<(usize, String)>,
    labels: LabelSources,
    entities: Vec<CompiledEntity>,
}

#[derive(Debug, Clone)]
struct LabelSources {
    sensitivity: Sensitivity,
    data_class: DataClass,
    caveats: Vec<String>,
    caveats_column: Option<(usize, String)>,
    predicate: Option<String>,
    predicate_column: Option<(usize, String)>,
    review_by_column: Option<(usize, String)>,
}

#[derive(Debug, Clone)]
struct CompiledEntity {
    name: String,
    kind: String,
    namespace: String,
    optional: bool,
    key_slots: Vec<usize>,
    /// Indexes into `properties`.
    key_properties: Vec<usize>,
    /// The key's columns or properties, for messages.
    key_description: String,
    properties: Vec<CompiledProperty>,
    /// Required properties of the kind, as indexes into `properties` (the profile
    /// check guarantees each is mapped).
    required: Vec<usize>,
}

#[derive(Debug, Clone)]
struct CompiledProperty {
    property: Property,
    /// `Kind.property`, for messages.
    qualified_name: String,
    origin: Origin,
    split: Option<String>,
    /// Lower-cased trimmed raw value → replacement.
    map: HashMap<String, String>,
    scale: Option<f64>,
    /// What a quarantine entry names as the field at fault.
    field: String,
}

#[derive(Debug, Clone)]
enum Origin {
    Column(usize),
    Columns {
        slots: Vec<usize>,
        join: String,
    },
    Constant(String),
    /// Another entity of the row, by index.
    Entity(usize),
}

impl RowMapper {
    /// Compiles a profile. Checks it against the schema first (see
    /// [`MappingProfile::check`]), then what only the engine cares about.
    pub fn compile(profile: &MappingProfile, schema: &Schema) -> Result<RowMapper, InvalidProfile> {
        let invalid = |message: String| InvalidProfile {
            agency: profile.agency.clone(),
            feed: profile.feed.clone(),
            message,
        };
        profile.check(schema).map_err(invalid)?;
        let encoding = encoding_rs::Encoding::for_label(profile.encoding.as_bytes())
            .ok_or_else(|| invalid(format!("unknown encoding {:?}", profile.encoding)))?;
        // Readers split lines and fields on ASCII bytes before decoding.
        if !encoding.is_ascii_compatible() {
            return Err(invalid(format!(
                "encoding {} is not ASCII-compatible; convert the file to UTF-8",
                encoding.name()
            )));
        }
        if profile.format == FileFormat::Csv && !profile.delimiter.is_ascii() {
            return Err(invalid(format!(
                "delimiter {:?} must be one ASCII character",
                profile.delimiter
            )));
        }
        let mut columns = SlotTable::default();
        let mut label_column = |column: &Option<String>| {
            column
                .as_ref()
                .map(|column| (columns.slot(column), column.clone()))
        };
        let labels = LabelSources {
            sensitivity: profile.labels.sensitivity,
            data_class: profile.labels.data_class,
            caveats: profile.labels.caveats.clone(),
            caveats_column: label_column(&profile.labels.caveats_column),
            predicate: profile.labels.predicate.clone(),
            predicate_column: label_column(&profile.labels.predicate_column),
            review_by_column: label_column(&profile.labels.review_by_column),
        };
        let id_slot = profile
            .id_column
            .as_ref()
            .map(|column| columns.slot(column));
        let reported_at = profile
            .reported_at_column
            .as_ref()
            .map(|column| (columns.slot(column), column.clone()));
        let entities = profile
            .entities
            .iter()
            .map(|entity| compile_entity(profile, entity, schema, &mut columns).map_err(invalid))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(RowMapper {
            agency: profile.agency.clone(),
            feed: profile.feed.clone(),
            format: profile.format,
            value_format: profile.values.clone(),
            columns: columns.names,
            id_slot,
            reported_at,
            labels,
            entities,
        })
    }

    /// The columns (CSV header names or JSON paths) the profile reads, by slot.
    pub fn columns(&self) -> &[String] {
        &self.columns
    }

    /// The slot of a column, if the profile reads it.
    pub fn slot(&self, column: &str) -> Option<usize> {
        self.columns.iter().position(|name| name == column)
    }

    pub fn agency(&self) -> &str {
        &self.agency
    }

    pub fn feed(&self) -> &str {
        &self.feed
    }

    pub fn format(&self) -> FileFormat {
        self.format
    }

    /// A row from `(column, value)` pairs; columns the profile does not read are ignored.
    pub fn raw_row(&self, line: u64, fields: &[(&str, &str)]) -> RawRow {
        let mut row = RawRow::new(self.columns.len());
        row.clear(line);
        for slot in 0..self.columns.len() {
            for (column, value) in fields {
                if *column == self.columns[slot] {
                    row.push(slot, value);
                }
            }
        }
        row
    }

    /// Maps one row into its records, appended to `records`. On error nothing is
    /// appended: the whole row is to be quarantined.
    pub fn map_row(
        &self,
        row: &RawRow,
        context: &BatchContext,
        records: &mut Vec<SourceRecord>,
    ) -> Result<(), RowError> {
        let mut encoded = EncodedRecords::new();
        self.map_row_keeping(row, context, &mut encoded, &mut |_, _| true)?;
        let decoded = encoded.decode().map_err(|error| RowError {
            field: None,
            reason: format!("a mapped record does not read back: {error}"),
        })?;
        records.extend(decoded);
        Ok(())
    }

    /// Maps one row like [`RowMapper::map_row`], straight into the flat form the
    /// store's bulk path takes, but asks `keep` about each record's id (with its
    /// entity's position in the profile) before encoding the record, and encodes only
    /// those it keeps; returns how many it left out.
    /// `keep` is asked only once the row is known to map whole. A feed repeats the same
    /// person or phone on many rows, and each repeat is an identical record: knowing
    /// its id first spares encoding it.
    pub fn map_row_keeping(
        &self,
        row: &RawRow,
        context: &BatchContext,
        records: &mut EncodedRecords,
        keep: &mut dyn FnMut(usize, RecordId) -> bool,
    ) -> Result<u64, RowError> {
        let reported_at = self.reported_at(row, context)?;
        let labels = self.labels(row, reported_at.date_naive())?;

        // Keys first: references need every entity's key, and an optional entity
        // without one is left out before its other values are looked at.
        let mut keys: Vec<Option<EntityKey>> = Vec::with_capacity(self.entities.len());
        let mut values: Vec<PropertyValues<'_>> = Vec::with_capacity(self.entities.len());
        for entity in &self.entities {
            let mut properties = PropertyValues::new();
            let key = self.entity_key(entity, row, &mut properties)?;
            keys.push(key);
            values.push(properties);
        }
        for ((entity, key), properties) in self.entities.iter().zip(&keys).zip(&mut values) {
            if key.is_none() {
                continue;
            }
            for (index, property) in entity.properties.iter().enumerate() {
                if entity.key_properties.contains(&index) {
                    continue;
                }
                let found = match &property.origin {
                    Origin::Entity(target) => keys[*target].iter().map(EntityKey::to_hex).collect(),
                    _ => property.values(row, &self.value_format)?,
                };
                if !found.is_empty() {
                    properties.push((property.property.name.as_str(), found));
                }
            }
            for &index in &entity.required {
                let property = &entity.properties[index];
                if !properties
                    .iter()
                    .any(|(name, _)| *name == property.property.name)
                {
                    let reason = match &property.origin {
                        Origin::Entity(target) => format!(
                            "required property {} refers to entity {:?}, which this row lacks",
                            property.qualified_name, self.entities[*target].name
                        ),
                        _ => format!("required property {} has no value", property.qualified_name),
                    };
                    return Err(RowError {
                        field: Some(property.field.clone()),
                        reason,
                    });
                }
            }
        }

        let mut produced = 0;
        let mut left_out = 0;
        let mut shared: Option<SharedText> = None;
        for (index, ((entity, key), mut properties)) in
            self.entities.iter().zip(keys).zip(values).enumerate()
        {
            let Some(key) = key else { continue };
            produced += 1;
            // In name order, as a record's property map holds them (names are distinct).
            properties.sort_unstable_by(|left, right| left.0.cmp(right.0));
            let id = SourceRecord::content_id(
                &self.agency,
                &entity.kind,
                &key,
                properties
                    .iter()
                    .map(|(property, values)| (*property, values.as_slice())),
                &labels,
            );
            if !keep(index, id) {
                left_out += 1;
                continue;
            }
            let shared = shared.get_or_insert_with(|| SharedText {
                agency: records.intern(&self.agency),
                feed: records.intern(&self.feed),
                source_file: records.intern(&context.source_file),
                caveats: records.intern(&labels.caveats_text()),
                predicate: labels
                    .predicate
                    .as_ref()
                    .map(|predicate| records.intern(predicate.as_str())),
                row_id: match self.id_slot.and_then(|slot| row.first_non_empty(slot)) {
                    Some(id) => id.to_string(),
                    None => row.line.to_string(),
                },
            });
            let head = RecordHead {
                id,
                entity_key: key,
                kind: records.intern(&entity.kind),
                agency: shared.agency,
                feed: shared.feed,
                batch_id: context.batch_id,
                source_file: shared.source_file,
                line: row.line,
                reported_at,
                sensitivity: labels.sensitivity,
                caveats: shared.caveats,
                data_class: labels.data_class,
                predicate: shared.predicate,
                review_by: labels.review_by,
            };
            // The first entity is the row's own record; the others are told apart by
            // the entity's name.
            let source_record_id: &[&str] = if index == 0 {
                &[&shared.row_id]
            } else {
                &[&shared.row_id, "#", &entity.name]
            };
            // Values are sorted and without repeats, and empty properties were never
            // inserted: what `SourceRecord::new` would do is done, and the id is known.
            records.push(
                head,
                source_record_id,
                properties
                    .iter()
                    .map(|(property, values)| (*property, values.as_slice())),
            );
            debug_assert_eq!(
                id,
                SourceRecord::new(
                    &entity.kind,
                    key,
                    properties
                        .into_iter()
                        .map(|(property, values)| (property.to_string(), values))
                        .collect(),
                    labels.clone(),
                    Provenance {
                        agency: self.agency.clone(),
                        feed: self.feed.clone(),
                        source_record_id: String::new(),
                        batch_id: context.batch_id,
                        source_file: context.source_file.clone(),
                        line: row.line,
                        reported_at,
                    },
                )
                .id
            );
        }
        if produced == 0 {
            // Every entity was optional and keyless: accepting the row would keep nothing.
            return Err(RowError {
                field: None,
                reason: "the row has no entity: every optional entity lacks its key".to_string(),
            });
        }
        Ok(left_out)
    }

    fn reported_at(&self, row: &RawRow, context: &BatchContext) -> Result<DateTime<Utc>, RowError> {
        let Some((slot, column)) = &self.reported_at else {
            return Ok(context.batch_time);
        };
        let Some(raw) = row.first_non_empty(*slot) else {
            return Ok(context.batch_time);
        };
        let error = |reason: String| RowError {
            field: Some(column.clone()),
            reason: format!("reported-at: {reason}"),
        };
        let canonical = PropertyType::Datetime
            .canonicalise(raw, &self.value_format)
            .map_err(|value_error| error(value_error.to_string()))?;
        DateTime::parse_from_rfc3339(&canonical)
            .map(|moment| moment.with_timezone(&Utc))
            .map_err(|parse_error| error(parse_error.to_string()))
    }

    fn labels(&self, row: &RawRow, reported: NaiveDate) -> Result<SecurityLabels, RowError> {
        let rule = &self.labels;
        let column_value = |column: &Option<(usize, String)>| {
            column
                .as_ref()
                .and_then(|(slot, _)| row.first_non_empty(*slot))
        };
        let column_name =
            |column: &Option<(usize, String)>| column.as_ref().map(|(_, name)| name.clone());

        let mut caveats = rule.caveats.clone();
        if let Some((slot, _)) = &rule.caveats_column {
            for value in row.values(*slot) {
                caveats.extend(value.split([',', ';']).map(str::to_string));
            }
        }
        let predicate_text = column_value(&rule.predicate_column).or(rule.predicate.as_deref());
        let predicate = match predicate_text {
            Some(text) => Some(
                CriminalPredicate::new(text).map_err(|label_error| RowError {
                    field: column_name(&rule.predicate_column),
                    reason: label_error.to_string(),
                })?,
            ),
            None => None,
        };
        let review_by = match column_value(&rule.review_by_column) {
            Some(raw) => Some(self.review_date(raw).map_err(|reason| RowError {
                field: column_name(&rule.review_by_column),
                reason,
            })?),
            None => None,
        };
        SecurityLabels::new(
            rule.sensitivity,
            caveats,
            rule.data_class,
            predicate,
            review_by,
            reported,
        )
        .map_err(|label_error| {
            let field = match label_error {
                LabelError::MissingPredicate => column_name(&rule.predicate_column),
                LabelError::MissingReviewDate
                | LabelError::ReviewTooFar { .. }
                | LabelError::ReviewBeforeReport { .. } => column_name(&rule.review_by_column),
                LabelError::BadCaveat(_) => column_name(&rule.caveats_column),
                LabelError::PredicateOutsideIntelligence => {
                    column_name(&rule.predicate_column).or(column_name(&rule.review_by_column))
                }
                LabelError::Unknown { .. } => None,
            };
            RowError {
                field,
                reason: label_error.to_string(),
            }
        })
    }

    fn review_date(&self, raw: &str) -> Result<NaiveDate, String> {
        let canonical = PropertyType::Date
            .canonicalise(raw, &self.value_format)
            .map_err(|value_error| format!("review-by: {value_error}"))?;
        model::padded_iso_date(&canonical)
            .or_else(|| NaiveDate::parse_from_str(&canonical, "%Y-%m-%d").ok())
            .ok_or_else(|| format!("review-by: {raw:?} is not a full date"))
    }

    /// The entity's key, or `None` for an optional entity without one. Fills in the
    /// key properties' values on the way.
    fn entity_key<'mapper>(
        &self,
        entity: &'mapper CompiledEntity,
        row: &RawRow,
        properties: &mut PropertyValues<'mapper>,
    ) -> Result<Option<EntityKey>, RowError> {
        let mut parts: Vec<String> =
            Vec::with_capacity(entity.key_slots.len() + entity.key_properties.len());
        for &slot in &entity.key_slots {
            let mut part = String::new();
            for value in row
                .values(slot)
                .map(str::trim)
                .filter(|value| !value.is_empty())
            {
                if !part.is_empty() {
                    part.push_str(KEY_VALUE_SEPARATOR);
                }
                part.push_str(value);
            }
            parts.push(part);
        }
        for &index in &entity.key_properties {
            let property = &entity.properties[index];
            let values = match &property.origin {
                // A reference as key: the referenced entity is not keyed yet at this point,
                // and the profile check does not allow it to be a key in practice.
                Origin::Entity(_) => Vec::new(),
                _ if !property.has_raw_value(row) => Vec::new(),
                _ => property.values(row, &self.value_format)?,
            };
            parts.push(values.join(KEY_VALUE_SEPARATOR));
            if !values.is_empty() {
                properties.push((property.property.name.as_str(), values));
            }
        }
        if parts.iter().all(String::is_empty) {
            if entity.optional {
                properties.clear();
                return Ok(None);
            }
            return Err(RowError {
                field: Some(entity.key_description.clone()),
                reason: format!(
                    "entity {:?} ({}) has no key: {} empty",
                    entity.name, entity.kind, entity.key_description
                ),
            });
        }
        let parts: Vec<&str> = parts.iter().map(String::as_str).collect();
        Ok(Some(EntityKey::new(
            &self.agency,
            &entity.kind,
            &entity.namespace,
            &parts,
        )))
    }
}

impl CompiledProperty {
    fn has_raw_value(&self, row: &RawRow) -> bool {
        match &self.origin {
            Origin::Column(slot) => row.has_value(*slot),
            Origin::Columns { slots, .. } => slots.iter().any(|slot| row.has_value(*slot)),
            Origin::Constant(value) => !value.trim().is_empty(),
            Origin::Entity(_) => false,
        }
    }

    /// The property's canonical values in this row, sorted and without repeats.
    fn values(&self, row: &RawRow, format: &ValueFormat) -> Result<Vec<String>, RowError> {
        let mut found = Vec::new();
        match &self.origin {
            Origin::Column(slot) => {
                for value in row.values(*slot) {
                    self.push_split(value, format, &mut found)?;
                }
            }
            Origin::Columns { slots, join } => {
                let mut joined = String::new();
                for &slot in slots {
                    for value in row
                        .values(slot)
                        .map(str::trim)
                        .filter(|value| !value.is_empty())
                    {
                        if !joined.is_empty() {
                            joined.push_str(join);
                        }
                        joined.push_str(value);
                    }
                }
                self.push_split(&joined, format, &mut found)?;
            }
            Origin::Constant(value) => self.push_split(value, format, &mut found)?,
            Origin::Entity(_) => {}
        }
        found.sort_unstable();
        found.dedup();
        if found.len() > 1 && !self.property.many {
            return Err(RowError {
                field: Some(self.field.clone()),
                reason: format!(
                    "{} holds one value, found {}: {}",
                    self.qualified_name,
                    found.len(),
                    found.join(", ")
                ),
            });
        }
        Ok(found)
    }

    fn push_split(
        &self,
        raw: &str,
        format: &ValueFormat,
        found: &mut Vec<String>,
    ) -> Result<(), RowError> {
        match &self.split {
            Some(separator) => {
                for part in raw.split(separator.as_str()) {
                    self.push_one(part, format, found)?;
                }
                Ok(())
            }
            None => self.push_one(raw, format, found),
        }
    }

    fn push_one(
        &self,
        raw: &str,
        format: &ValueFormat,
        found: &mut Vec<String>,
    ) -> Result<(), RowError> {
        let mut value = raw.trim();
        if value.is_empty() {
            return Ok(());
        }
        if !self.map.is_empty()
            && let Some(replacement) = self.map.get(&value.to_lowercase())
        {
            value = replacement.trim();
            // Mapping a value to nothing is how a profile says "this means absent".
            if value.is_empty() {
                return Ok(());
            }
        }
        let canonical = match self.scale {
            Some(factor) => self.scaled(value, factor, format),
            None => self
                .property
                .canonicalise(value, format)
                .map_err(|error| error.to_string()),
        };
        match canonical {
            Ok(canonical) => {
                found.push(canonical);
                Ok(())
            }
            Err(reason) => Err(RowError {
                field: Some(self.field.clone()),
                reason: format!("{}: {reason}", self.qualified_name),
            }),
        }
    }

    fn scaled(&self, value: &str, factor: f64, format: &ValueFormat) -> Result<String, String> {
        let number: f64 = PropertyType::Number
            .canonicalise(value, format)
            .map_err(|error| error.to_string())?
            .parse()
            .map_err(|_| format!("{value:?} is not a number"))?;
        // Nine decimals hide binary noise such as 1.1 × 1000 = 1100.0000000000002.
        let product = format!("{:.9}", number * factor);
        let product = product.trim_end_matches('0').trim_end_matches('.');
        // The product is written with a decimal point whatever the feed's own format.
        self.property
            .canonicalise(product, &ValueFormat::default())
            .map_err(|error| error.to_string())
    }
}

#[derive(Default)]
struct SlotTable {
    names: Vec<String>,
}

impl SlotTable {
    fn slot(&mut self, column: &str) -> usize {
        match self.names.iter().position(|name| name == column) {
            Some(slot) => slot,
            None => {
                self.names.push(column.to_string());
                self.names.len() - 1
            }
        }
    }
}

fn compile_entity(
    profile: &MappingProfile,
    entity: &EntityMapping,
    schema: &Schema,
    columns: &mut SlotTable,
) -> Result<CompiledEntity, String> {
    let context = format!("entity {:?}", entity.name);
    let kind = schema
        .kind(&entity.kind)
        .ok_or_else(|| format!("{context}: unknown kind {:?}", entity.kind))?;
    let mut properties = Vec::with_capacity(entity.properties.len());
    for (property_name, source) in &entity.properties {
        let property = kind.property(property_name).ok_or_else(|| {
            format!(
                "{context}: kind {} has no property {property_name:?}",
                kind.name
            )
        })?;
        properties.push(compile_property(
            profile,
            &context,
            kind.name.as_str(),
            property,
            source,
            columns,
        )?);
    }
    let position = |name: &str| {
        properties
            .iter()
            .position(|compiled| compiled.property.name == name)
    };
    let key_properties = entity
        .key_properties
        .iter()
        .map(|name| {
            position(name).ok_or_else(|| format!("{context}: key property {name:?} is not mapped"))
        })
        .collect::<Result<Vec<_>, _>>()?;
    if let Some(&index) = key_properties
        .iter()
        .find(|&&index| matches!(properties[index].origin, Origin::Entity(_)))
    {
        return Err(format!(
            "{context}: key property {:?} is a reference; key the entity by columns or values",
            properties[index].property.name
        ));
    }
    let required = kind
        .required_properties()
        .map(|required| {
            position(&required.name).ok_or_else(|| {
                format!(
                    "{context}: required property {:?} of {} is not mapped",
                    required.name, kind.name
                )
            })
        })
        .collect::<Result<Vec<_>, _>>()?;
    let key_description = entity
        .key
        .iter()
        .cloned()
        .chain(
            entity
                .key_properties
                .iter()
                .map(|name| properties[position(name).unwrap_or(0)].field.clone()),
        )
        .collect::<Vec<_>>()
        .join(", ");
    Ok(CompiledEntity {
        name: entity.name.clone(),
        kind: kind.name.clone(),
        namespace: entity
            .namespace
            .clone()
            .unwrap_or_else(|| profile.feed.clone()),
        optional: entity.optional,
        key_slots: entity
            .key
            .iter()
            .map(|column| columns.slot(column))
            .collect(),
        key_properties,
        key_description,
        properties,
        required,
    })
}

fn compile_property(
    profile: &MappingProfile,
    context: &str,
    kind_name: &str,
    property: &Property,
    source: &ValueSource,
    columns: &mut SlotTable,
) -> Result<CompiledProperty, String> {
    let source = source.detailed();
    let context = format!("{context}.{}", property.name);
    let (origin, field) = if let Some(column) = &source.column {
        (Origin::Column(columns.slot(column)), column.clone())
    } else if !source.columns.is_empty() {
        let slots = source
            .columns
            .iter()
            .map(|column| columns.slot(column))
            .collect();
        (
            Origin::Columns {
                slots,
                join: source.join.clone(),
            },
            source.columns.join("+"),
        )
    } else if let Some(value) = &source.value {
        (Origin::Constant(value.clone()), property.name.clone())
    } else if let Some(target) = &source.entity {
        let index = profile
            .entities
            .iter()
            .position(|entity| entity.name == *target)
            .ok_or_else(|| format!("{context}: no entity named {target:?}"))?;
        (Origin::Entity(index), property.name.clone())
    } else {
        return Err(format!(
            "{context}: give exactly one of column, columns, value, entity"
        ));
    };
    let numeric = matches!(
        property.property_type,
        PropertyType::Number
            | PropertyType::Integer
            | PropertyType::Money
            | PropertyType::Latitude
            | PropertyType::Longitude
    );
    if source.scale.is_some() && !numeric {
        return Err(format!(
            "{context}: scale applies to numbers, not to {:?} values",
            property.property_type
        ));
    }
    if let Some(split) = &source.split
        && split.is_empty()
    {
        return Err(format!("{context}: split must not be empty"));
    }
    Ok(CompiledProperty {
        property: property.clone(),
        qualified_name: format!("{kind_name}.{}", property.name),
        origin,
        split: source.split.clone(),
        map: source
            .map
            .iter()
            .map(|(raw, replacement)| (raw.trim().to_lowercase(), replacement.clone()))
            .collect(),
        scale: source.scale,
        field,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const PROFILE: &str = r#"
        agency = "sheriff"
        feed = "bookings"
        id_column = "BOOKING_NO"
        [labels]
        sensitivity = "law_enforcement"
        data_class = "investigative_case"
        [values]
        date_formats = ["%m/%d/%Y"]
        [[entities]]
        name = "subject"
        kind = "Person"
        key = ["SUBJECT_ID"]
        [entities.properties]
        name = { columns = ["FIRST", "LAST"], join = " " }
        alias = { column = "AKA", split = ";" }
        [[entities]]
        name = "phone"
        kind = "Phone"
        key_properties = ["number"]
        namespace = "phones"
        optional = true
        [entities.properties]
        number = "PHONE"
        [[entities]]
        name = "arrest"
        kind = "Arrest"
        key = ["BOOKING_NO"]
        [entities.properties]
        person = { entity = "subject" }
        date = "BOOKED"
        charge = { column = "CHARGE", map = { "11351 HS" = "possession for sale", "none" = "" } }
    "#;

    fn mapper() -> RowMapper {
        let profile: MappingProfile = toml::from_str(PROFILE).unwrap();
        RowMapper::compile(&profile, Schema::builtin()).unwrap()
    }

    fn context() -> BatchContext {
        BatchContext {
            batch_id: BatchId::new("sheriff", "bookings", "hash"),
            source_file: "bookings.csv".into(),
            batch_time: "2024-03-01T00:00:00Z".parse().unwrap(),
        }
    }

    fn map(fields: &[(&str, &str)]) -> Result<Vec<SourceRecord>, RowError> {
        let mapper = mapper();
        let mut records = Vec::new();
        mapper.map_row(&mapper.raw_row(7, fields), &context(), &mut records)?;
        Ok(records)
    }

    const GOOD: &[(&str, &str)] = &[
        ("BOOKING_NO", "B-1"),
        ("SUBJECT_ID", " S-9 "),
        ("FIRST", "Jose"),
        ("LAST", "Garcia"),
        ("AKA", "Chepe; ;El Flaco"),
        ("PHONE", "(415) 555-0123"),
        ("BOOKED", "03/07/2024"),
        ("CHARGE", "11351 hs"),
    ];

    #[test]
    fn a_raw_row_takes_another_files_columns() {
        let mut row = RawRow::new(3);
        row.clear(2);
        row.push(0, "a");
        row.push(2, "c");
        row.set_slot_count(2);
        row.clear(3);
        row.push(1, "b");
        assert_eq!(row.slot_count(), 2);
        assert_eq!(row.values(0).count(), 0);
        assert_eq!(row.values(1).collect::<Vec<_>>(), ["b"]);
        row.set_slot_count(4);
        row.push(3, "d");
        assert_eq!(row.slot_count(), 4);
        assert_eq!(row.values(2).count(), 0);
        assert_eq!(row.values(3).collect::<Vec<_>>(), ["d"]);
        // Several values of a slot come back in the order pushed, an empty one too.
        row.push(1, "");
        row.push(3, "e");
        row.push(1, "f");
        assert_eq!(row.values(1).collect::<Vec<_>>(), ["b", "", "f"]);
        assert_eq!(row.values(3).collect::<Vec<_>>(), ["d", "e"]);
        row.clear(4);
        assert!((0..4).all(|slot| row.values(slot).count() == 0));
    }

    #[test]
    fn a_good_row_gives_one_record_per_entity_with_references_and_derived_ids() {
        let records = map(GOOD).unwrap();
        let kinds: Vec<_> = records.iter().map(|record| record.kind.as_str()).collect();
        assert_eq!(kinds, ["Person", "Phone", "Arrest"]);
        let [person, phone, arrest] = &records[..] else {
            unreachable!()
        };
        assert_eq!(person.values("name"), ["Jose Garcia"]);
        assert_eq!(person.values("alias"), ["Chepe", "El Flaco"]);
        assert_eq!(
            person.entity_key,
            EntityKey::new("sheriff", "Person", "bookings", &["S-9"])
        );
        assert_eq!(
            phone.entity_key,
            EntityKey::new("sheriff", "Phone", "phones", &["+14155550123"])
        );
        assert_eq!(arrest.values("person"), [person.entity_key.to_hex()]);
        assert_eq!(arrest.values("date"), ["2024-03-07"]);
        assert_eq!(arrest.values("charge"), ["possession for sale"]);
        let ids: Vec<_> = records
            .iter()
            .map(|record| record.provenance.source_record_id.as_str())
            .collect();
        assert_eq!(ids, ["B-1", "B-1#phone", "B-1#arrest"]);
        assert!(records.iter().all(|record| record.provenance.line == 7));
        assert_eq!(person.provenance.reported_at, context().batch_time);
    }

    #[test]
    fn errors_name_the_column_and_the_reason() {
        let with = |column: &str, value: &str| {
            let fields: Vec<_> = GOOD
                .iter()
                .map(|&(name, old)| (name, if name == column { value } else { old }))
                .collect();
            map(&fields)
                .map(|records| records.len())
                .map_err(|error| (error.field.unwrap_or_default(), error.reason))
        };
        assert_eq!(
            with("BOOKED", "yesterday"),
            Err((
                "BOOKED".into(),
                "Arrest.date: \"yesterday\" is not a date (tried %Y-%m-%d | %m/%d/%Y)".into()
            ))
        );
        assert_eq!(
            with("BOOKED", " "),
            Err((
                "BOOKED".into(),
                "required property Arrest.date has no value".into()
            ))
        );
        assert_eq!(
            with("SUBJECT_ID", ""),
            Err((
                "SUBJECT_ID".into(),
                "entity \"subject\" (Person) has no key: SUBJECT_ID empty".into()
            ))
        );
        // An optional entity without key is left out; a mapped-away value is absent.
        assert_eq!(with("PHONE", ""), Ok(2));
        assert_eq!(with("CHARGE", "NONE"), Ok(3));
        assert_eq!(
            with("PHONE", "555"),
            Err((
                "PHONE".into(),
                "Phone.number: \"555\" is not a phone number (needs 7 to 15 digits)".into()
            ))
        );
    }

    #[test]
    fn scale_multiplies_before_the_type_parses() {
        let profile: MappingProfile = toml::from_str(
            r#"
            agency = "dea"
            feed = "seizures"
            [labels]
            sensitivity = "law_enforcement"
            data_class = "investigative_case"
            [values]
            decimal_comma = true
            [[entities]]
            name = "seizure"
            kind = "Seizure"
            key = ["ID"]
            [entities.properties]
            date = { value = "2024-01-01" }
            drug = { value = "fentanyl" }
            quantity_g = { column = "KG", scale = 1000 }
            "#,
        )
        .unwrap();
        let mapper = RowMapper::compile(&profile, Schema::builtin()).unwrap();
        let mut records = Vec::new();
        let row = mapper.raw_row(2, &[("ID", "1"), ("KG", "1,1")]);
        mapper.map_row(&row, &context(), &mut records).unwrap();
        assert_eq!(records[0].values("quantity_g"), ["1100"]);
        assert_eq!(records[0].provenance.source_record_id, "2");
    }
}
