//! Blocking: candidate pairs from shared keys, so Fellegi–Sunter scoring (Fellegi &
//! Sunter 1969) never compares all pairs.
//!
//! Each prepared record gives several keys, one family per [`BlockingRule`]; records
//! sharing a key form a block, and every pair inside a block becomes a candidate. The
//! rules are chosen so that one kind of noise never hides a true pair from all of them:
//!
//! - surname sound + birth date (the day/month swap added) survives a given-name
//!   nickname or typo;
//! - given-name group + surname initial + birth month-day (with the day/month swap
//!   added) survives a surname misspelt beyond its phonetic key or a wrong year;
//! - each phone, each identifier number survive any name or date noise;
//! - surname sound + house number (or, for an address without one, + ZIP code)
//!   survives a missing or wrong birth date.
//!
//! There is deliberately no rule on the name alone. Tried (given-name group +
//! surname sound, blocks of at most 20): on FEBRL-style people it added recall (F1
//! 0.9919 → 0.9927 at 100,000), but on the simulated multi-agency world, where a
//! parcel's consignee and an arrestee share only a name and namesakes abound, it let
//! the model merge namesakes and chain them (pairwise precision 0.98 → 0.35 on the
//! medium world). Neither a separate prior per set of blocking rules fitted by EM
//! (precision 0.59) nor a term-frequency adjustment on the given name as well as the
//! surname (0.32) rescued it: nothing in a name-only pair tells the model how many
//! namesakes the population holds.
//!
//! There is deliberately no rule on the name alone. Tried (given-name group +
//! surname sound, blocks of at most 20): on FEBRL-style people it added recall, but
//! on the simulated multi-agency world, where a parcel's consignee and an arrestee
//! share only a name and namesakes abound, it let the model merge namesakes and chain
//! them (pairwise precision 0.98 → 0.35 on the medium world). Weighing name-only
//! candidates safely needs a prior per blocking rule, which the model does not have
//! yet.
//!
//! Every single kind of noise leaves at least two rules that still meet. Keys are
//! deliberately narrow (the whole date, the house number rather than the ZIP): with
//! a million records, wide keys such as surname sound + birth year make blocks of
//! common surnames hundreds strong, and candidate pairs then grow with the square of
//! the population instead of linearly (measured on a million FEBRL-style records:
//! sound + year-month alone gave 15 of 18 million candidates).
//!
//! A block larger than [`BlockingParameters::max_block_size`] is skipped whole and
//! counted in [`Blocking::skipped_blocks`]: a key that common (a switchboard phone, a
//! frequent surname in one ZIP) would add pairs quadratically while telling little, and
//! the other rules still reach the true pairs in it. Pairs are deduplicated; each keeps
//! every key that produced it, which the review screen shows as why it was compared.

use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::hash::{DefaultHasher, Hash, Hasher};

use crate::date::BirthDate;
use crate::parallel;
use crate::person::PreparedPerson;

/// The kinds of blocking key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum BlockingRule {
    SurnameSoundBirthDate,
    GivenGroupSurnameInitialMonthDay,
    Phone,
    IdNumber,
    SurnameSoundAddress,
}

impl BlockingRule {
    pub const ALL: [BlockingRule; 5] = [
        BlockingRule::SurnameSoundBirthDate,
        BlockingRule::GivenGroupSurnameInitialMonthDay,
        BlockingRule::Phone,
        BlockingRule::IdNumber,
        BlockingRule::SurnameSoundAddress,
    ];

    pub fn name(self) -> &'static str {
        match self {
            BlockingRule::SurnameSoundBirthDate => "surname_sound+birth_date",
            BlockingRule::GivenGroupSurnameInitialMonthDay => {
                "given_group+surname_initial+birth_month_day"
            }
            BlockingRule::Phone => "phone",
            BlockingRule::IdNumber => "id_number",
            BlockingRule::SurnameSoundAddress => "surname_sound+house_number_or_zip",
        }
    }
}

/// A set of blocking rules, one bit each.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct RuleSet(u8);

impl RuleSet {
    pub fn with(self, rule: BlockingRule) -> RuleSet {
        RuleSet(self.0 | 1 << rule as u8)
    }

    pub fn contains(self, rule: BlockingRule) -> bool {
        self.0 & 1 << rule as u8 != 0
    }

    pub fn rules(self) -> Vec<BlockingRule> {
        BlockingRule::ALL
            .into_iter()
            .filter(|rule| self.contains(*rule))
            .collect()
    }
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
/// right`, and the rules whose keys put them in one block ([`shared_keys`] gives the
/// keys themselves).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CandidatePair {
    pub left: u32,
    pub right: u32,
    pub rules: RuleSet,
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
    /// For each rule of [`BlockingRule::ALL`], how many candidate pairs it produced
    /// (a pair found by several rules counts for each): which keys cost the most.
    pub pairs_by_rule: [usize; BlockingRule::ALL.len()],
}

