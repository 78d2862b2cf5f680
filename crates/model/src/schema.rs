//! The schema as data: entity kinds, their typed properties and relation endpoints.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use serde::{Deserialize, Serialize};

/// The schema shipped with Interdict, compiled into the binary.
const BUILTIN_SCHEMA: &str = include_str!("../schema/interdict.toml");

/// The closed set of value types. Each has one canonical string form (see
/// [`crate::ValueFormat`]) so that equal values compare equal across agencies and
/// identifiers can later be encoded for privacy-preserving matching.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PropertyType {
    /// Free text, whitespace-collapsed.
    Text,
    /// A person's or organisation's name, kept as reported (resolution normalises).
    Name,
    /// A calendar date; partial dates (`YYYY`, `YYYY-MM`) are allowed.
    Date,
    /// A moment in UTC, `YYYY-MM-DDTHH:MM:SSZ`.
    Datetime,
    /// A decimal number.
    Number,
    /// A whole number.
    Integer,
    /// `true` or `false`.
    Boolean,
    /// A phone number in E.164 (`+14155550123`).
    Phone,
    /// An e-mail address, lower-cased.
    Email,
    /// A document, account, serial or tracking number: upper-case letters and digits only.
    Identifier,
    /// An ISO 3166-1 alpha-2 country code, lower-case.
    Country,
    /// Degrees north, −90 to 90.
    Latitude,
    /// Degrees east, −180 to 180.
    Longitude,
    /// A URL, kept as reported.
    Url,
    /// An amount of money with two decimals.
    Money,
    /// One of the property's declared `values`.
    Enum,
    /// A reference to another source entity of one of the property's `range` kinds.
    Reference,
}

/// How a kind is used: drives graph building and the UI.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum KindCategory {
    /// A person, organisation, place, phone, account, vehicle, press.
    Thing,
    /// Something that happened at a time (seizure, arrest, overdose, parcel, operation).
    Event,
    /// An edge between two things (call, transfer, ownership).
    Relation,
    /// A product fingerprint tying events together.
    Fingerprint,
}

/// The endpoints of a relation kind.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EdgeSpec {
    pub source: String,
    pub target: String,
    #[serde(default = "default_true")]
    pub directed: bool,
}

fn default_true() -> bool {
    true
}

/// One typed property of a kind.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Property {
    #[serde(skip_deserializing)]
    pub name: String,
    #[serde(rename = "type")]
    pub property_type: PropertyType,
    pub label: String,
    #[serde(default)]
    pub many: bool,
    #[serde(default)]
    pub required: bool,
    #[serde(default)]
    pub matchable: bool,
    #[serde(default)]
    pub protected: bool,
    #[serde(default)]
    pub range: Vec<String>,
    #[serde(default)]
    pub values: Vec<String>,
}

/// One entity kind (FollowTheMoney calls these schemata).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EntityKind {
    #[serde(skip_deserializing)]
    pub name: String,
    pub label: String,
    pub plural: String,
    pub category: KindCategory,
    pub caption: Vec<String>,
    #[serde(default)]
    pub edge: Option<EdgeSpec>,
    pub properties: BTreeMap<String, Property>,
}

impl EntityKind {
    pub fn property(&self, name: &str) -> Option<&Property> {
        self.properties.get(name)
    }

    pub fn required_properties(&self) -> impl Iterator<Item = &Property> {
        self.properties
            .values()
            .filter(|property| property.required)
    }

    pub fn matchable_properties(&self) -> impl Iterator<Item = &Property> {
        self.properties
            .values()
            .filter(|property| property.matchable)
    }
}

/// The whole model: every kind by name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Schema {
    pub version: u32,
    pub kinds: BTreeMap<String, EntityKind>,
}

/// Why a schema declaration is not usable.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum SchemaError {
    #[error("schema is not valid TOML: {0}")]
    Syntax(String),
    #[error("kind {kind}: caption names unknown property {property}")]
    UnknownCaption { kind: String, property: String },
    #[error("kind {kind}: property {property} is a reference without a range")]
    ReferenceWithoutRange { kind: String, property: String },
    #[error("kind {kind}: property {property} ranges over unknown kind {range}")]
    UnknownRange {
        kind: String,
        property: String,
        range: String,
    },
    #[error("kind {kind}: property {property} is an enum without values")]
    EnumWithoutValues { kind: String, property: String },
    #[error("kind {kind}: property {property} declares range or values its type does not use")]
    MisplacedConstraint { kind: String, property: String },
    #[error("kind {kind}: edge endpoint {property} is not a required reference property")]
    BadEdgeEndpoint { kind: String, property: String },
    #[error("kind {kind}: category relation needs an edge, other categories must not have one")]
    EdgeCategoryMismatch { kind: String },
}

