//! Comparison vectors of two prepared person records: for each field, which agreement
//! level the pair shows (the γ vector of Fellegi & Sunter 1969).
//!
//! Levels are ordered strongest first and end with `Missing` (a side has no value),
//! which carries no evidence either way. A field with several values on a side takes
//! the strongest level over all value pairs. The scorer (`fellegi_sunter`) turns each
//! level into a weight; this module only says what agrees, and why, in a detail line.
//!
//! Name levels, checked over every reading of every name on each side:
//!
//! - `Exact`: the same tokens (`GARCIA, JOSE` = `JOSE GARCIA`);
//! - `Equivalent`: a surname equal and the first given names equal or in one nickname
//!   group (`BILL SMITH` / `SMITH, WILLIAM`), in any reading;
//! - `Phonetic`: surnames and first given names agree by Double Metaphone (or nickname
//!   group), and the mean Jaro–Winkler of the two is at least [`PHONETIC_SIMILARITY`];
//! - `Similar`: Jaro–Winkler of the first given names and of the surnames both at least
//!   [`SIMILAR_SIMILARITY`];
//! - `Disagree`.

use crate::Text;
use crate::date::{DateAgreement, date_agreement};
use crate::person::{PreparedAddress, PreparedPerson, PreparedReading};
use crate::phonetic::PhoneticAgreement;

/// Mean Jaro–Winkler of given name and surname needed, with phonetic agreement, for
/// [`NameLevel::Phonetic`].
pub const PHONETIC_SIMILARITY: f64 = 0.92;
/// Jaro–Winkler each of given name and surname needs for [`NameLevel::Similar`].
pub const SIMILAR_SIMILARITY: f64 = 0.85;

/// The fields a person comparison covers, in the order of [`ComparisonVector::fields`].
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum Field {
    Name,
    BirthDate,
    Phone,
    IdNumber,
    Email,
    Address,
}

impl Field {
    pub const ALL: [Field; 6] = [
        Field::Name,
        Field::BirthDate,
        Field::Phone,
        Field::IdNumber,
        Field::Email,
        Field::Address,
    ];

    /// Names of this field's levels, strongest first, `missing` last.
    pub fn level_names(self) -> &'static [&'static str] {
        match self {
            Field::Name => &[
                "exact",
                "equivalent",
                "phonetic",
                "similar",
                "disagree",
                "missing",
            ],
            Field::BirthDate => &[
                "exact",
                "transposed",
                "one_digit_off",
                "same_year_month",
                "same_year",
                "conflict",
                "missing",
            ],
            Field::Phone | Field::IdNumber | Field::Email => {
                &["exact", "typo", "disagree", "missing"]
            }
            Field::Address => &[
                "exact",
                "same_street_number",
                "similar",
                "same_area",
                "disagree",
                "missing",
            ],
        }
    }

    /// How many levels the field has, `missing` included.
    pub fn level_count(self) -> usize {
        self.level_names().len()
    }

    /// The index of the `missing` level (always the last).
    pub fn missing_level(self) -> usize {
        self.level_count() - 1
    }

    pub fn name(self) -> &'static str {
        match self {
            Field::Name => "name",
            Field::BirthDate => "birth_date",
            Field::Phone => "phone",
            Field::IdNumber => "id_number",
            Field::Email => "email",
            Field::Address => "address",
        }
    }
}

/// Name agreement levels, strongest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum NameLevel {
    Exact,
    Equivalent,
    Phonetic,
    Similar,
    Disagree,
    Missing,
}

/// Agreement of exact-match fields (phone, identifier, e-mail).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum IdentifierLevel {
    Exact,
    /// One character apart (see [`one_edit_apart`]): a keying error more often than
    /// another number; the model learns how much that is worth.
    Typo,
    Disagree,
    Missing,
}

/// Address agreement levels, strongest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum AddressLevel {
    /// The standardised lines are equal.
    Exact,
    /// House number and street agree; unit, city or ZIP differ or are missing.
    SameStreetNumber,
    /// House numbers equal or one edit apart and street names alike (Jaro–Winkler at
    /// least [`SIMILAR_STREET`]): a misspelt street or mistyped number.
    Similar,
    /// Only the ZIP code, or city and state, agree.
    SameArea,
    Disagree,
    Missing,
}

