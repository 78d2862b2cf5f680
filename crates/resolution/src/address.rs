//! US street addresses standardised from one line of text.
//!
//! Agencies write `17253 Western Blvd, Apt 4, El Cajon CA 95432`, `17253 WESTERN
//! BOULEVARD #4 EL CAJON, CALIFORNIA 95432-1120` and everything between. The method
//! follows USPS Publication 28 (Postal Addressing Standards), best effort:
//!
//! 1. Fold to upper-case ASCII (`text`); commas split *segments*, other punctuation
//!    goes, except `#`, which marks a unit.
//! 2. From the end: a ZIP code (`95432` or ZIP+4, kept as the five digits that carry
//!    the match), then a state (two-letter code or full name, written as the code).
//! 3. From the start: the house number, when the first token starts with a digit.
//! 4. A unit designator (`APT`, `UNIT`, `STE`, `#`, `RM`, …) and its identifier become
//!    `#` + identifier, kept apart from the street: `APT 4` and `# 4` are both `#4`.
//! 5. The street is the rest of the first segment; the city the rest after it. On a
//!    line without commas the street ends at its last suffix word (`ST`, `AVE`, …)
//!    or at the unit.
//! 6. In the street, the suffix word is abbreviated (C1 of Pub. 28: `BOULEVARD` →
//!    `BLVD`), and a leading or trailing directional (C2: `NORTH` → `N`), unless that
//!    word is the street's name itself (`NORTH AVE`, `COURT ST`).
//!
//! Parsing never fails: what cannot be placed stays in `street` or `city`.

use crate::text::{fold_to_ascii_upper, strip_to_alphanumeric};

/// A standardised US address. Every part is upper-case ASCII.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Address {
    pub number: Option<crate::Text>,
    pub street: Option<crate::Text>,
    /// `#` followed by the unit's identifier (`#4`, `#200B`).
    pub unit: Option<crate::Text>,
    pub city: Option<crate::Text>,
    /// USPS two-letter code.
    pub state: Option<crate::Text>,
    /// The five-digit ZIP code.
    pub postal_code: Option<crate::Text>,
}

impl Address {
    /// Standardises one line of address text, best effort.
    pub fn parse(raw: &str) -> Address {
        let mut tokens = tokenise(&fold_to_ascii_upper(raw));
        let mut address = Address::default();
        if let Some(zip) = tokens.last().and_then(|last| zip_code(&last.text)) {
            address.postal_code = Some(zip.into());
            tokens.pop();
        }
        address.state = take_state(&mut tokens).map(Into::into);
        let unit = take_unit(&mut tokens);
        let starts_with_digit = tokens.first().is_some_and(|first| {
            first
                .text
                .starts_with(|character: char| character.is_ascii_digit())
        });
        let mut unit_position = unit.as_ref().map(|(_, position)| *position);
        if starts_with_digit {
            address.number = Some(tokens.remove(0).text.into());
            unit_position = unit_position.map(|position| position.saturating_sub(1));
        }
        address.unit = unit.map(|(unit, _)| unit.into());

        let street_end = street_end(&tokens, unit_position);
        let (street, city) = tokens.split_at(street_end);
        address.street = standard_street(street).map(Into::into);
        address.city = join(city.iter().map(|token| token.text.clone())).map(Into::into);
        address
    }

