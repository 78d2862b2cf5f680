//! Parsing raw feed values into each property type's one canonical string form.

use chrono::{DateTime, Datelike, FixedOffset, NaiveDate, NaiveDateTime, TimeZone, Timelike, Utc};
use serde::{Deserialize, Serialize};

use crate::schema::{Property, PropertyType};

/// How a feed writes its values. Mapping profiles carry one; every field has a default
/// that suits ISO formats and US phone numbers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ValueFormat {
    /// `chrono` strftime patterns tried in order for dates (after ISO `%Y-%m-%d`).
    pub date_formats: Vec<String>,
    /// Patterns tried in order for date-times (after RFC 3339).
    pub datetime_formats: Vec<String>,
    /// UTC offset of date-times written without one, e.g. `-08:00`.
    pub utc_offset: String,
    /// Country calling code for phone numbers written without one.
    pub default_calling_code: String,
    /// Numbers use `,` as the decimal mark and `.` or space between thousands.
    pub decimal_comma: bool,
    /// Extra words read as true / false, lower-case.
    pub true_words: Vec<String>,
    pub false_words: Vec<String>,
}

impl Default for ValueFormat {
    fn default() -> ValueFormat {
        ValueFormat {
            date_formats: Vec::new(),
            datetime_formats: Vec::new(),
            utc_offset: "+00:00".to_string(),
            default_calling_code: "1".to_string(),
            decimal_comma: false,
            true_words: Vec::new(),
            false_words: Vec::new(),
        }
    }
}

/// Why a raw value does not fit its property.
#[derive(Debug, thiserror::Error, Clone, PartialEq, Eq)]
pub enum ValueError {
    #[error("{value:?} is not a date (tried {tried})")]
    Date { value: String, tried: String },
    #[error("{value:?} is not a date-time (tried {tried})")]
    Datetime { value: String, tried: String },
    #[error("{value:?} is not a number")]
    Number { value: String },
    #[error("{value:?} is not a whole number")]
    Integer { value: String },
    #[error("{value:?} is not true or false")]
    Boolean { value: String },
    #[error("{value:?} is not a phone number (needs 7 to 15 digits)")]
    Phone { value: String },
    #[error("{value:?} is not an e-mail address")]
    Email { value: String },
    #[error("{value:?} has no letters or digits to identify anything")]
    Identifier { value: String },
    #[error("{value:?} is not a country (ISO 3166 code or English name)")]
    Country { value: String },
    #[error("{value:?} is outside {low}..{high}")]
    Coordinate { value: String, low: i32, high: i32 },
    #[error("{value:?} is not one of {allowed}")]
    Enum { value: String, allowed: String },
    #[error("utc_offset {0:?} is not of the form +HH:MM")]
    Offset(String),
    #[error("references are resolved by the mapping profile, not parsed as values")]
    Reference,
}

impl ValueFormat {
    fn offset(&self) -> Result<FixedOffset, ValueError> {
        let text = self.utc_offset.trim();
        let bad = || ValueError::Offset(text.to_string());
        if text.eq_ignore_ascii_case("z") || text.eq_ignore_ascii_case("utc") {
            return FixedOffset::east_opt(0).ok_or_else(bad);
        }
        let (sign, rest) = match text.split_at_checked(1) {
            Some(("+", rest)) => (1, rest),
            Some(("-", rest)) => (-1, rest),
            _ => return Err(bad()),
        };
        let (hours, minutes) = rest.split_once(':').ok_or_else(bad)?;
        let hours: i32 = hours.parse().map_err(|_| bad())?;
        let minutes: i32 = minutes.parse().map_err(|_| bad())?;
        FixedOffset::east_opt(sign * (hours * 3600 + minutes * 60)).ok_or_else(bad)
    }
}

impl Property {
    /// Parses one raw, non-empty value into this property's canonical form.
    pub fn canonicalise(&self, raw: &str, format: &ValueFormat) -> Result<String, ValueError> {
        if self.property_type == PropertyType::Enum {
            return canonical_enum(raw, &self.values);
        }
        self.property_type.canonicalise(raw, format)
    }
}

