//! Content-derived identifiers.
//!
//! Every id is the first 128 bits of a BLAKE3 hash over length-prefixed fields, written
//! as 32 lower-case hex digits. Equal content gives equal ids on every machine and run,
//! which is what makes re-ingesting a file idempotent and lets federated nodes compare
//! ids without sharing content.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// Feeds fields into a hash without ambiguity: `("ab", "c")` and `("a", "bc")` differ.
///
/// Fields are gathered in a buffer and hashed once: BLAKE3 over one buffer gives the
/// same digest as feeding it piece by piece, and ids are built from dozens of short
/// fields, where per-update overhead would dominate.
#[derive(Debug, Clone)]
pub struct ContentHasher(Vec<u8>);

impl ContentHasher {
    /// A hasher for one id domain; the domain keeps ids of different types apart.
    pub fn new(domain: &str) -> ContentHasher {
        // A record's fields often pass 256 bytes: room for them at once, not in steps.
        let mut hasher = ContentHasher(Vec::with_capacity(1024));
        hasher.field(domain);
        hasher
    }

    pub fn field(&mut self, value: &str) -> &mut ContentHasher {
        self.bytes(value.as_bytes())
    }

    /// A count as the field its decimal text would be (`field(&count.to_string())`),
    /// without allocating that text.
    pub fn count(&mut self, count: usize) -> &mut ContentHasher {
        let mut digits = [0u8; 20];
        let mut start = digits.len();
        let mut rest = count;
        loop {
            start -= 1;
            digits[start] = b'0' + (rest % 10) as u8;
            rest /= 10;
            if rest == 0 {
                break;
            }
        }
        self.bytes(&digits[start..])
    }

    /// Parts joined with a separator, as one field (`field(&parts.join(separator))`),
    /// without allocating the joined text.
    pub fn joined<'a, I>(&mut self, parts: I, separator: &str) -> &mut ContentHasher
    where
        I: IntoIterator<Item = &'a str>,
        I::IntoIter: Clone,
    {
        let parts = parts.into_iter();
        let (count, length) = parts
            .clone()
            .fold((0usize, 0usize), |(count, length), part| {
                (count + 1, length + part.len())
            });
        let length = length + count.saturating_sub(1) * separator.len();
        self.0.extend_from_slice(&(length as u64).to_le_bytes());
        for (index, part) in parts.enumerate() {
            if index > 0 {
                self.0.extend_from_slice(separator.as_bytes());
            }
            self.0.extend_from_slice(part.as_bytes());
        }
        self
    }

    pub fn bytes(&mut self, value: &[u8]) -> &mut ContentHasher {
        self.0
            .extend_from_slice(&(value.len() as u64).to_le_bytes());
        self.0.extend_from_slice(value);
        self
    }

    fn finish_128(&self) -> [u8; 16] {
        let digest = blake3::hash(&self.0);
        let mut id = [0u8; 16];
        id.copy_from_slice(&digest.as_bytes()[..16]);
        id
    }
}