    /// The standard one-line form: `17253 WESTERN BLVD #4, EL CAJON CA 95432`.
    pub fn standard_line(&self) -> String {
        let street_line = join(
            [&self.number, &self.street, &self.unit]
                .into_iter()
                .flatten()
                .map(|part| part.to_string()),
        );
        let place_line = join(
            [&self.city, &self.state, &self.postal_code]
                .into_iter()
                .flatten()
                .map(|part| part.to_string()),
        );
        [street_line, place_line]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// One word of the address and the comma-separated segment it came from.
#[derive(Debug, Clone)]
struct Token {
    text: String,
    segment: usize,
}

fn tokenise(folded: &str) -> Vec<Token> {
    let mut tokens = Vec::new();
    for (segment, text) in folded.split(',').enumerate() {
        for word in text.split_whitespace() {
            // `#4` and `APT#4` hold a unit marker; keep `#` as a token of its own.
            for (index, piece) in word.split('#').enumerate() {
                if index > 0 {
                    tokens.push(Token {
                        text: "#".to_string(),
                        segment,
                    });
                }
                let text = strip_to_alphanumeric(piece);
                if !text.is_empty() {
                    tokens.push(Token { text, segment });
                }
            }
        }
    }
    tokens
}

fn join(parts: impl Iterator<Item = String>) -> Option<String> {
    let joined = parts.collect::<Vec<_>>().join(" ");
    (!joined.is_empty()).then_some(joined)
}

/// A five-digit ZIP, or ZIP+4 written with or without its hyphen; the five digits.
fn zip_code(token: &str) -> Option<String> {
    let all_digits = token.bytes().all(|byte| byte.is_ascii_digit());
    (all_digits && (token.len() == 5 || token.len() == 9)).then(|| token[..5].to_string())
}

/// Takes a state (code or full name) from the end, if something stands before it.
fn take_state(tokens: &mut Vec<Token>) -> Option<String> {
    for length in (1..=3).rev() {
        if tokens.len() <= length {
            continue;
        }
        let tail: Vec<&str> = tokens[tokens.len() - length..]
            .iter()
            .map(|token| token.text.as_str())
            .collect();
        let tail = tail.join(" ");
        let code = STATES
            .iter()
            .find(|(code, name)| *name == tail || (length == 1 && *code == tail))
            .map(|(code, _)| code.to_string());
        if code.is_some() {
            tokens.truncate(tokens.len() - length);
            return code;
        }
    }
    None
}

/// Takes the first unit designator after the house number with its identifier;
/// returns `#` + identifier and where it stood.
fn take_unit(tokens: &mut Vec<Token>) -> Option<(String, usize)> {
    let is_designator = |text: &str| text == "#" || UNIT_DESIGNATORS.contains(&text);
    let start = (1..tokens.len()).find(|index| is_designator(&tokens[*index].text))?;
    let mut end = start;
    while end < tokens.len() && is_designator(&tokens[end].text) {
        end += 1;
    }
    let identifier = tokens.get(end)?;
    let plausible =
        identifier.text.bytes().any(|byte| byte.is_ascii_digit()) || identifier.text.len() == 1;
    if !plausible {
        return None;
    }
    let unit = format!("#{}", identifier.text);
    tokens.drain(start..=end);
    Some((unit, start))
}

/// Where the street ends among the tokens left after number, unit, state and ZIP.
fn street_end(tokens: &[Token], unit_position: Option<usize>) -> usize {
    let Some(first) = tokens.first() else {
        return 0;
    };
    // Commas are the clearest boundary: the street is the first segment.
    let in_first_segment = tokens
        .iter()
        .take_while(|token| token.segment == first.segment)
        .count();
    if in_first_segment < tokens.len() {
        return in_first_segment;
    }
    if let Some(position) = unit_position {
        return position.min(tokens.len());
    }
    // One segment, no unit: the street ends at its last common suffix word, or
    // takes everything when it has none.
    let last_suffix = (1..tokens.len()).rev().find(|index| {
        STREET_END_SUFFIXES.contains(&standard_suffix(&tokens[*index].text).unwrap_or(""))
    });
    match last_suffix {
        Some(index)
            if index + 2 == tokens.len() && directional(&tokens[index + 1].text).is_some() =>
        {
            tokens.len()
        }
        Some(index) => index + 1,
        None => tokens.len(),
    }
}

fn standard_street(tokens: &[Token]) -> Option<String> {
    let mut words: Vec<String> = tokens.iter().map(|token| token.text.clone()).collect();
    let count = words.len();
    let trailing_directional = count >= 2 && directional(&words[count - 1]).is_some();
    let suffix_search_end = if trailing_directional {
        count - 1
    } else {
        count
    };
    // The suffix is the last suffix word, never the first word (`COURT ST`).
    let suffix_position = (1..suffix_search_end)
        .rev()
        .find(|index| standard_suffix(&words[*index]).is_some());
    if let Some(position) = suffix_position {
        words[position] = standard_suffix(&words[position])
            .unwrap_or_default()
            .to_string();
    }
    let name_start =
        usize::from(count >= 2 && directional(&words[0]).is_some() && suffix_position != Some(1));
    if name_start == 1 {
        words[0] = directional(&words[0]).unwrap_or_default().to_string();
    }
    // A trailing directional is abbreviated only when a street name stands before it
    // (`PENNSYLVANIA AVE NW`), not when it is the name (`AVENUE NORTH` stays a name).
    let name_words_before_trailing = (name_start..count.saturating_sub(1))
        .filter(|index| Some(*index) != suffix_position)
        .count();
    if trailing_directional && name_words_before_trailing > 0 && suffix_position.is_some() {
        words[count - 1] = directional(&words[count - 1])
            .unwrap_or_default()
            .to_string();
    }
    join(words.into_iter())
}

fn standard_suffix(word: &str) -> Option<&'static str> {
    STREET_SUFFIXES
        .iter()
        .find(|(_, abbreviation, spellings)| *abbreviation == word || spellings.contains(&word))
        .map(|(_, abbreviation, _)| *abbreviation)
}

fn directional(word: &str) -> Option<&'static str> {
    DIRECTIONALS
        .iter()
        .find(|(name, abbreviation)| *name == word || *abbreviation == word)
        .map(|(_, abbreviation)| *abbreviation)
}