impl PropertyType {
    /// Parses one raw, non-empty value into the type's canonical form.
    pub fn canonicalise(self, raw: &str, format: &ValueFormat) -> Result<String, ValueError> {
        let value = raw.trim();
        match self {
            PropertyType::Text | PropertyType::Name => Ok(collapse_whitespace(value)),
            PropertyType::Url => Ok(value.to_string()),
            PropertyType::Date => canonical_date(value, format),
            PropertyType::Datetime => canonical_datetime(value, format),
            PropertyType::Number => {
                let number = parse_number(value, format)?;
                Ok(format_number(number))
            }
            PropertyType::Money => {
                let number = parse_number(value, format)?;
                Ok(format!("{number:.2}"))
            }
            PropertyType::Integer => {
                let number = parse_number(value, format).map_err(|_| ValueError::Integer {
                    value: value.to_string(),
                })?;
                if number.fract() != 0.0 || number.abs() > 9.0e15 {
                    return Err(ValueError::Integer {
                        value: value.to_string(),
                    });
                }
                Ok((number as i64).to_string())
            }
            PropertyType::Boolean => canonical_boolean(value, format),
            PropertyType::Phone => canonical_phone(value, &format.default_calling_code),
            PropertyType::Email => canonical_email(value),
            PropertyType::Identifier => {
                let identifier: String = if value.is_ascii() {
                    // The same for ASCII, a byte at a time: most identifiers are ASCII.
                    // Sized once (a filtered iterator would grow the string as it goes).
                    let mut identifier = String::with_capacity(value.len());
                    for byte in value.bytes().filter(u8::is_ascii_alphanumeric) {
                        identifier.push(char::from(byte.to_ascii_uppercase()));
                    }
                    identifier
                } else {
                    value
                        .chars()
                        .filter(|character| character.is_alphanumeric())
                        .flat_map(char::to_uppercase)
                        .collect()
                };
                if identifier.is_empty() {
                    return Err(ValueError::Identifier {
                        value: value.to_string(),
                    });
                }
                Ok(identifier)
            }
            PropertyType::Country => canonical_country(value),
            PropertyType::Latitude => canonical_coordinate(value, format, 90),
            PropertyType::Longitude => canonical_coordinate(value, format, 180),
            PropertyType::Enum => Err(ValueError::Enum {
                value: value.to_string(),
                allowed: "the property's values".to_string(),
            }),
            PropertyType::Reference => Err(ValueError::Reference),
        }
    }
}

