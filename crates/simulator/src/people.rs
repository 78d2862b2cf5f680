//! A file of people with noisy duplicates in the style of FEBRL's data-set generator
//! (Christen 2005, "Probabilistic data generation for deduplication and data linkage"),
//! for measuring entity resolution at any size.
//!
//! [`write_people`] draws `originals` distinct people, then duplicates of some of them,
//! and writes `people.csv` with FEBRL's columns (`rec_id, given_name, surname,
//! street_number, address_1, address_2, suburb, postcode, state, date_of_birth,
//! soc_sec_id`), `people.profile.toml` mapping them onto the model, and `truth.csv`
//! (`record_id,entity_id`). Record ids follow FEBRL: `rec-17-org`, `rec-17-dup-0`.
//!
//! # What makes it hard
//!
//! - Names come from census-weighted tables joined to a long synthetic tail, so common
//!   surnames collide by the thousand while rare ones stay rare, as in real registers.
//! - A share of the originals live in households: same surname and address, different
//!   given names and birth dates — the pairs a resolver must not merge.
//! - Originals already miss values (FEBRL leaves fields empty too).
//! - Each duplicate carries 1 to `max_modifications_per_record` modifications, at most
//!   two per field: keyboard typos (insert, delete, substitute, transpose), OCR
//!   confusions, phonetic respellings, nicknames, given name and surname swapped, a
//!   blanked field, day and month swapped, a digit wrong in a date, ZIP or number.
//! - Duplicates per original follow a Zipf-like law (1 is most common, up to
//!   `max_duplicates_per_original`).

use std::fs::{self, File};
use std::io::{self, BufWriter, Write};
use std::path::Path;

use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::noise::typo;
use crate::tables::{self, BACKGROUND_WEIGHTS, NICKNAMES, STREET_NAMES, STREET_SUFFIXES, Weighted};

/// What to generate.
#[derive(Debug, Clone, PartialEq)]
pub struct PeopleConfig {
    /// Rows to write in all, originals and duplicates.
    pub records: usize,
    /// Share of the rows that are duplicates (FEBRL's data sets use 0.1 to 0.5).
    pub duplicate_share: f64,
    pub max_duplicates_per_original: usize,
    pub max_modifications_per_record: usize,
    /// Share of originals that share surname and address with another original.
    pub household_share: f64,
    pub seed: u64,
}

impl Default for PeopleConfig {
    fn default() -> PeopleConfig {
        PeopleConfig {
            records: 100_000,
            duplicate_share: 0.4,
            max_duplicates_per_original: 5,
            max_modifications_per_record: 3,
            household_share: 0.15,
            seed: 1,
        }
    }
}

/// What was written.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct PeopleSummary {
    pub records: usize,
    pub originals: usize,
    pub duplicates: usize,
    /// Pairs of rows that describe one person.
    pub true_pairs: u64,
}

/// The mapping profile written next to `people.csv`.
pub const PEOPLE_PROFILE: &str = r#"# FEBRL-style people, as `interdict simulate people` writes them.
agency = "registry"
feed = "people"
files = ["people.csv"]
format = "csv"
id_column = "rec_id"

[labels]
sensitivity = "law_enforcement"
data_class = "investigative_case"

[values]
date_formats = ["%Y%m%d"]

[[entities]]
name = "person"
kind = "Person"
key = ["rec_id"]
[entities.properties]
name = { columns = ["given_name", "surname"], join = " " }
birth_date = "date_of_birth"
id_number = "soc_sec_id"
address = { columns = ["street_number", "address_1", "address_2", "suburb", "state", "postcode"], join = " " }
"#;

/// One person as the generator holds them before writing.
#[derive(Debug, Clone)]
struct Row {
    given_name: String,
    surname: String,
    street_number: String,
    address_1: String,
    address_2: String,
    suburb: String,
    postcode: String,
    state: String,
    date_of_birth: String,
    soc_sec_id: String,
}

