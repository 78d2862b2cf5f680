//! The audit log: an append-only, hash-chained record of who did what, when, from
//! where, why and with what outcome (CJIS audit; 28 CFR Part 23 dissemination log).
//!
//! Every backend implements [`AuditLog`]; a store hands out its log through
//! [`crate::Store::audit`], so whoever holds a store can audit without knowing the
//! backend. The chain rules live here, once: [`entry_hash`] defines the hash and
//! [`verify`] walks any backend's log.
//!
//! # The chain
//!
//! Entry *n* stores the hash of entry *n − 1* (`previous_hash`; zeros for entry 1) and
//! its own `hash` = BLAKE3 over a domain tag, every field length-prefixed in a fixed
//! order, and the previous hash (see [`entry_hash`]). A separate *head* record (the
//! sequence and hash of the newest entry) is updated in the same transaction as each
//! append. [`verify`] reports the first fault by sequence:
//!
//! | fault | what verify sees |
//! |---|---|
//! | [`AuditFault::Edited`] | an entry's fields no longer hash to its stored hash |
//! | [`AuditFault::Deleted`] | a gap in the sequence numbers (the missing one is named) |
//! | [`AuditFault::Reordered`] | an entry's previous hash is not its predecessor's hash |
//! | [`AuditFault::Truncated`] | the head or an external anchor names a sequence past the last entry |
//! | [`AuditFault::Rewritten`] | the head or an anchor names an existing sequence with another hash |
//! | [`AuditFault::HeadMissing`] | entries exist but the head record is gone |
//! | [`AuditFault::Unreadable`] | an entry no longer parses (say, an action no build knows) |
//!
//! # Threat model (honest version)
//!
//! The product offers no update or delete path, and both backends add triggers that
//! refuse UPDATE and DELETE on the log (and moving the head other than one step
//! forward). Those stop mistakes and the application's own bugs, not an attacker
//! with the database owner's or a superuser's rights: such a person can drop the
//! triggers and rewrite every entry *and* recompute every hash and the head, and the
//! chain inside the database will verify. Hash chaining makes tampering *evident*
//! only against something the attacker cannot also rewrite: an external anchor
//! ([`AuditAnchor`], written by `interdict audit anchor` to a file kept elsewhere —
//! another host, WORM storage, a printed digest). `verify` with an anchor detects any
//! rewrite or truncation of the history up to that anchor. Entries appended after the
//! latest anchor are protected only by the in-database head. Anchor often.
//!
//! # Durability
//!
//! [`AuditLog::append`] returns only after its transaction is committed durably
//! (SQLite: a separate connection with `synchronous=FULL`, so the WAL is synced on
//! every audit commit; PostgreSQL: `synchronous_commit = on` for the transaction), so
//! an action that was audited stays audited if the process dies right after.

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::{StoreError, StoreResult};

/// The hash domain: a change of the canonical form gets a new tag.
pub const AUDIT_HASH_DOMAIN: &str = "interdict.audit.v1";

/// A BLAKE3 digest linking audit entries (full 256 bits: unlike ids, a chain link is
/// a security boundary, so it is not truncated).
#[derive(Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct ChainHash(pub [u8; 32]);

impl ChainHash {
    /// The previous hash of the first entry.
    pub const GENESIS: ChainHash = ChainHash([0; 32]);

    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }

    /// From stored bytes; anything but 32 bytes is corrupt.
    pub fn from_slice(bytes: &[u8]) -> Option<ChainHash> {
        Some(ChainHash(bytes.try_into().ok()?))
    }

    pub fn to_hex(&self) -> String {
        self.0.iter().map(|byte| format!("{byte:02x}")).collect()
    }
}

impl fmt::Display for ChainHash {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(&self.to_hex())
    }
}

impl fmt::Debug for ChainHash {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(formatter, "ChainHash({})", self.to_hex())
    }
}

impl FromStr for ChainHash {
    type Err = String;

    fn from_str(text: &str) -> Result<ChainHash, String> {
        let text = text.trim();
        let invalid = || format!("a chain hash is 64 hex digits, got {text:?}");
        if text.len() != 64 || !text.is_ascii() {
            return Err(invalid());
        }
        let mut bytes = [0u8; 32];
        for (index, byte) in bytes.iter_mut().enumerate() {
            *byte =
                u8::from_str_radix(&text[index * 2..index * 2 + 2], 16).map_err(|_| invalid())?;
        }
        Ok(ChainHash(bytes))
    }
}

impl Serialize for ChainHash {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.to_hex())
    }
}