impl Schema {
    /// The schema compiled into the binary, parsed and validated once.
    pub fn builtin() -> &'static Schema {
        static BUILTIN: OnceLock<Schema> = OnceLock::new();
        BUILTIN.get_or_init(|| {
            Schema::from_toml(BUILTIN_SCHEMA).expect("the built-in schema is validated by tests")
        })
    }

    /// Parses and validates a schema declaration.
    pub fn from_toml(text: &str) -> Result<Schema, SchemaError> {
        let mut schema: Schema =
            toml::from_str(text).map_err(|error| SchemaError::Syntax(error.to_string()))?;
        for (kind_name, kind) in &mut schema.kinds {
            kind.name = kind_name.clone();
            for (property_name, property) in &mut kind.properties {
                property.name = property_name.clone();
            }
        }
        schema.validate()?;
        Ok(schema)
    }

    pub fn kind(&self, name: &str) -> Option<&EntityKind> {
        self.kinds.get(name)
    }

    pub fn kinds(&self) -> impl Iterator<Item = &EntityKind> {
        self.kinds.values()
    }

    fn validate(&self) -> Result<(), SchemaError> {
        for kind in self.kinds.values() {
            for caption in &kind.caption {
                if kind.property(caption).is_none() {
                    return Err(SchemaError::UnknownCaption {
                        kind: kind.name.clone(),
                        property: caption.clone(),
                    });
                }
            }
            for property in kind.properties.values() {
                self.validate_property(kind, property)?;
            }
            let is_relation = kind.category == KindCategory::Relation;
            match (&kind.edge, is_relation) {
                (Some(edge), true) => {
                    for endpoint in [&edge.source, &edge.target] {
                        let endpoint_is_required_reference =
                            kind.property(endpoint).is_some_and(|property| {
                                property.property_type == PropertyType::Reference
                                    && property.required
                                    && !property.many
                            });
                        if !endpoint_is_required_reference {
                            return Err(SchemaError::BadEdgeEndpoint {
                                kind: kind.name.clone(),
                                property: endpoint.clone(),
                            });
                        }
                    }
                }
                (None, false) => {}
                _ => {
                    return Err(SchemaError::EdgeCategoryMismatch {
                        kind: kind.name.clone(),
                    });
                }
            }
        }
        Ok(())
    }

    fn validate_property(&self, kind: &EntityKind, property: &Property) -> Result<(), SchemaError> {
        let error_context = || (kind.name.clone(), property.name.clone());
        match property.property_type {
            PropertyType::Reference => {
                if property.range.is_empty() {
                    let (kind, property) = error_context();
                    return Err(SchemaError::ReferenceWithoutRange { kind, property });
                }
                if let Some(range) = property
                    .range
                    .iter()
                    .find(|range| self.kind(range).is_none())
                {
                    let (kind, property) = error_context();
                    return Err(SchemaError::UnknownRange {
                        kind,
                        property,
                        range: range.clone(),
                    });
                }
                if !property.values.is_empty() {
                    let (kind, property) = error_context();
                    return Err(SchemaError::MisplacedConstraint { kind, property });
                }
            }
            PropertyType::Enum => {
                if property.values.is_empty() {
                    let (kind, property) = error_context();
                    return Err(SchemaError::EnumWithoutValues { kind, property });
                }
                if !property.range.is_empty() {
                    let (kind, property) = error_context();
                    return Err(SchemaError::MisplacedConstraint { kind, property });
                }
            }
            _ => {
                if !property.range.is_empty() || !property.values.is_empty() {
                    let (kind, property) = error_context();
                    return Err(SchemaError::MisplacedConstraint { kind, property });
                }
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_schema_loads_and_covers_every_record_kind_of_the_spec() {
        let schema = Schema::from_toml(BUILTIN_SCHEMA).unwrap();
        for kind in [
            "Person",
            "Organization",
            "Address",
            "Phone",
            "OnlineAccount",
            "BankAccount",
            "CryptoWallet",
            "Vehicle",
            "ProductFingerprint",
            "Seizure",
            "Arrest",
            "Communication",
            "MoneyTransfer",
            "Parcel",
            "PillPress",
            "PressTransfer",
            "PrecursorTransaction",
            "OverdoseIncident",
            "Operation",
        ] {
            assert!(schema.kind(kind).is_some(), "missing kind {kind}");
        }
        let communication = schema.kind("Communication").unwrap();
        assert_eq!(communication.edge.as_ref().unwrap().source, "caller");
    }

    #[test]
    fn dangling_range_is_rejected() {
        let text = r#"
            version = 1
            [kinds.Call]
            label = "Call"
            plural = "Calls"
            category = "relation"
            caption = []
            edge = { source = "a", target = "b" }
            [kinds.Call.properties]
            a = { type = "reference", label = "A", required = true, range = ["Phone"] }
            b = { type = "reference", label = "B", required = true, range = ["Phone"] }
        "#;
        assert_eq!(
            Schema::from_toml(text),
            Err(SchemaError::UnknownRange {
                kind: "Call".into(),
                property: "a".into(),
                range: "Phone".into()
            })
        );
    }

    #[test]
    fn relation_endpoint_must_be_a_required_reference() {
        let text = r#"
            version = 1
            [kinds.Phone]
            label = "Phone"
            plural = "Phones"
            category = "thing"
            caption = ["number"]
            [kinds.Phone.properties]
            number = { type = "phone", label = "Number" }
            [kinds.Call]
            label = "Call"
            plural = "Calls"
            category = "relation"
            caption = []
            edge = { source = "a", target = "b" }
            [kinds.Call.properties]
            a = { type = "reference", label = "A", range = ["Phone"] }
            b = { type = "reference", label = "B", required = true, range = ["Phone"] }
        "#;
        assert_eq!(
            Schema::from_toml(text),
            Err(SchemaError::BadEdgeEndpoint {
                kind: "Call".into(),
                property: "a".into()
            })
        );
    }

    #[test]
    fn unknown_fields_and_types_are_rejected() {
        let unknown_type = r#"
            version = 1
            [kinds.Thing]
            label = "T"
            plural = "Ts"
            category = "thing"
            caption = []
            [kinds.Thing.properties]
            x = { type = "colour", label = "X" }
        "#;
        assert!(matches!(
            Schema::from_toml(unknown_type),
            Err(SchemaError::Syntax(_))
        ));
    }
}
