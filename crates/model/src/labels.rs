//! Sensitivity labels, handling caveats and data classes carried by every record.
//!
//! 28 CFR Part 23 applies to criminal intelligence only: such a record must carry a
//! criminal predicate and a review-by date at most five years after it was reported.
//! Other data classes (case files, public-health data, public data) carry neither.

use std::collections::BTreeSet;
use std::fmt;
use std::str::FromStr;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// Five years, the longest 28 CFR 23.54 allows before review or purge.
pub const MAX_REVIEW_PERIOD_MONTHS: u32 = 60;

/// How sensitive a record is; ordered from least to most.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Sensitivity {
    /// May be published.
    Public,
    /// Sensitive but unclassified: task-force members only.
    Sensitive,
    /// Law-enforcement sensitive: sworn personnel and analysts only.
    LawEnforcement,
    /// Restricted to the owning agency unless it shares explicitly (informants, grand jury).
    Restricted,
}

/// What kind of data a record is, which decides the rules that apply to it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DataClass {
    /// Criminal intelligence under 28 CFR Part 23: predicate and review date required.
    CriminalIntelligence,
    /// Records of an open investigation or case file.
    InvestigativeCase,
    /// Public-health surveillance data (overdoses, naloxone).
    PublicHealth,
    /// Public records and open sources.
    Public,
}

macro_rules! string_enum {
    ($type:ty, $($variant:ident => $text:literal),+ $(,)?) => {
        impl $type {
            pub const ALL: &'static [$type] = &[$(<$type>::$variant),+];

            pub fn as_str(self) -> &'static str {
                match self { $(<$type>::$variant => $text),+ }
            }
        }

        impl fmt::Display for $type {
            fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
                formatter.write_str(self.as_str())
            }
        }

        impl FromStr for $type {
            type Err = LabelError;

            fn from_str(text: &str) -> Result<Self, LabelError> {
                let wanted = text.trim().to_ascii_lowercase().replace(['-', ' '], "_");
                match wanted.as_str() {
                    $($text => Ok(<$type>::$variant),)+
                    _ => Err(LabelError::Unknown {
                        what: stringify!($type),
                        value: text.to_string(),
                    }),
                }
            }
        }
    };
}

string_enum!(Sensitivity,
    Public => "public",
    Sensitive => "sensitive",
    LawEnforcement => "law_enforcement",
    Restricted => "restricted",
);

string_enum!(DataClass,
    CriminalIntelligence => "criminal_intelligence",
    InvestigativeCase => "investigative_case",
    PublicHealth => "public_health",
    Public => "public",
);

/// The documented reasonable suspicion of criminal activity behind an intelligence record.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct CriminalPredicate(String);