impl<'de> Deserialize<'de> for ChainHash {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<ChainHash, D::Error> {
        String::deserialize(deserializer)?
            .parse()
            .map_err(serde::de::Error::custom)
    }
}

macro_rules! text_enum {
    ($(#[$doc:meta])* $name:ident { $($(#[$variant_doc:meta])* $variant:ident => $text:literal),+ $(,)? }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum $name {
            $($(#[$variant_doc])* $variant),+
        }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The stored (and hashed) text form; never change a released one.
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),+ }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
                formatter.write_str(self.as_str())
            }
        }

        impl FromStr for $name {
            type Err = String;

            fn from_str(text: &str) -> Result<$name, String> {
                match text {
                    $($text => Ok($name::$variant),)+
                    _ => Err(format!("unknown {} {text:?}", stringify!($name))),
                }
            }
        }
    };
}

text_enum!(
    /// What was done. Stored as text, so adding an action needs no migration.
    AuditAction {
        LogOn => "log_on",
        LogOff => "log_off",
        Search => "search",
        View => "view",
        Export => "export",
        /// Data given to someone outside the owning agency (28 CFR 23.20(g)).
        Dissemination => "dissemination",
        PermissionChange => "permission_change",
        PrivilegedAction => "privileged_action",
        Ingest => "ingest",
        Purge => "purge",
        /// Reading the audit log itself, or anchoring it.
        AuditAccess => "audit_access",
    }
);

text_enum!(
    /// How the attempt ended.
    AuditOutcome {
        Allowed => "allowed",
        Denied => "denied",
        Failed => "failed",
    }
);

/// What the caller says about an action; the log adds sequence, time and hashes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewAuditEntry {
    /// The user id (or service name) that acted.
    pub actor: String,
    pub actor_agency: String,
    pub action: AuditAction,
    /// What was touched: record ids, a batch id, a query, a user whose rights changed.
    pub target: String,
    /// Why: free text; may be empty where the action needs no justification.
    pub reason: String,
    /// The case or investigation number the action was done for, if any.
    pub case_number: Option<String>,
    /// Where from: `cli`, a host name, an IP address.
    pub source: String,
    pub outcome: AuditOutcome,
}

/// One stored entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEntry {
    /// 1, 2, 3, … without gaps.
    pub sequence: u64,
    /// When the log took the entry, UTC, to the microsecond.
    pub recorded_at: DateTime<Utc>,
    #[serde(flatten)]
    pub entry: NewAuditEntry,
    pub previous_hash: ChainHash,
    pub hash: ChainHash,
}

impl AuditEntry {
    /// Builds the entry that follows `previous` (sequence and hash of the newest entry,
    /// [`AuditAnchor::EMPTY`] for the first), hashing it. Backends call this inside the
    /// transaction that holds the head.
    pub fn chained(
        previous: &AuditAnchor,
        recorded_at: DateTime<Utc>,
        entry: NewAuditEntry,
    ) -> AuditEntry {
        let sequence = previous.sequence + 1;
        // Both backends keep microseconds; the hash must cover what is stored.
        let recorded_at =
            DateTime::from_timestamp_micros(recorded_at.timestamp_micros()).unwrap_or(recorded_at);
        let hash = entry_hash(sequence, recorded_at, &entry, &previous.hash);
        AuditEntry {
            sequence,
            recorded_at,
            entry,
            previous_hash: previous.hash,
            hash,
        }
    }

    /// The hash this entry's fields give, to compare with the stored one.
    pub fn computed_hash(&self) -> ChainHash {
        entry_hash(
            self.sequence,
            self.recorded_at,
            &self.entry,
            &self.previous_hash,
        )
    }

    /// The anchor naming this entry as the newest.
    pub fn anchor(&self) -> AuditAnchor {
        AuditAnchor {
            sequence: self.sequence,
            hash: self.hash,
        }
    }
}