/// One field's level for a pair, with a human-readable reason.
#[derive(Debug, Clone, PartialEq)]
pub struct FieldComparison {
    pub field: Field,
    /// Index into [`Field::level_names`].
    pub level: usize,
    pub detail: String,
}

impl FieldComparison {
    pub fn level_name(&self) -> &'static str {
        self.field.level_names()[self.level]
    }

    pub fn is_missing(&self) -> bool {
        self.level == self.field.missing_level()
    }
}

/// The comparison vector of one pair.
#[derive(Debug, Clone, PartialEq)]
pub struct ComparisonVector {
    /// One entry per [`Field::ALL`], in that order.
    pub fields: Vec<FieldComparison>,
    /// Both sides have identifier numbers and none is shared or one edit away: strong
    /// counter-evidence. The numbers carry no type, so a passport number against a
    /// licence number also counts; the review queue should show it rather than treat
    /// it as proof.
    pub conflicting_id_numbers: bool,
    /// The surname that agreed when the name level is `Exact` or `Equivalent`: what
    /// the term-frequency adjustment looks up.
    pub agreeing_surname: Option<String>,
    /// The (left) given name when the name level is `Exact` or `Equivalent`.
    pub agreeing_given: Option<String>,
}

impl ComparisonVector {
    pub fn get(&self, field: Field) -> &FieldComparison {
        &self.fields[field as usize]
    }
}

/// The levels of one pair without their reasons: what blocking-scale scoring needs.
/// [`compare`] gives the same levels with a detail line each.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Levels<'a> {
    /// One level per [`Field::ALL`], in that order.
    pub levels: [u8; Field::ALL.len()],
    pub conflicting_id_numbers: bool,
    pub agreeing_surname: Option<&'a str>,
    pub agreeing_given: Option<&'a str>,
}

/// Compares two prepared records field by field, with a reason per field.
pub fn compare(left: &PreparedPerson, right: &PreparedPerson) -> ComparisonVector {
    let mut details: [String; Field::ALL.len()] = Default::default();
    let levels = compare_into(left, right, Some(&mut details));
    ComparisonVector {
        fields: Field::ALL
            .iter()
            .zip(details)
            .map(|(field, detail)| FieldComparison {
                field: *field,
                level: usize::from(levels.levels[*field as usize]),
                detail,
            })
            .collect(),
        conflicting_id_numbers: levels.conflicting_id_numbers,
        agreeing_surname: levels.agreeing_surname.map(str::to_string),
        agreeing_given: levels.agreeing_given.map(str::to_string),
    }
}

/// The levels [`compare`] finds, without building reasons (several times faster).
pub fn compare_levels<'a>(left: &'a PreparedPerson, right: &'a PreparedPerson) -> Levels<'a> {
    compare_into(left, right, None)
}

/// Where reasons go when they are wanted: one line per field.
type Details<'d> = Option<&'d mut [String; Field::ALL.len()]>;

fn compare_into<'a>(
    left: &'a PreparedPerson,
    right: &'a PreparedPerson,
    details: Details<'_>,
) -> Levels<'a> {
    // In `Field::ALL` order.
    let [
        name_detail,
        date_detail,
        phone_detail,
        id_detail,
        email_detail,
        address_detail,
    ] = match details {
        Some(all) => all.each_mut().map(Some),
        None => [(); Field::ALL.len()].map(|()| None),
    };
    let (name, agreeing_surname, agreeing_given) = compare_names(left, right, name_detail);
    let birth_date = compare_birth_dates(left, right, date_detail);
    let phone = compare_identifiers(Field::Phone, &left.phones, &right.phones, phone_detail);
    let id_number = if schemes_comparable(&left.id_scheme, &right.id_scheme) {
        compare_identifiers(
            Field::IdNumber,
            &left.id_numbers,
            &right.id_numbers,
            id_detail,
        )
    } else {
        compare_across_schemes(left, right, id_detail)
    };
    let email = compare_identifiers(Field::Email, &left.emails, &right.emails, email_detail);
    let address = compare_addresses(left, right, address_detail);
    Levels {
        levels: [
            name as u8,
            birth_date,
            phone as u8,
            id_number as u8,
            email as u8,
            address as u8,
        ],
        conflicting_id_numbers: id_number == IdentifierLevel::Disagree,
        agreeing_surname,
        agreeing_given,
    }
}

