//! Person names as reported, parsed into given and family parts.
//!
//! Feeds write the same man as `GARCIA HERNANDEZ, JOSE LUIS` (family first, comma),
//! `Jose Luis Garcia-Hernandez` (given first), or `Garcia Hernandez Jose` (family first,
//! no comma). The method:
//!
//! 1. Fold to upper-case ASCII (`text`), then split on spaces, commas, hyphens, full
//!    stops and slashes. A hyphen or full stop separates tokens but not *units*: the
//!    tokens of `GARCIA-HERNANDEZ` stay together, so `GARCIA-HERNANDEZ` and `GARCIA
//!    HERNANDEZ` give the same family tokens. `J.R.` becomes the initials `J` and `R`.
//! 2. Generational suffixes (`JR`, `SR`, `II`, `III`, `IV`, …) are taken out wherever
//!    they stand, unless they are all the name has. `V` is not one: it is far more often
//!    an initial.
//! 3. Particles (`DE`, `DEL`, `DE LA`, `VAN`, `VON`, `DA`, `DOS`, …) join the token that
//!    follows them, and `Y` joins the surnames either side (`GARCIA Y HERNANDEZ`), so a
//!    particle always stays with its family name.
//! 4. A comma settles the order: family before it, given names after. Without one the
//!    order is ambiguous, so the name keeps every plausible *reading*
//!    ([`PersonName::readings`]): given names first with one or two surnames (Spanish
//!    names carry the father's and the mother's), and family first with one or two.
//!    The primary reading is given-first, unless the last unit is a given name the
//!    nickname table knows and the first is not (`GARCIA HERNANDEZ JOSE`).
//!
//! [`PersonName::surname_parts`] gives each surname without particles, so `GARCIA`
//! can meet `GARCIA HERNANDEZ` at blocking and scoring time.

use crate::nicknames::is_known_given_name;
use crate::text::{fold_to_ascii_upper, strip_to_alphanumeric};

/// A person's name, normalised and split. `given` and `family` are the primary
/// reading; [`PersonName::readings`] has the others.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PersonName {
    /// Given names and initials in order (`["JOSE", "LUIS"]`, `["J", "R"]`).
    pub given: Vec<String>,
    /// Family-name tokens in order, particles included (`["DE", "LA", "CRUZ"]`).
    pub family: Vec<String>,
    /// Generational suffixes, normalised (`JR`, `SR`, `II`, `III`, `IV`).
    pub suffixes: Vec<String>,
    /// Every name token (suffixes excluded) in the order reported.
    pub full_tokens: Vec<String>,
    /// How the name was laid out.
    pub layout: NameLayout,
    readings: Vec<NameReading>,
}

/// The layout a name was reported in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NameLayout {
    /// `FAMILY, GIVEN`: the comma fixes the order.
    FamilyFirstComma,
    /// No comma, read given names first (`JOSE LUIS GARCIA`).
    GivenFirst,
    /// No comma, read family first because the last word is a known given name.
    FamilyFirst,
    /// A single unit (`CHAPO`, `GARCIA-HERNANDEZ`): given or family is unknowable.
    Single,
}

/// One way of splitting a name into given and family parts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NameReading {
    pub given: Vec<String>,
    pub family: Vec<String>,
}

impl NameReading {
    /// The family tokens without particles: `DE LA CRUZ` → `CRUZ`, `GARCIA Y
    /// HERNANDEZ` → `GARCIA`, `HERNANDEZ`.
    pub fn surname_parts(&self) -> impl Iterator<Item = &str> {
        self.family
            .iter()
            .map(String::as_str)
            .filter(|token| !is_particle(token))
    }

    /// The first letter of each given name (`JOSE LUIS` → `JL`).
    pub fn initials(&self) -> String {
        self.given
            .iter()
            .filter_map(|token| token.chars().next())
            .collect()
    }
}