/// Every blocking key of one record, sorted and without duplicates.
pub fn blocking_keys(person: &PreparedPerson) -> Vec<BlockingKey> {
    let mut keys = BTreeSet::new();
    visit_keys(person, &mut String::new(), |rule, value| {
        keys.insert(BlockingKey {
            rule,
            value: value.to_string(),
        });
    });
    keys.into_iter().collect()
}

/// The keys two records share: why blocking compared them.
pub fn shared_keys(left: &PreparedPerson, right: &PreparedPerson) -> Vec<BlockingKey> {
    let right_keys: BTreeSet<BlockingKey> = blocking_keys(right).into_iter().collect();
    blocking_keys(left)
        .into_iter()
        .filter(|key| right_keys.contains(key))
        .collect()
}

/// Calls `visit` with each key of `person` (possibly repeated), building the value
/// in `buffer` so that blocking a million records allocates nothing per key.
fn visit_keys(
    person: &PreparedPerson,
    buffer: &mut String,
    mut visit: impl FnMut(BlockingRule, &str),
) {
    let mut emit = |rule: BlockingRule, write: &dyn Fn(&mut String)| {
        buffer.clear();
        write(buffer);
        visit(rule, buffer);
    };
    let mut sounds: Vec<&str> = person
        .names
        .iter()
        .flat_map(|name| &name.readings)
        .flat_map(|reading| &reading.surname_keys)
        .flat_map(|key| key.keys())
        .collect();
    sounds.sort_unstable();
    sounds.dedup();
    // Full dates (and the day/month swap); partial dates key on what they have.
    let mut dates: Vec<BirthDate> = person
        .birth_dates
        .iter()
        .flat_map(|date| date.variants())
        .collect();
    dates.sort_unstable_by_key(|date| (date.year, date.month, date.day));
    dates.dedup();
    for sound in &sounds {
        for date in &dates {
            emit(BlockingRule::SurnameSoundBirthDate, &|out| {
                let _ = write!(out, "{sound}|{}", date.canonical());
            });
        }
        for address in &person.addresses {
            let address = &address.address;
            match (&address.number, &address.postal_code) {
                (Some(number), _) => emit(BlockingRule::SurnameSoundAddress, &|out| {
                    let _ = write!(out, "{sound}|#{number}");
                }),
                (None, Some(postal_code)) => emit(BlockingRule::SurnameSoundAddress, &|out| {
                    let _ = write!(out, "{sound}|{postal_code}");
                }),
                (None, None) => {}
            }
        }
    }
    let mut month_days: Vec<(u8, u8)> = person
        .birth_dates
        .iter()
        .flat_map(|date| date.variants())
        .filter_map(|date| Some((date.month?, date.day?)))
        .collect();
    month_days.sort_unstable();
    month_days.dedup();
    for reading in person.names.iter().flat_map(|name| &name.readings) {
        let mut initials: Vec<char> = reading
            .surnames
            .iter()
            .filter_map(|surname| surname.chars().next())
            .collect();
        initials.sort_unstable();
        initials.dedup();
        for group in &reading.given_groups {
            for initial in &initials {
                for (month, day) in &month_days {
                    emit(BlockingRule::GivenGroupSurnameInitialMonthDay, &|out| {
                        let _ = write!(out, "{group}|{initial}|{month:02}-{day:02}");
                    });
                }
            }
        }
    }
    for phone in &person.phones {
        emit(BlockingRule::Phone, &|out| out.push_str(phone));
    }
    for id_number in &person.id_numbers {
        emit(BlockingRule::IdNumber, &|out| out.push_str(id_number));
    }
}

/// The hashed blocking keys of one record, sorted and deduplicated: what the blocking
/// index and incremental matching look up.
pub fn key_hashes(person: &PreparedPerson) -> Vec<u64> {
    let mut hashes = Vec::new();
    visit_keys(person, &mut String::new(), |rule, value| {
        hashes.push(key_hash(rule, value));
    });
    hashes.sort_unstable();
    hashes.dedup();
    hashes
}

/// The rule sits in the top three bits of a key's hash, so one sort groups blocks and
/// every block knows its rule. Two different keys sharing the other 61 bits would only
/// merge two blocks (extra candidates, never lost ones).
const RULE_SHIFT: u32 = 61;

fn key_hash(rule: BlockingRule, value: &str) -> u64 {
    let mut hasher = DefaultHasher::new();
    value.hash(&mut hasher);
    (hasher.finish() & ((1 << RULE_SHIFT) - 1)) | (rule as u64) << RULE_SHIFT
}

fn rule_of(hash: u64) -> BlockingRule {
    BlockingRule::ALL[(hash >> RULE_SHIFT) as usize]
}

