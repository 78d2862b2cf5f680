//! Phonetic keys for name tokens: Double Metaphone (Philips, 2000).
//!
//! Clerks spell by ear: `GARCIA`/`GARSIA`, `SMITH`/`SMYTHE`/`SCHMIDT`, `JOSE`/`HOSE`, `SMITH`/`SCHMIDT`.
//! Double Metaphone gives each token a primary key and an alternate key for its
//! other plausible pronunciation (Germanic, Slavic, Spanish, Italian rules among
//! them); two tokens agree phonetically when any key of one equals any key of the
//! other. Keys are cut at four characters, the algorithm's published length, which
//! suits blocking (a cheap shared key) better than longer, more brittle keys.
//!
//! The implementation is `rphonetic`'s port of Apache Commons Codec. Its Beider–Morse
//! and Daitch–Mokotoff encoders need rule files (the `embedded` feature); this crate
//! does not use them, so the feature stays off.

use rphonetic::DoubleMetaphone;

/// The Double Metaphone keys of one normalised token.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PhoneticKey {
    pub primary: crate::Text,
    /// Equal to `primary` when the token has one pronunciation.
    pub alternate: crate::Text,
}

impl PhoneticKey {
    /// The keys of a normalised name token (upper-case ASCII letters). Empty keys for
    /// tokens without letters.
    pub fn of(token: &str) -> PhoneticKey {
        let result = DoubleMetaphone::default().double_metaphone(token);
        PhoneticKey {
            primary: result.primary().into(),
            alternate: result.alternate().into(),
        }
    }

    /// The distinct, non-empty keys: what a blocking index stores for the token.
    pub fn keys(&self) -> impl Iterator<Item = &str> {
        let alternate = (self.alternate != self.primary).then_some(self.alternate.as_str());
        std::iter::once(self.primary.as_str())
            .chain(alternate)
            .filter(|key| !key.is_empty())
    }

    /// How two tokens' keys agree.
    pub fn agreement(&self, other: &PhoneticKey) -> PhoneticAgreement {
        if self.primary.is_empty() || other.primary.is_empty() {
            PhoneticAgreement::None
        } else if self.primary == other.primary {
            PhoneticAgreement::Primary
        } else if self
            .keys()
            .any(|key| other.keys().any(|other_key| other_key == key))
        {
            PhoneticAgreement::Alternate
        } else {
            PhoneticAgreement::None
        }
    }
}

/// How the keys of two tokens agree, strongest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum PhoneticAgreement {
    /// The primary keys are equal.
    Primary,
    /// Only an alternate key meets a key of the other token.
    Alternate,
    None,
}

#[cfg(test)]
mod tests {
    use super::{PhoneticAgreement, PhoneticKey};

    fn check(cases: &[(&str, &str, PhoneticAgreement)]) {
        for (left, right, expected) in cases {
            let agreement = PhoneticKey::of(left).agreement(&PhoneticKey::of(right));
            assert_eq!(
                agreement,
                *expected,
                "{left} {:?} vs {right} {:?}",
                PhoneticKey::of(left),
                PhoneticKey::of(right)
            );
        }
    }

    #[test]
    fn spellings_by_ear_agree() {
        use PhoneticAgreement::{Alternate, None, Primary};
        check(&[
            ("GARCIA", "GARSIA", Primary),
            ("SMITH", "SMYTH", Primary),
            ("SMITH", "SCHMIDT", Alternate),
            ("JOSE", "HOSE", Primary),
            ("GONZALEZ", "GONSALES", Primary),
            ("HERNANDEZ", "HERNANDES", Primary),
            ("CATHERINE", "KATHRYN", Primary),
            ("STEPHEN", "STEVEN", Primary),
            ("GARCIA", "LOPEZ", None),
            ("SMITH", "JONES", None),
            ("", "SMITH", None),
        ]);
    }

    #[test]
    fn keys_are_distinct_and_non_empty() {
        let cases: [(&str, &[&str]); 4] = [
            ("SMITH", &["SM0", "XMT"]),
            ("LOPEZ", &["LPS"]),
            ("JOSE", &["HS"]),
            ("", &[]),
        ];
        for (token, expected) in cases {
            let key = PhoneticKey::of(token);
            assert_eq!(
                key.keys().collect::<Vec<_>>(),
                expected,
                "keys of {token:?}"
            );
        }
    }
}
