//! Token normalisation shared by names and addresses.
//!
//! Agencies write the same name as `José`, `JOSE`, `Jose` and `JOSÉ` (sometimes with a
//! full-width or ligature form pasted from another system). Every comparison in this
//! crate starts from the same three steps, in this order:
//!
//! 1. Unicode NFKC (UAX #15), so compatibility forms (`ﬁ`, full-width `Ｊ`, `①`) become
//!    their plain letters before anything else looks at them;
//! 2. transliteration to ASCII with `deunicode` (`Ñ` → `N`, `ß` → `ss`, Cyrillic and Han
//!    to their usual romanisation);
//! 3. upper-case, and every character that is not an ASCII letter or digit removed.
//!
//! Separators (space, comma, hyphen, full stop, slash) are decided by the caller before
//! step 3, because they carry structure: a comma orders a name, a hyphen joins surnames.

use unicode_normalization::UnicodeNormalization;

/// NFKC-normalises and transliterates `raw` to upper-case ASCII, keeping every
/// character (punctuation included) so callers can still split on it.
pub fn fold_to_ascii_upper(raw: &str) -> String {
    let composed: String = raw.nfkc().collect();
    deunicode::deunicode(&composed).to_ascii_uppercase()
}

/// One token with everything but ASCII letters and digits removed (`O'Brien` →
/// `OBRIEN`). `part` must already be folded by [`fold_to_ascii_upper`].
pub fn strip_to_alphanumeric(part: &str) -> String {
    part.chars().filter(char::is_ascii_alphanumeric).collect()
}

/// A single token normalised end to end: `"José"` → `"JOSE"`, `"O'Brien"` → `"OBRIEN"`.
pub fn normalise_token(raw: &str) -> String {
    strip_to_alphanumeric(&fold_to_ascii_upper(raw))
}

#[cfg(test)]
mod tests {
    use super::normalise_token;

    fn check(cases: &[(&str, &str)]) {
        for (raw, expected) in cases {
            assert_eq!(normalise_token(raw), *expected, "normalising {raw:?}");
        }
    }

    #[test]
    fn tokens_fold_to_upper_case_ascii() {
        check(&[
            ("José", "JOSE"),
            ("MUÑOZ", "MUNOZ"),
            ("O'Brien", "OBRIEN"),
            ("Strauß", "STRAUSS"),
            ("Ｊｏｓｅ", "JOSE"),
            ("ﬁona", "FIONA"),
            ("Łukasz", "LUKASZ"),
            ("Çelik", "CELIK"),
            ("J.", "J"),
            ("", ""),
        ]);
    }
}