impl Row {
    fn fields_mut(&mut self, field: Field) -> &mut String {
        match field {
            Field::GivenName => &mut self.given_name,
            Field::Surname => &mut self.surname,
            Field::StreetNumber => &mut self.street_number,
            Field::Address1 => &mut self.address_1,
            Field::Address2 => &mut self.address_2,
            Field::Suburb => &mut self.suburb,
            Field::Postcode => &mut self.postcode,
            Field::DateOfBirth => &mut self.date_of_birth,
            Field::SocSecId => &mut self.soc_sec_id,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Field {
    GivenName,
    Surname,
    StreetNumber,
    Address1,
    Address2,
    Suburb,
    Postcode,
    DateOfBirth,
    SocSecId,
}

/// How often each field is picked for a modification (FEBRL's default field
/// probabilities, roughly: names and addresses most, identifiers least).
const FIELD_WEIGHTS: [(Field, u32); 9] = [
    (Field::GivenName, 20),
    (Field::Surname, 15),
    (Field::StreetNumber, 8),
    (Field::Address1, 12),
    (Field::Address2, 5),
    (Field::Suburb, 10),
    (Field::Postcode, 10),
    (Field::DateOfBirth, 12),
    (Field::SocSecId, 8),
];

/// Chance that an original leaves the field empty.
fn missing_in_original(field: Field) -> f64 {
    match field {
        Field::GivenName => 0.02,
        Field::Surname => 0.01,
        Field::StreetNumber => 0.05,
        Field::Address1 => 0.02,
        Field::Address2 => 0.0,
        Field::Suburb => 0.02,
        Field::Postcode => 0.02,
        Field::DateOfBirth => 0.04,
        Field::SocSecId => 0.06,
    }
}

/// Writes `people.csv`, `people.profile.toml` and `truth.csv` into `out` (created).
pub fn write_people(config: &PeopleConfig, out: &Path) -> io::Result<PeopleSummary> {
    fs::create_dir_all(out)?;
    let mut rng = ChaCha8Rng::seed_from_u64(config.seed);
    let draw = Draw::new(&mut rng);
    let duplicates_wanted =
        (config.records as f64 * config.duplicate_share.clamp(0.0, 0.9)) as usize;
    let originals = config.records - duplicates_wanted;

    let mut people: Vec<Row> = Vec::with_capacity(originals);
    for index in 0..originals {
        let household = index > 0 && rng.random_bool(config.household_share.clamp(0.0, 1.0));
        let mut person = draw.person(&mut rng, index as u64);
        if household {
            let other = &people[rng.random_range(0..people.len())];
            person.surname.clone_from(&other.surname);
            person.street_number.clone_from(&other.street_number);
            person.address_1.clone_from(&other.address_1);
            person.address_2.clone_from(&other.address_2);
            person.suburb.clone_from(&other.suburb);
            person.postcode.clone_from(&other.postcode);
        }
        people.push(person);
    }

    // Zipf-like duplicate counts: k duplicates with weight 1/k.
    let counts = Weighted::new(
        (1..=config.max_duplicates_per_original.max(1)).map(|k| (k, (60 / k) as u32)),
    );
    let mut duplicate_counts = vec![0usize; originals];
    let mut duplicates = 0;
    while duplicates < duplicates_wanted && originals > 0 {
        let original = rng.random_range(0..originals);
        if duplicate_counts[original] > 0 {
            continue;
        }
        let count = counts.sample(&mut rng).min(duplicates_wanted - duplicates);
        duplicate_counts[original] = count;
        duplicates += count;
    }

    let mut csv = BufWriter::new(File::create(out.join("people.csv"))?);
    let mut truth = BufWriter::new(File::create(out.join("truth.csv"))?);
    writeln!(
        csv,
        "rec_id,given_name,surname,street_number,address_1,address_2,suburb,postcode,state,date_of_birth,soc_sec_id"
    )?;
    writeln!(truth, "record_id,entity_id")?;
    let field_picker = Weighted::new(FIELD_WEIGHTS);
    let mut true_pairs = 0u64;
    for (index, person) in people.iter().enumerate() {
        let mut original = person.clone();
        for (field, _) in FIELD_WEIGHTS {
            if rng.random_bool(missing_in_original(field)) {
                original.fields_mut(field).clear();
            }
        }
        write_row(&mut csv, &format!("rec-{index}-org"), &original)?;
        writeln!(truth, "rec-{index}-org,person-{index}")?;
        let count = duplicate_counts[index];
        true_pairs += (count * (count + 1) / 2) as u64;
        for duplicate in 0..count {
            let mut row = original.clone();
            let modifications = rng.random_range(1..=config.max_modifications_per_record.max(1));
            let mut per_field = [0u8; FIELD_WEIGHTS.len()];
            for _ in 0..modifications {
                let field = field_picker.sample(&mut rng);
                let slot = &mut per_field[field as usize];
                if *slot >= 2 {
                    continue;
                }
                *slot += 1;
                modify(&mut row, field, &mut rng);
            }
            let id = format!("rec-{index}-dup-{duplicate}");
            write_row(&mut csv, &id, &row)?;
            writeln!(truth, "{id},person-{index}")?;
        }
    }
    csv.flush()?;
    truth.flush()?;
    fs::write(out.join("people.profile.toml"), PEOPLE_PROFILE)?;
    Ok(PeopleSummary {
        records: originals + duplicates,
        originals,
        duplicates,
        true_pairs,
    })
}

fn write_row(out: &mut impl Write, id: &str, row: &Row) -> io::Result<()> {
    let fields = [
        id,
        &row.given_name,
        &row.surname,
        &row.street_number,
        &row.address_1,
        &row.address_2,
        &row.suburb,
        &row.postcode,
        &row.state,
        &row.date_of_birth,
        &row.soc_sec_id,
    ];
    for (position, field) in fields.iter().enumerate() {
        if position > 0 {
            out.write_all(b",")?;
        }
        // Values never hold quotes; a comma would come from a hand edit of the tables.
        if field.contains(',') {
            write!(out, "\"{field}\"")?;
        } else {
            out.write_all(field.as_bytes())?;
        }
    }
    out.write_all(b"\n")
}

/// Applies one modification of a kind that suits the field.
fn modify(row: &mut Row, field: Field, rng: &mut ChaCha8Rng) {
    let choice = rng.random_range(0..100);
    if choice < 8 {
        row.fields_mut(field).clear();
        return;
    }
    match field {
        Field::GivenName if choice < 20 => {
            if let Some(nickname) = nickname(&row.given_name, rng) {
                row.given_name = nickname;
            }
        }
        Field::GivenName | Field::Surname if choice < 26 => {
            std::mem::swap(&mut row.given_name, &mut row.surname);
        }
        Field::GivenName | Field::Surname | Field::Suburb | Field::Address1 if choice < 40 => {
            let value = row.fields_mut(field);
            *value = phonetic(value, rng);
        }
        Field::GivenName | Field::Surname | Field::Suburb | Field::Address1 | Field::Address2
            if choice < 50 =>
        {
            let value = row.fields_mut(field);
            *value = ocr(value, rng);
        }
        Field::DateOfBirth if choice < 35 => {
            // Day and month swapped where both read as a month.
            let date = &mut row.date_of_birth;
            if date.len() == 8 && date[6..8].parse::<u8>().is_ok_and(|day| day <= 12) {
                *date = format!("{}{}{}", &date[..4], &date[6..8], &date[4..6]);
            }
        }
        Field::DateOfBirth | Field::Postcode | Field::SocSecId | Field::StreetNumber => {
            let value = row.fields_mut(field);
            *value = digit_error(value, rng);
        }
        _ => {
            let value = row.fields_mut(field);
            *value = typo(value, rng);
        }
    }
}

/// A digit replaced, or two neighbouring digits swapped.
fn digit_error(value: &str, rng: &mut ChaCha8Rng) -> String {
    let mut bytes = value.as_bytes().to_vec();
    if bytes.is_empty() {
        return String::new();
    }
    let position = rng.random_range(0..bytes.len());
    if position + 1 < bytes.len() && rng.random_bool(0.3) {
        bytes.swap(position, position + 1);
    } else if bytes[position].is_ascii_digit() {
        bytes[position] = b'0' + rng.random_range(0..10u8);
    }
    String::from_utf8(bytes).unwrap_or_else(|_| value.to_string())
}

/// FEBRL's OCR confusions: shapes a scanner mistakes for one another.
fn ocr(value: &str, rng: &mut ChaCha8Rng) -> String {
    const PAIRS: &[(&str, &str)] = &[
        ("m", "rn"),
        ("rn", "m"),
        ("l", "1"),
        ("o", "0"),
        ("s", "5"),
        ("b", "6"),
        ("g", "9"),
        ("cl", "d"),
        ("d", "cl"),
        ("i", "l"),
        ("u", "v"),
        ("e", "c"),
    ];
    replace_one(value, PAIRS, rng).unwrap_or_else(|| typo(value, rng))
}

/// Respellings that sound the same.
fn phonetic(value: &str, rng: &mut ChaCha8Rng) -> String {
    const PAIRS: &[(&str, &str)] = &[
        ("ph", "f"),
        ("f", "ph"),
        ("ck", "k"),
        ("c", "k"),
        ("k", "c"),
        ("z", "s"),
        ("s", "z"),
        ("y", "i"),
        ("i", "y"),
        ("ee", "ea"),
        ("ou", "ow"),
        ("tt", "t"),
        ("ll", "l"),
        ("nn", "n"),
        ("v", "b"),
        ("b", "v"),
        ("ie", "y"),
        ("th", "t"),
        ("ey", "y"),
        ("son", "sen"),
        ("sen", "son"),
        ("ez", "es"),
    ];
    replace_one(value, PAIRS, rng).unwrap_or_else(|| typo(value, rng))
}

/// Replaces one occurrence of one pattern that occurs in `value`.
fn replace_one(value: &str, pairs: &[(&str, &str)], rng: &mut ChaCha8Rng) -> Option<String> {
    let present: Vec<&(&str, &str)> = pairs
        .iter()
        .filter(|(from, _)| value[1.min(value.len())..].contains(from))
        .collect();
    if present.is_empty() {
        return None;
    }
    let (from, to) = present[rng.random_range(0..present.len())];
    // Never at the first letter, which readers and clerks rarely get wrong.
    let start = 1.min(value.len());
    let position = start + value[start..].find(from)?;
    Some(format!(
        "{}{to}{}",
        &value[..position],
        &value[position + from.len()..]
    ))
}

fn nickname(given_name: &str, rng: &mut ChaCha8Rng) -> Option<String> {
    let (_, nicknames) = NICKNAMES
        .iter()
        .find(|(name, _)| name.eq_ignore_ascii_case(given_name))?;
    let pick = nicknames.get(rng.random_range(0..nicknames.len().max(1)))?;
    Some(pick.to_lowercase())
}

/// The pools people are drawn from.
struct Draw {
    backgrounds: Weighted<usize>,
    names: [tables::NameTables; 4],
    /// A long tail of rare surnames, Zipf-weighted.
    rare_surnames: Weighted<usize>,
    rare_surname_text: Vec<String>,
    places: Vec<(&'static str, String)>,
}

impl Draw {
    fn new(rng: &mut ChaCha8Rng) -> Draw {
        const ONSETS: &[&str] = &[
            "b", "br", "c", "ch", "d", "dr", "f", "g", "gr", "h", "j", "k", "kr", "l", "m", "n",
            "p", "pr", "r", "s", "sh", "st", "t", "tr", "v", "w", "y", "z",
        ];
        const VOWELS: &[&str] = &["a", "e", "i", "o", "u", "ai", "ea", "ou", "ie", "y"];
        const CODAS: &[&str] = &[
            "", "n", "r", "l", "s", "t", "ck", "m", "nd", "rt", "ll", "ng", "x",
        ];
        const ENDINGS: &[&str] = &[
            "", "son", "ez", "er", "man", "ski", "ov", "ley", "ton", "berg", "ini", "ard",
        ];
        let rare_count = 40_000;
        let mut rare_surname_text = Vec::with_capacity(rare_count);
        let pick = |parts: &[&'static str], rng: &mut ChaCha8Rng| -> &'static str {
            parts[rng.random_range(0..parts.len())]
        };
        for _ in 0..rare_count {
            let mut surname = String::new();
            for _ in 0..rng.random_range(1..=2) {
                surname.push_str(pick(ONSETS, rng));
                surname.push_str(pick(VOWELS, rng));
                surname.push_str(pick(CODAS, rng));
            }
            surname.push_str(pick(ENDINGS, rng));
            rare_surname_text.push(surname);
        }
        let rare_surnames =
            Weighted::new((0..rare_count).map(|rank| (rank, (200_000 / (rank + 20)) as u32)));
        let mut places = Vec::new();
        for county in tables::counties() {
            for (index, city) in tables::cities(county.fips).iter().enumerate() {
                let digits: u32 = county.fips[2..].parse().unwrap_or(0);
                places.push((*city, format!("9{:02}{:02}", digits % 100, index * 7 % 100)));
            }
        }
        Draw {
            backgrounds: Weighted::new(
                BACKGROUND_WEIGHTS
                    .iter()
                    .enumerate()
                    .map(|(index, (_, weight))| (index, *weight)),
            ),
            names: tables::name_tables(),
            rare_surnames,
            rare_surname_text,
            places,
        }
    }

    fn person(&self, rng: &mut ChaCha8Rng, index: u64) -> Row {
        let tables = &self.names[self.backgrounds.sample(rng)];
        let given = if rng.random_bool(0.5) {
            tables.male.sample(rng)
        } else {
            tables.female.sample(rng)
        };
        let surname = if rng.random_bool(0.45) {
            tables.family.sample(rng).to_lowercase()
        } else {
            self.rare_surname_text[self.rare_surnames.sample(rng)].clone()
        };
        let (suburb, postcode) = &self.places[rng.random_range(0..self.places.len())];
        let (suffix, _) = STREET_SUFFIXES[rng.random_range(0..STREET_SUFFIXES.len())];
        let street = STREET_NAMES[rng.random_range(0..STREET_NAMES.len())];
        let address_2 = match rng.random_range(0..10) {
            0 => format!("apt {}", rng.random_range(1..400)),
            1 => format!("unit {}", rng.random_range(1..60)),
            _ => String::new(),
        };
        let year = rng.random_range(1940..=2006);
        let month = rng.random_range(1..=12);
        let day = rng.random_range(1..=28);
        Row {
            given_name: given.to_lowercase(),
            surname,
            street_number: rng.random_range(1..20_000).to_string(),
            address_1: format!("{} {}", street.to_lowercase(), suffix.to_lowercase()),
            address_2,
            suburb: suburb.to_lowercase(),
            postcode: postcode.clone(),
            state: "ca".to_string(),
            date_of_birth: format!("{year:04}{month:02}{day:02}"),
            // Unique per person: the index spread over nine digits.
            soc_sec_id: format!("{:09}", (index * 7_919 + 104_729) % 1_000_000_000),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::{PeopleConfig, write_people};

    #[test]
    fn writes_the_rows_truth_and_profile_it_reports() {
        let folder = tempfile::tempdir().expect("temporary folder");
        let config = PeopleConfig {
            records: 3_000,
            ..PeopleConfig::default()
        };
        let summary = write_people(&config, folder.path()).expect("written");
        assert_eq!(summary.records, 3_000);
        assert_eq!(summary.originals + summary.duplicates, 3_000);

        let mut reader = csv::Reader::from_path(folder.path().join("people.csv")).expect("csv");
        let rows: Vec<csv::StringRecord> = reader.records().map(|row| row.expect("row")).collect();
        assert_eq!(rows.len(), 3_000);
        assert!(rows.iter().all(|row| row.len() == 11));

        let mut truth = csv::Reader::from_path(folder.path().join("truth.csv")).expect("truth");
        let mut sizes: BTreeMap<String, u64> = BTreeMap::new();
        for row in truth.records() {
            *sizes.entry(row.expect("row")[1].to_string()).or_default() += 1;
        }
        let pairs: u64 = sizes.values().map(|size| size * (size - 1) / 2).sum();
        assert_eq!(pairs, summary.true_pairs);
        assert!(summary.duplicates > 1_000, "{summary:?}");

        // Duplicates differ from their original somewhere, but not everywhere.
        let by_id: BTreeMap<&str, &csv::StringRecord> = rows
            .iter()
            .map(|row| (row.get(0).expect("id"), row))
            .collect();
        let mut changed = 0;
        for row in &rows {
            let id = &row[0];
            if let Some((stem, _)) = id.split_once("-dup-") {
                let original = by_id[format!("{stem}-org").as_str()];
                let differing = (1..11)
                    .filter(|&field| row[field] != original[field])
                    .count();
                assert!(differing <= 6, "{id} differs in {differing} fields");
                changed += usize::from(differing > 0);
            }
        }
        assert!(
            changed * 10 > summary.duplicates * 8,
            "{changed} of {}",
            summary.duplicates
        );
        assert!(folder.path().join("people.profile.toml").exists());
    }

    #[test]
    fn the_same_seed_gives_the_same_file() {
        let config = PeopleConfig {
            records: 500,
            ..PeopleConfig::default()
        };
        let (first, second) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
        write_people(&config, first.path()).unwrap();
        write_people(&config, second.path()).unwrap();
        let read =
            |folder: &tempfile::TempDir| std::fs::read(folder.path().join("people.csv")).unwrap();
        assert_eq!(read(&first), read(&second));
    }
}