fn collapse_whitespace(value: &str) -> String {
    // Most values are already collapsed: copy them whole rather than split and join,
    // which ingest would otherwise pay for every text and name value.
    let mut after_space = true;
    let collapsed = value.chars().all(|character| {
        let fine = !character.is_whitespace() || (character == ' ' && !after_space);
        after_space = character.is_whitespace();
        fine
    });
    if collapsed && !after_space {
        return value.to_string();
    }
    value.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn canonical_enum(raw: &str, allowed: &[String]) -> Result<String, ValueError> {
    let wanted = raw.trim().to_lowercase().replace(' ', "_");
    let found = allowed
        .iter()
        .find(|value| **value == wanted || value.replace('-', "_") == wanted.replace('-', "_"));
    found.cloned().ok_or_else(|| ValueError::Enum {
        value: raw.trim().to_string(),
        allowed: allowed.join(", "),
    })
}

const ISO_DATE: &str = "%Y-%m-%d";

/// `date.format(ISO_DATE)`, written directly for four-digit years (chrono signs the
/// others): ingest canonicalises dates by the million.
fn iso_date(date: NaiveDate) -> String {
    if (0..=9999).contains(&date.year()) {
        let mut text = String::with_capacity(10);
        push_iso_date(&mut text, date);
        text
    } else {
        date.format(ISO_DATE).to_string()
    }
}

/// `YYYY-MM-DD` for a year of 0 to 9999, digit by digit: `format!` interprets its
/// pattern on every call, which showed in ingest profiles.
fn push_iso_date(text: &mut String, date: NaiveDate) {
    push_digits(text, date.year().unsigned_abs(), 4);
    text.push('-');
    push_digits(text, date.month(), 2);
    text.push('-');
    push_digits(text, date.day(), 2);
}

/// The last `width` decimal digits of `value`, zero-padded.
fn push_digits(text: &mut String, value: u32, width: u32) {
    for place in (0..width).rev() {
        let digit = value / 10u32.pow(place) % 10;
        text.push(char::from(b'0' + digit as u8));
    }
}

/// The digits of `bytes[range]` as a number, if all are ASCII digits.
fn ascii_digits(bytes: &[u8], range: std::ops::Range<usize>) -> Option<u32> {
    bytes[range].iter().try_fold(0u32, |number, &byte| {
        byte.is_ascii_digit()
            .then(|| number * 10 + u32::from(byte - b'0'))
    })
}

/// `NaiveDate::parse_from_str(value, ISO_DATE)` for the zero-padded `YYYY-MM-DD` most
/// feeds write, without interpreting the pattern (which showed in ingest profiles).
/// `None` for any other shape and for a date that does not exist; the callers then
/// go through the patterns as before, which decide.
pub fn padded_iso_date(value: &str) -> Option<NaiveDate> {
    let bytes = value.as_bytes();
    if bytes.len() != 10 || bytes[4] != b'-' || bytes[7] != b'-' {
        return None;
    }
    let year = ascii_digits(bytes, 0..4)?;
    NaiveDate::from_ymd_opt(
        i32::try_from(year).ok()?,
        ascii_digits(bytes, 5..7)?,
        ascii_digits(bytes, 8..10)?,
    )
}

/// What the first two local patterns of [`canonical_datetime`] read
/// (`YYYY-MM-DDTHH:MM:SS`, `YYYY-MM-DD HH:MM:SS`, zero-padded), without interpreting
/// them; `None` otherwise (a leap second included), as [`padded_iso_date`].
fn padded_iso_datetime(value: &str) -> Option<NaiveDateTime> {
    let bytes = value.as_bytes();
    if bytes.len() != 19
        || !matches!(bytes[10], b'T' | b' ')
        || bytes[13] != b':'
        || bytes[16] != b':'
    {
        return None;
    }
    let date = padded_iso_date(&value[..10])?;
    date.and_hms_opt(
        ascii_digits(bytes, 11..13)?,
        ascii_digits(bytes, 14..16)?,
        ascii_digits(bytes, 17..19)?,
    )
}

fn canonical_date(value: &str, format: &ValueFormat) -> Result<String, ValueError> {
    if let Some(date) = padded_iso_date(value) {
        return Ok(iso_date(date));
    }
    let patterns = std::iter::once(ISO_DATE).chain(format.date_formats.iter().map(String::as_str));
    for pattern in patterns.clone() {
        if let Ok(date) = NaiveDate::parse_from_str(value, pattern) {
            return Ok(iso_date(date));
        }
    }
    // A date-time where a date is expected: keep the date part.
    if let Ok(moment) = DateTime::parse_from_rfc3339(value) {
        return Ok(iso_date(moment.date_naive()));
    }
    // Partial dates are common in intelligence ("born 1987", "March 1990").
    if let Some(partial) = partial_date(value) {
        return Ok(partial);
    }
    Err(ValueError::Date {
        value: value.to_string(),
        tried: patterns.collect::<Vec<_>>().join(" | "),
    })
}

fn partial_date(value: &str) -> Option<String> {
    let mut parts = value.split('-');
    let year = parts.next()?;
    let month = parts.next();
    if parts.next().is_some() || year.len() != 4 {
        return None;
    }
    let year: i32 = year.parse().ok()?;
    if !(1800..=2200).contains(&year) {
        return None;
    }
    match month {
        None => Some(format!("{year:04}")),
        Some(month) if month.len() == 2 => {
            let month: u32 = month.parse().ok()?;
            (1..=12)
                .contains(&month)
                .then(|| format!("{year:04}-{month:02}"))
        }
        Some(_) => None,
    }
}

fn canonical_datetime(value: &str, format: &ValueFormat) -> Result<String, ValueError> {
    let write = |moment: DateTime<Utc>| {
        let date = moment.date_naive();
        // A leap second (nanosecond past 10^9) prints as :60 through the pattern.
        if (0..=9999).contains(&date.year()) && moment.nanosecond() < 1_000_000_000 {
            // What the pattern below gives for four-digit years, without interpreting
            // the pattern for every value ingest canonicalises.
            let mut text = String::with_capacity(20);
            push_iso_date(&mut text, date);
            text.push('T');
            push_digits(&mut text, moment.hour(), 2);
            text.push(':');
            push_digits(&mut text, moment.minute(), 2);
            text.push(':');
            push_digits(&mut text, moment.second(), 2);
            text.push('Z');
            text
        } else {
            moment.format("%Y-%m-%dT%H:%M:%SZ").to_string()
        }
    };
    if let Ok(moment) = DateTime::parse_from_rfc3339(value) {
        return Ok(write(moment.with_timezone(&Utc)));
    }
    let offset = format.offset()?;
    if let Some(naive) = padded_iso_datetime(value)
        && let Some(moment) = offset.from_local_datetime(&naive).single()
    {
        return Ok(write(moment.with_timezone(&Utc)));
    }
    let local_patterns = ["%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M"];
    let patterns = local_patterns
        .iter()
        .copied()
        .chain(format.datetime_formats.iter().map(String::as_str));
    for pattern in patterns.clone() {
        // Only a pattern that reads an offset (%z and its variants, %+) can give a
        // DateTime; trying the others would interpret the pattern for nothing.
        if (pattern.contains('z') || pattern.contains("%+"))
            && let Ok(moment) = DateTime::parse_from_str(value, pattern)
        {
            return Ok(write(moment.with_timezone(&Utc)));
        }
        if let Ok(naive) = NaiveDateTime::parse_from_str(value, pattern)
            && let Some(moment) = offset.from_local_datetime(&naive).single()
        {
            return Ok(write(moment.with_timezone(&Utc)));
        }
    }
    // A bare date where a moment is expected: midnight local time.
    if let Ok(date) = canonical_date(value, format)
        && let Ok(day) = NaiveDate::parse_from_str(&date, ISO_DATE)
        && let Some(moment) = day
            .and_hms_opt(0, 0, 0)
            .and_then(|naive| offset.from_local_datetime(&naive).single())
    {
        return Ok(write(moment.with_timezone(&Utc)));
    }
    Err(ValueError::Datetime {
        value: value.to_string(),
        tried: std::iter::once("RFC 3339")
            .chain(patterns)
            .collect::<Vec<_>>()
            .join(" | "),
    })
}

fn parse_number(value: &str, format: &ValueFormat) -> Result<f64, ValueError> {
    let error = || ValueError::Number {
        value: value.to_string(),
    };
    // Most values are plain numbers already: parsed as they are, which is what the
    // cleaning would leave of them.
    let plain = !value.contains(['$', '€', '£', ' ', '\u{a0}', '_', ','])
        && (!format.decimal_comma || !value.contains('.'));
    let cleaned: std::borrow::Cow<'_, str> = if plain {
        value.into()
    } else {
        let kept: String = value
            .chars()
            .filter(|character| !matches!(character, '$' | '€' | '£' | ' ' | '\u{a0}' | '_'))
            .collect();
        if format.decimal_comma {
            kept.replace('.', "").replace(',', ".").into()
        } else {
            kept.replace(',', "").into()
        }
    };
    let number: f64 = cleaned.parse().map_err(|_| error())?;
    if !number.is_finite() {
        return Err(error());
    }
    Ok(number)
}