impl PersonName {
    /// Parses a name as reported. `None` when it holds no letters or digits.
    pub fn parse(raw: &str) -> Option<PersonName> {
        let folded = fold_to_ascii_upper(raw);
        let (before_comma, after_comma) = match folded.split_once(',') {
            Some((family, given)) => (family, Some(given)),
            None => (folded.as_str(), None),
        };
        let mut first_part = units(before_comma);
        let mut second_part = after_comma.map(units).unwrap_or_default();
        let suffixes = take_suffixes(&mut first_part, &mut second_part);

        let full_tokens: Vec<String> = first_part
            .iter()
            .chain(&second_part)
            .flatten()
            .cloned()
            .collect();
        if full_tokens.is_empty() {
            return None;
        }

        let (layout, readings) = if after_comma.is_some() && !second_part.is_empty() {
            let reading = NameReading {
                given: second_part.concat(),
                family: first_part.concat(),
            };
            (NameLayout::FamilyFirstComma, vec![reading])
        } else {
            // `GARCIA,` with nothing after the comma is read like `GARCIA`.
            let units: Vec<Vec<String>> = first_part.into_iter().chain(second_part).collect();
            readings_without_comma(&units)
        };
        let primary = readings[0].clone();
        Some(PersonName {
            given: primary.given,
            family: primary.family,
            suffixes,
            full_tokens,
            layout,
            readings,
        })
    }

    /// Every plausible reading, the primary one (`given`, `family`) first, without
    /// duplicates. A name written with a comma has exactly one.
    pub fn readings(&self) -> &[NameReading] {
        &self.readings
    }

    /// The primary reading's surnames without particles (see
    /// [`NameReading::surname_parts`]).
    pub fn surname_parts(&self) -> impl Iterator<Item = &str> {
        self.readings[0].surname_parts()
    }

    /// The first letter of each given name of the primary reading.
    pub fn initials(&self) -> String {
        self.readings[0].initials()
    }
}

/// Whether a token is a single letter, as initials are.
pub fn is_initial(token: &str) -> bool {
    token.len() == 1 && token.bytes().all(|byte| byte.is_ascii_alphabetic())
}

/// Particles that belong to the family name that follows them.
const PARTICLES: &[&str] = &[
    "DE", "DEL", "LA", "LAS", "LOS", "DA", "DAS", "DO", "DOS", "DI", "DU", "VAN", "VON", "DER",
    "DEN", "TER", "TEN", "ST", "SAN", "SANTA", "MC", "MAC", "BIN", "BEN", "AL", "EL", "LE",
];

/// Joins the surnames either side of it (`GARCIA Y HERNANDEZ`, `SILVA E SANTOS`).
const CONJUNCTIONS: &[&str] = &["Y", "E"];

const SUFFIXES: &[&str] = &[
    "JR", "SR", "JNR", "SNR", "II", "III", "IV", "2ND", "3RD", "4TH",
];

fn is_particle(token: &str) -> bool {
    PARTICLES.contains(&token) || CONJUNCTIONS.contains(&token)
}

