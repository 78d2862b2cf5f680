//! Blocking: candidate pairs from shared keys, so Fellegi–Sunter scoring (Fellegi &
//! Sunter 1969) never compares all pairs.
//!
//! Each prepared record gives several keys, one family per [`BlockingRule`]; records
//! sharing a key form a block, and every pair inside a block becomes a candidate. The
//! rules are chosen so that one kind of noise never hides a true pair from all of them:
//!
//! - surname sound + birth year survives a given-name nickname, typo or swapped date;
//! - given-name group + surname initial + birth month-day (with the day/month swap
//!   added) survives a surname misspelt beyond its phonetic key or a wrong year;
//! - each phone, each identifier number survive any name or date noise;
//! - surname sound + ZIP code survives a missing or wrong birth date.
//!
//! A block larger than [`BlockingParameters::max_block_size`] is skipped whole and
//! counted in [`Blocking::skipped_blocks`]: a key that common (a switchboard phone, a
//! frequent surname in one ZIP) would add pairs quadratically while telling little, and
//! the other rules still reach the true pairs in it. Pairs are deduplicated; each keeps
//! every key that produced it, which the review screen shows as why it was compared.

use std::collections::{BTreeMap, BTreeSet};

use crate::person::PreparedPerson;

/// The kinds of blocking key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum BlockingRule {
    SurnameSoundBirthYear,
    GivenGroupSurnameInitialMonthDay,
    Phone,
    IdNumber,
    SurnameSoundPostalCode,
}

/// One blocking key: its rule and value (`SM0|1985`).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct BlockingKey {
    pub rule: BlockingRule,
    pub value: String,
}

/// Blocking settings.
#[derive(Debug, Clone, PartialEq)]
pub struct BlockingParameters {
    /// Blocks with more records than this are skipped (see the module notes). 100
    /// records make 4,950 pairs; at that size a key no longer narrows anything down.
    pub max_block_size: usize,
}

impl Default for BlockingParameters {
    fn default() -> BlockingParameters {
        BlockingParameters {
            max_block_size: 100,
        }
    }
}

/// A candidate pair: indices into the slice given to [`candidate_pairs`], `left <
/// right`, and the keys that put them in one block.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CandidatePair {
    pub left: usize,
    pub right: usize,
    pub keys: Vec<BlockingKey>,
}

/// A block left out for its size.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SkippedBlock {
    pub key: BlockingKey,
    pub size: usize,
}

/// The result of blocking.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Blocking {
    /// Deduplicated, ordered by `(left, right)`.
    pub pairs: Vec<CandidatePair>,
    /// Oversized blocks, in key order.
    pub skipped_blocks: Vec<SkippedBlock>,
    /// Pairs the skipped blocks would have produced (before deduplication).
    pub skipped_pairs: usize,
}

/// Every blocking key of one record, sorted and without duplicates.
pub fn blocking_keys(person: &PreparedPerson) -> Vec<BlockingKey> {
    let mut keys = BTreeSet::new();
    let mut add = |rule: BlockingRule, value: String| {
        keys.insert(BlockingKey { rule, value });
    };
    let sounds: BTreeSet<&str> = person
        .names
        .iter()
        .flat_map(|name| &name.readings)
        .flat_map(|reading| &reading.surname_keys)
        .flat_map(|key| key.keys())
        .collect();
    let years: BTreeSet<i32> = person.birth_dates.iter().map(|date| date.year).collect();
    for sound in &sounds {
        for year in &years {
            add(
                BlockingRule::SurnameSoundBirthYear,
                format!("{sound}|{year}"),
            );
        }
        for address in &person.addresses {
            if let Some(postal_code) = &address.address.postal_code {
                add(
                    BlockingRule::SurnameSoundPostalCode,
                    format!("{sound}|{postal_code}"),
                );
            }
        }
    }
    let month_days: BTreeSet<(u8, u8)> = person
        .birth_dates
        .iter()
        .flat_map(|date| date.variants())
        .filter_map(|date| Some((date.month?, date.day?)))
        .collect();
    for reading in person.names.iter().flat_map(|name| &name.readings) {
        let initials: BTreeSet<char> = reading
            .surnames
            .iter()
            .filter_map(|surname| surname.chars().next())
            .collect();
        for group in &reading.given_groups {
            for initial in &initials {
                for (month, day) in &month_days {
                    add(
                        BlockingRule::GivenGroupSurnameInitialMonthDay,
                        format!("{group}|{initial}|{month:02}-{day:02}"),
                    );
                }
            }
        }
    }
    for phone in &person.phones {
        add(BlockingRule::Phone, phone.clone());
    }
    for id_number in &person.id_numbers {
        add(BlockingRule::IdNumber, id_number.clone());
    }
    keys.into_iter().collect()
}