fn format_number(number: f64) -> String {
    if number.fract() == 0.0 && number.abs() < 9.0e15 {
        (number as i64).to_string()
    } else {
        format!("{number}")
    }
}

fn canonical_boolean(value: &str, format: &ValueFormat) -> Result<String, ValueError> {
    let lower = value.to_lowercase();
    let is_true = ["true", "t", "yes", "y", "1", "x"].contains(&lower.as_str())
        || format.true_words.contains(&lower);
    let is_false = ["false", "f", "no", "n", "0"].contains(&lower.as_str())
        || format.false_words.contains(&lower);
    match (is_true, is_false) {
        (true, false) => Ok("true".to_string()),
        (false, true) => Ok("false".to_string()),
        _ => Err(ValueError::Boolean {
            value: value.to_string(),
        }),
    }
}

/// E.164: `+`, country code, subscriber number, 7 to 15 digits in all. Numbers written
/// without a country code get the feed's default; a national trunk `0` is dropped.
fn canonical_phone(value: &str, default_calling_code: &str) -> Result<String, ValueError> {
    let error = || ValueError::Phone {
        value: value.to_string(),
    };
    // Extensions are not part of the line's identity.
    let without_extension = value.split(['x', 'X', '#']).next().unwrap_or(value).trim();
    let international = without_extension.starts_with('+') || without_extension.starts_with("00");
    let mut digits: String = without_extension
        .chars()
        .filter(char::is_ascii_digit)
        .collect();
    if without_extension.starts_with("00") {
        digits.drain(..2);
    }
    // `+` and the full number, written once.
    let mut text = String::with_capacity(digits.len() + default_calling_code.len() + 2);
    text.push('+');
    if international {
        text.push_str(&digits);
    } else if default_calling_code == "1" {
        // North American numbering plan: 10 digits, or 11 with the leading 1.
        match digits.len() {
            10 => {
                text.push('1');
                text.push_str(&digits);
            }
            11 if digits.starts_with('1') => text.push_str(&digits),
            _ => return Err(error()),
        }
    } else {
        text.push_str(default_calling_code);
        text.push_str(digits.strip_prefix('0').unwrap_or(&digits));
    }
    let full = &text[1..];
    if !(7..=15).contains(&full.len()) || full.starts_with('0') {
        return Err(error());
    }
    Ok(text)
}

