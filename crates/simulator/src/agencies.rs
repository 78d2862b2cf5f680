//! The agencies' feeds: each one's own file layout and the mapping profile that reads it.
//!
//! Layouts differ on purpose (column names, date formats, phone and name formats, units,
//! delimiter, encoding, CSV vs JSON Lines) because that is what a task force receives.
//! In every profile the first `[[entities]]` is keyed by the `id_column`, so its source
//! record id is the row id and every other entity of the row is `<row id>#<entity name>`.

use crate::feeds::BadReason::{self, *};
use crate::feeds::{FeedSpec, Format, JsonType};

use JsonType::{Bool as B, List as L, Number as N, Text as T};

/// Index of each feed in [`FEEDS`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum FeedId {
    DeaSubjects,
    DeaSeizures,
    DeaTolls,
    DeaOperations,
    CbpParcels,
    CbpPrecursors,
    CbpPressImports,
    DojArrests,
    DojPressRegistry,
    DojPressTransfers,
    SheriffBookings,
    SheriffSeizures,
    SheriffOperations,
    HealthOverdoses,
    FiuTransfers,
    FiuCashDeposits,
    FiuCrypto,
    FiuSar,
}

/// Bad rows per corruptible row, in the feeds that get them (documented in the crate doc).
pub(crate) const BAD_ROW_RATE: f64 = 0.002;
/// At Small scale feeds are short: a higher rate still puts each kind of damage in.
pub(crate) const BAD_ROW_RATE_SMALL: f64 = 0.01;

const CSV_REASONS: &[BadReason] = &[WrongFieldCount, BadDate, MissingRequired, InvalidUtf8];
const LATIN1_REASONS: &[BadReason] = &[BadDate, WrongFieldCount, MissingRequired];
const JSON_REASONS: &[BadReason] = &[MalformedJson, InvalidUtf8, MissingRequired, BadDate];
const NONE: &[BadReason] = &[];