/// The canonical hash of an entry: BLAKE3 over the domain tag, then each field as an
/// 8-byte little-endian length and its bytes, in this order: sequence (8 bytes LE),
/// recorded_at (microseconds since the epoch, 8 bytes LE), actor, actor agency,
/// action, target, reason, case number (a presence byte, then the text), source,
/// outcome, previous hash. Length prefixes keep `("ab", "c")` and `("a", "bc")`
/// apart. (`model::ContentHasher` uses the same framing but gives only 128-bit ids.)
pub fn entry_hash(
    sequence: u64,
    recorded_at: DateTime<Utc>,
    entry: &NewAuditEntry,
    previous_hash: &ChainHash,
) -> ChainHash {
    let mut buffer = Vec::with_capacity(256);
    let mut field = |bytes: &[u8]| {
        buffer.extend_from_slice(&(bytes.len() as u64).to_le_bytes());
        buffer.extend_from_slice(bytes);
    };
    field(AUDIT_HASH_DOMAIN.as_bytes());
    field(&sequence.to_le_bytes());
    field(&recorded_at.timestamp_micros().to_le_bytes());
    field(entry.actor.as_bytes());
    field(entry.actor_agency.as_bytes());
    field(entry.action.as_str().as_bytes());
    field(entry.target.as_bytes());
    field(entry.reason.as_bytes());
    match &entry.case_number {
        Some(case_number) => {
            field(&[1]);
            field(case_number.as_bytes());
        }
        None => field(&[0]),
    }
    field(entry.source.as_bytes());
    field(entry.outcome.as_str().as_bytes());
    field(previous_hash.as_bytes());
    ChainHash(*blake3::hash(&buffer).as_bytes())
}

/// The newest entry's sequence and hash: the head record, or an anchor saved outside
/// the database.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditAnchor {
    pub sequence: u64,
    pub hash: ChainHash,
}

impl AuditAnchor {
    /// The head of an empty log.
    pub const EMPTY: AuditAnchor = AuditAnchor {
        sequence: 0,
        hash: ChainHash::GENESIS,
    };
}

/// Which entries [`AuditLog::entries`] returns.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditQuery {
    pub actor: Option<String>,
    /// Entries recorded at or after this moment.
    pub since: Option<DateTime<Utc>>,
    /// Entries with a sequence above this (paging).
    pub after_sequence: Option<u64>,
    /// Newest first instead of oldest first (with `after_sequence`, still above it).
    pub newest_first: bool,
    /// At most this many (0 gives an empty page).
    pub limit: u64,
}

impl Default for AuditQuery {
    fn default() -> AuditQuery {
        AuditQuery {
            actor: None,
            since: None,
            after_sequence: None,
            newest_first: false,
            limit: 100,
        }
    }
}

/// The append-only audit log of one store.
pub trait AuditLog: Send + Sync {
    /// Appends one entry after the current head and returns it, once its transaction
    /// is durably committed. Appends from any number of threads and processes are
    /// serialised, so the chain stays linear. On SQLite this waits (up to the busy
    /// timeout) for an open batch, SQLite having one writer: append after a batch,
    /// not during it.
    fn append(&self, entry: NewAuditEntry) -> StoreResult<AuditEntry>;

    /// Appends several entries in order, as [`AuditLog::append`] would one by one; a
    /// backend may commit them together. Returns once all are durable.
    fn append_all(&self, entries: Vec<NewAuditEntry>) -> StoreResult<Vec<AuditEntry>> {
        entries
            .into_iter()
            .map(|entry| self.append(entry))
            .collect()
    }

    /// Stored entries as they are (not verified), ordered by sequence.
    fn entries(&self, query: &AuditQuery) -> StoreResult<Vec<AuditEntry>>;

    /// The head record; `None` when it was removed (tampering: a fresh log has a head
    /// at sequence 0).
    fn head(&self) -> StoreResult<Option<AuditAnchor>>;
}

/// Why [`verify`] stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AuditFault {
    /// The entry's fields do not give its stored hash.
    Edited,
    /// The entry with this sequence is missing.
    Deleted,
    /// The entry's previous hash is not its predecessor's hash: moved entries, or an
    /// edited link.
    Reordered,
    /// The head or anchor names this sequence, but the log ends before it.
    Truncated,
    /// The head or anchor names this sequence with another hash: history rewritten.
    Rewritten,
    /// Entries exist but the head record was removed.
    HeadMissing,
    /// The entry cannot be read back (an unknown action or outcome, a hash of the
    /// wrong length): edited outside the product.
    Unreadable,
}

impl fmt::Display for AuditFault {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(match self {
            AuditFault::Edited => "edited (hash mismatch)",
            AuditFault::Deleted => "deleted (gap in sequence)",
            AuditFault::Reordered => "reordered (previous hash mismatch)",
            AuditFault::Truncated => "truncated (newest entries removed)",
            AuditFault::Rewritten => "rewritten (hash differs from the head or anchor)",
            AuditFault::HeadMissing => "head record missing",
            AuditFault::Unreadable => "unreadable (edited outside the product)",
        })
    }
}

/// The first bad entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditFaultReport {
    /// The sequence of the first bad (or missing) entry.
    pub sequence: u64,
    pub fault: AuditFault,
    pub detail: String,
}