/// Writes a reason when reasons are wanted; the closure runs only then.
fn explain(detail: &mut Option<&mut String>, reason: impl FnOnce() -> String) {
    if let Some(detail) = detail {
        **detail = reason();
    }
}

/// The level, agreeing surname, name indices and reading indices of the best reading
/// pair.
type BestReading<'a> = (NameLevel, Option<&'a str>, usize, usize, usize, usize);

fn compare_names<'a>(
    left: &'a PreparedPerson,
    right: &'a PreparedPerson,
    mut detail: Option<&mut String>,
) -> (NameLevel, Option<&'a str>, Option<&'a str>) {
    if left.names.is_empty() || right.names.is_empty() {
        explain(&mut detail, || "no name".into());
        return (NameLevel::Missing, None, None);
    }
    // The best level so far, its surname, and which names and readings gave it.
    let mut best: Option<BestReading<'a>> = None;
    for (left_index, left_name) in left.names.iter().enumerate() {
        for (right_index, right_name) in right.names.iter().enumerate() {
            if left_name.sorted_tokens == right_name.sorted_tokens {
                let surname = left_name
                    .readings
                    .first()
                    .and_then(|reading| reading.surnames.first())
                    .map(Text::as_str);
                let given = left_name
                    .readings
                    .first()
                    .and_then(|reading| reading.first_given.as_deref());
                explain(&mut detail, || {
                    format!("{:?} / {:?}: same tokens", left_name.raw, right_name.raw)
                });
                return (NameLevel::Exact, surname, given);
            }
            for (left_reading_index, left_reading) in left_name.readings.iter().enumerate() {
                for (right_reading_index, right_reading) in right_name.readings.iter().enumerate() {
                    let (level, surname) = reading_level(left_reading, right_reading);
                    if best
                        .as_ref()
                        .is_none_or(|(best_level, ..)| level < *best_level)
                    {
                        best = Some((
                            level,
                            surname,
                            left_index,
                            right_index,
                            left_reading_index,
                            right_reading_index,
                        ));
                    }
                }
            }
        }
    }
    let Some((level, surname, left_index, right_index, left_reading, right_reading)) = best else {
        explain(&mut detail, || "no comparable readings".into());
        return (NameLevel::Disagree, None, None);
    };
    let given = (level <= NameLevel::Equivalent)
        .then(|| {
            left.names[left_index].readings[left_reading]
                .first_given
                .as_deref()
        })
        .flatten();
    explain(&mut detail, || {
        let (left_name, right_name) = (&left.names[left_index], &right.names[right_index]);
        format!(
            "{:?} / {:?}: {}",
            left_name.raw,
            right_name.raw,
            reading_reason(
                &left_name.readings[left_reading],
                &right_name.readings[right_reading],
                level
            )
        )
    });
    (level, surname, given)
}

/// What two readings share, measured once for the level and again for its reason.
struct ReadingAgreement<'a> {
    given: Option<(&'a str, &'a str)>,
    given_equivalent: bool,
    given_similarity: f64,
    given_phonetic: bool,
    exact_surname: Option<&'a str>,
    surname_similarity: f64,
    surname_phonetic: bool,
    shown_surnames: (&'a str, &'a str),
}

fn reading_agreement<'a>(
    left: &'a PreparedReading,
    right: &'a PreparedReading,
) -> Option<ReadingAgreement<'a>> {
    let (Some(left_given), Some(right_given)) = (&left.first_given, &right.first_given) else {
        return None;
    };
    if left.surnames.is_empty() || right.surnames.is_empty() {
        return None;
    }
    // The prepared groups hold the name itself when it has none, so sharing a group
    // is `given_names_equivalent` without its table lookups.
    let given_equivalent = left_given == right_given
        || left
            .given_groups
            .iter()
            .any(|group| right.given_groups.contains(group));
    let given_similarity = if given_equivalent {
        1.0
    } else {
        crate::similarity::jaro_winkler(left_given, right_given)
    };
    let given_phonetic = given_equivalent
        || matches!((&left.given_key, &right.given_key), (Some(l), Some(r))
            if l.agreement(r) != PhoneticAgreement::None);
    let mut agreement = ReadingAgreement {
        given: Some((left_given, right_given)),
        given_equivalent,
        given_similarity,
        given_phonetic,
        exact_surname: None,
        surname_similarity: 0.0,
        surname_phonetic: false,
        shown_surnames: ("", ""),
    };
    for (left_surname, left_key) in left.surnames.iter().zip(&left.surname_keys) {
        for (right_surname, right_key) in right.surnames.iter().zip(&right.surname_keys) {
            if left_surname == right_surname && agreement.exact_surname.is_none() {
                agreement.exact_surname = Some(left_surname);
            }
            let similarity = if left_surname == right_surname {
                1.0
            } else {
                crate::similarity::jaro_winkler(left_surname, right_surname)
            };
            if similarity > agreement.surname_similarity {
                agreement.surname_similarity = similarity;
                agreement.shown_surnames = (left_surname, right_surname);
            }
            agreement.surname_phonetic |= left_key.agreement(right_key) != PhoneticAgreement::None;
        }
    }
    Some(agreement)
}