fn canonical_email(value: &str) -> Result<String, ValueError> {
    let email = value.trim_start_matches("mailto:").trim().to_lowercase();
    let valid = match email.split_once('@') {
        Some((local, domain)) => {
            !local.is_empty()
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
                && !email.contains(char::is_whitespace)
                && !domain.contains('@')
        }
        None => false,
    };
    if valid {
        Ok(email)
    } else {
        Err(ValueError::Email {
            value: value.to_string(),
        })
    }
}

/// The countries feeds name most in this domain, by English name and alpha-3 code.
/// Any two-letter code is accepted as ISO alpha-2.
const COUNTRY_NAMES: &[(&str, &str)] = &[
    ("united states", "us"),
    ("united states of america", "us"),
    ("usa", "us"),
    ("mexico", "mx"),
    ("mex", "mx"),
    ("china", "cn"),
    ("chn", "cn"),
    ("people's republic of china", "cn"),
    ("hong kong", "hk"),
    ("hkg", "hk"),
    ("india", "in"),
    ("ind", "in"),
    ("canada", "ca"),
    ("can", "ca"),
    ("colombia", "co"),
    ("col", "co"),
    ("guatemala", "gt"),
    ("gtm", "gt"),
    ("honduras", "hn"),
    ("hnd", "hn"),
    ("el salvador", "sv"),
    ("slv", "sv"),
    ("germany", "de"),
    ("deu", "de"),
    ("netherlands", "nl"),
    ("nld", "nl"),
    ("united kingdom", "gb"),
    ("gbr", "gb"),
    ("uk", "gb"),
    ("vietnam", "vn"),
    ("viet nam", "vn"),
    ("vnm", "vn"),
    ("thailand", "th"),
    ("tha", "th"),
    ("philippines", "ph"),
    ("phl", "ph"),
    ("taiwan", "tw"),
    ("twn", "tw"),
    ("panama", "pa"),
    ("pan", "pa"),
    ("dominican republic", "do"),
    ("dom", "do"),
    ("peru", "pe"),
    ("per", "pe"),
    ("brazil", "br"),
    ("bra", "br"),
];