pub(crate) static FEEDS: [FeedSpec; 18] = [
    FeedSpec {
        agency: "dea",
        feed: "subjects",
        format: Format::Csv(b','),
        windows_1252: false,
        columns: &[
            ("SUBJECT_ID", T),
            ("SUBJECT_NAME", T),
            ("AKA", T),
            ("DOB", T),
            ("SEX", T),
            ("PHONE", T),
            ("ADDRESS", T),
            ("FBI_NO", T),
            ("INFORMANT", T),
            ("CAVEATS", T),
            ("PREDICATE", T),
            ("OPENED", T),
            ("REVIEW_DATE", T),
        ],
        profile: DEA_SUBJECTS,
        id_column: 0,
        date_column: 11,
        required_column: 1,
        text_column: 6,
        bad_reasons: NONE,
        bad_rate: 0.0,
    },
    FeedSpec {
        agency: "dea",
        feed: "seizures",
        format: Format::Csv(b','),
        windows_1252: false,
        columns: &[
            ("EXHIBIT_NO", T),
            ("CASE_NO", T),
            ("SEIZED_ON", T),
            ("DRUG_CODE", T),
            ("FORM", T),
            ("NET_WT_KG", T),
            ("PILL_COUNT", T),
            ("STAMP", T),
            ("COLOR", T),
            ("DIE_MARKS", T),
            ("LAB_SIGNATURE", T),
            ("ADULTERANTS", T),
            ("PURITY_PCT", T),
            ("COUNTY_FIPS", T),
            ("LATITUDE", T),
            ("LONGITUDE", T),
            ("CONCEALMENT", T),
            ("SUBJECT_ID", T),
            ("SUBJECT_NAME", T),
        ],
        profile: DEA_SEIZURES,
        id_column: 0,
        date_column: 2,
        required_column: 3,
        text_column: 16,
        bad_reasons: NONE,
        bad_rate: 0.0,
    },
    FeedSpec {
        agency: "dea",
        feed: "tolls",
        format: Format::Jsonl,
        windows_1252: false,
        columns: &[
            ("record_id", T),
            ("call.start", T),
            ("call.seconds", N),
            ("call.type", T),
            ("a.number", T),
            ("a.carrier", T),
            ("b.number", T),
            ("b.carrier", T),
            ("case", T),
            ("predicate", T),
        ],
        profile: DEA_TOLLS,
        id_column: 0,
        date_column: 1,
        required_column: 4,
        text_column: 7,
        bad_reasons: JSON_REASONS,
        bad_rate: BAD_ROW_RATE,
    },
    FeedSpec {
        agency: "dea",
        feed: "operations",
        format: Format::Csv(b','),
        windows_1252: false,
        columns: &[
            ("OP_ID", T),
            ("OP_NAME", T),
            ("START", T),
            ("END", T),
            ("LAT", T),
            ("LON", T),
            ("RADIUS_FT", T),
            ("OP_TYPE", T),
            ("TARGET_NAME", T),
            ("TARGET_DOB", T),
            ("TARGET_ADDRESS", T),
            ("CASE_AGENT", T),
            ("AGENT_PHONE", T),
        ],
        profile: DEA_OPERATIONS,
        id_column: 0,
        date_column: 2,
        required_column: 4,
        text_column: 1,
        bad_reasons: NONE,
        bad_rate: 0.0,
    },
    FeedSpec {
        agency: "cbp",
        feed: "parcels",
        format: Format::Csv(b';'),
        windows_1252: false,
        columns: &[
            ("MAIL_ITEM_ID", T),
            ("ARRIVAL_DATE", T),
            ("ORIGIN_COUNTRY", T),
            ("SENDER_NAME", T),
            ("SENDER_ADDRESS", T),
            ("CONSIGNEE_NAME", T),
            ("CONSIGNEE_ADDRESS", T),
            ("CONSIGNEE_PHONE", T),
            ("DECLARED_VALUE_USD", T),
            ("CONTENT_DESC", T),
            ("GROSS_WT_KG", T),
            ("AED", T),
            ("ROUTING", T),
            ("CARRIER", T),
            ("EXAMINED", T),
            ("FINDING", T),
            ("SEIZED", T),
        ],
        profile: CBP_PARCELS,
        id_column: 0,
        date_column: 1,
        required_column: 0,
        text_column: 9,
        bad_reasons: CSV_REASONS,
        bad_rate: BAD_ROW_RATE,
    },
    FeedSpec {
        agency: "cbp",
        feed: "precursors",
        format: Format::Csv(b','),
        windows_1252: false,
        columns: &[
            ("ENTRY_NO", T),
            ("ENTRY_DATE", T),
            ("CHEMICAL", T),
            ("HTS_CODE", T),
            ("QTY_KG", T),
            ("IMPORTER_NAME", T),
            ("IMPORTER_EIN", T),
            ("IMPORTER_ADDRESS", T),
            ("EXPORTER_NAME", T),
            ("ORIGIN", T),
            ("DECLARED_USE", T),
        ],
        profile: CBP_PRECURSORS,
        id_column: 0,
        date_column: 1,
        required_column: 2,
        text_column: 10,
        bad_reasons: NONE,
        bad_rate: 0.0,
    },
    FeedSpec {
        agency: "cbp",
        feed: "press_imports",
        format: Format::Csv(b','),
        windows_1252: false,
        columns: &[
            ("SERIAL_NO", T),
            ("ENTRY_NO", T),
            ("ENTRY_DATE", T),
            ("EQUIPMENT", T),
            ("MANUFACTURER", T),
            ("DIE_IMPRINT", T),
            ("IMPORTER_NAME", T),
            ("IMPORTER_EIN", T),
            ("IMPORTER_ADDRESS", T),
            ("ORIGIN", T),
            ("DECLARED_VALUE_USD", T),
        ],
        profile: CBP_PRESS_IMPORTS,
        id_column: 0,
        date_column: 2,
        required_column: 3,
        text_column: 4,
        bad_reasons: NONE,
        bad_rate: 0.0,
    },
    FeedSpec {
        agency: "ca_doj",
        feed: "arrests",
        format: Format::Csv(b','),
        windows_1252: true,
        columns: &[
            ("ARREST_ID", T),
            ("CII_NUMBER", T),
            ("LAST_NAME", T),
            ("FIRST_NAME", T),
            ("MIDDLE_NAME", T),
            ("DOB", T),
            ("GENDER", T),
            ("ARREST_DATE", T),
            ("ARRESTING_AGENCY", T),
            ("OFFENSE_CODE", T),
            ("OFFENSE_DESC", T),
            ("INCIDENT_NO", T),
            ("COUNTY_FIPS", T),
            ("DISPOSITION", T),
        ],
        profile: DOJ_ARRESTS,
        id_column: 0,
        date_column: 7,
        required_column: 1,
        text_column: 10,
        bad_reasons: LATIN1_REASONS,
        bad_rate: BAD_ROW_RATE,
    },
    FeedSpec {
        agency: "ca_doj",
        feed: "press_registry",
        format: Format::Jsonl,
        windows_1252: false,
        columns: &[
            ("registration_id", T),
            ("registered_on", T),
            ("status", T),
            ("press.serial", T),
            ("press.type", T),
            ("press.maker", T),
            ("press.die", T),
            ("holder.name", T),
            ("holder.license", T),
            ("holder.address", T),
        ],
        profile: DOJ_PRESS_REGISTRY,
        id_column: 0,
        date_column: 1,
        required_column: 3,
        text_column: 9,
        bad_reasons: NONE,
        bad_rate: 0.0,
    },
    FeedSpec {
        agency: "ca_doj",
        feed: "press_transfers",
        format: Format::Csv(b','),
        windows_1252: true,
        columns: &[
            ("TRANSFER_ID", T),
            ("TRANSFER_DATE", T),
            ("SERIAL_NO", T),
            ("EQUIPMENT", T),
            ("FROM_NAME", T),
            ("FROM_LICENSE", T),
            ("TO_NAME", T),
            ("TO_LICENSE", T),
            ("TO_ADDRESS", T),
            ("REPORTED_BY", T),
            ("DECLARED", T),
        ],
        profile: DOJ_PRESS_TRANSFERS,
        id_column: 0,
        date_column: 1,
        required_column: 2,
        text_column: 9,
        bad_reasons: NONE,
        bad_rate: 0.0,
    },
    FeedSpec {
        agency: "sheriff",
        feed: "bookings",
        format: Format::Csv(b','),
        windows_1252: false,
        columns: &[
            ("BOOKING_NO", T),
            ("SO_NUMBER", T),
            ("BOOKED_AT", T),
            ("LAST", T),
            ("FIRST", T),
            ("MIDDLE", T),
            ("DOB", T),
            ("SEX", T),
            ("PHONE", T),
            ("HOME_ADDRESS", T),
            ("CITY", T),
            ("ZIP", T),
            ("MONIKER", T),
            ("CHARGES", T),
            ("ARREST_LAT", T),
            ("ARREST_LON", T),
            ("FIPS", T),
            ("INCIDENT_NO", T),
        ],
        profile: SHERIFF_BOOKINGS,
        id_column: 0,
        date_column: 2,
        required_column: 1,
        text_column: 9,
        bad_reasons: CSV_REASONS,
        bad_rate: BAD_ROW_RATE,
    },
    FeedSpec {
        agency: "sheriff",
        feed: "seizures",
        format: Format::Csv(b','),
        windows_1252: false,
        columns: &[
            ("EVIDENCE_NO", T),
            ("SEIZED_DATE", T),
            ("BOOKING_NO", T),
            ("SO_NUMBER", T),
            ("SUSPECT_NAME", T),
            ("DRUG", T),
            ("QTY_G", T),
            ("PILLS", T),
            ("STAMP", T),
            ("COLOR", T),
            ("LAT", T),
            ("LON", T),
            ("FIPS", T),
            ("LOCATION_DESC", T),
        ],
        profile: SHERIFF_SEIZURES,
        id_column: 0,
        date_column: 1,
        required_column: 5,
        text_column: 13,
        bad_reasons: NONE,
        bad_rate: 0.0,
    },
    FeedSpec {
        agency: "sheriff",
        feed: "operations",
        format: Format::Jsonl,
        windows_1252: false,
        columns: &[
            ("op_id", T),
            ("name", T),
            ("window.start", T),
            ("window.end", T),
            ("where.lat", N),
            ("where.lon", N),
            ("where.radius_m", N),
            ("type", T),
            ("target.name", T),
            ("target.phone", T),
            ("contact.name", T),
            ("contact.phone", T),
        ],
        profile: SHERIFF_OPERATIONS,
        id_column: 0,
        date_column: 2,
        required_column: 4,
        text_column: 1,
        bad_reasons: NONE,
        bad_rate: 0.0,
    },
    FeedSpec {
        agency: "county_health",
        feed: "overdoses",
        format: Format::Csv(b','),
        windows_1252: false,
        columns: &[
            ("INCIDENT_ID", T),
            ("INCIDENT_DT", T),
            ("OUTCOME", T),
            ("NALOXONE_DOSES", T),
            ("SUSPECTED_SUBSTANCES", T),
            ("COUNTY_FIPS", T),
            ("LAT", T),
            ("LON", T),
            ("AGE_GROUP", T),
            ("SEX", T),
            ("SETTING", T),
            ("PILL_IMPRINT", T),
            ("PILL_COLOR", T),
            ("TOX_PROFILE", T),
            ("REPORTED", T),
        ],
        profile: HEALTH_OVERDOSES,
        id_column: 0,
        date_column: 1,
        required_column: 2,
        text_column: 10,
        bad_reasons: CSV_REASONS,
        bad_rate: BAD_ROW_RATE,
    },
    FeedSpec {
        agency: "fiu",
        feed: "transfers",
        format: Format::Csv(b','),
        windows_1252: false,
        columns: &[
            ("TXN_REF", T),
            ("POSTED_AT", T),
            ("ORIG_ACCOUNT", T),
            ("ORIG_BANK", T),
            ("ORIG_NAME", T),
            ("BENEF_ACCOUNT", T),
            ("BENEF_BANK", T),
            ("BENEF_NAME", T),
            ("AMOUNT", T),
            ("CURRENCY", T),
            ("TXN_TYPE", T),
            ("MEMO", T),
        ],
        profile: FIU_TRANSFERS,
        id_column: 0,
        date_column: 1,
        required_column: 8,
        text_column: 11,
        bad_reasons: &[MissingRequired, WrongFieldCount, BadDate],
        bad_rate: BAD_ROW_RATE,
    },
    FeedSpec {
        agency: "fiu",
        feed: "cash_deposits",
        format: Format::Csv(b','),
        windows_1252: false,
        columns: &[
            ("CTR_ID", T),
            ("DEPOSIT_DATE", T),
            ("DEPOSIT_TIME", T),
            ("BRANCH", T),
            ("CONDUCTOR_NAME", T),
            ("CONDUCTOR_DOB", T),
            ("CONDUCTOR_ID_TYPE", T),
            ("CONDUCTOR_ID_NO", T),
            ("ACCOUNT_NO", T),
            ("ACCOUNT_BANK", T),
            ("ACCOUNT_HOLDER", T),
            ("AMOUNT", T),
        ],
        profile: FIU_CASH_DEPOSITS,
        id_column: 0,
        date_column: 1,
        required_column: 11,
        text_column: 3,
        bad_reasons: NONE,
        bad_rate: 0.0,
    },
    FeedSpec {
        agency: "fiu",
        feed: "crypto",
        format: Format::Jsonl,
        windows_1252: false,
        columns: &[
            ("tx_hash", T),
            ("block_time", T),
            ("asset", T),
            ("from.address", T),
            ("from.cluster", T),
            ("to.address", T),
            ("to.cluster", T),
            ("amount", N),
            ("usd", N),
        ],
        profile: FIU_CRYPTO,
        id_column: 0,
        date_column: 1,
        required_column: 8,
        text_column: 4,
        bad_reasons: NONE,
        bad_rate: 0.0,
    },
    FeedSpec {
        agency: "fiu",
        feed: "sar",
        format: Format::Csv(b','),
        windows_1252: false,
        columns: &[
            ("SAR_ID", T),
            ("FILED_DATE", T),
            ("FILER_BANK", T),
            ("SUBJECT_NAME", T),
            ("SUBJECT_DOB", T),
            ("SUBJECT_ADDRESS", T),
            ("SUBJECT_PHONE", T),
            ("ACCOUNT_NO", T),
            ("BUSINESS_NAME", T),
            ("BUSINESS_EIN", T),
            ("ACTIVITY_TYPE", T),
            ("AMOUNT_TOTAL", T),
            ("NARRATIVE", T),
        ],
        profile: FIU_SAR,
        id_column: 0,
        date_column: 1,
        required_column: 3,
        text_column: 12,
        bad_reasons: NONE,
        bad_rate: 0.0,
    },
];