fn reading_level<'a>(
    left: &'a PreparedReading,
    right: &'a PreparedReading,
) -> (NameLevel, Option<&'a str>) {
    let Some(agreement) = reading_agreement(left, right) else {
        return (NameLevel::Disagree, None);
    };
    if agreement.exact_surname.is_some() && agreement.given_equivalent {
        return (NameLevel::Equivalent, agreement.exact_surname);
    }
    let surname_agrees_by_sound = agreement.exact_surname.is_some() || agreement.surname_phonetic;
    let mean_similarity = (agreement.given_similarity + agreement.surname_similarity) / 2.0;
    if agreement.given_phonetic && surname_agrees_by_sound && mean_similarity >= PHONETIC_SIMILARITY
    {
        return (NameLevel::Phonetic, None);
    }
    if agreement.given_similarity >= SIMILAR_SIMILARITY
        && agreement.surname_similarity >= SIMILAR_SIMILARITY
    {
        return (NameLevel::Similar, None);
    }
    (NameLevel::Disagree, None)
}

fn reading_reason(left: &PreparedReading, right: &PreparedReading, level: NameLevel) -> String {
    let Some(agreement) = reading_agreement(left, right) else {
        return if left.first_given.is_none() || right.first_given.is_none() {
            "a reading without given name".into()
        } else {
            "a reading without surname".into()
        };
    };
    let (left_given, right_given) = agreement.given.unwrap_or(("", ""));
    let given_shown = format!("{left_given}~{right_given}");
    if level == NameLevel::Equivalent {
        let surname = agreement.exact_surname.unwrap_or("");
        return if left_given == right_given {
            format!("same given name {left_given} and surname {surname} in some reading")
        } else {
            format!("given names {given_shown} share a nickname group, surname {surname}")
        };
    }
    let (left_surname, right_surname) = agreement.shown_surnames;
    let similarities = format!(
        "given {given_shown} jw {:.2}, surname {left_surname}~{right_surname} jw {:.2}",
        agreement.given_similarity, agreement.surname_similarity
    );
    match level {
        NameLevel::Phonetic => format!("sound alike: {similarities}"),
        NameLevel::Similar => format!("similar: {similarities}"),
        _ => format!("different: {similarities}"),
    }
}

fn compare_birth_dates(
    left: &PreparedPerson,
    right: &PreparedPerson,
    mut detail: Option<&mut String>,
) -> u8 {
    let mut best: Option<(DateAgreement, usize, usize)> = None;
    for (left_index, left_date) in left.birth_dates.iter().enumerate() {
        for (right_index, right_date) in right.birth_dates.iter().enumerate() {
            let agreement = date_agreement(Some(*left_date), Some(*right_date));
            if best.is_none_or(|(best_agreement, ..)| agreement < best_agreement) {
                best = Some((agreement, left_index, right_index));
            }
        }
    }
    let Some((agreement, left_index, right_index)) = best else {
        explain(&mut detail, || "no birth date".into());
        return 6;
    };
    explain(&mut detail, || {
        format!(
            "{} / {}",
            left.birth_dates[left_index].canonical(),
            right.birth_dates[right_index].canonical()
        )
    });
    match agreement {
        DateAgreement::Exact => 0,
        DateAgreement::Transposed => 1,
        DateAgreement::OneDigitOff => 2,
        DateAgreement::SameYearMonth => 3,
        DateAgreement::SameYear => 4,
        DateAgreement::Conflict => 5,
        DateAgreement::Missing => 6,
    }
}