/// Pub. 28 appendix C2.
const DIRECTIONALS: &[(&str, &str)] = &[
    ("NORTH", "N"),
    ("SOUTH", "S"),
    ("EAST", "E"),
    ("WEST", "W"),
    ("NORTHEAST", "NE"),
    ("NORTHWEST", "NW"),
    ("SOUTHEAST", "SE"),
    ("SOUTHWEST", "SW"),
];

/// Pub. 28 appendix C2, secondary unit designators, plus common variants.
const UNIT_DESIGNATORS: &[&str] = &[
    "APT",
    "APARTMENT",
    "UNIT",
    "STE",
    "SUITE",
    "RM",
    "ROOM",
    "SPC",
    "SPACE",
    "LOT",
    "TRLR",
    "TRAILER",
    "BLDG",
    "BUILDING",
    "FL",
    "FLOOR",
    "DEPT",
    "NO",
    "NUM",
];

/// Suffixes that end a street on a line without commas: the common ones that are not
/// also frequent words in city names (`LAKE`, `PARK`, `SPRINGS`, `HEIGHTS` are).
const STREET_END_SUFFIXES: &[&str] = &[
    "ST", "AVE", "BLVD", "DR", "RD", "LN", "CT", "PL", "WAY", "CIR", "PKWY", "HWY", "TER", "TRL",
    "LOOP", "EXPY", "FWY", "ALY", "PLZ", "SQ", "TPKE",
];