/// Candidate pairs of `people` from shared blocking keys.
pub fn candidate_pairs(people: &[PreparedPerson], parameters: &BlockingParameters) -> Blocking {
    let mut blocks: BTreeMap<BlockingKey, Vec<usize>> = BTreeMap::new();
    for (index, person) in people.iter().enumerate() {
        for key in blocking_keys(person) {
            blocks.entry(key).or_default().push(index);
        }
    }
    let mut pairs: BTreeMap<(usize, usize), Vec<BlockingKey>> = BTreeMap::new();
    let mut blocking = Blocking::default();
    for (key, members) in blocks {
        if members.len() > parameters.max_block_size {
            blocking.skipped_pairs += members.len() * (members.len() - 1) / 2;
            blocking.skipped_blocks.push(SkippedBlock {
                key,
                size: members.len(),
            });
            continue;
        }
        for (position, left) in members.iter().enumerate() {
            for right in &members[position + 1..] {
                pairs.entry((*left, *right)).or_default().push(key.clone());
            }
        }
    }
    blocking.pairs = pairs
        .into_iter()
        .map(|((left, right), keys)| CandidatePair { left, right, keys })
        .collect();
    blocking
}

#[cfg(test)]
mod tests {
    use super::{BlockingParameters, BlockingRule, candidate_pairs};
    use crate::compare::tests::record;
    use crate::person::PreparedPerson;

    /// Blocks `records` (compact form, see `compare::tests::record`) and checks which
    /// pairs come out, each with the rules that produced it, and how many blocks were
    /// skipped.
    fn check(
        records: &[&str],
        max_block_size: usize,
        expected_pairs: &[(usize, usize, &[BlockingRule])],
        expected_skipped_blocks: usize,
    ) {
        let people: Vec<PreparedPerson> = records
            .iter()
            .enumerate()
            .map(|(index, text)| PreparedPerson::prepare(&record(&index.to_string(), text)))
            .collect();
        let blocking = candidate_pairs(&people, &BlockingParameters { max_block_size });
        let found: Vec<(usize, usize, Vec<BlockingRule>)> = blocking
            .pairs
            .iter()
            .map(|pair| {
                let mut rules: Vec<BlockingRule> = pair.keys.iter().map(|key| key.rule).collect();
                rules.dedup();
                (pair.left, pair.right, rules)
            })
            .collect();
        let expected: Vec<(usize, usize, Vec<BlockingRule>)> = expected_pairs
            .iter()
            .map(|(left, right, rules)| (*left, *right, rules.to_vec()))
            .collect();
        assert_eq!(found, expected, "pairs of {records:?}");
        assert_eq!(blocking.skipped_blocks.len(), expected_skipped_blocks);
    }

    #[test]
    fn nickname_and_transposed_date_with_misspelt_surname_meet() {
        use BlockingRule::*;
        check(
            &[
                // SMITH and SNITH sound different, the day and month are swapped and
                // BILL is WILLIAM: only the given-group rule, with the swap, joins them.
                "William Smith; 1985-03-11",
                "Bill Snith; 1985-11-03",
                "Robert Jones; 1985-11-03",
            ],
            100,
            &[(0, 1, &[GivenGroupSurnameInitialMonthDay])],
            0,
        );
        check(
            &[
                "William Smith; 1985-03-11; +16195550101",
                "Smith, Bill; 1985-11-03; +16195550101; ; 1 Main St, Springfield IL 62701",
                "Smyth, Willy; ; ; ; 9 Oak Ave, Springfield IL 62701",
            ],
            100,
            &[
                (
                    0,
                    1,
                    &[
                        SurnameSoundBirthYear,
                        GivenGroupSurnameInitialMonthDay,
                        Phone,
                    ],
                ),
                (1, 2, &[SurnameSoundPostalCode]),
            ],
            0,
        );
    }

    #[test]
    fn oversized_blocks_are_skipped_and_counted() {
        let shared_phone: Vec<String> = (0..12)
            .map(|index| format!("Person{index} Name{index}; ; +16195550000"))
            .collect();
        let records: Vec<&str> = shared_phone.iter().map(String::as_str).collect();
        check(&records, 10, &[], 1);
    }

    #[test]
    fn blocking_never_generates_all_pairs() {
        let people = crate::fellegi_sunter::tests::synthetic_people(7).0;
        let blocking = candidate_pairs(&people, &BlockingParameters::default());
        let all_pairs = people.len() * (people.len() - 1) / 2;
        assert!(
            blocking.pairs.len() * 20 < all_pairs,
            "{} candidate pairs of {all_pairs}",
            blocking.pairs.len()
        );
        assert!(!blocking.pairs.is_empty());
    }
}