// Keep the unused JSON type variants referenced: layouts may use them.
const _: [JsonType; 2] = [B, L(',')];

pub(crate) fn spec(feed: FeedId) -> &'static FeedSpec {
    &FEEDS[feed as usize]
}

const DEA_SUBJECTS: &str = r#"# Federal drug agency: criminal-intelligence subject file (28 CFR Part 23).
agency = "dea"
feed = "subjects"
files = ["{file}"]
format = "csv"
id_column = "SUBJECT_ID"
reported_at_column = "OPENED"

[labels]
sensitivity = "law_enforcement"
data_class = "criminal_intelligence"
predicate_column = "PREDICATE"
review_by_column = "REVIEW_DATE"
caveats_column = "CAVEATS"

[values]
date_formats = ["%m/%d/%Y"]
utc_offset = "-08:00"
true_words = ["ci"]

[[entities]]
name = "subject"
kind = "Person"
key = ["SUBJECT_ID"]
[entities.properties]
name = "SUBJECT_NAME"
alias = { column = "AKA", split = ";" }
birth_date = "DOB"
gender = { column = "SEX", map = { M = "male", F = "female", U = "unknown" } }
id_number = "FBI_NO"
phone = "PHONE"
address = "ADDRESS"
informant = "INFORMANT"

[[entities]]
name = "phone"
kind = "Phone"
key = ["PHONE"]
optional = true
[entities.properties]
number = "PHONE"

