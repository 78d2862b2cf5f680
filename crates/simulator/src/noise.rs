//! Noisy renditions of true identities, as clerks in different agencies write them.
//!
//! The noise follows the FEBRL generator's families (Christen 2005): character edits
//! (insert, delete, substitute with a keyboard neighbour, transpose), nicknames, dropped
//! or swapped name parts, compound surnames cut or hyphenated, transposed day and month
//! in dates of birth, missing values, and differing phone and address formats.

use std::fmt::Write as _;

use chrono::{Datelike, NaiveDate};
use rand::RngExt;
use rand_chacha::ChaCha8Rng;

use crate::tables::{self, NICKNAMES};
use crate::world::{Address, Person};

/// How careless an agency's records are.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Noise {
    pub typo: f64,
    pub nickname: f64,
    pub missing_dob: f64,
    pub swap_dob: f64,
    pub drop_second_surname: f64,
    pub keep_accents: bool,
}

impl Noise {
    pub const CAREFUL: Noise = Noise {
        typo: 0.04,
        nickname: 0.03,
        missing_dob: 0.02,
        swap_dob: 0.02,
        drop_second_surname: 0.3,
        keep_accents: false,
    };
    pub const ORDINARY: Noise = Noise {
        typo: 0.12,
        nickname: 0.12,
        missing_dob: 0.08,
        swap_dob: 0.05,
        drop_second_surname: 0.5,
        keep_accents: false,
    };
    pub const SLOPPY: Noise = Noise {
        typo: 0.25,
        nickname: 0.2,
        missing_dob: 0.2,
        swap_dob: 0.08,
        drop_second_surname: 0.7,
        keep_accents: false,
    };
}

/// One agency's rendition of a person's name.
#[derive(Debug, Default)]
pub(crate) struct NameParts {
    pub given: String,
    pub middle: String,
    pub family: String,
}

impl NameParts {
    /// "GARCIA HERNANDEZ, JOSE LUIS": family first, upper case.
    pub fn last_first_upper(&self) -> String {
        let mut text = String::with_capacity(32);
        text.push_str(&self.family);
        text.push_str(", ");
        text.push_str(&self.given);
        if !self.middle.is_empty() {
            text.push(' ');
            text.push_str(&self.middle);
        }
        text.to_uppercase()
    }

    /// "Jose L Garcia": given first, middle as an initial.
    pub fn first_last(&self) -> String {
        let mut text = String::with_capacity(32);
        text.push_str(&self.given);
        if let Some(initial) = self.middle.chars().next() {
            text.push(' ');
            text.push(initial);
        }
        text.push(' ');
        text.push_str(&self.family);
        text
    }
}

pub(crate) fn render_name(person: &Person, noise: Noise, rng: &mut ChaCha8Rng) -> NameParts {
    let mut given = person.given.to_string();
    if rng.random_bool(noise.nickname)
        && let Some((_, nicknames)) = NICKNAMES.iter().find(|(name, _)| *name == person.given)
    {
        given = nicknames[rng.random_range(0..nicknames.len())].to_string();
    }
    let mut middle = match person.middle {
        Some(middle) if rng.random_bool(0.55) => middle.to_string(),
        Some(middle) if rng.random_bool(0.5) => middle.chars().take(1).collect(),
        _ => String::new(),
    };
    let mut family = match person.family2 {
        Some(second) => {
            let roll: f64 = rng.random();
            if roll < noise.drop_second_surname {
                person.family.to_string()
            } else if roll < noise.drop_second_surname + (1.0 - noise.drop_second_surname) * 0.35 {
                format!("{}-{}", person.family, second)
            } else if roll > 0.98 {
                // The maternal surname alone, read as the family name by an English clerk.
                second.to_string()
            } else {
                format!("{} {}", person.family, second)
            }
        }
        None => person.family.to_string(),
    };
    if noise.keep_accents && rng.random_bool(0.6) {
        if let Some(accented) = tables::accented(&given) {
            given = accented.to_string();
        }
        family = family
            .split_inclusive([' ', '-'])
            .map(|part| {
                let trimmed = part.trim_end_matches([' ', '-']);
                match tables::accented(trimmed) {
                    Some(accented) => format!("{accented}{}", &part[trimmed.len()..]),
                    None => part.to_string(),
                }
            })
            .collect();
    }
    if rng.random_bool(noise.typo) {
        given = typo(&given, rng);
    }
    if rng.random_bool(noise.typo) {
        family = typo(&family, rng);
    }
    if !middle.is_empty() && rng.random_bool(noise.typo / 2.0) {
        middle = typo(&middle, rng);
    }
    if rng.random_bool(0.03) {
        // Given and family name entered in each other's fields.
        std::mem::swap(&mut given, &mut family);
    }
    NameParts {
        given,
        middle,
        family,
    }
}

/// One character edit: insert, delete, substitute (keyboard neighbour) or transpose.
pub(crate) fn typo(text: &str, rng: &mut ChaCha8Rng) -> String {
    let mut characters: Vec<char> = text.chars().collect();
    if characters.len() < 3 {
        return text.to_string();
    }
    let position = rng.random_range(1..characters.len());
    match rng.random_range(0..4) {
        0 => {
            let letter = neighbour(characters[position], rng);
            characters.insert(position, letter);
        }
        1 => {
            characters.remove(position);
        }
        // Transpositions keep the first letter, which clerks rarely get wrong.
        3 if position >= 2 => characters.swap(position - 1, position),
        _ => characters[position] = neighbour(characters[position], rng),
    }
    characters.into_iter().collect()
}