impl CriminalPredicate {
    /// A predicate must say something: blank text is no predicate.
    pub fn new(text: &str) -> Result<CriminalPredicate, LabelError> {
        // Ingest builds one per criminal-intelligence row, nearly always from text that
        // is collapsed already: copied whole then, without splitting and joining.
        let collapsed = !text.starts_with(' ')
            && !text.ends_with(' ')
            && !text.contains("  ")
            && !text
                .chars()
                .any(|character| character.is_whitespace() && character != ' ');
        let text = if collapsed {
            text.to_string()
        } else {
            text.split_whitespace().collect::<Vec<_>>().join(" ")
        };
        if text.is_empty() {
            return Err(LabelError::MissingPredicate);
        }
        Ok(CriminalPredicate(text))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The labels that decide who may see a record and which retention rules apply.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct SecurityLabels {
    pub sensitivity: Sensitivity,
    /// Handling caveats, upper-case (e.g. `INFORMANT`, `ORCON`, `GRAND-JURY`).
    pub caveats: BTreeSet<String>,
    pub data_class: DataClass,
    /// Present exactly when the data class is criminal intelligence.
    pub predicate: Option<CriminalPredicate>,
    /// Present exactly when the data class is criminal intelligence.
    pub review_by: Option<NaiveDate>,
}

/// Why labels are not acceptable.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum LabelError {
    #[error("unknown {what} {value:?}")]
    Unknown { what: &'static str, value: String },
    #[error("criminal intelligence needs a criminal predicate (28 CFR 23.20(a))")]
    MissingPredicate,
    #[error("criminal intelligence needs a review-by date")]
    MissingReviewDate,
    #[error("review-by date {review_by} is more than five years after {reported} (28 CFR 23.54)")]
    ReviewTooFar {
        review_by: NaiveDate,
        reported: NaiveDate,
    },
    #[error("review-by date {review_by} is before the record was reported ({reported})")]
    ReviewBeforeReport {
        review_by: NaiveDate,
        reported: NaiveDate,
    },
    #[error("only criminal intelligence carries a criminal predicate or review-by date")]
    PredicateOutsideIntelligence,
    #[error("caveat {0:?} must be letters, digits and dashes")]
    BadCaveat(String),
}

impl SecurityLabels {
    /// Builds labels and checks the Part 23 rules against the date the record was reported.
    ///
    /// For criminal intelligence without an explicit review date, the date defaults to the
    /// longest period allowed, so that a feed can omit it without breaking the rule.
    pub fn new(
        sensitivity: Sensitivity,
        caveats: impl IntoIterator<Item = String>,
        data_class: DataClass,
        predicate: Option<CriminalPredicate>,
        review_by: Option<NaiveDate>,
        reported: NaiveDate,
    ) -> Result<SecurityLabels, LabelError> {
        let caveats = caveats
            .into_iter()
            .map(|caveat| normalise_caveat(&caveat))
            .filter(|caveat| !matches!(caveat, Ok(text) if text.is_empty()))
            .collect::<Result<BTreeSet<_>, _>>()?;
        let (predicate, review_by) = if data_class == DataClass::CriminalIntelligence {
            let predicate = predicate.ok_or(LabelError::MissingPredicate)?;
            let latest = reported
                .checked_add_months(chrono::Months::new(MAX_REVIEW_PERIOD_MONTHS))
                .unwrap_or(NaiveDate::MAX);
            let review_by = review_by.unwrap_or(latest);
            if review_by > latest {
                return Err(LabelError::ReviewTooFar {
                    review_by,
                    reported,
                });
            }
            if review_by < reported {
                return Err(LabelError::ReviewBeforeReport {
                    review_by,
                    reported,
                });
            }
            (Some(predicate), Some(review_by))
        } else {
            if predicate.is_some() || review_by.is_some() {
                return Err(LabelError::PredicateOutsideIntelligence);
            }
            (None, None)
        };
        Ok(SecurityLabels {
            sensitivity,
            caveats,
            data_class,
            predicate,
            review_by,
        })
    }

    /// The caveats joined with `,`, as stored.
    pub fn caveats_text(&self) -> String {
        let mut text = String::new();
        for caveat in &self.caveats {
            if !text.is_empty() {
                text.push(',');
            }
            text.push_str(caveat);
        }
        text
    }
}

fn normalise_caveat(caveat: &str) -> Result<String, LabelError> {
    let caveat = caveat.trim().to_ascii_uppercase().replace([' ', '_'], "-");
    if caveat
        .chars()
        .all(|character| character.is_ascii_alphanumeric() || character == '-')
    {
        Ok(caveat)
    } else {
        Err(LabelError::BadCaveat(caveat))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(text: &str) -> NaiveDate {
        text.parse().unwrap()
    }

    #[test]
    fn predicates_keep_their_words_with_whitespace_collapsed() {
        for (text, expected) in [
            ("suspected 21 USC 841", "suspected 21 USC 841"),
            ("  suspected\t21  USC\n841 ", "suspected 21 USC 841"),
            ("one", "one"),
            ("two  spaces", "two spaces"),
        ] {
            assert_eq!(CriminalPredicate::new(text).unwrap().as_str(), expected);
        }
        for blank in ["", " ", "\t\n"] {
            assert_eq!(
                CriminalPredicate::new(blank),
                Err(LabelError::MissingPredicate)
            );
        }
    }

    #[test]
    fn criminal_intelligence_without_predicate_is_rejected() {
        let labels = SecurityLabels::new(
            Sensitivity::LawEnforcement,
            [],
            DataClass::CriminalIntelligence,
            None,
            None,
            date("2024-01-01"),
        );
        assert_eq!(labels, Err(LabelError::MissingPredicate));
        assert_eq!(
            CriminalPredicate::new("  "),
            Err(LabelError::MissingPredicate)
        );
    }

    #[test]
    fn review_date_defaults_to_five_years_and_may_not_exceed_it() {
        let predicate = CriminalPredicate::new("suspected fentanyl distribution").unwrap();
        let labels = SecurityLabels::new(
            Sensitivity::LawEnforcement,
            ["orcon".to_string()],
            DataClass::CriminalIntelligence,
            Some(predicate.clone()),
            None,
            date("2024-02-29"),
        )
        .unwrap();
        assert_eq!(labels.review_by, Some(date("2029-02-28")));
        assert_eq!(labels.caveats_text(), "ORCON");
        let several = SecurityLabels {
            caveats: ["ORCON", "GRAND-JURY", "INFORMANT"]
                .map(str::to_string)
                .into(),
            ..labels.clone()
        };
        assert_eq!(several.caveats_text(), "GRAND-JURY,INFORMANT,ORCON");
        let none = SecurityLabels {
            caveats: Default::default(),
            ..labels.clone()
        };
        assert_eq!(none.caveats_text(), "");
        let too_far = SecurityLabels::new(
            Sensitivity::LawEnforcement,
            [],
            DataClass::CriminalIntelligence,
            Some(predicate),
            Some(date("2029-03-01")),
            date("2024-02-29"),
        );
        assert!(matches!(too_far, Err(LabelError::ReviewTooFar { .. })));
    }

    #[test]
    fn public_health_carries_no_predicate() {
        let labels = SecurityLabels::new(
            Sensitivity::Sensitive,
            [],
            DataClass::PublicHealth,
            Some(CriminalPredicate::new("x").unwrap()),
            None,
            date("2024-01-01"),
        );
        assert_eq!(labels, Err(LabelError::PredicateOutsideIntelligence));
    }

    #[test]
    fn labels_parse_leniently() {
        assert_eq!("Law-Enforcement".parse(), Ok(Sensitivity::LawEnforcement));
        assert_eq!("public health".parse(), Ok(DataClass::PublicHealth));
        assert!("secret".parse::<Sensitivity>().is_err());
    }
}
