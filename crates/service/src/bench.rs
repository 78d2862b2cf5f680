//! Hooks for the access-overhead benchmark (`interdict bench access`): build a user's
//! view afresh (uncached) and reach what the unrestricted baseline needs (every
//! record, the entity assignment, the token index). Nothing here changes what a user
//! sees; answers still only come through the façade's queries.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Instant;

use model::RecordId;

use crate::snapshot::{Seen, Snapshot, View, tokenize};
use crate::*;

/// How building one view went.
#[derive(Debug, Clone, PartialEq)]
pub struct ViewTiming {
    pub seconds: f64,
    /// Records whose content the view holds (full or redacted).
    pub readable: usize,
    /// Records the user may only know of.
    pub pointers: usize,
    pub denied: usize,
    pub nodes: usize,
    pub links: usize,
}

impl Service {
    /// The loaded snapshot (shared, read-only).
    pub fn snapshot(&self) -> Arc<Snapshot> {
        self.current()
    }

    /// Builds the actor's view afresh, bypassing the per-profile cache, and times it:
    /// every access decision and the network of the readable records.
    pub fn build_view_uncached(&self, actor: &Actor) -> (View, ViewTiming) {
        let snapshot = self.current();
        let started = Instant::now();
        let view = View::build(&snapshot, &actor.user, &self.schema);
        let seconds = started.elapsed().as_secs_f64();
        let count = |wanted: Seen| view.seen.iter().filter(|seen| **seen == wanted).count();
        let timing = ViewTiming {
            seconds,
            readable: count(Seen::Readable),
            pointers: count(Seen::Pointer),
            denied: count(Seen::Denied),
            nodes: view.network.nodes.len(),
            links: view.network.links.len(),
        };
        (view, timing)
    }
}

/// The search tokens of a text, as the façade makes them: lower-case alphanumeric
/// runs of at least two characters.
pub fn search_tokens(text: &str) -> impl Iterator<Item = String> + '_ {
    tokenize(text)
}

impl Service {
    /// Finds the actor's (cached) view as every query does, and nothing else: the
    /// fixed cost of applying access per query.
    pub fn lookup_view(&self, actor: &Actor) -> Arc<View> {
        self.view_of(actor).1
    }
}

impl Snapshot {
    /// Resolution pairs of the latest run that name a record (by index), no access
    /// applied.
    pub fn pairs_of(&self, index: u32) -> &[Arc<store::RunPair>] {
        self.pairs
            .get(&index)
            .map(Vec::as_slice)
            .unwrap_or_default()
    }

    /// The latest entity assignment (record → entity id), as the views use it.
    pub fn assignment(&self) -> &BTreeMap<RecordId, String> {
        &self.assignment
    }

    /// Indices into [`Snapshot::records`] of the records holding every word of
    /// `text` (the last one as a prefix), ascending: the search's token look-up
    /// over all records, with no access applied.
    pub fn matching_all(&self, text: &str) -> Vec<u32> {
        let words: Vec<String> = tokenize(text).collect();
        queries::matching_records(self, &words)
    }

    /// Indexed tokens of at least `min_records` records (sample queries).
    pub fn common_tokens(&self, min_records: usize, limit: usize) -> Vec<String> {
        self.tokens
            .iter()
            .filter(|(token, records)| {
                records.len() >= min_records && token.chars().all(char::is_alphabetic)
            })
            .map(|(token, _)| token.clone())
            .take(limit)
            .collect()
    }
}