fn neighbour(character: char, rng: &mut ChaCha8Rng) -> char {
    const ROWS: [&str; 3] = ["qwertyuiop", "asdfghjkl", "zxcvbnm"];
    let lower = character.to_ascii_lowercase();
    for row in ROWS {
        if let Some(index) = row.find(lower) {
            let bytes = row.as_bytes();
            let pick = if index == 0 {
                1
            } else if index + 1 == bytes.len() || rng.random_bool(0.5) {
                index - 1
            } else {
                index + 1
            };
            let replacement = char::from(bytes[pick]);
            return if character.is_ascii_uppercase() {
                replacement.to_ascii_uppercase()
            } else {
                replacement
            };
        }
    }
    'e'
}

/// A date of birth as reported: sometimes missing, day and month swapped, or the year off.
pub(crate) fn render_birth(
    birth: NaiveDate,
    noise: Noise,
    rng: &mut ChaCha8Rng,
) -> Option<NaiveDate> {
    if rng.random_bool(noise.missing_dob) {
        return None;
    }
    if birth.day() <= 12 && birth.day() != birth.month() && rng.random_bool(noise.swap_dob) {
        return NaiveDate::from_ymd_opt(birth.year(), birth.day(), birth.month());
    }
    if rng.random_bool(noise.typo / 4.0) {
        return NaiveDate::from_ymd_opt(
            birth.year() + if rng.random_bool(0.5) { 1 } else { -1 },
            birth.month(),
            birth.day().min(28),
        );
    }
    Some(birth)
}

#[derive(Debug, Clone, Copy)]
pub(crate) enum PhoneStyle {
    /// (415) 555-0123
    Parenthesised,
    /// 415.555.0123
    Dotted,
    /// +14155550123
    E164,
    /// 415-555-0123
    Dashed,
}

pub(crate) fn write_phone(text: &mut String, number: u64, style: PhoneStyle) {
    let area = number / 10_000_000;
    let exchange = (number / 10_000) % 1000;
    let line = number % 10_000;
    let _ = match style {
        PhoneStyle::Parenthesised => write!(text, "({area}) {exchange:03}-{line:04}"),
        PhoneStyle::Dotted => write!(text, "{area}.{exchange:03}.{line:04}"),
        PhoneStyle::E164 => write!(text, "+1{area}{exchange:03}{line:04}"),
        PhoneStyle::Dashed => write!(text, "{area}-{exchange:03}-{line:04}"),
    };
}

#[derive(Debug, Clone, Copy)]
pub(crate) enum AddressStyle {
    /// 123 Main Street Apt 4
    Full,
    /// 123 MAIN ST #4
    AbbreviatedUpper,
    /// 123 Main St, Unit 4
    Abbreviated,
}

/// The street line of an address.
pub(crate) fn write_street(
    text: &mut String,
    address: &Address,
    style: AddressStyle,
    rng: &mut ChaCha8Rng,
) {
    let street = tables::STREET_NAMES[address.street as usize];
    let (full, short) = tables::STREET_SUFFIXES[address.suffix as usize];
    let start = text.len();
    let _ = match style {
        AddressStyle::Full => write!(text, "{} {street} {full}", address.number),
        AddressStyle::AbbreviatedUpper | AddressStyle::Abbreviated => {
            write!(text, "{} {street} {short}", address.number)
        }
    };
    if address.unit != 0 && rng.random_bool(0.8) {
        let _ = match style {
            AddressStyle::Full => write!(text, " Apt {}", address.unit),
            AddressStyle::AbbreviatedUpper => write!(text, " #{}", address.unit),
            AddressStyle::Abbreviated => write!(text, ", Unit {}", address.unit),
        };
    }
    if rng.random_bool(0.03) {
        let edited = typo(&text[start..], rng);
        text.truncate(start);
        text.push_str(&edited);
    }
    if matches!(style, AddressStyle::AbbreviatedUpper) {
        let upper = text[start..].to_uppercase();
        text.truncate(start);
        text.push_str(&upper);
    }
}

/// Strips Spanish accents, as ASCII-only systems do.
pub(crate) fn fold_accents(text: &str) -> String {
    text.chars()
        .map(|character| match character {
            'á' => 'a',
            'é' => 'e',
            'í' => 'i',
            'ó' => 'o',
            'ú' | 'ü' => 'u',
            'ñ' => 'n',
            'Á' => 'A',
            'É' => 'E',
            'Í' => 'I',
            'Ó' => 'O',
            'Ú' => 'U',
            'Ñ' => 'N',
            other => other,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use rand::SeedableRng;

    use super::*;

    #[test]
    fn typos_change_one_character_position() {
        let mut rng = ChaCha8Rng::seed_from_u64(7);
        for _ in 0..50 {
            let edited = typo("Hernandez", &mut rng);
            let length_difference = edited.len() as i64 - "Hernandez".len() as i64;
            assert!(length_difference.abs() <= 1, "{edited}");
            assert!(edited.starts_with('H'), "the first letter stays: {edited}");
        }
    }

    #[test]
    fn phone_styles() {
        let mut text = String::new();
        write_phone(&mut text, 4_155_550_123, PhoneStyle::Parenthesised);
        text.push('|');
        write_phone(&mut text, 4_155_550_123, PhoneStyle::Dotted);
        text.push('|');
        write_phone(&mut text, 4_155_550_123, PhoneStyle::E164);
        assert_eq!(text, "(415) 555-0123|415.555.0123|+14155550123");
    }
}