[[entities]]
name = "uses_phone"
kind = "Ownership"
key = ["SUBJECT_ID", "PHONE"]
[entities.properties]
owner = { entity = "subject" }
asset = { entity = "phone" }
role = { value = "user" }
"#;

const DEA_SEIZURES: &str = r#"# Federal drug agency: seizure exhibits with laboratory results; weights in kilograms.
agency = "dea"
feed = "seizures"
files = ["{file}"]
format = "csv"
id_column = "EXHIBIT_NO"

[labels]
sensitivity = "law_enforcement"
data_class = "investigative_case"

[[entities]]
name = "seizure"
kind = "Seizure"
key = ["EXHIBIT_NO"]
[entities.properties]
date = "SEIZED_ON"
drug = { column = "DRUG_CODE", map = { FENT = "fentanyl", "FENT-P" = "counterfeit_oxycodone", METH = "methamphetamine", HER = "heroin", COC = "cocaine", "FENT-A" = "fentanyl_analogue" } }
form = "FORM"
quantity_g = { column = "NET_WT_KG", scale = 1000.0 }
pill_count = "PILL_COUNT"
county_fips = "COUNTY_FIPS"
latitude = "LATITUDE"
longitude = "LONGITUDE"
concealment = "CONCEALMENT"
case_number = "CASE_NO"
fingerprint = { entity = "product" }
seized_from = { entity = "subject" }

[[entities]]
name = "product"
kind = "ProductFingerprint"
key = ["STAMP", "COLOR", "DIE_MARKS", "LAB_SIGNATURE"]
optional = true
[entities.properties]
imprint = "STAMP"
pill_color = "COLOR"
die_marks = "DIE_MARKS"
chemical_profile = "LAB_SIGNATURE"
adulterants = { column = "ADULTERANTS", split = "|" }

[[entities]]
name = "subject"
kind = "Person"
key = ["SUBJECT_ID"]
optional = true
[entities.properties]
name = "SUBJECT_NAME"
"#;

const DEA_TOLLS: &str = r#"# Federal drug agency: phone toll records (JSON Lines), criminal intelligence per case.
agency = "dea"
feed = "tolls"
files = ["{file}"]
format = "jsonl"
id_column = "record_id"

[labels]
sensitivity = "law_enforcement"
data_class = "criminal_intelligence"
predicate_column = "predicate"

