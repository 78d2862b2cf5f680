//! Mapping profiles: one small declarative TOML file per feed that maps the agency's own
//! columns onto the model.
//!
//! ```toml
//! agency = "sheriff"
//! feed = "bookings"
//! files = ["bookings.csv"]          # relative to the profile's folder
//! format = "csv"                    # csv | jsonl
//! encoding = "windows-1252"         # any WHATWG label; default utf-8
//! delimiter = ";"                   # csv only; default ","
//! id_column = "BOOKING_NO"          # the agency's record id; default: the line number
//! reported_at_column = "ENTERED"    # default: when the batch is ingested
//!
//! [labels]
//! sensitivity = "law_enforcement"
//! data_class = "criminal_intelligence"
//! caveats = ["ORCON"]
//! predicate = "booked on narcotics charges"   # or predicate_column = "..."
//! review_by_column = "REVIEW_DATE"            # optional; default five years
//!
//! [values]                          # model::ValueFormat
//! date_formats = ["%m/%d/%Y"]
//! utc_offset = "-08:00"
//!
//! [[entities]]
//! name = "subject"                  # how other entities of the row refer to it
//! kind = "Person"
//! key = ["SUBJECT_ID"]              # columns whose raw values key the entity
//! [entities.properties]
//! name = { columns = ["FIRST", "LAST"], join = " " }
//! alias = { column = "AKA", split = ";" }
//! birth_date = "DOB"                # shorthand for { column = "DOB" }
//!
//! [[entities]]
//! name = "arrest"
//! kind = "Arrest"
//! key = ["BOOKING_NO"]
//! [entities.properties]
//! person = { entity = "subject" }   # a reference to another entity of the same row
//! date = "BOOKED"
//! charge = { column = "CHARGE", map = { "11351 HS" = "possession for sale" } }
//! ```
//!
//! For JSON Lines, a column is a field name or a dotted path (`subject.dob`); arrays
//! give several values.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use model::{DataClass, PropertyType, Schema, Sensitivity, ValueFormat};
use serde::{Deserialize, Serialize};

/// A feed's mapping profile, as written in its TOML file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MappingProfile {
    pub agency: String,
    pub feed: String,
    /// Data files, relative to the profile's folder. May be empty when files are
    /// named on the command line.
    #[serde(default)]
    pub files: Vec<String>,
    #[serde(default)]
    pub format: FileFormat,
    #[serde(default = "default_encoding")]
    pub encoding: String,
    #[serde(default = "default_delimiter")]
    pub delimiter: char,
    #[serde(default)]
    pub id_column: Option<String>,
    #[serde(default)]
    pub reported_at_column: Option<String>,
    pub labels: LabelRule,
    #[serde(default)]
    pub values: ValueFormat,
    pub entities: Vec<EntityMapping>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FileFormat {
    #[default]
    Csv,
    Jsonl,
}

fn default_encoding() -> String {
    "utf-8".to_string()
}

fn default_delimiter() -> char {
    ','
}

/// The labels every record of the feed gets, with optional per-row columns.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LabelRule {
    pub sensitivity: Sensitivity,
    pub data_class: DataClass,
    #[serde(default)]
    pub caveats: Vec<String>,
    /// A column of extra caveats, separated by `,` or `;`.
    #[serde(default)]
    pub caveats_column: Option<String>,
    #[serde(default)]
    pub predicate: Option<String>,
    #[serde(default)]
    pub predicate_column: Option<String>,
    #[serde(default)]
    pub review_by_column: Option<String>,
}

/// How one entity is made from each row.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EntityMapping {
    /// The entity's name inside the profile, for references.
    pub name: String,
    pub kind: String,
    /// Columns whose raw (trimmed) values key the entity.
    #[serde(default)]
    pub key: Vec<String>,
    /// Properties whose canonical values key the entity (e.g. a phone's number, so that
    /// different spellings of one number are one entity).
    #[serde(default)]
    pub key_properties: Vec<String>,
    /// The key's namespace; entities of one agency and kind with the same namespace and
    /// key are the same source entity. Default: the feed.
    #[serde(default)]
    pub namespace: Option<String>,
    /// When true, a row whose key values are all empty simply has no such entity;
    /// otherwise the row is quarantined.
    #[serde(default)]
    pub optional: bool,
    pub properties: BTreeMap<String, ValueSource>,
}

/// Where a property's values come from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum ValueSource {
    /// Shorthand: one column.
    Column(String),
    Detailed(DetailedSource),
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DetailedSource {
    /// One column.
    #[serde(default)]
    pub column: Option<String>,
    /// Several columns joined into one value (empty ones left out).
    #[serde(default)]
    pub columns: Vec<String>,
    #[serde(default = "default_join")]
    pub join: String,
    /// Split the column's text into several values.
    #[serde(default)]
    pub split: Option<String>,
    /// Replace raw values before parsing (exact match after trimming, case-insensitive).
    #[serde(default)]
    pub map: BTreeMap<String, String>,
    /// Multiply numbers (e.g. 1000 for kg → g).
    #[serde(default)]
    pub scale: Option<f64>,
    /// A constant value.
    #[serde(default)]
    pub value: Option<String>,
    /// A reference to another entity of the same row, by its profile name.
    #[serde(default)]
    pub entity: Option<String>,
}

