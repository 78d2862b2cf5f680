//! The ground truth written to `OUT/truth/`, for measuring resolution, network, money,
//! overdose and deconfliction analytics against what really happened.
//!
//! | file | columns |
//! |---|---|
//! | `entities.csv` | agency, feed, source_record_id, row_id, line, entity, kind, true_id, ring_id — one line per source entity of every good row; `source_record_id` is the row id for the profile's first entity and `<row id>#<entity>` for the others; `line` is the physical line (CSV header = line 1); `ring_id` names the ring whose activity the row records (empty for background rows) |
//! | `people.csv` | true_id, given_name, middle_name, family_name, second_family_name, moniker, sex, birth_date, background, county_fips, address_id, phone_id, burner_phone_id, account_id, ring_id, role, informant |
//! | `organizations.csv` | true_id, name, kind, ein, owner_true_id, ring_id, account_id, address_id |
//! | `phones.csv` | true_id, e164, owner_true_id, prepaid |
//! | `accounts.csv` | true_id, kind (bank / crypto), number, institution, owner_true_id |
//! | `rings.csv` | ring_id, ring_name, county_fips, member_true_id, role, reports_to_true_id |
//! | `fingerprints.csv` | true_id, ring_id, press_true_id, imprint, colour, die_marks, chemical_profile, adulterants |
//! | `presses.csv` | true_id, serial, equipment, registered, holder_true_id, diverted_to_true_id, die_imprint, ring_id |
//! | `money_patterns.csv` | pattern_id, pattern_type, ring_id, agency, feed, source_record_id |
//! | `overdose_clusters.csv` | cluster_id, county_fips, window_start, window_end, dealer_true_id, fingerprint_true_id, agency, feed, source_record_id |
//! | `operation_conflicts.csv` | agency_a, feed_a, operation_a, agency_b, feed_b, operation_b, reason (space_time / shared_target), shared_target_true_id |
//! | `bad_rows.csv` | agency, feed, file (relative to OUT), line, reason |
//! | `summary.json` | the [`crate::SimulationSummary`] |

/// The folder under the output directory.
pub const TRUTH_DIR: &str = "truth";
pub const ENTITIES_FILE: &str = "entities.csv";
pub const PEOPLE_FILE: &str = "people.csv";
pub const ORGANIZATIONS_FILE: &str = "organizations.csv";
pub const PHONES_FILE: &str = "phones.csv";
pub const ACCOUNTS_FILE: &str = "accounts.csv";
pub const RINGS_FILE: &str = "rings.csv";
pub const FINGERPRINTS_FILE: &str = "fingerprints.csv";
pub const PRESSES_FILE: &str = "presses.csv";
pub const MONEY_PATTERNS_FILE: &str = "money_patterns.csv";
pub const OVERDOSE_CLUSTERS_FILE: &str = "overdose_clusters.csv";
pub const OPERATION_CONFLICTS_FILE: &str = "operation_conflicts.csv";
pub const BAD_ROWS_FILE: &str = "bad_rows.csv";
pub const SUMMARY_FILE: &str = "summary.json";