[[entities]]
name = "call"
kind = "Communication"
key = ["record_id"]
[entities.properties]
caller = { entity = "a" }
receiver = { entity = "b" }
datetime = "call.start"
duration_s = "call.seconds"
channel = { column = "call.type", map = { VOICE = "call", SMS = "sms", MMS = "sms" } }

[[entities]]
name = "a"
kind = "Phone"
key = ["a.number"]
[entities.properties]
number = "a.number"
carrier = "a.carrier"

[[entities]]
name = "b"
kind = "Phone"
key = ["b.number"]
[entities.properties]
number = "b.number"
carrier = "b.carrier"
"#;

const DEA_OPERATIONS: &str = r#"# Federal drug agency: planned operations for deconfliction; radius in feet.
agency = "dea"
feed = "operations"
files = ["{file}"]
format = "csv"
id_column = "OP_ID"

[labels]
sensitivity = "restricted"
data_class = "investigative_case"
caveats = ["ORCON"]

[values]
date_formats = ["%m/%d/%Y"]
datetime_formats = ["%m/%d/%Y %H:%M"]
utc_offset = "-08:00"

[[entities]]
name = "operation"
kind = "Operation"
key = ["OP_ID"]
[entities.properties]
name = "OP_NAME"
starts_at = "START"
ends_at = "END"
latitude = "LAT"
longitude = "LON"
radius_m = { column = "RADIUS_FT", scale = 0.3048 }
operation_type = { column = "OP_TYPE", map = { SW = "search_warrant", BB = "buy_bust", SURV = "surveillance", AW = "arrest_warrant", CD = "controlled_delivery" } }
target = { entity = "target" }
contact_name = "CASE_AGENT"
contact_phone = "AGENT_PHONE"

[[entities]]
name = "target"
kind = "Person"
key = ["TARGET_NAME", "TARGET_DOB"]
optional = true
[entities.properties]
name = "TARGET_NAME"
birth_date = "TARGET_DOB"
address = "TARGET_ADDRESS"
"#;

const CBP_PARCELS: &str = r#"# Customs and border: international mail items; semicolon-separated, weights in kilograms.
agency = "cbp"
feed = "parcels"
files = ["{file}"]
format = "csv"
delimiter = ";"
id_column = "MAIL_ITEM_ID"

[labels]
sensitivity = "sensitive"
data_class = "investigative_case"

[values]
date_formats = ["%d-%b-%Y"]

[[entities]]
name = "parcel"
kind = "Parcel"
key = ["MAIL_ITEM_ID"]
[entities.properties]
tracking_number = "MAIL_ITEM_ID"
date = "ARRIVAL_DATE"
origin_country = "ORIGIN_COUNTRY"
sender_name = "SENDER_NAME"
consignee = { entity = "consignee" }
consignee_name = "CONSIGNEE_NAME"
consignee_address = "CONSIGNEE_ADDRESS"
declared_value_usd = "DECLARED_VALUE_USD"
declared_content = "CONTENT_DESC"
weight_g = { column = "GROSS_WT_KG", scale = 1000.0 }
advance_data = "AED"
route = { column = "ROUTING", split = ">" }
carrier = "CARRIER"
inspected = "EXAMINED"
contraband_found = "SEIZED"

[[entities]]
name = "consignee"
kind = "Person"
key = ["CONSIGNEE_NAME", "CONSIGNEE_ADDRESS"]
[entities.properties]
name = "CONSIGNEE_NAME"
address = "CONSIGNEE_ADDRESS"
phone = "CONSIGNEE_PHONE"
"#;

const CBP_PRECURSORS: &str = r#"# Customs and border: entries of watched chemicals (fentanyl precursors and others).
agency = "cbp"
feed = "precursors"
files = ["{file}"]
format = "csv"
id_column = "ENTRY_NO"

[labels]
sensitivity = "sensitive"
data_class = "investigative_case"

[values]
date_formats = ["%d-%b-%Y"]

[[entities]]
name = "entry"
kind = "PrecursorTransaction"
key = ["ENTRY_NO"]
[entities.properties]
date = "ENTRY_DATE"
chemical = { column = "CHEMICAL", map = { "N-PHENETHYL-4-PIPERIDONE" = "npp", "4-ANILINO-N-PHENETHYLPIPERIDINE" = "4-anpp", "4-ANILINOPIPERIDINE" = "4-ap", "TERT-BUTYL 4-(PHENYLAMINO)PIPERIDINE-1-CARBOXYLATE" = "1-boc-4-ap", "ANILINE" = "aniline", "PROPIONYL CHLORIDE" = "propionyl_chloride", "NORFENTANYL" = "norfentanyl" } }
transaction_type = { value = "import" }
quantity_kg = "QTY_KG"
buyer = { entity = "importer" }
origin_country = "ORIGIN"
end_use_declared = "DECLARED_USE"

[[entities]]
name = "importer"
kind = "Organization"
key = ["IMPORTER_EIN"]
[entities.properties]
name = "IMPORTER_NAME"
registration_number = "IMPORTER_EIN"
address = "IMPORTER_ADDRESS"
"#;

