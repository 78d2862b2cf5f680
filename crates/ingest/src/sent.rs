//! The record ids a mapping thread has sent in the current batch.

use std::collections::HashSet;
use std::hash::{BuildHasherDefault, Hasher};

use model::RecordId;

/// Record ids a mapping thread has sent in this batch, so that it can leave out a
/// record the store would skip anyway: a feed repeats the same person or phone on
/// many rows, and each repeat is an identical record (ids derive from content). The
/// mapper asks before it builds a record ([`crate::mapper::RowMapper::map_row_keeping`]),
/// so a repeat costs its hashing and nothing more: neither its strings and maps nor,
/// on the busier writing thread, its encoding and index probe.
///
/// Bounded, so memory stays flat: ids are kept in two generations; when the newer one
/// is full the older is forgotten, and an id found in the older is kept on in the
/// newer, so ids that keep coming back stay however long the feed. Later repeats of a
/// forgotten id fall back on the store's own duplicate check.
///
/// Not every entity of a row repeats: a call, a transfer or a parcel is keyed by the
/// row's own number and comes once, while its phones, accounts and people come back
/// row after row. Remembering the once-only ids would crowd out the others, so each
/// entity of the feed's profile is remembered only while its ids are seen to repeat:
/// one id in [`SAMPLE`] (chosen by the id's bits, which are hash output) is
/// always remembered, and after each [`TRIAL`] such ids an entity stays remembered
/// only if at least one in [`WORTH`] of them was a repeat.
pub(crate) struct SentIds {
    newer: IdSet,
    older: IdSet,
    /// How many ids the newer generation takes before it becomes the older.
    generation: usize,
    /// By the entity's position in the feed's profile.
    entities: Vec<EntityRepeats>,
}

type IdSet = HashSet<u128, BuildHasherDefault<IdHasher>>;

/// One id in this many is remembered whatever its entity, to measure its repeats.
const SAMPLE: u128 = 16;
/// Sampled ids of an entity between two decisions on whether to remember it.
const TRIAL: u32 = 256;
/// An entity's ids are remembered while at least one sampled id in this many repeats.
const WORTH: u32 = 16;

#[derive(Clone, Copy)]
struct EntityRepeats {
    sampled: u32,
    repeated: u32,
    remembered: bool,
}

impl Default for EntityRepeats {
    fn default() -> EntityRepeats {
        EntityRepeats {
            sampled: 0,
            repeated: 0,
            remembered: true,
        }
    }
}

impl SentIds {
    /// Seven eighths of 2^19, the most a table of 2^19 buckets holds before it grows:
    /// 17 bytes a bucket, about 9 MiB a generation, two a mapping thread. Measured on
    /// the large simulated world: the store was sent 16.5M records for 14.7M new
    /// (23.5M with one memory of this size that forgot everything when full, 19.0M
    /// with generations but every entity remembered, 16.0M with generations of twice
    /// this size).
    const GENERATION: usize = (1 << 19) / 8 * 7;

    pub(crate) fn new() -> SentIds {
        SentIds::with_generation(Self::GENERATION)
    }

    fn with_generation(generation: usize) -> SentIds {
        SentIds {
            newer: IdSet::with_capacity_and_hasher(generation, Default::default()),
            older: IdSet::with_capacity_and_hasher(generation, Default::default()),
            generation,
            entities: Vec::new(),
        }
    }

    /// Forgets every id and every entity's record (a new batch begins).
    pub(crate) fn clear(&mut self) {
        self.newer.clear();
        self.older.clear();
        self.entities.clear();
    }

    /// Whether a record of the profile's `entity` with this id is to be sent: true the
    /// first time an id is seen (while remembered), false for a repeat. The first read
    /// is the one kept, as the store would keep it.
    pub(crate) fn first_sending(&mut self, entity: usize, id: RecordId) -> bool {
        let id = id.to_u128();
        if entity >= self.entities.len() {
            self.entities.resize(entity + 1, EntityRepeats::default());
        }
        // The high half: the set's hash is the low half, which sampling must not skew.
        let sampled = (id >> 64).is_multiple_of(SAMPLE);
        if !sampled && !self.entities[entity].remembered {
            return true;
        }
        let repeat = self.remember(id);
        if sampled {
            let repeats = &mut self.entities[entity];
            repeats.sampled += 1;
            repeats.repeated += u32::from(repeat);
            if repeats.sampled == TRIAL {
                repeats.remembered = repeats.repeated * WORTH >= repeats.sampled;
                // Earlier trials count for half in the next decision.
                repeats.sampled /= 2;
                repeats.repeated /= 2;
            }
        }
        !repeat
    }

