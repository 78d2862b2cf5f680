//! The Interdict data model, shared by every other crate.
//!
//! The schema (entity kinds, typed properties, relation kinds, captions, matchable
//! fields) is declared once in `schema/interdict.toml` and validated when loaded.
//! Everything an agency sends becomes an immutable [`SourceRecord`] carrying its
//! [`Provenance`] and [`SecurityLabels`]; its values are [`Statement`]s whose ids are
//! derived from their content. This crate does no IO.

mod ids;
mod labels;
mod record;
mod schema;
mod value;

pub use ids::{BatchId, ContentHasher, EntityKey, RecordId, StatementId};
pub use labels::{
    CriminalPredicate, DataClass, LabelError, MAX_REVIEW_PERIOD_MONTHS, SecurityLabels, Sensitivity,
};
pub use record::{Provenance, SourceRecord, Statement};
pub use schema::{EdgeSpec, EntityKind, KindCategory, Property, PropertyType, Schema, SchemaError};
pub use value::{ValueError, ValueFormat, padded_iso_date};