const CBP_PRESS_IMPORTS: &str = r#"# Customs and border: imports of tableting and encapsulating machines and die molds.
agency = "cbp"
feed = "press_imports"
files = ["{file}"]
format = "csv"
id_column = "SERIAL_NO"

[labels]
sensitivity = "sensitive"
data_class = "investigative_case"

[values]
date_formats = ["%d-%b-%Y"]

[[entities]]
name = "press"
kind = "PillPress"
key = ["SERIAL_NO"]
[entities.properties]
serial_number = "SERIAL_NO"
equipment = { column = "EQUIPMENT", map = { "TABLETING MACHINE" = "tableting_machine", "ENCAPSULATING MACHINE" = "encapsulating_machine", "DIE MOLD" = "die_mold" } }
manufacturer = "MANUFACTURER"
die_imprint = "DIE_IMPRINT"
status = { value = "imported" }
holder = { entity = "importer" }

[[entities]]
name = "importer"
kind = "Organization"
key = ["IMPORTER_EIN"]
[entities.properties]
name = "IMPORTER_NAME"
registration_number = "IMPORTER_EIN"
address = "IMPORTER_ADDRESS"
"#;

const DOJ_ARRESTS: &str = r#"# State justice department: criminal history arrest records (Windows-1252).
agency = "ca_doj"
feed = "arrests"
files = ["{file}"]
format = "csv"
encoding = "windows-1252"
id_column = "ARREST_ID"

[labels]
sensitivity = "law_enforcement"
data_class = "investigative_case"

[values]
date_formats = ["%m/%d/%Y"]

[[entities]]
name = "arrest"
kind = "Arrest"
key = ["ARREST_ID"]
[entities.properties]
date = "ARREST_DATE"
person = { entity = "arrestee" }
charge = { columns = ["OFFENSE_CODE", "OFFENSE_DESC"], join = " " }
county_fips = "COUNTY_FIPS"
case_number = "INCIDENT_NO"

[[entities]]
name = "arrestee"
kind = "Person"
key = ["CII_NUMBER"]
[entities.properties]
name = { columns = ["FIRST_NAME", "MIDDLE_NAME", "LAST_NAME"], join = " " }
given_name = "FIRST_NAME"
middle_name = "MIDDLE_NAME"
family_name = "LAST_NAME"
birth_date = "DOB"
gender = { column = "GENDER", map = { M = "male", F = "female", X = "other" } }
id_number = "CII_NUMBER"
"#;

const DOJ_PRESS_REGISTRY: &str = r#"# State justice department: registry of tableting and encapsulating machines (JSON Lines).
agency = "ca_doj"
feed = "press_registry"
files = ["{file}"]
format = "jsonl"
id_column = "registration_id"

[labels]
sensitivity = "sensitive"
data_class = "public"

[[entities]]
name = "press"
kind = "PillPress"
key = ["registration_id"]
[entities.properties]
serial_number = "press.serial"
equipment = { column = "press.type", map = { "tableting machine" = "tableting_machine", "encapsulating machine" = "encapsulating_machine", "die mold" = "die_mold" } }
manufacturer = "press.maker"
die_imprint = "press.die"
registered = { value = "true" }
registration_date = "registered_on"
status = "status"
holder = { entity = "holder" }

[[entities]]
name = "holder"
kind = "Organization"
key = ["holder.license"]
[entities.properties]
name = "holder.name"
registration_number = "holder.license"
address = "holder.address"
org_type = { value = "pharmacy" }
"#;

const DOJ_PRESS_TRANSFERS: &str = r#"# State justice department: reported transfers of registered presses (Windows-1252).
agency = "ca_doj"
feed = "press_transfers"
files = ["{file}"]
format = "csv"
encoding = "windows-1252"
id_column = "TRANSFER_ID"

[labels]
sensitivity = "sensitive"
data_class = "investigative_case"

[values]
date_formats = ["%m/%d/%Y"]

[[entities]]
name = "transfer"
kind = "PressTransfer"
key = ["TRANSFER_ID"]
[entities.properties]
press = { entity = "press" }
transferor = { entity = "from" }
recipient = { entity = "to" }
date = "TRANSFER_DATE"
declared = "DECLARED"

[[entities]]
name = "press"
kind = "PillPress"
key = ["SERIAL_NO"]
[entities.properties]
serial_number = "SERIAL_NO"
equipment = { column = "EQUIPMENT", map = { "TABLETING MACHINE" = "tableting_machine", "ENCAPSULATING MACHINE" = "encapsulating_machine", "DIE MOLD" = "die_mold" } }

[[entities]]
name = "from"
kind = "Organization"
key = ["FROM_LICENSE"]
[entities.properties]
name = "FROM_NAME"
registration_number = "FROM_LICENSE"

[[entities]]
name = "to"
kind = "Organization"
key = ["TO_NAME", "TO_LICENSE"]
[entities.properties]
name = "TO_NAME"
registration_number = "TO_LICENSE"
address = "TO_ADDRESS"
"#;

const SHERIFF_BOOKINGS: &str = r#"# County sheriff: jail bookings; names in separate columns, phones as 415.555.0123.
agency = "sheriff"
feed = "bookings"
files = ["{file}"]
format = "csv"
id_column = "BOOKING_NO"