fn canonical_country(value: &str) -> Result<String, ValueError> {
    let lower = collapse_whitespace(&value.to_lowercase());
    if lower.len() == 2
        && lower
            .chars()
            .all(|character| character.is_ascii_lowercase())
    {
        return Ok(lower);
    }
    COUNTRY_NAMES
        .iter()
        .find(|(name, _)| *name == lower)
        .map(|(_, code)| code.to_string())
        .ok_or_else(|| ValueError::Country {
            value: value.to_string(),
        })
}

fn canonical_coordinate(
    value: &str,
    format: &ValueFormat,
    limit: i32,
) -> Result<String, ValueError> {
    let error = || ValueError::Coordinate {
        value: value.to_string(),
        low: -limit,
        high: limit,
    };
    let number = parse_number(value, format).map_err(|_| error())?;
    if number.abs() > f64::from(limit) {
        return Err(error());
    }
    // Six decimals are about 0.1 m: more is noise.
    let text = format!("{number:.6}");
    let text = text.trim_end_matches('0').trim_end_matches('.');
    Ok(if text == "-0" {
        "0".to_string()
    } else {
        text.to_string()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(property_type: PropertyType, raw: &str, expected: Result<&str, ()>) {
        check_with(property_type, raw, &ValueFormat::default(), expected);
    }

    fn check_with(
        property_type: PropertyType,
        raw: &str,
        format: &ValueFormat,
        expected: Result<&str, ()>,
    ) {
        let actual = property_type.canonicalise(raw, format);
        match expected {
            Ok(expected) => {
                assert_eq!(actual.as_deref(), Ok(expected), "{property_type:?} {raw:?}")
            }
            Err(()) => assert!(actual.is_err(), "{property_type:?} {raw:?} gave {actual:?}"),
        }
    }

    #[test]
    fn iso_forms_match_chrono_formatting() {
        for (year, month, day) in [
            (1987, 3, 9),
            (2024, 12, 31),
            (33, 1, 1),
            (0, 2, 29),
            (999, 10, 10),
            (9999, 12, 31),
            (10_000, 1, 1),
            (-1, 1, 1),
        ] {
            let date = NaiveDate::from_ymd_opt(year, month, day).unwrap();
            assert_eq!(iso_date(date), date.format(ISO_DATE).to_string());
        }
        check(
            PropertyType::Datetime,
            "0033-01-01T05:06:07+01:00",
            Ok("0033-01-01T04:06:07Z"),
        );
        check(
            PropertyType::Datetime,
            "2024-12-31T23:59:59-00:00",
            Ok("2024-12-31T23:59:59Z"),
        );
    }

    #[test]
    fn text_has_its_whitespace_collapsed() {
        check(
            PropertyType::Name,
            "Juan Carlos Pérez",
            Ok("Juan Carlos Pérez"),
        );
        check(
            PropertyType::Name,
            " Juan   Carlos\tPérez ",
            Ok("Juan Carlos Pérez"),
        );
        check(PropertyType::Text, "a\u{a0}b\nc", Ok("a b c"));
        check(PropertyType::Text, "x", Ok("x"));
    }

    #[test]
    fn phones_become_e164() {
        check(PropertyType::Phone, "(415) 555-0123", Ok("+14155550123"));
        check(PropertyType::Phone, "1-415-555-0123", Ok("+14155550123"));
        check(PropertyType::Phone, "+52 55 1234 5678", Ok("+525512345678"));
        check(
            PropertyType::Phone,
            "0052 55 1234 5678",
            Ok("+525512345678"),
        );
        check(PropertyType::Phone, "415.555.0123 x12", Ok("+14155550123"));
        check(PropertyType::Phone, "555-0123", Err(()));
        check(PropertyType::Phone, "n/a", Err(()));
        let mexico = ValueFormat {
            default_calling_code: "52".into(),
            ..ValueFormat::default()
        };
        check_with(
            PropertyType::Phone,
            "055 1234 5678",
            &mexico,
            Ok("+525512345678"),
        );
    }

    #[test]
    fn dates_accept_profile_formats_and_partial_dates() {
        let us = ValueFormat {
            date_formats: vec!["%m/%d/%Y".into()],
            ..ValueFormat::default()
        };
        check_with(PropertyType::Date, "03/07/1988", &us, Ok("1988-03-07"));
        check_with(PropertyType::Date, "1988-03-07", &us, Ok("1988-03-07"));
        check_with(PropertyType::Date, "1988", &us, Ok("1988"));
        check_with(PropertyType::Date, "1988-03", &us, Ok("1988-03"));
        check_with(PropertyType::Date, "13/45/1988", &us, Err(()));
        check_with(PropertyType::Date, "1988-13", &us, Err(()));
    }

    #[test]
    fn padded_iso_dates_read_as_chrono_reads_them() {
        for value in [
            "1988-03-07",
            "0000-01-01",
            "9999-12-31",
            "2024-02-29",
            "2023-02-29",
            "2020-13-01",
            "2020-00-10",
            "2020-04-31",
            "2020-1-05",
            "+2020-01-05",
            "2020/01/05",
            "2020-01-0x",
            "２０２０-01-05",
        ] {
            let chrono = NaiveDate::parse_from_str(value, ISO_DATE).ok();
            if let Some(fast) = padded_iso_date(value) {
                assert_eq!(Some(fast), chrono, "{value}");
            }
            // Whichever way it is read, the canonical form is chrono's.
            let expected = chrono.map(iso_date).ok_or(());
            let found = canonical_date(value, &ValueFormat::default()).map_err(|_| ());
            assert_eq!(found, expected, "{value}");
        }
        assert_eq!(
            padded_iso_date("1988-03-07"),
            NaiveDate::from_ymd_opt(1988, 3, 7)
        );
        assert_eq!(padded_iso_date("2020-1-05"), None);
    }

    #[test]
    fn padded_iso_datetimes_read_as_chrono_reads_them() {
        for value in [
            "2024-01-05T23:30:00",
            "2024-01-05 23:30:00",
            "0000-01-01 00:00:00",
            "9999-12-31T23:59:59",
            "2024-01-05 24:00:00",
            "2024-01-05 23:60:00",
            "2016-12-31 23:59:60",
            "2024-02-30 10:00:00",
            "2024-01-05X23:30:00",
            "2024-01-05 23:30:0x",
            "2024-01-05 23:30",
        ] {
            let chrono = ["%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M:%S"]
                .iter()
                .find_map(|pattern| NaiveDateTime::parse_from_str(value, pattern).ok());
            if let Some(fast) = padded_iso_datetime(value) {
                assert_eq!(Some(fast), chrono, "{value}");
            }
        }
        // A leap second is left to chrono, which keeps it.
        assert_eq!(padded_iso_datetime("2016-12-31 23:59:60"), None);
        let pacific = ValueFormat {
            utc_offset: "-08:00".into(),
            ..ValueFormat::default()
        };
        check_with(
            PropertyType::Datetime,
            "2016-12-31 23:59:60",
            &pacific,
            Ok("2017-01-01T07:59:60Z"),
        );
        check_with(
            PropertyType::Datetime,
            "2024-01-05T23:30:00",
            &pacific,
            Ok("2024-01-06T07:30:00Z"),
        );
    }

    #[test]
    fn datetime_patterns_with_an_offset_read_it() {
        let with_offset = ValueFormat {
            datetime_formats: vec!["%d.%m.%Y %H:%M %z".into()],
            ..ValueFormat::default()
        };
        check_with(
            PropertyType::Datetime,
            "05.01.2024 23:30 +0100",
            &with_offset,
            Ok("2024-01-05T22:30:00Z"),
        );
        check_with(
            PropertyType::Datetime,
            "05.01.2024 23:30",
            &with_offset,
            Err(()),
        );
    }

    #[test]
    fn datetimes_are_stored_in_utc() {
        let pacific = ValueFormat {
            utc_offset: "-08:00".into(),
            datetime_formats: vec!["%m/%d/%Y %H:%M".into()],
            ..ValueFormat::default()
        };
        check_with(
            PropertyType::Datetime,
            "2024-01-05 23:30:00",
            &pacific,
            Ok("2024-01-06T07:30:00Z"),
        );
        check_with(
            PropertyType::Datetime,
            "01/05/2024 23:30",
            &pacific,
            Ok("2024-01-06T07:30:00Z"),
        );
        check_with(
            PropertyType::Datetime,
            "2024-01-05T23:30:00+01:00",
            &pacific,
            Ok("2024-01-05T22:30:00Z"),
        );
        check_with(
            PropertyType::Datetime,
            "2024-01-05",
            &pacific,
            Ok("2024-01-05T08:00:00Z"),
        );
        check_with(PropertyType::Datetime, "yesterday", &pacific, Err(()));
    }

    #[test]
    fn numbers_money_and_coordinates() {
        check(PropertyType::Number, "1,234.50", Ok("1234.5"));
        check(PropertyType::Number, "15000", Ok("15000"));
        check(PropertyType::Money, "$9,850", Ok("9850.00"));
        check(PropertyType::Integer, "12.5", Err(()));
        check(PropertyType::Integer, "1,200", Ok("1200"));
        let european = ValueFormat {
            decimal_comma: true,
            ..ValueFormat::default()
        };
        check_with(PropertyType::Number, "1.234,5", &european, Ok("1234.5"));
        // Plain numbers, parsed without cleaning, give what cleaning would.
        check(PropertyType::Number, "-12.75", Ok("-12.75"));
        check(PropertyType::Money, "7", Ok("7.00"));
        check(PropertyType::Number, "inf", Err(()));
        check_with(PropertyType::Number, "12", &european, Ok("12"));
        check_with(PropertyType::Number, "12.500", &european, Ok("12500"));
        check(PropertyType::Latitude, "34.0522351", Ok("34.052235"));
        check(PropertyType::Latitude, "95", Err(()));
        check(PropertyType::Longitude, "-118.2437", Ok("-118.2437"));
        check(PropertyType::Number, "NaN", Err(()));
    }

    #[test]
    fn identifiers_emails_countries_booleans() {
        check(PropertyType::Identifier, " d1234-567 ", Ok("D1234567"));
        check(PropertyType::Identifier, "--", Err(()));
        // Beyond ASCII, letters and digits of every script stay, upper-cased.
        check(PropertyType::Identifier, "ab-ß/é 12", Ok("ABSSÉ12"));
        check(PropertyType::Identifier, "ж-٣", Ok("Ж٣"));
        check(
            PropertyType::Email,
            " Jose.Garcia@Example.COM ",
            Ok("jose.garcia@example.com"),
        );
        check(PropertyType::Email, "jose@localhost", Err(()));
        check(PropertyType::Country, "Mexico", Ok("mx"));
        check(PropertyType::Country, "CN", Ok("cn"));
        check(PropertyType::Country, "Atlantis", Err(()));
        check(PropertyType::Boolean, "Y", Ok("true"));
        check(PropertyType::Boolean, "0", Ok("false"));
        check(PropertyType::Boolean, "maybe", Err(()));
        check(
            PropertyType::Name,
            "  GARCIA   HERNANDEZ, Jose ",
            Ok("GARCIA HERNANDEZ, Jose"),
        );
    }

    #[test]
    fn enums_match_declared_values_loosely() {
        let allowed = vec!["4-anpp".to_string(), "counterfeit_oxycodone".to_string()];
        assert_eq!(canonical_enum("4-ANPP", &allowed).as_deref(), Ok("4-anpp"));
        assert_eq!(canonical_enum("4_anpp", &allowed).as_deref(), Ok("4-anpp"));
        assert_eq!(
            canonical_enum("Counterfeit Oxycodone", &allowed).as_deref(),
            Ok("counterfeit_oxycodone")
        );
        assert!(canonical_enum("aspirin", &allowed).is_err());
    }
}
