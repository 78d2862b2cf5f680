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

use crate::date::{DateAgreement, date_agreement};
use crate::nicknames::given_names_equivalent;
use crate::person::{PreparedPerson, PreparedReading};
use crate::phonetic::PhoneticAgreement;

/// Mean Jaro–Winkler of given name and surname needed, with phonetic agreement, for
/// [`NameLevel::Phonetic`].
pub const PHONETIC_SIMILARITY: f64 = 0.92;
/// Jaro–Winkler each of given name and surname needs for [`NameLevel::Similar`].
pub const SIMILAR_SIMILARITY: f64 = 0.85;

/// The fields a person comparison covers, in the order of [`ComparisonVector::fields`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
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
            Field::Phone | Field::IdNumber | Field::Email => &["exact", "disagree", "missing"],
            Field::Address => &["exact", "same_street_number", "disagree", "missing"],
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
    /// Both sides have identifier numbers and none is shared: strong counter-evidence.
    /// The numbers carry no type, so a passport number against a licence number also
    /// counts; the review queue should show it rather than treat it as proof.
    pub conflicting_id_numbers: bool,
    /// The surname that agreed when the name level is `Exact` or `Equivalent`: what
    /// the term-frequency adjustment looks up.
    pub agreeing_surname: Option<String>,
}

impl ComparisonVector {
    pub fn get(&self, field: Field) -> &FieldComparison {
        &self.fields[field as usize]
    }
}

/// Compares two prepared people field by field.
pub fn compare(left: &PreparedPerson, right: &PreparedPerson) -> ComparisonVector {
    let (name, agreeing_surname) = compare_names(left, right);
    let birth_date = compare_birth_dates(left, right);
    let phone = compare_identifiers(Field::Phone, &left.phones, &right.phones);
    let id_number = compare_identifiers(Field::IdNumber, &left.id_numbers, &right.id_numbers);
    let email = compare_identifiers(Field::Email, &left.emails, &right.emails);
    let address = compare_addresses(left, right);
    let conflicting_id_numbers = id_number.level == IdentifierLevel::Disagree as usize;
    ComparisonVector {
        fields: vec![name, birth_date, phone, id_number, email, address],
        conflicting_id_numbers,
        agreeing_surname,
    }
}

/// The best name level over all name and reading pairs, and the agreeing surname.
fn compare_names(
    left: &PreparedPerson,
    right: &PreparedPerson,
) -> (FieldComparison, Option<String>) {
    let comparison = |level: NameLevel, detail: String| FieldComparison {
        field: Field::Name,
        level: level as usize,
        detail,
    };
    if left.names.is_empty() || right.names.is_empty() {
        return (comparison(NameLevel::Missing, "no name".into()), None);
    }
    let mut best: Option<(NameLevel, String, Option<String>)> = None;
    for left_name in &left.names {
        for right_name in &right.names {
            let shown = format!("{:?} / {:?}", left_name.raw, right_name.raw);
            if left_name.sorted_tokens == right_name.sorted_tokens {
                let surname = left_name
                    .readings
                    .first()
                    .and_then(|reading| reading.surnames.first().cloned());
                return (
                    comparison(NameLevel::Exact, format!("{shown}: same tokens")),
                    surname,
                );
            }
            for left_reading in &left_name.readings {
                for right_reading in &right_name.readings {
                    let (level, reason, surname) = compare_readings(left_reading, right_reading);
                    if best
                        .as_ref()
                        .is_none_or(|(best_level, ..)| level < *best_level)
                    {
                        best = Some((level, format!("{shown}: {reason}"), surname));
                    }
                }
            }
        }
    }
    let (level, detail, surname) =
        best.unwrap_or((NameLevel::Disagree, "no comparable readings".into(), None));
    (comparison(level, detail), surname)
}