macro_rules! hex_id {
    ($(#[$doc:meta])* $name:ident, $domain:literal) => {
        $(#[$doc])*
        #[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub struct $name([u8; 16]);

        impl $name {
            /// The hash domain of this id type.
            pub const DOMAIN: &'static str = $domain;

            pub fn from_hasher(hasher: &ContentHasher) -> $name {
                $name(hasher.finish_128())
            }

            pub fn as_bytes(&self) -> &[u8; 16] {
                &self.0
            }

            pub fn from_bytes(bytes: [u8; 16]) -> $name {
                $name(bytes)
            }

            /// The id as a number: ordered as its bytes are, and its bits hash output,
            /// for sort keys and hash sets.
            pub fn to_u128(self) -> u128 {
                u128::from_be_bytes(self.0)
            }

            pub fn to_hex(&self) -> String {
                // By table: references between records are written as hex, one a row.
                const DIGITS: &[u8; 16] = b"0123456789abcdef";
                let mut text = String::with_capacity(32);
                for byte in self.0 {
                    text.push(char::from(DIGITS[usize::from(byte >> 4)]));
                    text.push(char::from(DIGITS[usize::from(byte & 0xf)]));
                }
                text
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
                formatter.write_str(&self.to_hex())
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(formatter, "{}({})", stringify!($name), self.to_hex())
            }
        }

        impl FromStr for $name {
            type Err = String;

            fn from_str(text: &str) -> Result<$name, String> {
                let text = text.trim();
                if text.len() != 32 || !text.is_ascii() {
                    return Err(format!("{} must be 32 hex digits, got {text:?}", stringify!($name)));
                }
                let mut bytes = [0u8; 16];
                for (index, byte) in bytes.iter_mut().enumerate() {
                    *byte = u8::from_str_radix(&text[index * 2..index * 2 + 2], 16)
                        .map_err(|_| format!("{} must be 32 hex digits, got {text:?}", stringify!($name)))?;
                }
                Ok($name(bytes))
            }
        }

        impl Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(&self.to_hex())
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<$name, D::Error> {
                let text = String::deserialize(deserializer)?;
                text.parse().map_err(serde::de::Error::custom)
            }
        }
    };
}

hex_id!(
    /// One version of one source record: its identity *and* its content. A corrected
    /// re-send of the same record gets a new `RecordId` with the same [`EntityKey`].
    RecordId,
    "record"
);

hex_id!(
    /// The stable identity of what a source record describes, as the source sees it:
    /// agency, kind, key namespace and key. References between records use it.
    EntityKey,
    "entity"
);

hex_id!(
    /// One value of one property of one record.
    StatementId,
    "statement"
);

hex_id!(
    /// One ingest of one file: derived from agency, feed and the file's content, so a
    /// rerun after a crash gets the same batch id.
    BatchId,
    "batch"
);

impl EntityKey {
    /// The key of a source entity: `agency` owns it, `namespace` scopes the key values
    /// (a feed's subject numbers, or a shared space such as canonical phone numbers).
    pub fn new(agency: &str, kind: &str, namespace: &str, key_parts: &[&str]) -> EntityKey {
        let mut hasher = ContentHasher::new(EntityKey::DOMAIN);
        hasher.field(agency).field(kind).field(namespace);
        for part in key_parts {
            hasher.field(part);
        }
        EntityKey::from_hasher(&hasher)
    }
}

impl BatchId {
    pub fn new(agency: &str, feed: &str, content_hash: &str) -> BatchId {
        let mut hasher = ContentHasher::new(BatchId::DOMAIN);
        hasher.field(agency).field(feed).field(content_hash);
        BatchId::from_hasher(&hasher)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_round_trip_through_hex_and_differ_by_field_boundaries() {
        let first = EntityKey::new("dea", "Person", "subjects", &["ab", "c"]);
        let second = EntityKey::new("dea", "Person", "subjects", &["a", "bc"]);
        assert_ne!(first, second);
        assert_eq!(first.to_hex().parse::<EntityKey>(), Ok(first));
        assert_eq!(first.to_hex().len(), 32);
        assert!("xyz".parse::<EntityKey>().is_err());
    }

    #[test]
    fn ids_as_numbers_order_as_their_bytes() {
        let mut bytes = [0u8; 16];
        bytes[0] = 1;
        let high = RecordId::from_bytes(bytes);
        let mut bytes = [0xff; 16];
        bytes[0] = 0;
        let low = RecordId::from_bytes(bytes);
        assert!(low < high);
        assert!(low.to_u128() < high.to_u128());
        assert_eq!(high.to_u128(), 1 << 120);
    }

    #[test]
    fn counts_and_joined_parts_hash_as_their_text() {
        let mut by_text = ContentHasher::new("test");
        by_text
            .field("0")
            .field("7")
            .field("1234567890")
            .field("A,B,C")
            .field("");
        let mut direct = ContentHasher::new("test");
        direct
            .count(0)
            .count(7)
            .count(1_234_567_890)
            .joined(["A", "B", "C"], ",")
            .joined([], ",");
        assert_eq!(by_text.0, direct.0);
    }

    #[test]
    fn ids_are_pinned() {
        // Stored ids depend on these exact bytes: a change here orphans every store.
        let key = EntityKey::new("dea", "Person", "subjects", &["S-1"]);
        assert_eq!(key.to_hex(), "fcc6628a9a939cdd02bdfdfd84602518");
    }

    #[test]
    fn ids_are_stable_across_runs() {
        // A change of hashing would silently break idempotent re-ingest of stored data.
        let key = EntityKey::new("dea", "Person", "subjects", &["S-1"]);
        assert_eq!(
            key.to_hex(),
            EntityKey::new("dea", "Person", "subjects", &["S-1"]).to_hex()
        );
        let batch = BatchId::new("dea", "seizures", "abc");
        assert_ne!(
            batch.to_hex(),
            BatchId::new("dea", "seizures", "abd").to_hex()
        );
    }
}