/// Splits folded text into units: each unit is the tokens of one word (hyphens and
/// full stops split tokens, not units), with particles and conjunctions attached.
fn units(folded: &str) -> Vec<Vec<String>> {
    let words: Vec<Vec<String>> = folded
        .split(|character: char| character.is_whitespace() || character == '/')
        .map(|word| {
            // Apostrophes vanish with the other punctuation: `O'BRIEN` → `OBRIEN`.
            word.split(['-', '.'])
                .map(strip_to_alphanumeric)
                .filter(|token| !token.is_empty())
                .collect::<Vec<String>>()
        })
        .filter(|tokens| !tokens.is_empty())
        .collect();

    let mut joined: Vec<Vec<String>> = Vec::new();
    let mut pending_particles: Vec<String> = Vec::new();
    let mut join_with_previous = false;
    let last = words.len().saturating_sub(1);
    for (index, word) in words.into_iter().enumerate() {
        let single = (word.len() == 1).then(|| word[0].as_str());
        let is_conjunction = single.is_some_and(|token| CONJUNCTIONS.contains(&token));
        let has_neighbours = index > 0 && index < last && !joined.is_empty();
        if is_conjunction && has_neighbours {
            joined
                .last_mut()
                .into_iter()
                .for_each(|unit| unit.extend(word.clone()));
            join_with_previous = true;
            continue;
        }
        if single.is_some_and(|token| PARTICLES.contains(&token)) && index < last {
            pending_particles.extend(word);
            continue;
        }
        let mut unit = std::mem::take(&mut pending_particles);
        unit.extend(word);
        match joined.last_mut() {
            Some(previous) if join_with_previous => previous.extend(unit),
            _ => joined.push(unit),
        }
        join_with_previous = false;
    }
    if !pending_particles.is_empty() {
        joined.push(pending_particles);
    }
    joined
}

/// Takes generational suffixes out of both parts, keeping at least one unit.
fn take_suffixes(first: &mut Vec<Vec<String>>, second: &mut Vec<Vec<String>>) -> Vec<String> {
    let is_suffix = |unit: &Vec<String>| unit.len() == 1 && SUFFIXES.contains(&unit[0].as_str());
    let name_units = first
        .iter()
        .chain(second.iter())
        .filter(|unit| !is_suffix(unit))
        .count();
    if name_units == 0 {
        return Vec::new();
    }
    let mut suffixes = Vec::new();
    for part in [first, second] {
        part.retain(|unit| {
            if is_suffix(unit) {
                suffixes.push(unit[0].clone());
                false
            } else {
                true
            }
        });
    }
    suffixes
}

fn readings_without_comma(units: &[Vec<String>]) -> (NameLayout, Vec<NameReading>) {
    let count = units.len();
    let reading = |given: &[Vec<String>], family: &[Vec<String>]| NameReading {
        given: given.concat(),
        family: family.concat(),
    };
    if count == 1 {
        return (
            NameLayout::Single,
            vec![reading(&[], units), reading(units, &[])],
        );
    }
    let single_surname =
        |unit: &Vec<String>| unit.iter().filter(|token| !is_particle(token)).count() <= 1;
    let two_surnames_possible =
        |family: &[Vec<String>]| count >= 3 && family.iter().all(single_surname);

    let mut given_first = vec![reading(&units[..count - 1], &units[count - 1..])];
    if two_surnames_possible(&units[count - 2..]) {
        given_first.push(reading(&units[..count - 2], &units[count - 2..]));
    }
    let mut family_first = vec![reading(&units[1..], &units[..1])];
    if two_surnames_possible(&units[..2]) {
        family_first.push(reading(&units[2..], &units[..2]));
    }

    // The nickname table knows given names, not surnames: a known given name (or an
    // initial) at the end and not at the start means the family came first.
    let is_given_unit = |unit: &Vec<String>| {
        unit.iter()
            .all(|token| is_known_given_name(token) || is_initial(token))
    };
    let looks_family_first = is_given_unit(&units[count - 1]) && !is_given_unit(&units[0]);
    let (layout, ordered) = if looks_family_first {
        let trailing_given = units
            .iter()
            .rev()
            .take_while(|unit| is_given_unit(unit))
            .count();
        let split = count - trailing_given;
        let informed = reading(&units[split..], &units[..split]);
        let ordered: Vec<NameReading> = std::iter::once(informed)
            .chain(family_first)
            .chain(given_first)
            .collect();
        (NameLayout::FamilyFirst, ordered)
    } else {
        (
            NameLayout::GivenFirst,
            given_first.into_iter().chain(family_first).collect(),
        )
    };

    // An initial is never a family name, unless nothing else is left.
    let plausible = |candidate: &NameReading| {
        !candidate
            .family
            .iter()
            .any(|token| is_initial(token) && !is_particle(token))
    };
    let keep_all = !ordered.iter().any(plausible);
    let mut readings: Vec<NameReading> = Vec::with_capacity(ordered.len());
    for candidate in ordered {
        if (keep_all || plausible(&candidate)) && !readings.contains(&candidate) {
            readings.push(candidate);
        }
    }
    (layout, readings)
}

