//! The network of resolved entities, built from the store's records: nodes, links that
//! keep their evidence records, link weights, rings, roles in the supply chain and the
//! overdose → supplier trace.
//!
//! The pure algorithms live in the `graph` crate; this crate decides what the nodes and
//! links of an intelligence network are, from the schema (`model`) and the stored
//! records and entity assignment (`store`). Only [`Network::load`] reads the store;
//! everything else takes data in and returns results with their reasons.
//!
//! # Nodes
//!
//! - A Person record is its canonical entity from the latest resolution run
//!   (`Person:<entity id>`); without an assignment, its own source entity
//!   (`Person:<entity key>`).
//! - A thing or event kind with a required, matchable property that is not a name
//!   (Phone `number`, BankAccount `account_number`, CryptoWallet `wallet_address`,
//!   OnlineAccount `handle`, Address `full`, PillPress `serial_number`, Parcel
//!   `tracking_number`) is keyed by that value (`Phone:+14155550123`), so every
//!   agency's record of one phone number is one node: exact-identifier resolution.
//! - Any other record (organisation, vehicle, seizure, arrest, overdose, precursor
//!   transaction) is its source entity: `Kind:<entity key>`, versions merged.
//! - A product fingerprint is not a node of its own: an event that references one links
//!   to the fingerprint's *features* — `Product:chem:<profile>`, `Product:die:<marks>`,
//!   `Product:pill:<imprint>/<colour>` — so a seizure and an overdose that share a lab
//!   profile meet at one node even when their agencies key fingerprints differently.
//! - Planned operations (deconfliction) are not evidence of ties and are left out.
//!
//! # Links
//!
//! - A relation record (a kind with an `edge` in the schema: calls, transfers,
//!   ownership, address links, associations, press transfers) links its source and
//!   target, directed as the schema says; its other references link to its target.
//! - Every reference of a thing or event links the record's node to the referenced
//!   node (`Seizure.seized_from`, `Parcel.consignee`, `Arrest.person`, `PillPress.holder`,
//!   `PrecursorTransaction.buyer`, …), directed from the record.
//! - Identifying values held as plain properties link to the value's node: any
//!   `phone`-typed property to `Phone:<number>`, any text property named `address` or
//!   ending in `_address` to `Address:<standardised address>` (shared phones and
//!   addresses; USPS standardisation from `resolution`, so `Blvd` and `Boulevard` meet).
//! - Co-arrest: people arrested under one case number of one agency are linked to each
//!   other (`co_arrest`, evidence: both arrest records); cases naming more than
//!   [`BuildOptions::max_case_size`] people are skipped as roll-ups.
//!
//! Links of one relation between one pair of nodes are merged: a [`Link`] keeps the
//! count, the evidence record ids, the first and last time and the summed amount.
//!
//! # Weights
//!
//! `weight = base(relation) × (1 + ln count) × recency`, with
//! `recency = 0.5 + 0.5 × 2^(−age / half-life)` where `age` is the time from the link's
//! latest evidence to the reference time (`--until`, else the latest time in the data)
//! and the half-life is [`BuildOptions::half_life_days`] (365). Undated links are not
//! discounted. Base weights ([`base_weight`]): identity ties (ownership, association,
//! co-arrest, press transfer, references to people and organisations) 1.0; shared phones
//! and addresses and address links 0.8–0.9; money transfers 0.8; communications 0.6; other
//! references 0.7; product features by specificity: chemical profile 0.6, die marks 0.5,
//! pill imprint and colour 0.2. The analytics graph is undirected; a pair's weight is the
//! sum over its links (the graph crate sums parallel edges).
//!
//! # Time slicing
//!
//! A record's time is its first `date` or `datetime` property. With a window
//! (`since`, `until`: Unix seconds, half-open), dated events and relations outside it are
//! left out; undated records (most things) stay.

mod build;
pub mod rings;
pub mod roles;
pub mod trace;

pub use build::{
    BuildOptions, EVIDENCE_KEPT, Hop, HopLink, Link, LinkFilter, Network, Node, RecordRef,
    base_weight,
};

/// What went wrong building or querying a network.
#[derive(Debug, thiserror::Error)]
pub enum NetworkError {
    #[error(transparent)]
    Store(#[from] store::StoreError),
    #[error(transparent)]
    Graph(#[from] graph::GraphError),
    /// A reference on the command line names nothing in the network.
    #[error("{0}")]
    NotFound(String),
}

pub type NetworkResult<T> = Result<T, NetworkError>;

#[cfg(test)]
mod tests;