fn compare_readings(
    left: &PreparedReading,
    right: &PreparedReading,
) -> (NameLevel, String, Option<String>) {
    let (Some(left_given), Some(right_given)) = (&left.first_given, &right.first_given) else {
        return (
            NameLevel::Disagree,
            "a reading without given name".into(),
            None,
        );
    };
    if left.surnames.is_empty() || right.surnames.is_empty() {
        return (
            NameLevel::Disagree,
            "a reading without surname".into(),
            None,
        );
    }
    let given_equivalent = given_names_equivalent(left_given, right_given);
    let given_similarity = if given_equivalent {
        1.0
    } else {
        strsim::jaro_winkler(left_given, right_given)
    };
    let given_phonetic = given_equivalent
        || matches!((&left.given_key, &right.given_key), (Some(l), Some(r))
            if l.agreement(r) != PhoneticAgreement::None);

    // The best surname pair: an exact one first, then the most similar.
    let mut exact_surname = None;
    let mut surname_similarity: f64 = 0.0;
    let mut surname_phonetic = false;
    let mut shown_surnames = (String::new(), String::new());
    for (left_surname, left_key) in left.surnames.iter().zip(&left.surname_keys) {
        for (right_surname, right_key) in right.surnames.iter().zip(&right.surname_keys) {
            if left_surname == right_surname && exact_surname.is_none() {
                exact_surname = Some(left_surname.clone());
            }
            let similarity = strsim::jaro_winkler(left_surname, right_surname);
            if similarity > surname_similarity {
                surname_similarity = similarity;
                shown_surnames = (left_surname.clone(), right_surname.clone());
            }
            surname_phonetic |= left_key.agreement(right_key) != PhoneticAgreement::None;
        }
    }
    let given_shown = format!("{left_given}~{right_given}");
    if let (Some(surname), true) = (&exact_surname, given_equivalent) {
        let reason = if left_given == right_given {
            format!("same given name {left_given} and surname {surname} in some reading")
        } else {
            format!("given names {given_shown} share a nickname group, surname {surname}")
        };
        return (NameLevel::Equivalent, reason, exact_surname);
    }
    let surname_agrees_by_sound = exact_surname.is_some() || surname_phonetic;
    let mean_similarity = (given_similarity + surname_similarity) / 2.0;
    let (left_surname, right_surname) = &shown_surnames;
    let similarities = format!(
        "given {given_shown} jw {given_similarity:.2}, surname {left_surname}~{right_surname} jw {surname_similarity:.2}"
    );
    if given_phonetic && surname_agrees_by_sound && mean_similarity >= PHONETIC_SIMILARITY {
        return (
            NameLevel::Phonetic,
            format!("sound alike: {similarities}"),
            None,
        );
    }
    if given_similarity >= SIMILAR_SIMILARITY && surname_similarity >= SIMILAR_SIMILARITY {
        return (NameLevel::Similar, format!("similar: {similarities}"), None);
    }
    (
        NameLevel::Disagree,
        format!("different: {similarities}"),
        None,
    )
}

fn compare_birth_dates(left: &PreparedPerson, right: &PreparedPerson) -> FieldComparison {
    let mut best = (DateAgreement::Missing, String::from("no birth date"));
    for left_date in &left.birth_dates {
        for right_date in &right.birth_dates {
            let agreement = date_agreement(Some(*left_date), Some(*right_date));
            if best.0 == DateAgreement::Missing || agreement < best.0 {
                let detail = format!("{} / {}", left_date.canonical(), right_date.canonical());
                best = (agreement, detail);
            }
        }
    }
    let level = match best.0 {
        DateAgreement::Exact => 0,
        DateAgreement::Transposed => 1,
        DateAgreement::OneDigitOff => 2,
        DateAgreement::SameYearMonth => 3,
        DateAgreement::SameYear => 4,
        DateAgreement::Conflict => 5,
        DateAgreement::Missing => 6,
    };
    FieldComparison {
        field: Field::BirthDate,
        level,
        detail: best.1,
    }
}

fn compare_identifiers(field: Field, left: &[String], right: &[String]) -> FieldComparison {
    let (level, detail) = if left.is_empty() || right.is_empty() {
        (IdentifierLevel::Missing, format!("no {}", field.name()))
    } else if let Some(shared) = left.iter().find(|value| right.contains(value)) {
        (IdentifierLevel::Exact, format!("shared {shared}"))
    } else {
        (
            IdentifierLevel::Disagree,
            format!("{} / {}", left.join(" "), right.join(" ")),
        )
    };
    FieldComparison {
        field,
        level: level as usize,
        detail,
    }
}

fn compare_addresses(left: &PreparedPerson, right: &PreparedPerson) -> FieldComparison {
    let mut best = (AddressLevel::Missing, String::from("no address"));
    for left_address in &left.addresses {
        for right_address in &right.addresses {
            let (l, r) = (&left_address.address, &right_address.address);
            let same_street_number = l.number.is_some()
                && l.street.is_some()
                && l.number == r.number
                && l.street == r.street;
            let level = if left_address.standard_line == right_address.standard_line {
                AddressLevel::Exact
            } else if same_street_number {
                AddressLevel::SameStreetNumber
            } else {
                AddressLevel::Disagree
            };
            if level < best.0 {
                let detail = format!(
                    "{:?} / {:?}",
                    left_address.standard_line, right_address.standard_line
                );
                best = (level, detail);
            }
        }
    }
    FieldComparison {
        field: Field::Address,
        level: best.0 as usize,
        detail: best.1,
    }
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
            ("a;; +16195550101", "a;; +16195550102", Phone, "disagree"),
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
                "a;; ; ; 5 Main St, Santee CA 92071",
                Address,
                "disagree",
            ),
        ]);
    }

    #[test]
    fn conflicting_id_numbers_are_flagged() {
        let cases = [
            ("a;; ; D1234567", "a;; ; D7654321", true),
            ("a;; ; D1234567", "a;; ; D1234567|X1", false),
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