/// What [`verify`] found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditVerification {
    /// Entries read (up to the first fault).
    pub entries_checked: u64,
    /// The newest good entry (sequence 0 when none).
    pub last_good: AuditAnchor,
    /// The head record as stored.
    pub head: Option<AuditAnchor>,
    /// `None` when the chain, the head and the anchor agree.
    pub fault: Option<AuditFaultReport>,
}

impl AuditVerification {
    pub fn is_intact(&self) -> bool {
        self.fault.is_none()
    }
}

/// Entries read per page while verifying.
const VERIFY_PAGE: u64 = 10_000;

/// Walks the whole chain in sequence order and reports the first fault, checking the
/// head record and, if given, an anchor saved outside the database. The head is read
/// first, so entries appended while verifying cannot look like truncation.
pub fn verify(log: &dyn AuditLog, anchor: Option<&AuditAnchor>) -> StoreResult<AuditVerification> {
    let head = log.head()?;
    let mut previous = AuditAnchor::EMPTY;
    let mut entries_checked = 0;
    // The stored hash of the entry at the anchor's and the head's sequence, once seen.
    let mut checks: Vec<(&str, AuditAnchor)> = Vec::new();
    if let Some(head) = head {
        checks.push(("head", head));
    }
    if let Some(anchor) = anchor {
        checks.push(("anchor", *anchor));
    }
    let fault = |sequence, fault, detail: String| AuditFaultReport {
        sequence,
        fault,
        detail,
    };
    let report = |entries_checked, last_good, fault| AuditVerification {
        entries_checked,
        last_good,
        head,
        fault,
    };
    // After a page that did not parse, read one entry at a time to name the bad one.
    let mut page_size = VERIFY_PAGE;
    loop {
        let read = log.entries(&AuditQuery {
            after_sequence: Some(previous.sequence),
            limit: page_size,
            ..AuditQuery::default()
        });
        let page = match read {
            Ok(page) => page,
            Err(StoreError::Corrupt { .. }) if page_size > 1 => {
                page_size = 1;
                continue;
            }
            Err(StoreError::Corrupt { reason, .. }) => {
                let found = fault(previous.sequence + 1, AuditFault::Unreadable, reason);
                return Ok(report(entries_checked, previous, Some(found)));
            }
            Err(other) => return Err(other),
        };
        let page_len = page.len() as u64;
        for entry in page {
            let expected = previous.sequence + 1;
            entries_checked += 1;
            let found = if entry.sequence > expected {
                Some(fault(
                    expected,
                    AuditFault::Deleted,
                    format!(
                        "entry {expected} is missing (the next entry is {})",
                        entry.sequence
                    ),
                ))
            } else if entry.previous_hash != previous.hash {
                Some(fault(
                    entry.sequence,
                    AuditFault::Reordered,
                    format!(
                        "entry {} links to {}, but entry {} has hash {}",
                        entry.sequence, entry.previous_hash, previous.sequence, previous.hash
                    ),
                ))
            } else if entry.computed_hash() != entry.hash {
                Some(fault(
                    entry.sequence,
                    AuditFault::Edited,
                    format!(
                        "entry {} no longer matches its stored hash {}",
                        entry.sequence, entry.hash
                    ),
                ))
            } else {
                checks
                    .iter()
                    .find(|(_, check)| check.sequence == entry.sequence && check.hash != entry.hash)
                    .map(|(what, check)| {
                        fault(
                            entry.sequence,
                            AuditFault::Rewritten,
                            format!(
                                "the {what} says entry {} has hash {}, the log has {}",
                                entry.sequence, check.hash, entry.hash
                            ),
                        )
                    })
            };
            if found.is_some() {
                return Ok(report(entries_checked, previous, found));
            }
            previous = entry.anchor();
        }
        if page_len < page_size {
            break;
        }
    }
    let past_the_end = checks
        .iter()
        .filter(|(_, check)| check.sequence > previous.sequence)
        .max_by_key(|(_, check)| check.sequence);
    let found = if let Some((what, check)) = past_the_end {
        Some(fault(
            previous.sequence + 1,
            AuditFault::Truncated,
            format!(
                "the {what} names entry {}, but the log ends at entry {}",
                check.sequence, previous.sequence
            ),
        ))
    } else if head.is_none() && previous.sequence > 0 {
        Some(fault(
            previous.sequence,
            AuditFault::HeadMissing,
            "the head record is missing".to_string(),
        ))
    } else {
        None
    };
    Ok(report(entries_checked, previous, found))
}