/// Shortest value length for [`IdentifierLevel::Typo`]: one edit in a shorter number
/// turns too many different numbers into near misses.
pub const TYPO_MIN_LENGTH: usize = 5;

/// True when the two values differ by one inserted, deleted or replaced character, or
/// by two neighbouring characters swapped (optimal string alignment distance 1).
pub fn one_edit_apart(left: &str, right: &str) -> bool {
    one_edit_apart_from(left, right, TYPO_MIN_LENGTH)
}

fn one_edit_apart_from(left: &str, right: &str, min_length: usize) -> bool {
    let (left, right) = (left.as_bytes(), right.as_bytes());
    if left.len().min(right.len()) < min_length || left.len().abs_diff(right.len()) > 1 {
        return false;
    }
    let prefix = left.iter().zip(right).take_while(|(l, r)| l == r).count();
    let (left_rest, right_rest) = (&left[prefix..], &right[prefix..]);
    match left_rest.len().cmp(&right_rest.len()) {
        std::cmp::Ordering::Equal => {
            left_rest.len() <= 1
                || left_rest[1..] == right_rest[1..]
                || (left_rest.len() >= 2
                    && left_rest[0] == right_rest[1]
                    && left_rest[1] == right_rest[0]
                    && left_rest[2..] == right_rest[2..])
        }
        std::cmp::Ordering::Less => left_rest == &right_rest[1..],
        std::cmp::Ordering::Greater => &left_rest[1..] == right_rest,
    }
}

fn compare_identifiers(
    field: Field,
    left: &[Text],
    right: &[Text],
    mut detail: Option<&mut String>,
) -> IdentifierLevel {
    if left.is_empty() || right.is_empty() {
        explain(&mut detail, || format!("no {}", field.name()));
        return IdentifierLevel::Missing;
    }
    if let Some(shared) = left.iter().find(|value| right.contains(value)) {
        explain(&mut detail, || format!("shared {shared}"));
        return IdentifierLevel::Exact;
    }
    for left_value in left {
        if let Some(right_value) = right.iter().find(|value| one_edit_apart(left_value, value)) {
            explain(&mut detail, || {
                format!("{left_value} / {right_value}: one character apart")
            });
            return IdentifierLevel::Typo;
        }
    }
    explain(&mut detail, || {
        format!("{} / {}", left.join(" "), right.join(" "))
    });
    IdentifierLevel::Disagree
}

/// Whether identifier numbers of two schemes can disagree: the same scheme, or one
/// side's unknown.
pub fn schemes_comparable(left: &Option<Text>, right: &Option<Text>) -> bool {
    match (left, right) {
        (Some(left), Some(right)) => left == right,
        _ => true,
    }
}

/// Numbers of different schemes: equal numbers agree (the same document reported
/// twice); anything else says nothing.
fn compare_across_schemes(
    left: &PreparedPerson,
    right: &PreparedPerson,
    mut detail: Option<&mut String>,
) -> IdentifierLevel {
    if let Some(shared) = left
        .id_numbers
        .iter()
        .find(|value| right.id_numbers.contains(value))
    {
        explain(&mut detail, || format!("shared {shared}"));
        return IdentifierLevel::Exact;
    }
    explain(&mut detail, || {
        format!(
            "numbers of different schemes ({} / {}) are not compared",
            left.id_scheme.as_deref().unwrap_or("-"),
            right.id_scheme.as_deref().unwrap_or("-")
        )
    });
    IdentifierLevel::Missing
}

/// Jaro–Winkler the street names need, with house numbers equal or one edit apart, for
/// [`AddressLevel::Similar`].
pub const SIMILAR_STREET: f64 = 0.9;

fn address_level(left: &PreparedAddress, right: &PreparedAddress) -> AddressLevel {
    if left.standard_line == right.standard_line {
        return AddressLevel::Exact;
    }
    let (l, r) = (&left.address, &right.address);
    if let (Some(left_number), Some(right_number), Some(left_street), Some(right_street)) =
        (&l.number, &r.number, &l.street, &r.street)
    {
        if left_number == right_number && left_street == right_street {
            return AddressLevel::SameStreetNumber;
        }
        let numbers_close =
            left_number == right_number || one_edit_apart_short(left_number, right_number);
        if numbers_close
            && crate::similarity::jaro_winkler(left_street, right_street) >= SIMILAR_STREET
        {
            return AddressLevel::Similar;
        }
    }
    let same = |a: &Option<Text>, b: &Option<Text>| a.is_some() && a == b;
    if same(&l.postal_code, &r.postal_code) || (same(&l.city, &r.city) && same(&l.state, &r.state))
    {
        return AddressLevel::SameArea;
    }
    AddressLevel::Disagree
}