    /// Remembers `id` in the newer generation; whether it was remembered already.
    fn remember(&mut self, id: u128) -> bool {
        if self.newer.len() >= self.generation {
            std::mem::swap(&mut self.newer, &mut self.older);
            self.newer.clear();
        }
        if !self.newer.insert(id) {
            return true;
        }
        self.older.contains(&id)
    }

    /// Whether the profile's `entity` is remembered now (for tests).
    #[cfg(test)]
    fn remembers(&self, entity: usize) -> bool {
        self.entities
            .get(entity)
            .is_none_or(|repeats| repeats.remembered)
    }
}

/// Record ids are BLAKE3 output already: their low bits are as good a hash as any.
#[derive(Default)]
pub(crate) struct IdHasher(u64);

impl Hasher for IdHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for &byte in bytes {
            self.0 = self.0.rotate_left(8) ^ u64::from(byte);
        }
    }

    fn write_u128(&mut self, value: u128) {
        self.0 = value as u64;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The `n`th of a run of distinct ids, as content hashes are.
    fn id(run: &str, n: u64) -> RecordId {
        let digest = blake3::hash(format!("{run}{n}").as_bytes());
        let mut bytes = [0u8; 16];
        bytes.copy_from_slice(&digest.as_bytes()[..16]);
        RecordId::from_bytes(bytes)
    }

    #[test]
    fn a_new_id_is_always_sent_and_a_repeat_left_out() {
        let mut sent = SentIds::with_generation(1_000);
        // Far more distinct ids than both generations hold: none is taken for a repeat.
        for n in 0..10_000 {
            assert!(sent.first_sending(0, id("once", n)), "{n}");
        }
        assert!(sent.first_sending(1, id("person", 0)));
        assert!(!sent.first_sending(1, id("person", 0)));
        sent.clear();
        assert!(sent.first_sending(1, id("person", 0)));
    }

    #[test]
    fn an_id_that_keeps_coming_back_outlives_the_generations() {
        let mut sent = SentIds::with_generation(100);
        assert!(sent.first_sending(1, id("phone", 0)));
        // Between its repeats come fewer new ids than a generation holds, but far more
        // in all than both generations together (and fewer than a trial, after which
        // ids that never repeat would no longer be remembered).
        for round in 0..20 {
            for n in 0..90 {
                sent.first_sending(1, id("phone", 1 + round * 90 + n));
            }
            assert!(!sent.first_sending(1, id("phone", 0)), "round {round}");
        }
        // An id seen once, many generations ago, is forgotten and sent again: the
        // store's own check skips it.
        assert!(sent.first_sending(1, id("phone", 1)));
    }

    #[test]
    fn an_entity_whose_ids_never_repeat_is_not_remembered() {
        let mut sent = SentIds::with_generation(1_000);
        // A call (entity 0) comes once a row; its two phones (entities 1 and 2) come
        // back, drawn from fifty numbers.
        let mut phone = 0u64;
        let mut next_phone = || {
            phone = (phone + 7) % 50;
            id("phone", phone)
        };
        // Enough rows for a trial of sampled call ids.
        let rows = (TRIAL as u64) * (SAMPLE as u64) * 2;
        for row in 0..rows {
            assert!(sent.first_sending(0, id("call", row)));
            sent.first_sending(1, next_phone());
            sent.first_sending(2, next_phone());
        }
        assert!(!sent.remembers(0));
        assert!(sent.remembers(1) && sent.remembers(2));
        // Calls no longer take the memory's room: the phones are all still known,
        // and the newer generation holds hardly more than the sampled calls.
        for n in 0..50 {
            assert!(!sent.first_sending(1, id("phone", n)), "{n}");
        }
        assert!(sent.newer.len() < 1_000);
        // A call id that does repeat is still sent: the store is the judge.
        assert!(sent.first_sending(0, id("call", 1)));
    }

    #[test]
    fn an_entity_whose_ids_start_to_repeat_is_remembered_again() {
        let mut sent = SentIds::with_generation(100_000);
        let trial = (TRIAL as u64) * (SAMPLE as u64) * 2;
        for n in 0..trial {
            sent.first_sending(0, id("account", n));
        }
        assert!(!sent.remembers(0));
        // The same accounts again, over and over: the sampled ones show repeats.
        for _ in 0..4 {
            for n in 0..trial {
                sent.first_sending(0, id("account", n));
            }
        }
        assert!(sent.remembers(0));
    }
}