fn default_join() -> String {
    " ".to_string()
}

impl ValueSource {
    pub fn detailed(&self) -> DetailedSource {
        match self {
            ValueSource::Column(column) => DetailedSource {
                column: Some(column.clone()),
                join: default_join(),
                ..DetailedSource::default()
            },
            ValueSource::Detailed(detailed) => detailed.clone(),
        }
    }
}

/// Why a profile cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum ProfileError {
    #[error("cannot read profile {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("profile {path}: {message}")]
    Syntax { path: PathBuf, message: String },
    #[error("profile {path}: {message}")]
    Invalid { path: PathBuf, message: String },
}

impl MappingProfile {
    /// Reads and checks a profile file against the schema.
    pub fn load(path: &Path, schema: &Schema) -> Result<MappingProfile, ProfileError> {
        let text = std::fs::read_to_string(path).map_err(|source| ProfileError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        let profile: MappingProfile =
            toml::from_str(&text).map_err(|error| ProfileError::Syntax {
                path: path.to_path_buf(),
                message: error.to_string(),
            })?;
        profile
            .check(schema)
            .map_err(|message| ProfileError::Invalid {
                path: path.to_path_buf(),
                message,
            })?;
        Ok(profile)
    }

    /// The profile as TOML, as `load` reads it.
    pub fn to_toml(&self) -> String {
        toml::to_string_pretty(self).expect("a profile always serialises")
    }

    /// Checks that the profile fits the schema: known kinds and properties, references
    /// to earlier-declared or later entities of the row with a kind in the range, a key.
    pub fn check(&self, schema: &Schema) -> Result<(), String> {
        if self.agency.trim().is_empty() || self.feed.trim().is_empty() {
            return Err("agency and feed must not be empty".to_string());
        }
        if encoding_rs::Encoding::for_label(self.encoding.as_bytes()).is_none() {
            return Err(format!("unknown encoding {:?}", self.encoding));
        }
        if self.entities.is_empty() {
            return Err("no [[entities]]".to_string());
        }
        if self.labels.data_class == DataClass::CriminalIntelligence
            && self.labels.predicate.is_none()
            && self.labels.predicate_column.is_none()
        {
            return Err(
                "criminal intelligence needs labels.predicate or labels.predicate_column (28 CFR 23.20(a))"
                    .to_string(),
            );
        }
        let mut names = BTreeSet::new();
        for entity in &self.entities {
            if !names.insert(entity.name.as_str()) {
                return Err(format!("entity name {:?} is used twice", entity.name));
            }
        }
        let kind_of = |name: &str| {
            self.entities
                .iter()
                .find(|entity| entity.name == name)
                .map(|entity| entity.kind.as_str())
        };
        for entity in &self.entities {
            let context = format!("entity {:?}", entity.name);
            let kind = schema
                .kind(&entity.kind)
                .ok_or_else(|| format!("{context}: unknown kind {:?}", entity.kind))?;
            if entity.key.is_empty() && entity.key_properties.is_empty() {
                return Err(format!("{context}: needs key or key_properties"));
            }
            for key_property in &entity.key_properties {
                if !entity.properties.contains_key(key_property) {
                    return Err(format!(
                        "{context}: key property {key_property:?} is not mapped"
                    ));
                }
            }
            for (property_name, source) in &entity.properties {
                let property = kind.property(property_name).ok_or_else(|| {
                    format!(
                        "{context}: kind {} has no property {property_name:?}",
                        kind.name
                    )
                })?;
                let source = source.detailed();
                let origins = usize::from(source.column.is_some())
                    + usize::from(!source.columns.is_empty())
                    + usize::from(source.value.is_some())
                    + usize::from(source.entity.is_some());
                if origins != 1 {
                    return Err(format!(
                        "{context}.{property_name}: give exactly one of column, columns, value, entity"
                    ));
                }
                match (&source.entity, property.property_type) {
                    (Some(target), PropertyType::Reference) => {
                        let target_kind = kind_of(target).ok_or_else(|| {
                            format!("{context}.{property_name}: no entity named {target:?}")
                        })?;
                        if !property.range.iter().any(|range| range == target_kind) {
                            return Err(format!(
                                "{context}.{property_name}: {target:?} is a {target_kind}, not one of {}",
                                property.range.join(", ")
                            ));
                        }
                    }
                    (Some(_), _) => {
                        return Err(format!(
                            "{context}.{property_name}: only reference properties take an entity"
                        ));
                    }
                    (None, PropertyType::Reference) => {
                        return Err(format!(
                            "{context}.{property_name}: a reference must name an entity of the row"
                        ));
                    }
                    (None, _) => {}
                }
            }
            for required in kind.required_properties() {
                if !entity.properties.contains_key(&required.name) {
                    return Err(format!(
                        "{context}: required property {:?} of {} is not mapped",
                        required.name, kind.name
                    ));
                }
            }
        }
        Ok(())
    }

    /// The data files this profile names, resolved against the profile's folder.
    pub fn resolve_files(&self, profile_path: &Path) -> Vec<PathBuf> {
        let folder = profile_path.parent().unwrap_or_else(|| Path::new("."));
        self.files.iter().map(|file| folder.join(file)).collect()
    }
}