#[cfg(test)]
mod tests {
    use super::{NameLayout, PersonName};

    /// Each case: the raw name, then the expected readings (primary first), each as
    /// `"GIVEN TOKENS | FAMILY TOKENS"`, then the suffixes.
    fn check(raw: &str, layout: NameLayout, readings: &[&str], suffixes: &[&str]) {
        let name = PersonName::parse(raw).unwrap_or_else(|| panic!("{raw:?} did not parse"));
        let shown: Vec<String> = name
            .readings()
            .iter()
            .map(|reading| format!("{} | {}", reading.given.join(" "), reading.family.join(" ")))
            .collect();
        assert_eq!(shown, readings, "readings of {raw:?}");
        assert_eq!(name.layout, layout, "layout of {raw:?}");
        assert_eq!(name.suffixes, suffixes, "suffixes of {raw:?}");
        assert_eq!(
            name.given,
            name.readings()[0].given,
            "primary given of {raw:?}"
        );
        assert_eq!(
            name.family,
            name.readings()[0].family,
            "primary family of {raw:?}"
        );
    }

    #[test]
    fn comma_puts_the_family_first() {
        use NameLayout::FamilyFirstComma;
        check(
            "GARCIA HERNANDEZ, JOSE LUIS",
            FamilyFirstComma,
            &["JOSE LUIS | GARCIA HERNANDEZ"],
            &[],
        );
        check(
            "García-Hernández, José Luis",
            FamilyFirstComma,
            &["JOSE LUIS | GARCIA HERNANDEZ"],
            &[],
        );
        check(
            "SMITH, JOHN JR",
            FamilyFirstComma,
            &["JOHN | SMITH"],
            &["JR"],
        );
        check(
            "Smith Jr., John",
            FamilyFirstComma,
            &["JOHN | SMITH"],
            &["JR"],
        );
        check(
            "Smith, John, III",
            FamilyFirstComma,
            &["JOHN | SMITH"],
            &["III"],
        );
        check(
            "DE LA CRUZ, MARIA",
            FamilyFirstComma,
            &["MARIA | DE LA CRUZ"],
            &[],
        );
        check("O'Brien, J.R.", FamilyFirstComma, &["J R | OBRIEN"], &[]);
    }

    #[test]
    fn given_first_keeps_one_and_two_surname_readings() {
        use NameLayout::GivenFirst;
        check(
            "Jose Luis Garcia-Hernandez",
            GivenFirst,
            &[
                "JOSE LUIS | GARCIA HERNANDEZ",
                "LUIS GARCIA HERNANDEZ | JOSE",
                "GARCIA HERNANDEZ | JOSE LUIS",
            ],
            &[],
        );
        check(
            "Jose Luis Garcia Hernandez",
            GivenFirst,
            &[
                "JOSE LUIS GARCIA | HERNANDEZ",
                "JOSE LUIS | GARCIA HERNANDEZ",
                "LUIS GARCIA HERNANDEZ | JOSE",
                "GARCIA HERNANDEZ | JOSE LUIS",
            ],
            &[],
        );
        check(
            "John Smith",
            GivenFirst,
            &["JOHN | SMITH", "SMITH | JOHN"],
            &[],
        );
        check(
            "John Smith Jr.",
            GivenFirst,
            &["JOHN | SMITH", "SMITH | JOHN"],
            &["JR"],
        );
        check("J. R. Smith", GivenFirst, &["J R | SMITH"], &[]);
    }