/// Pub. 28 appendix C1: (usual name, standard abbreviation, other spellings seen).
const STREET_SUFFIXES: &[(&str, &str, &[&str])] = &[
    ("ALLEY", "ALY", &["ALLEY", "ALLY"]),
    ("AVENUE", "AVE", &["AVENUE", "AV", "AVEN", "AVN", "AVNUE"]),
    ("BOULEVARD", "BLVD", &["BOULEVARD", "BOUL", "BOULV", "BLV"]),
    ("CANYON", "CYN", &["CANYON", "CNYN"]),
    ("CENTER", "CTR", &["CENTER", "CENTRE", "CENTR", "CNTR"]),
    ("CIRCLE", "CIR", &["CIRCLE", "CIRC", "CIRCL", "CRCL"]),
    ("COURT", "CT", &["COURT", "CRT"]),
    ("COVE", "CV", &["COVE"]),
    ("CREEK", "CRK", &["CREEK"]),
    ("CRESCENT", "CRES", &["CRESCENT", "CRSNT"]),
    ("CROSSING", "XING", &["CROSSING", "CRSSNG"]),
    ("DRIVE", "DR", &["DRIVE", "DRIV", "DRV"]),
    (
        "EXPRESSWAY",
        "EXPY",
        &["EXPRESSWAY", "EXPRESS", "EXPW", "EXPWY"],
    ),
    ("FREEWAY", "FWY", &["FREEWAY", "FRWY", "FRWAY"]),
    ("GARDENS", "GDNS", &["GARDENS", "GARDEN", "GDN"]),
    ("GLEN", "GLN", &["GLEN"]),
    ("GROVE", "GRV", &["GROVE", "GROV"]),
    ("HEIGHTS", "HTS", &["HEIGHTS", "HT"]),
    (
        "HIGHWAY",
        "HWY",
        &["HIGHWAY", "HIGHWY", "HIWAY", "HIWY", "HWAY"],
    ),
    ("HILL", "HL", &["HILL"]),
    ("HOLLOW", "HOLW", &["HOLLOW", "HLLW", "HOLWS"]),
    ("JUNCTION", "JCT", &["JUNCTION", "JCTION", "JUNCTN"]),
    ("LAKE", "LK", &["LAKE"]),
    ("LANE", "LN", &["LANE"]),
    ("LOOP", "LOOP", &["LOOPS"]),
    ("MANOR", "MNR", &["MANOR"]),
    ("MEADOWS", "MDWS", &["MEADOWS", "MEADOW", "MDW"]),
    ("MOUNTAIN", "MTN", &["MOUNTAIN", "MNTAIN", "MNTN"]),
    ("PARKWAY", "PKWY", &["PARKWAY", "PARKWY", "PKWAY", "PKY"]),
    ("PLACE", "PL", &["PLACE"]),
    ("PLAZA", "PLZ", &["PLAZA", "PLZA"]),
    ("POINT", "PT", &["POINT"]),
    ("RANCH", "RNCH", &["RANCH", "RANCHES", "RNCHS"]),
    ("RIDGE", "RDG", &["RIDGE", "RDGE"]),
    ("ROAD", "RD", &["ROAD"]),
    ("ROUTE", "RTE", &["ROUTE"]),
    ("SPRINGS", "SPGS", &["SPRINGS", "SPNGS", "SPRNGS"]),
    ("SQUARE", "SQ", &["SQUARE", "SQR", "SQRE", "SQU"]),
    ("STREET", "ST", &["STREET", "STRT", "STR"]),
    ("TERRACE", "TER", &["TERRACE", "TERR"]),
    ("TRAIL", "TRL", &["TRAIL", "TRAILS", "TRLS"]),
    ("TURNPIKE", "TPKE", &["TURNPIKE", "TRNPK", "TURNPK"]),
    ("VALLEY", "VLY", &["VALLEY", "VALLY", "VLLY"]),
    ("VIEW", "VW", &["VIEW"]),
    ("VILLAGE", "VLG", &["VILLAGE", "VILL", "VILLAG", "VILLG"]),
    ("VISTA", "VIS", &["VISTA", "VIST", "VST", "VSTA"]),
    ("WAY", "WAY", &["WY"]),
];

/// USPS state and territory codes with their names.
const STATES: &[(&str, &str)] = &[
    ("AL", "ALABAMA"),
    ("AK", "ALASKA"),
    ("AZ", "ARIZONA"),
    ("AR", "ARKANSAS"),
    ("CA", "CALIFORNIA"),
    ("CO", "COLORADO"),
    ("CT", "CONNECTICUT"),
    ("DE", "DELAWARE"),
    ("DC", "DISTRICT OF COLUMBIA"),
    ("FL", "FLORIDA"),
    ("GA", "GEORGIA"),
    ("HI", "HAWAII"),
    ("ID", "IDAHO"),
    ("IL", "ILLINOIS"),
    ("IN", "INDIANA"),
    ("IA", "IOWA"),
    ("KS", "KANSAS"),
    ("KY", "KENTUCKY"),
    ("LA", "LOUISIANA"),
    ("ME", "MAINE"),
    ("MD", "MARYLAND"),
    ("MA", "MASSACHUSETTS"),
    ("MI", "MICHIGAN"),
    ("MN", "MINNESOTA"),
    ("MS", "MISSISSIPPI"),
    ("MO", "MISSOURI"),
    ("MT", "MONTANA"),
    ("NE", "NEBRASKA"),
    ("NV", "NEVADA"),
    ("NH", "NEW HAMPSHIRE"),
    ("NJ", "NEW JERSEY"),
    ("NM", "NEW MEXICO"),
    ("NY", "NEW YORK"),
    ("NC", "NORTH CAROLINA"),
    ("ND", "NORTH DAKOTA"),
    ("OH", "OHIO"),
    ("OK", "OKLAHOMA"),
    ("OR", "OREGON"),
    ("PA", "PENNSYLVANIA"),
    ("RI", "RHODE ISLAND"),
    ("SC", "SOUTH CAROLINA"),
    ("SD", "SOUTH DAKOTA"),
    ("TN", "TENNESSEE"),
    ("TX", "TEXAS"),
    ("UT", "UTAH"),
    ("VT", "VERMONT"),
    ("VA", "VIRGINIA"),
    ("WA", "WASHINGTON"),
    ("WV", "WEST VIRGINIA"),
    ("WI", "WISCONSIN"),
    ("WY", "WYOMING"),
    ("PR", "PUERTO RICO"),
    ("GU", "GUAM"),
    ("VI", "VIRGIN ISLANDS"),
    ("AS", "AMERICAN SAMOA"),
    ("MP", "NORTHERN MARIANA ISLANDS"),
];

