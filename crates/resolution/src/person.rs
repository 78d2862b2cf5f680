//! Person records as the matcher sees them, and their one-time preparation for
//! Fellegi–Sunter comparison (Fellegi & Sunter 1969).
//!
//! A [`PersonRecord`] holds the canonical strings the store keeps for a person (names
//! as reported, ISO birth dates, E.164 phones, upper-case identifiers, address lines,
//! e-mails). Comparing a pair must not parse them again for every candidate pair, so
//! each record is turned once into a [`PreparedPerson`]: parsed names with every
//! reading, the first given name's nickname groups, Double Metaphone keys of given
//! names and surnames, parsed birth dates and standardised addresses. Blocking and
//! comparison read only the prepared form.

use crate::Text;
use crate::address::Address;
use crate::date::BirthDate;
use crate::name::PersonName;
use crate::nicknames::given_name_groups;
use crate::phonetic::PhoneticKey;
use crate::text::normalise_token;

/// One person record: canonical values per field, as the store holds them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PersonRecord {
    pub id: String,
    pub names: Vec<String>,
    /// `YYYY-MM-DD`, `YYYY-MM` or `YYYY`.
    pub birth_dates: Vec<String>,
    /// E.164.
    pub phones: Vec<String>,
    /// Upper-case alphanumerics (passport, licence, national numbers).
    pub id_numbers: Vec<String>,
    /// Which numbering scheme `id_numbers` follow (e.g. `sheriff/bookings` for the
    /// sheriff's booking numbers), when the source says. Numbers of two different
    /// schemes agree when equal but never count against each other: a booking number
    /// and a state criminal-record number of one person always differ. `None` compares
    /// with every scheme.
    pub id_scheme: Option<String>,
    /// One line each.
    pub addresses: Vec<String>,
    pub emails: Vec<String>,
}

/// A record parsed once for blocking and comparison. Values that do not parse (a name
/// without letters, a malformed date) are left out, as if the source had not sent them.
#[derive(Debug, Clone)]
pub struct PreparedPerson {
    pub id: Text,
    pub names: Vec<PreparedName>,
    pub birth_dates: Vec<BirthDate>,
    pub phones: Vec<Text>,
    pub id_numbers: Vec<Text>,
    pub id_scheme: Option<Text>,
    pub addresses: Vec<PreparedAddress>,
    /// Lower-cased and trimmed.
    pub emails: Vec<Text>,
}

/// One reported name with its readings prepared.
#[derive(Debug, Clone)]
pub struct PreparedName {
    pub raw: Text,
    /// Every name token, sorted: equal for `GARCIA, JOSE` and `JOSE GARCIA`.
    pub sorted_tokens: Vec<Text>,
    /// One entry per reading of [`PersonName::readings`], primary first.
    pub readings: Vec<PreparedReading>,
}

/// One reading (given/family split) of a name, with what comparison needs.
#[derive(Debug, Clone)]
pub struct PreparedReading {
    /// The first given name, if the reading has one (initials included).
    pub first_given: Option<Text>,
    /// Nickname-group keys of the first given name, or the name itself when the table
    /// does not know it.
    pub given_groups: Vec<Text>,
    pub given_key: Option<PhoneticKey>,
    /// Surnames without particles (`DE LA CRUZ` → `CRUZ`).
    pub surnames: Vec<Text>,
    pub surname_keys: Vec<PhoneticKey>,
}

/// A standardised address with its one-line form.
#[derive(Debug, Clone)]
pub struct PreparedAddress {
    pub address: Address,
    pub standard_line: Text,
}

impl PreparedPerson {
    /// Parses and normalises every value of `record` once.
    pub fn prepare(record: &PersonRecord) -> PreparedPerson {
        // Prepared records live as long as the resolution: lists are cut to size.
        let mut names: Vec<PreparedName> = record
            .names
            .iter()
            .filter_map(|raw| prepare_name(raw))
            .collect();
        names.shrink_to_fit();
        let birth_dates = distinct(
            record
                .birth_dates
                .iter()
                .filter_map(|text| BirthDate::parse(text)),
        );
        let mut addresses: Vec<PreparedAddress> = record
            .addresses
            .iter()
            .filter(|line| !line.trim().is_empty())
            .map(|line| {
                let address = Address::parse(line);
                let standard_line = address.standard_line();
                PreparedAddress {
                    address,
                    standard_line: standard_line.into(),
                }
            })
            .collect();
        addresses.shrink_to_fit();
        let clean = |values: &[String], lower: bool| {
            distinct(values.iter().filter_map(|value| {
                let value = value.trim();
                let value: Text = if lower {
                    value.to_lowercase().into()
                } else {
                    value.into()
                };
                (!value.is_empty()).then_some(value)
            }))
        };
        PreparedPerson {
            id: record.id.as_str().into(),
            names,
            birth_dates,
            phones: clean(&record.phones, false),
            id_numbers: clean(&record.id_numbers, false),
            id_scheme: record.id_scheme.as_deref().map(Text::from),
            addresses,
            emails: clean(&record.emails, true),
        }
    }