/// [`one_edit_apart`] without the length floor, for house numbers.
fn one_edit_apart_short(left: &str, right: &str) -> bool {
    one_edit_apart_from(left, right, 1)
}

fn compare_addresses(
    left: &PreparedPerson,
    right: &PreparedPerson,
    mut detail: Option<&mut String>,
) -> AddressLevel {
    let mut best: Option<(AddressLevel, usize, usize)> = None;
    for (left_index, left_address) in left.addresses.iter().enumerate() {
        for (right_index, right_address) in right.addresses.iter().enumerate() {
            let level = address_level(left_address, right_address);
            if best.is_none_or(|(best_level, ..)| level < best_level) {
                best = Some((level, left_index, right_index));
            }
        }
    }
    let Some((level, left_index, right_index)) = best else {
        explain(&mut detail, || "no address".into());
        return AddressLevel::Missing;
    };
    explain(&mut detail, || {
        format!(
            "{:?} / {:?}",
            left.addresses[left_index].standard_line, right.addresses[right_index].standard_line
        )
    });
    level
}

#[cfg(test)]
pub(crate) mod tests {
    use super::{Field, compare};
    use crate::person::{PersonRecord, PreparedPerson};

    /// A compact record: `name; birth date; phone; id number; address; email`, each
    /// part possibly empty, several values split by `|`.
    pub(crate) fn record(id: &str, text: &str) -> PersonRecord {
        let parts: Vec<Vec<String>> = text
            .split(';')
            .map(|part| {
                part.split('|')
                    .map(str::trim)
                    .filter(|value| !value.is_empty())
                    .map(String::from)
                    .collect()
            })
            .collect();
        let part = |index: usize| parts.get(index).cloned().unwrap_or_default();
        PersonRecord {
            id: id.into(),
            names: part(0),
            birth_dates: part(1),
            phones: part(2),
            id_numbers: part(3),
            addresses: part(4),
            emails: part(5),
            id_scheme: None,
        }
    }

    /// `(left, right, field, expected level name)`.
    fn check(cases: &[(&str, &str, Field, &str)]) {
        for (left, right, field, expected) in cases {
            let left_person = PreparedPerson::prepare(&record("l", left));
            let right_person = PreparedPerson::prepare(&record("r", right));
            for (a, b, direction) in [
                (&left_person, &right_person, "forward"),
                (&right_person, &left_person, "reverse"),
            ] {
                let vector = compare(a, b);
                let comparison = vector.get(*field);
                assert_eq!(comparison.field, *field);
                assert_eq!(
                    comparison.level_name(),
                    *expected,
                    "{field:?} of {left:?} vs {right:?} ({direction}): {}",
                    comparison.detail
                );
            }
        }
    }

    #[test]
    fn name_levels_under_typical_noise() {
        use Field::Name;
        check(&[
            ("William Smith", "William Smith", Name, "exact"),
            ("Smith, William", "WILLIAM SMITH", Name, "exact"),
            ("Bill Smith", "Smith, William", Name, "equivalent"),
            ("Pepe Garcia Hernandez", "GARCIA, JOSE", Name, "equivalent"),
            // Swapped order without a comma: another reading matches.
            ("Smith Bill", "William Smith", Name, "equivalent"),
            ("Martha Hernandez", "Marhta Hernandes", Name, "phonetic"),
            ("Catherine Smith", "Katherine Smyth", Name, "phonetic"),
            ("Jonathan Johnson", "Jonathon Johnsen", Name, "phonetic"),
            ("Roberto Gonzalez", "Robert Gonzales", Name, "phonetic"),
            ("Maria Lopez", "Mario Lopes", Name, "phonetic"),
            ("Jonathan Johnson", "Jonathon Johnston", Name, "similar"),
            ("William Smith", "Robert Jones", Name, "disagree"),
            ("William Smith", "", Name, "missing"),
        ]);
    }