#[cfg(test)]
mod tests {
    use super::Address;

    /// Each case: the raw line and its parts, `number | street | unit | city | state |
    /// zip`, empty for none.
    fn check(cases: &[(&str, &str)]) {
        let tidy = |parts: &str| {
            parts
                .split('|')
                .map(|part| match part.trim() {
                    "" => "-",
                    part => part,
                })
                .collect::<Vec<_>>()
                .join(" | ")
        };
        for (raw, expected) in cases {
            let address = Address::parse(raw);
            let part =
                |value: &Option<crate::Text>| value.as_deref().unwrap_or_default().to_string();
            let shown = [
                part(&address.number),
                part(&address.street),
                part(&address.unit),
                part(&address.city),
                part(&address.state),
                part(&address.postal_code),
            ]
            .join(" | ");
            assert_eq!(tidy(&shown), tidy(expected), "parsing {raw:?}");
        }
    }

    #[test]
    fn lines_with_commas() {
        check(&[
            (
                "17253 Western Blvd, Apt 4, El Cajon CA 95432",
                "17253 | WESTERN BLVD | #4 | EL CAJON | CA | 95432",
            ),
            (
                "17253 WESTERN BOULEVARD #4, EL CAJON, CALIFORNIA 95432-1120",
                "17253 | WESTERN BLVD | #4 | EL CAJON | CA | 95432",
            ),
            (
                "500 North Main Street, Suite 200, Santa Ana, CA 92701",
                "500 | N MAIN ST | #200 | SANTA ANA | CA | 92701",
            ),
            (
                "12 Court Street, Brooklyn, New York 11201",
                "12 | COURT ST | | BROOKLYN | NY | 11201",
            ),
            (
                "400 North Avenue, Apt. 3B, Atlanta GA",
                "400 | NORTH AVE | #3B | ATLANTA | GA | ",
            ),
            (
                "1600 Pennsylvania Av NW, Washington, DC 20500",
                "1600 | PENNSYLVANIA AVE NW | | WASHINGTON | DC | 20500",
            ),
            (
                "77 Calle Ñandú, Unit 5, San Juan PR 00901",
                "77 | CALLE NANDU | #5 | SAN JUAN | PR | 00901",
            ),
        ]);
    }

    #[test]
    fn lines_without_commas() {
        check(&[
            (
                "17253 Western Blvd Apt 4 El Cajon CA 95432",
                "17253 | WESTERN BLVD | #4 | EL CAJON | CA | 95432",
            ),
            (
                "123 Main St Lake Forest CA 92630",
                "123 | MAIN ST | | LAKE FOREST | CA | 92630",
            ),
            (
                "9 Park Lake Road Orlando FL",
                "9 | PARK LAKE RD | | ORLANDO | FL | ",
            ),
            ("88 Elm Street", "88 | ELM ST | | | | "),
            ("88 Elm St # 12", "88 | ELM ST | #12 | | | "),
            (
                "4410 W. Ocean Drive Unit B",
                "4410 | W OCEAN DR | #B | | | ",
            ),
            ("Main St Apt 2", " | MAIN ST | #2 | | | "),
            ("2 Main Street North", "2 | MAIN ST N | | | | "),
            ("2 Avenue North", "2 | AVENUE NORTH | | | | "),
            ("", " |  |  |  |  | "),
        ]);
    }

    #[test]
    fn standard_line_joins_the_parts() {
        let address = Address::parse("17253 Western Boulevard apt 4, el cajon, ca 95432");
        assert_eq!(
            address.standard_line(),
            "17253 WESTERN BLVD #4, EL CAJON CA 95432"
        );
        assert_eq!(Address::parse("").standard_line(), "");
    }
}