/// Candidate pairs of `people` from shared blocking keys.
///
/// Keys are hashed and sorted, never kept as strings; pairs come out per left record
/// (each record gathers the later members of its blocks), so no global pair sort or
/// map is needed and the work splits over the cores.
pub fn candidate_pairs(people: &[PreparedPerson], parameters: &BlockingParameters) -> Blocking {
    assert!(
        people.len() < u32::MAX as usize,
        "blocking indexes records with u32"
    );
    let mut entries: Vec<(u64, u32)> = parallel::map_chunks(people, |offset, chunk| {
        let mut entries = Vec::with_capacity(chunk.len() * 8);
        let mut buffer = String::new();
        let mut hashes: Vec<u64> = Vec::new();
        for (position, person) in chunk.iter().enumerate() {
            hashes.clear();
            visit_keys(person, &mut buffer, |rule, value| {
                hashes.push(key_hash(rule, value))
            });
            hashes.sort_unstable();
            hashes.dedup();
            let index = (offset + position) as u32;
            entries.extend(hashes.iter().map(|hash| (*hash, index)));
        }
        entries
    })
    .concat();
    entries.sort_unstable();

    let mut blocking = Blocking::default();
    // Kept blocks as ranges of `entries`; members within a block are ascending.
    let mut blocks: Vec<(usize, usize)> = Vec::new();
    let mut start = 0;
    while start < entries.len() {
        let hash = entries[start].0;
        let end = start + entries[start..].partition_point(|(other, _)| *other == hash);
        let size = end - start;
        if size > parameters.max_block_size {
            blocking.skipped_pairs += size * (size - 1) / 2;
            blocking.skipped_blocks.push(SkippedBlock {
                key: key_of(&people[entries[start].1 as usize], hash),
                size,
            });
        } else if size > 1 {
            blocks.push((start, end));
        }
        start = end;
    }
    blocking
        .skipped_blocks
        .sort_by(|left, right| left.key.cmp(&right.key));

    // Each record's kept blocks, as a compressed row list.
    let mut offsets = vec![0u32; people.len() + 1];
    for (start, end) in &blocks {
        for (_, index) in &entries[*start..*end] {
            offsets[*index as usize + 1] += 1;
        }
    }
    for position in 1..offsets.len() {
        offsets[position] += offsets[position - 1];
    }
    let mut fill = offsets.clone();
    let mut record_blocks = vec![0u32; offsets[people.len()] as usize];
    for (block, (start, end)) in blocks.iter().enumerate() {
        for (_, index) in &entries[*start..*end] {
            let slot = &mut fill[*index as usize];
            record_blocks[*slot as usize] = block as u32;
            *slot += 1;
        }
    }

    let records: Vec<u32> = (0..people.len() as u32).collect();
    blocking.pairs = parallel::map_chunks(&records, |_, chunk| {
        let mut pairs = Vec::new();
        let mut partners: Vec<(u32, RuleSet)> = Vec::new();
        for &left in chunk {
            partners.clear();
            let own = &record_blocks
                [offsets[left as usize] as usize..offsets[left as usize + 1] as usize];
            for block in own {
                let (start, end) = blocks[*block as usize];
                let members = &entries[start..end];
                let rules = RuleSet::default().with(rule_of(members[0].0));
                let after = members.partition_point(|(_, index)| *index <= left);
                partners.extend(members[after..].iter().map(|(_, right)| (*right, rules)));
            }
            partners.sort_unstable_by_key(|(right, _)| *right);
            let mut position = 0;
            while position < partners.len() {
                let (right, mut rules) = partners[position];
                position += 1;
                while position < partners.len() && partners[position].0 == right {
                    rules = RuleSet(rules.0 | partners[position].1.0);
                    position += 1;
                }
                pairs.push(CandidatePair { left, right, rules });
            }
        }
        pairs
    })
    .concat();
    for pair in &blocking.pairs {
        for (count, rule) in blocking.pairs_by_rule.iter_mut().zip(BlockingRule::ALL) {
            *count += usize::from(pair.rules.contains(rule));
        }
    }
    blocking
}

/// The key of `person` whose hash is `hash`, for reporting a skipped block.
fn key_of(person: &PreparedPerson, hash: u64) -> BlockingKey {
    let mut found = None;
    visit_keys(person, &mut String::new(), |rule, value| {
        if found.is_none() && key_hash(rule, value) == hash {
            found = Some(BlockingKey {
                rule,
                value: value.to_string(),
            });
        }
    });
    found.unwrap_or(BlockingKey {
        rule: rule_of(hash),
        value: format!("#{hash:016x}"),
    })
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
            .map(|pair| (pair.left as usize, pair.right as usize, pair.rules.rules()))
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
                "Smyth, Willy; ; ; ; 1 Main Street Apt 2, Springfield IL 62701",
            ],
            100,
            &[
                (
                    0,
                    1,
                    &[
                        SurnameSoundBirthDate,
                        GivenGroupSurnameInitialMonthDay,
                        Phone,
                    ],
                ),
                (1, 2, &[SurnameSoundAddress]),
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