[labels]
sensitivity = "law_enforcement"
data_class = "investigative_case"

[values]
date_formats = ["%m/%d/%Y", "%m/%d/%Y %H:%M"]
datetime_formats = ["%m/%d/%Y %H:%M"]
utc_offset = "-08:00"

[[entities]]
name = "booking"
kind = "Arrest"
key = ["BOOKING_NO"]
[entities.properties]
date = "BOOKED_AT"
person = { entity = "inmate" }
charge = { column = "CHARGES", split = ";" }
latitude = "ARREST_LAT"
longitude = "ARREST_LON"
county_fips = "FIPS"
case_number = "INCIDENT_NO"

[[entities]]
name = "inmate"
kind = "Person"
key = ["SO_NUMBER"]
[entities.properties]
name = { columns = ["FIRST", "MIDDLE", "LAST"], join = " " }
given_name = "FIRST"
middle_name = "MIDDLE"
family_name = "LAST"
birth_date = "DOB"
gender = { column = "SEX", map = { M = "male", F = "female" } }
phone = "PHONE"
address = { columns = ["HOME_ADDRESS", "CITY", "ZIP"], join = ", " }
alias = "MONIKER"
id_number = "SO_NUMBER"

[[entities]]
name = "phone"
kind = "Phone"
key = ["PHONE"]
optional = true
[entities.properties]
number = "PHONE"
"#;

const SHERIFF_SEIZURES: &str = r#"# County sheriff: evidence seized at street level; quantities in grams.
agency = "sheriff"
feed = "seizures"
files = ["{file}"]
format = "csv"
id_column = "EVIDENCE_NO"

[labels]
sensitivity = "law_enforcement"
data_class = "investigative_case"

[values]
date_formats = ["%m/%d/%Y"]

[[entities]]
name = "seizure"
kind = "Seizure"
key = ["EVIDENCE_NO"]
[entities.properties]
date = "SEIZED_DATE"
drug = { column = "DRUG", map = { "FENTANYL PILLS" = "counterfeit_oxycodone", "FENTANYL POWDER" = "fentanyl", "METH" = "methamphetamine", "HEROIN" = "heroin", "COCAINE" = "cocaine" } }
quantity_g = "QTY_G"
pill_count = "PILLS"
latitude = "LAT"
longitude = "LON"
county_fips = "FIPS"
case_number = "BOOKING_NO"
seized_from = { entity = "suspect" }
fingerprint = { entity = "product" }

[[entities]]
name = "suspect"
kind = "Person"
key = ["SO_NUMBER"]
optional = true
[entities.properties]
name = "SUSPECT_NAME"

[[entities]]
name = "product"
kind = "ProductFingerprint"
key = ["STAMP", "COLOR"]
optional = true
[entities.properties]
imprint = "STAMP"
pill_color = "COLOR"
"#;

const SHERIFF_OPERATIONS: &str = r#"# County sheriff: planned operations (JSON Lines) for deconfliction.
agency = "sheriff"
feed = "operations"
files = ["{file}"]
format = "jsonl"
id_column = "op_id"

[labels]
sensitivity = "restricted"
data_class = "investigative_case"

[[entities]]
name = "operation"
kind = "Operation"
key = ["op_id"]
[entities.properties]
name = "name"
starts_at = "window.start"
ends_at = "window.end"
latitude = "where.lat"
longitude = "where.lon"
radius_m = "where.radius_m"
operation_type = "type"
target = { entity = "target" }
contact_name = "contact.name"
contact_phone = "contact.phone"

[[entities]]
name = "target"
kind = "Person"
key = ["target.name"]
optional = true
[entities.properties]
name = "target.name"
phone = "target.phone"
"#;

const HEALTH_OVERDOSES: &str = r#"# County public health: overdose surveillance; no names, by design.
agency = "county_health"
feed = "overdoses"
files = ["{file}"]
format = "csv"
id_column = "INCIDENT_ID"
reported_at_column = "REPORTED"

[labels]
sensitivity = "sensitive"
data_class = "public_health"

[values]
utc_offset = "-08:00"

[[entities]]
name = "incident"
kind = "OverdoseIncident"
key = ["INCIDENT_ID"]
[entities.properties]
datetime = "INCIDENT_DT"
outcome = { column = "OUTCOME", map = { Fatal = "fatal", "Non-fatal" = "non_fatal" } }
naloxone_doses = "NALOXONE_DOSES"
suspected_drug = { column = "SUSPECTED_SUBSTANCES", split = ";", map = { "fentanyl (pills)" = "counterfeit_oxycodone", meth = "methamphetamine" } }
county_fips = "COUNTY_FIPS"
latitude = "LAT"
longitude = "LON"
age_band = "AGE_GROUP"
sex = { column = "SEX", map = { M = "male", F = "female", U = "unknown" } }
setting = "SETTING"
fingerprint = { entity = "product" }

[[entities]]
name = "product"
kind = "ProductFingerprint"
key = ["PILL_IMPRINT", "PILL_COLOR", "TOX_PROFILE"]
optional = true
[entities.properties]
imprint = "PILL_IMPRINT"
pill_color = "PILL_COLOR"
chemical_profile = "TOX_PROFILE"
"#;

