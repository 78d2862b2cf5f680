//! Birth dates compared the way clerks get them wrong.
//!
//! The store holds dates canonical: `YYYY-MM-DD`, or partial `YYYY-MM` / `YYYY` when
//! that is all a source knew. Between two reports of one person the usual errors are
//! a day and month swapped (US `MM/DD` read as `DD/MM`), one digit mistyped, or a
//! date known only to the month or year. [`date_agreement`] names which of these two
//! dates show, in the spirit of the comparison levels of Fellegi–Sunter record
//! linkage (as in Splink's date-of-birth comparison): the scorer gives each level a
//! weight, so this module only says what agrees, never how much that is worth.

/// A birth date, possibly partial.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct BirthDate {
    pub year: i32,
    pub month: Option<u8>,
    /// Only present with a month.
    pub day: Option<u8>,
}

/// What two birth dates have in common, strongest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum DateAgreement {
    /// Same date at the same precision.
    Exact,
    /// Equal once day and month of one are swapped (both at most 12).
    Transposed,
    /// Same precision, exactly one digit different (`1985-03-14` / `1985-03-15`).
    OneDigitOff,
    /// Year and month agree; the day differs or one side has none.
    SameYearMonth,
    /// The year agrees; the month differs or one side has none.
    SameYear,
    /// The years differ by more than one digit.
    Conflict,
    /// At least one side has no date.
    Missing,
}

impl BirthDate {
    /// Reads a canonical date: `YYYY-MM-DD`, `YYYY-MM` or `YYYY`. `None` for anything
    /// else, including a month or day out of range.
    pub fn parse(canonical: &str) -> Option<BirthDate> {
        let mut parts = canonical.trim().split('-');
        let year_text = parts.next()?;
        if year_text.len() != 4 {
            return None;
        }
        let year: i32 = year_text.parse().ok()?;
        let mut field = |range: std::ops::RangeInclusive<u8>| -> Option<Option<u8>> {
            match parts.next() {
                None => Some(None),
                Some(text) if text.len() == 2 => {
                    let value: u8 = text.parse().ok()?;
                    range.contains(&value).then_some(Some(value))
                }
                Some(_) => None,
            }
        };
        let month = field(1..=12)?;
        let day = field(1..=31)?;
        if parts.next().is_some() || (month.is_none() && day.is_some()) {
            return None;
        }
        Some(BirthDate { year, month, day })
    }

    /// This date, then the reading with day and month swapped when both are at most
    /// 12 and differ.
    pub fn variants(&self) -> Vec<BirthDate> {
        let mut variants = vec![*self];
        if let Some(transposed) = self.transposed() {
            variants.push(transposed);
        }
        variants
    }

    /// The canonical text form (`1985-03-14`, `1985-03`, `1985`).
    pub fn canonical(&self) -> String {
        match (self.month, self.day) {
            (Some(month), Some(day)) => format!("{:04}-{month:02}-{day:02}", self.year),
            (Some(month), None) => format!("{:04}-{month:02}", self.year),
            _ => format!("{:04}", self.year),
        }
    }

    fn transposed(&self) -> Option<BirthDate> {
        let (month, day) = (self.month?, self.day?);
        (month != day && month <= 12 && day <= 12).then_some(BirthDate {
            year: self.year,
            month: Some(day),
            day: Some(month),
        })
    }
}

/// Compares two birth dates; see [`DateAgreement`] for the levels, checked in order.
pub fn date_agreement(left: Option<BirthDate>, right: Option<BirthDate>) -> DateAgreement {
    let (Some(left), Some(right)) = (left, right) else {
        return DateAgreement::Missing;
    };
    let same_precision =
        left.month.is_some() == right.month.is_some() && left.day.is_some() == right.day.is_some();
    if left == right {
        return DateAgreement::Exact;
    }
    if left.transposed() == Some(right) {
        return DateAgreement::Transposed;
    }
    let (left_text, right_text) = (left.canonical(), right.canonical());
    if same_precision && strsim::hamming(&left_text, &right_text) == Ok(1) {
        return DateAgreement::OneDigitOff;
    }
    // A missing month or day on one side is unknown, not a disagreement.
    let same_year = left.year == right.year;
    let both_have_month = left.month.is_some() && right.month.is_some();
    if same_year && both_have_month && left.month == right.month {
        return DateAgreement::SameYearMonth;
    }
    if same_year {
        return DateAgreement::SameYear;
    }
    DateAgreement::Conflict
}

#[cfg(test)]
mod tests {
    use super::{BirthDate, DateAgreement, date_agreement};

    fn check(cases: &[(&str, &str, DateAgreement)]) {
        for (left, right, expected) in cases {
            let parse = |text: &str| {
                (!text.is_empty()).then(|| BirthDate::parse(text).expect("valid date"))
            };
            assert_eq!(
                date_agreement(parse(left), parse(right)),
                *expected,
                "{left:?} vs {right:?}"
            );
            assert_eq!(
                date_agreement(parse(right), parse(left)),
                *expected,
                "{right:?} vs {left:?} (symmetry)"
            );
        }
    }

    #[test]
    fn agreement_levels() {
        use DateAgreement::*;
        check(&[
            ("1985-03-14", "1985-03-14", Exact),
            ("1985-03", "1985-03", Exact),
            ("1985", "1985", Exact),
            ("1985-03-11", "1985-11-03", Transposed),
            ("1985-03-14", "1985-03-15", OneDigitOff),
            ("1985-03-14", "1986-03-14", OneDigitOff),
            ("1985-03-14", "1985-08-14", OneDigitOff),
            ("1985", "1986", OneDigitOff),
            ("1985-03-14", "1985-03-27", SameYearMonth),
            ("1985-03", "1985-03-14", SameYearMonth),
            ("1985-03-14", "1985-11-27", SameYear),
            ("1985", "1985-03-14", SameYear),
            ("1985-02", "1985-11", SameYear),
            ("1985-03-14", "1958-03-14", Conflict),
            ("1985", "1990-03-14", Conflict),
            ("1985-01-12", "1985-12-01", Transposed),
            // Swapped digits within the day are not one digit off.
            ("1985-03-13", "1985-03-31", SameYearMonth),
            ("1985-03-14", "", Missing),
            ("", "", Missing),
        ]);
    }

    #[test]
    fn parsing_and_variants() {
        let cases: [(&str, Option<&[&str]>); 9] = [
            ("1985-03-11", Some(&["1985-03-11", "1985-11-03"])),
            ("1985-03-14", Some(&["1985-03-14"])),
            ("1985-03-03", Some(&["1985-03-03"])),
            ("1985-03", Some(&["1985-03"])),
            ("1985", Some(&["1985"])),
            ("1985-13-01", None),
            ("1985-3-1", None),
            ("85-03-14", None),
            ("1985-03-14-01", None),
        ];
        for (text, expected) in cases {
            let variants = BirthDate::parse(text).map(|date| {
                date.variants()
                    .iter()
                    .map(BirthDate::canonical)
                    .collect::<Vec<_>>()
            });
            let expected = expected.map(|dates| {
                dates
                    .iter()
                    .map(|date| date.to_string())
                    .collect::<Vec<_>>()
            });
            assert_eq!(variants, expected, "variants of {text:?}");
        }
    }
}