    #[test]
    fn particles_stay_with_the_family_name() {
        use NameLayout::GivenFirst;
        check(
            "Maria de la Cruz",
            GivenFirst,
            &["MARIA | DE LA CRUZ", "DE LA CRUZ | MARIA"],
            &[],
        );
        check(
            "Ludwig van Beethoven",
            GivenFirst,
            &["LUDWIG | VAN BEETHOVEN", "VAN BEETHOVEN | LUDWIG"],
            &[],
        );
        check(
            "Jose Garcia y Hernandez",
            GivenFirst,
            &["JOSE | GARCIA Y HERNANDEZ", "GARCIA Y HERNANDEZ | JOSE"],
            &[],
        );
        check(
            "Joao dos Santos Silva",
            GivenFirst,
            &[
                "JOAO DOS SANTOS | SILVA",
                "JOAO | DOS SANTOS SILVA",
                "DOS SANTOS SILVA | JOAO",
                "SILVA | JOAO DOS SANTOS",
            ],
            &[],
        );
    }

    #[test]
    fn a_known_given_name_last_reads_family_first() {
        use NameLayout::{FamilyFirst, GivenFirst};
        check(
            "Garcia Hernandez Jose",
            FamilyFirst,
            &[
                "JOSE | GARCIA HERNANDEZ",
                "HERNANDEZ JOSE | GARCIA",
                "GARCIA HERNANDEZ | JOSE",
                "GARCIA | HERNANDEZ JOSE",
            ],
            &[],
        );
        check(
            "GARCIA HERNANDEZ JOSE LUIS",
            FamilyFirst,
            &[
                "JOSE LUIS | GARCIA HERNANDEZ",
                "HERNANDEZ JOSE LUIS | GARCIA",
                "GARCIA HERNANDEZ JOSE | LUIS",
                "GARCIA HERNANDEZ | JOSE LUIS",
            ],
            &[],
        );
        // Police records often write the family name, then initials.
        check("SMITH J R", FamilyFirst, &["J R | SMITH"], &[]);
        // Both ends are given names: the usual given-first order wins.
        check(
            "Thomas Jefferson William",
            GivenFirst,
            &[
                "THOMAS JEFFERSON | WILLIAM",
                "THOMAS | JEFFERSON WILLIAM",
                "JEFFERSON WILLIAM | THOMAS",
                "WILLIAM | THOMAS JEFFERSON",
            ],
            &[],
        );
    }

    #[test]
    fn single_units_and_suffix_only_names() {
        use NameLayout::Single;
        check("CHAPO", Single, &[" | CHAPO", "CHAPO | "], &[]);
        check(
            "Garcia-Hernandez",
            Single,
            &[" | GARCIA HERNANDEZ", "GARCIA HERNANDEZ | "],
            &[],
        );
        check("GARCIA,", Single, &[" | GARCIA", "GARCIA | "], &[]);
        // A suffix alone is kept as the name rather than leaving nothing.
        check("JR", Single, &[" | JR", "JR | "], &[]);
        assert_eq!(PersonName::parse(" ,.- "), None);
    }

    #[test]
    fn surname_parts_and_initials() {
        let cases = [
            ("GARCIA HERNANDEZ, JOSE LUIS", "GARCIA HERNANDEZ", "JL"),
            ("Maria de la Cruz", "CRUZ", "M"),
            ("Jose Garcia y Hernandez", "GARCIA HERNANDEZ", "J"),
            ("Ｊｏｓé Muñoz", "MUNOZ", "J"),
            ("Sean O'Brien", "OBRIEN", "S"),
            ("D'Angelo, Luis", "DANGELO", "L"),
        ];
        for (raw, surnames, initials) in cases {
            let name = PersonName::parse(raw).expect("parses");
            assert_eq!(
                name.surname_parts().collect::<Vec<_>>().join(" "),
                surnames,
                "surnames of {raw:?}"
            );
            assert_eq!(name.initials(), initials, "initials of {raw:?}");
        }
    }
}