    /// Every surname (of every reading of every name), without duplicates, in first-seen
    /// order.
    pub fn surnames(&self) -> Vec<&str> {
        let mut surnames: Vec<&str> = Vec::new();
        for reading in self.names.iter().flat_map(|name| &name.readings) {
            for surname in &reading.surnames {
                if !surnames.contains(&surname.as_str()) {
                    surnames.push(surname);
                }
            }
        }
        surnames
    }

    /// The surnames of each name's primary reading: what the surname frequency table
    /// counts (the other readings would count given names as surnames).
    pub fn primary_surnames(&self) -> Vec<&str> {
        let mut surnames: Vec<&str> = Vec::new();
        for reading in self.names.iter().filter_map(|name| name.readings.first()) {
            for surname in &reading.surnames {
                if !surnames.contains(&surname.as_str()) {
                    surnames.push(surname);
                }
            }
        }
        surnames
    }
}

fn prepare_name(raw: &str) -> Option<PreparedName> {
    let name = PersonName::parse(raw)?;
    let mut sorted_tokens: Vec<Text> = name.full_tokens.iter().map(Text::from).collect();
    sorted_tokens.sort();
    let readings = name
        .readings()
        .iter()
        .map(|reading| {
            let first_given: Option<Text> = reading.given.first().map(Text::from);
            let given_groups = first_given
                .as_deref()
                .map(|given| {
                    let groups = given_name_groups(given);
                    if groups.is_empty() {
                        vec![Text::from(given)]
                    } else {
                        groups.iter().map(|group| Text::from(*group)).collect()
                    }
                })
                .unwrap_or_default();
            let mut surnames: Vec<Text> = reading
                .surname_parts()
                .map(normalise_token)
                .filter(|surname| !surname.is_empty())
                .map(Text::from)
                .collect();
            surnames.shrink_to_fit();
            PreparedReading {
                given_key: first_given.as_deref().map(PhoneticKey::of),
                first_given,
                given_groups,
                surname_keys: surnames
                    .iter()
                    .map(|surname| PhoneticKey::of(surname))
                    .collect(),
                surnames,
            }
        })
        .collect();
    Some(PreparedName {
        raw: raw.into(),
        sorted_tokens,
        readings,
    })
}

fn distinct<T: PartialEq>(values: impl Iterator<Item = T>) -> Vec<T> {
    let mut kept = Vec::new();
    for value in values {
        if !kept.contains(&value) {
            kept.push(value);
        }
    }
    kept.shrink_to_fit();
    kept
}

#[cfg(test)]
mod tests {
    use super::{PersonRecord, PreparedPerson};

    /// `(names, expected surnames over all readings, expected nickname groups of the
    /// primary reading's first given name)`.
    fn check(cases: &[(&[&str], &[&str], &[&str])]) {
        for (names, surnames, groups) in cases {
            let record = PersonRecord {
                id: "r".into(),
                names: names.iter().map(|name| name.to_string()).collect(),
                ..PersonRecord::default()
            };
            let person = PreparedPerson::prepare(&record);
            assert_eq!(person.surnames(), *surnames, "surnames of {names:?}");
            let primary_groups = person
                .names
                .first()
                .and_then(|name| name.readings.first())
                .map(|reading| reading.given_groups.clone())
                .unwrap_or_default();
            assert_eq!(primary_groups, *groups, "groups of {names:?}");
        }
    }

    #[test]
    fn names_are_prepared_with_every_reading() {
        check(&[
            (&["Smith, Bill"], &["SMITH"], &["WILLIAM"]),
            (&["Bill Smith"], &["SMITH", "BILL"], &["WILLIAM"]),
            (&["Maria de la Cruz"], &["CRUZ", "MARIA"], &["MARY"]),
            (&["Xochitl Lopez"], &["LOPEZ", "XOCHITL"], &["XOCHITL"]),
            (&["..."], &[], &[]),
        ]);
    }

    #[test]
    fn unparseable_values_are_left_out() {
        let record = PersonRecord {
            id: "r".into(),
            birth_dates: vec![
                "1985-03-14".into(),
                "03/14/1985".into(),
                "1985-03-14".into(),
            ],
            emails: vec![" Bill@Example.ORG ".into(), String::new()],
            addresses: vec!["  ".into(), "1 Main Street, Springfield IL 62701".into()],
            ..PersonRecord::default()
        };
        let person = PreparedPerson::prepare(&record);
        assert_eq!(person.birth_dates.len(), 1);
        assert_eq!(person.emails, ["bill@example.org"]);
        assert_eq!(
            person.addresses[0].standard_line,
            "1 MAIN ST, SPRINGFIELD IL 62701"
        );
    }
}
