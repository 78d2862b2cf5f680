//! The ids a store has written since it found `records` empty: a first load skips
//! most of its look-ups.
//!
//! Before each COPY a batch writer asks the server which of the call's ids are stored,
//! one descent of the primary key per id, as many again as COPY's own inserts make:
//! the server process is a load's bottleneck, and in a first load nearly every id is
//! new. A store that found `records` empty can tell new ids itself: an id it never
//! wrote can only have been stored by another writer since, and then COPY fails on
//! the primary key, the call falls back to the path that tolerates any duplicate, and
//! the store stops tracking. Ids are kept in a Bloom filter of fixed size: it may take
//! an id for written when it was not (that id is looked up, as before), never the
//! reverse, and records deleted since stay "written" the same way.
//!
//! Content ids are BLAKE3 output, uniform already, so the filter takes its bit
//! positions from the id's own bits instead of hashing it again.

use std::sync::{Mutex, MutexGuard, PoisonError};

use model::RecordId;

/// Whether the store tracks the ids it writes.
#[derive(Debug, Default)]
pub(crate) struct WrittenIds {
    state: Mutex<State>,
}

#[derive(Debug, Default)]
enum State {
    /// No batch has looked at `records` yet.
    #[default]
    Unknown,
    /// `records` was empty when the first batch began; these are the ids written since.
    Tracking(Box<Filter>),
    /// `records` held data, another writer stored an id this store also wrote, or the
    /// filter is full: every id is looked up.
    Off,
}

impl WrittenIds {
    /// Whether the first batch needs to look at `records` (asked before it does).
    pub(crate) fn unknown(&self) -> bool {
        matches!(*self.lock(), State::Unknown)
    }

    /// What the first batch found: tracking starts only in an empty table, and never
    /// again once it has stopped.
    pub(crate) fn found_records(&self, empty: bool) {
        let mut state = self.lock();
        if matches!(*state, State::Unknown) {
            *state = if empty {
                State::Tracking(Box::new(Filter::new()))
            } else {
                State::Off
            };
        }
    }

    /// The ids of `ids` that may be stored, to be looked up; all of them unless the
    /// store is tracking.
    pub(crate) fn maybe_stored(&self, ids: &[RecordId]) -> Vec<RecordId> {
        match &*self.lock() {
            State::Tracking(filter) => ids
                .iter()
                .copied()
                .filter(|id| filter.may_contain(*id))
                .collect(),
            State::Unknown | State::Off => ids.to_vec(),
        }
    }

    /// Ids just written by this store.
    pub(crate) fn add(&self, ids: impl IntoIterator<Item = RecordId>) {
        let mut state = self.lock();
        if let State::Tracking(filter) = &mut *state {
            for id in ids {
                filter.insert(id);
            }
            if filter.ids > Filter::CAPACITY {
                *state = State::Off;
            }
        }
    }

    /// Another writer stores ids too: from now on every id is looked up.
    pub(crate) fn stop(&self) {
        *self.lock() = State::Off;
    }

    #[cfg(test)]
    fn tracking(&self) -> bool {
        matches!(*self.lock(), State::Tracking(_))
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// A Bloom filter of 2^28 bits (32 MiB) probed at four positions.
struct Filter {
    bits: Vec<u64>,
    ids: u64,
}

impl std::fmt::Debug for Filter {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter
            .debug_struct("Filter")
            .field("ids", &self.ids)
            .finish_non_exhaustive()
    }
}

impl Filter {
    const BITS_LOG2: u32 = 28;
    const PROBES: u64 = 4;
    /// Past this many ids one new id in fifteen would be taken for written (at 15M, one
    /// in 600); the filter is dropped rather than kept for ever fewer savings.
    const CAPACITY: u64 = 48_000_000;

    fn new() -> Filter {
        Filter {
            bits: vec![0; 1 << (Self::BITS_LOG2 - 6)],
            ids: 0,
        }
    }

    /// Double hashing over the id's two halves: positions `h1 + i·h2`, their top bits.
    fn positions(id: RecordId) -> impl Iterator<Item = usize> {
        let number = id.to_u128();
        let first = number as u64;
        let step = (number >> 64) as u64 | 1;
        (0..Self::PROBES).map(move |probe| {
            (first.wrapping_add(probe.wrapping_mul(step)) >> (64 - Self::BITS_LOG2)) as usize
        })
    }

    fn insert(&mut self, id: RecordId) {
        for position in Self::positions(id) {
            self.bits[position / 64] |= 1 << (position % 64);
        }
        self.ids += 1;
    }

    fn may_contain(&self, id: RecordId) -> bool {
        Self::positions(id).all(|position| self.bits[position / 64] & (1 << (position % 64)) != 0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id(seed: usize) -> RecordId {
        let mut hasher = model::ContentHasher::new("test");
        hasher.count(seed);
        RecordId::from_hasher(&hasher)
    }

    #[test]
    fn written_ids_are_never_missed_and_few_others_are_taken_for_written() {
        let written = WrittenIds::default();
        written.found_records(true);
        written.add((0..200_000).map(id));
        let all: Vec<RecordId> = (0..200_000).map(id).collect();
        assert_eq!(written.maybe_stored(&all), all);
        let others: Vec<RecordId> = (1_000_000..1_200_000).map(id).collect();
        // 200k ids in 2^28 bits: about one in 10^10 false positives.
        assert!(written.maybe_stored(&others).len() < 10);
    }

    #[test]
    fn a_store_with_records_looks_every_id_up() {
        let written = WrittenIds::default();
        assert!(written.unknown());
        written.found_records(false);
        assert!(!written.unknown());
        written.add([id(1)]);
        let ids = [id(1), id(2)];
        assert_eq!(written.maybe_stored(&ids), ids);
        // A later batch's finding does not start tracking again.
        written.found_records(true);
        assert!(!written.tracking());
    }

    #[test]
    fn tracking_stops_for_good() {
        let written = WrittenIds::default();
        written.found_records(true);
        assert!(written.tracking());
        assert!(written.maybe_stored(&[id(7)]).is_empty());
        written.stop();
        assert_eq!(written.maybe_stored(&[id(7)]), [id(7)]);
        written.found_records(true);
        assert!(!written.tracking());
    }
}