const FIU_TRANSFERS: &str = r#"# Financial intelligence unit: account-to-account transfers obtained from banks.
agency = "fiu"
feed = "transfers"
files = ["{file}"]
format = "csv"
id_column = "TXN_REF"

[labels]
sensitivity = "law_enforcement"
data_class = "investigative_case"

[[entities]]
name = "transfer"
kind = "MoneyTransfer"
key = ["TXN_REF"]
[entities.properties]
payer = { entity = "orig" }
beneficiary = { entity = "benef" }
amount = "AMOUNT"
currency = "CURRENCY"
datetime = "POSTED_AT"
channel = { column = "TXN_TYPE", map = { WIRE = "wire", ACH = "ach", ZELLE = "p2p_app", VENMO = "p2p_app", CHECK = "check", CARD = "card" } }
reference = "MEMO"

[[entities]]
name = "orig"
kind = "BankAccount"
key = ["ORIG_ACCOUNT"]
[entities.properties]
account_number = "ORIG_ACCOUNT"
bank = "ORIG_BANK"
holder_name = "ORIG_NAME"

[[entities]]
name = "benef"
kind = "BankAccount"
key = ["BENEF_ACCOUNT"]
[entities.properties]
account_number = "BENEF_ACCOUNT"
bank = "BENEF_BANK"
holder_name = "BENEF_NAME"
"#;

const FIU_CASH_DEPOSITS: &str = r#"# Financial intelligence unit: teller cash deposits with the conductor's identification.
agency = "fiu"
feed = "cash_deposits"
files = ["{file}"]
format = "csv"
id_column = "CTR_ID"

[labels]
sensitivity = "law_enforcement"
data_class = "investigative_case"

[values]
date_formats = ["%Y%m%d", "%m/%d/%Y"]
datetime_formats = ["%Y%m%d %H%M"]
utc_offset = "-08:00"

[[entities]]
name = "deposit"
kind = "MoneyTransfer"
key = ["CTR_ID"]
[entities.properties]
payer = { entity = "conductor" }
beneficiary = { entity = "account" }
amount = "AMOUNT"
currency = { value = "USD" }
datetime = { columns = ["DEPOSIT_DATE", "DEPOSIT_TIME"], join = " " }
channel = { value = "cash_deposit" }
reference = "BRANCH"

[[entities]]
name = "conductor"
kind = "Person"
key = ["CTR_ID"]
[entities.properties]
name = "CONDUCTOR_NAME"
birth_date = "CONDUCTOR_DOB"
id_number = "CONDUCTOR_ID_NO"

[[entities]]
name = "account"
kind = "BankAccount"
key = ["ACCOUNT_NO"]
[entities.properties]
account_number = "ACCOUNT_NO"
bank = "ACCOUNT_BANK"
holder_name = "ACCOUNT_HOLDER"
"#;

const FIU_CRYPTO: &str = r#"# Financial intelligence unit: blockchain transfers with exchange attribution (JSON Lines).
agency = "fiu"
feed = "crypto"
files = ["{file}"]
format = "jsonl"
id_column = "tx_hash"

[labels]
sensitivity = "law_enforcement"
data_class = "investigative_case"

[[entities]]
name = "tx"
kind = "MoneyTransfer"
key = ["tx_hash"]
[entities.properties]
payer = { entity = "from" }
beneficiary = { entity = "to" }
amount = "usd"
currency = { value = "USD" }
datetime = "block_time"
channel = { value = "crypto" }
reference = "asset"

[[entities]]
name = "from"
kind = "CryptoWallet"
key = ["from.address"]
[entities.properties]
wallet_address = "from.address"
exchange = "from.cluster"

[[entities]]
name = "to"
kind = "CryptoWallet"
key = ["to.address"]
[entities.properties]
wallet_address = "to.address"
exchange = "to.cluster"
"#;

const FIU_SAR: &str = r#"# Financial intelligence unit: suspicious activity reports (Bank Secrecy Act caveat).
agency = "fiu"
feed = "sar"
files = ["{file}"]
format = "csv"
id_column = "SAR_ID"

[labels]
sensitivity = "restricted"
data_class = "investigative_case"
caveats = ["BSA"]

[values]
date_formats = ["%m/%d/%Y"]

[[entities]]
name = "subject"
kind = "Person"
key = ["SAR_ID"]
[entities.properties]
name = "SUBJECT_NAME"
birth_date = "SUBJECT_DOB"
address = "SUBJECT_ADDRESS"
phone = "SUBJECT_PHONE"
notes = "NARRATIVE"

[[entities]]
name = "account"
kind = "BankAccount"
key = ["ACCOUNT_NO"]
[entities.properties]
account_number = "ACCOUNT_NO"
bank = "FILER_BANK"

[[entities]]
name = "holds"
kind = "Ownership"
key = ["SAR_ID", "ACCOUNT_NO"]
[entities.properties]
owner = { entity = "subject" }
asset = { entity = "account" }
role = { value = "account holder" }

[[entities]]
name = "business"
kind = "Organization"
key = ["BUSINESS_EIN"]
optional = true
[entities.properties]
name = "BUSINESS_NAME"
registration_number = "BUSINESS_EIN"
"#;