    #[test]
    fn other_field_levels() {
        use Field::{Address, BirthDate, Email, IdNumber, Phone};
        check(&[
            ("a; 1985-03-11", "a; 1985-11-03", BirthDate, "transposed"),
            ("a; 1985-03-14", "a; 1985-03-14", BirthDate, "exact"),
            ("a; 1985-03-14", "a; 1985-03-15", BirthDate, "one_digit_off"),
            ("a; 1985-03-14", "a; 1962-07-01", BirthDate, "conflict"),
            ("a; 1985-03-14", "a;", BirthDate, "missing"),
            // Phones arrive canonical (E.164) whatever format the agency used.
            (
                "a;; +16195550101",
                "a;; +16195550101|+16195550199",
                Phone,
                "exact",
            ),
            ("a;; +16195550101", "a;; +16195550102", Phone, "typo"),
            ("a;; +16195550101", "a;; +13105559876", Phone, "disagree"),
            ("a;; ; D1234567", "a;; ; D1243567", IdNumber, "typo"),
            ("a;; ; 1234", "a;; ; 1243", IdNumber, "disagree"),
            ("a;; ; D1234567", "a;; ; D1234567", IdNumber, "exact"),
            ("a;; ; D1234567", "a;; ; D7654321", IdNumber, "disagree"),
            ("a;; ; ; ; x@y.org", "a;; ; ; ; X@Y.ORG", Email, "exact"),
            (
                "a;; ; ; 17253 Western Blvd Apt 4, El Cajon CA 92020",
                "a;; ; ; 17253 WESTERN BOULEVARD #4, EL CAJON, CALIFORNIA 92020-1120",
                Address,
                "exact",
            ),
            (
                "a;; ; ; 17253 Western Blvd, El Cajon CA 92020",
                "a;; ; ; 17253 Western Boulevard Apt 9, Santee CA 92071",
                Address,
                "same_street_number",
            ),
            (
                "a;; ; ; 17253 Western Blvd, El Cajon CA 92020",
                "a;; ; ; 17235 Westren Blvd, El Cajon CA 92020",
                Address,
                "similar",
            ),
            (
                "a;; ; ; 17253 Western Blvd, El Cajon CA 92020",
                "a;; ; ; 5 Main St, El Cajon CA 92020",
                Address,
                "same_area",
            ),
            (
                "a;; ; ; 17253 Western Blvd, El Cajon CA 92020",
                "a;; ; ; 5 Main St, Santee CA 92071",
                Address,
                "disagree",
            ),
        ]);
    }

    #[test]
    fn numbers_of_different_schemes_agree_when_equal_and_never_conflict() {
        let person = |id: &str, number: &str, scheme: &str| {
            let mut record = record(id, &format!("Ana Lopez; 1970-01-02; ; {number}"));
            record.id_scheme = Some(scheme.to_string());
            PreparedPerson::prepare(&record)
        };
        let booking = person("a", "40017", "sheriff/bookings");
        let state_record = person("b", "A1234567", "ca_doj/arrests");
        let vector = compare(&booking, &state_record);
        assert_eq!(vector.get(Field::IdNumber).level_name(), "missing");
        assert!(!vector.conflicting_id_numbers);
        let same_number = person("c", "40017", "ca_doj/arrests");
        assert_eq!(
            compare(&booking, &same_number)
                .get(Field::IdNumber)
                .level_name(),
            "exact"
        );
        let other_booking = person("d", "51234", "sheriff/bookings");
        let vector = compare(&booking, &other_booking);
        assert_eq!(vector.get(Field::IdNumber).level_name(), "disagree");
        assert!(vector.conflicting_id_numbers);
    }

    #[test]
    fn conflicting_id_numbers_are_flagged() {
        let cases = [
            ("a;; ; D1234567", "a;; ; D7654321", true),
            ("a;; ; D1234567", "a;; ; D1234567|X1", false),
            ("a;; ; D1234567", "a;; ; D1234568", false),
            ("a;; ; D1234567", "a;;", false),
        ];
        for (left, right, expected) in cases {
            let vector = compare(
                &PreparedPerson::prepare(&record("l", left)),
                &PreparedPerson::prepare(&record("r", right)),
            );
            assert_eq!(vector.conflicting_id_numbers, expected, "{left} vs {right}");
        }
    }
}
