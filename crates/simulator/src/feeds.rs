//! Streaming feed writers: CSV or JSON Lines in an agency's layout, bad-row injection, and
//! the per-row ground truth.
//!
//! Every row is built once in a reusable [`RowBuf`] and written straight to its file, so
//! memory does not grow with the number of rows. A feed decides on its own random stream
//! which background rows to corrupt, so the choice is deterministic per seed.

use std::fmt::{self, Write as _};
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use rand::RngExt;
use rand_chacha::ChaCha8Rng;

use crate::SimulationError;

/// The fields of one row, kept in one string to avoid an allocation per field.
#[derive(Debug, Default)]
pub(crate) struct RowBuf {
    text: String,
    ends: Vec<usize>,
}

impl RowBuf {
    pub fn clear(&mut self) {
        self.text.clear();
        self.ends.clear();
    }

    pub fn push(&mut self, value: impl fmt::Display) -> &mut RowBuf {
        let _ = write!(self.text, "{value}");
        self.ends.push(self.text.len());
        self
    }

    pub fn push_str(&mut self, value: &str) -> &mut RowBuf {
        self.text.push_str(value);
        self.ends.push(self.text.len());
        self
    }

    pub fn empty(&mut self) -> &mut RowBuf {
        self.ends.push(self.text.len());
        self
    }

    /// Builds one field with a closure writing into the row's text.
    pub fn with(&mut self, build: impl FnOnce(&mut String)) -> &mut RowBuf {
        build(&mut self.text);
        self.ends.push(self.text.len());
        self
    }

    pub fn len(&self) -> usize {
        self.ends.len()
    }

    pub fn get(&self, index: usize) -> &str {
        let start = if index == 0 { 0 } else { self.ends[index - 1] };
        &self.text[start..self.ends[index]]
    }
}

/// How a JSON Lines field is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum JsonType {
    Text,
    Number,
    Bool,
    /// Text split on the given character into an array.
    List(char),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Format {
    Csv(u8),
    Jsonl,
}

/// Why a row was written broken on purpose; the truth lists each one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum BadReason {
    WrongFieldCount,
    BadDate,
    MissingRequired,
    InvalidUtf8,
    MalformedJson,
    Truncated,
}

impl BadReason {
    pub fn as_str(self) -> &'static str {
        match self {
            BadReason::WrongFieldCount => "wrong_field_count",
            BadReason::BadDate => "bad_date",
            BadReason::MissingRequired => "missing_required",
            BadReason::InvalidUtf8 => "invalid_utf8",
            BadReason::MalformedJson => "malformed_json",
            BadReason::Truncated => "truncated",
        }
    }
}

/// One feed's layout and the profile that maps it.
#[derive(Debug)]
pub(crate) struct FeedSpec {
    pub agency: &'static str,
    pub feed: &'static str,
    pub format: Format,
    pub windows_1252: bool,
    pub columns: &'static [(&'static str, JsonType)],
    /// The profile, as TOML; `{file}` is replaced by the data file's name.
    pub profile: &'static str,
    /// Column of the row id (the profile's `id_column`).
    pub id_column: usize,
    /// Column holding the record's required date (for `bad_date`).
    pub date_column: usize,
    /// A required column (for `missing_required`).
    pub required_column: usize,
    /// A free-text column (for `wrong_field_count` and `invalid_utf8`).
    pub text_column: usize,
    pub bad_reasons: &'static [BadReason],
    /// Share of corruptible rows written broken.
    pub bad_rate: f64,
}

impl FeedSpec {
    pub fn file_name(&self) -> String {
        match self.format {
            Format::Csv(_) => format!("{}.csv", self.feed),
            Format::Jsonl => format!("{}.jsonl", self.feed),
        }
    }
}

/// What ground truth stands behind one entity of a row.
#[derive(Debug, Clone)]
pub(crate) enum TrueId {
    Person(u32),
    Org(u32),
    Phone(u32),
    Account(u32),
    Wallet(u32),
    Press(u32),
    Fingerprint(u32),
    Event(&'static str, u64),
    Text(String),
}

impl fmt::Display for TrueId {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TrueId::Person(id) => write!(formatter, "P{id:07}"),
            TrueId::Org(id) => write!(formatter, "O{id:06}"),
            TrueId::Phone(id) => write!(formatter, "T{id:07}"),
            TrueId::Account(id) => write!(formatter, "A{id:07}"),
            TrueId::Wallet(id) => write!(formatter, "W{id:06}"),
            TrueId::Press(id) => write!(formatter, "X{id:05}"),
            TrueId::Fingerprint(id) => write!(formatter, "F{id:04}"),
            TrueId::Event(prefix, id) => write!(formatter, "{prefix}{id:08}"),
            TrueId::Text(text) => formatter.write_str(text),
        }
    }
}

/// A bad row as the truth records it.
#[derive(Debug, Clone)]
pub(crate) struct BadRow {
    pub agency: &'static str,
    pub feed: &'static str,
    pub file: String,
    pub line: u64,
    pub reason: BadReason,
}

/// Writes `truth/entities.csv`: one line per source entity of every good row.
pub(crate) struct EntityTruth {
    out: BufWriter<File>,
    line: String,
    pub rows: u64,
}

impl EntityTruth {
    pub fn create(path: &Path) -> Result<EntityTruth, SimulationError> {
        let mut out = BufWriter::with_capacity(1 << 17, create(path)?);
        out.write_all(b"agency,feed,source_record_id,row_id,line,entity,kind,true_id,ring_id\n")
            .map_err(|source| io_error(path, source))?;
        Ok(EntityTruth {
            out,
            line: String::new(),
            rows: 0,
        })
    }

    pub fn flush(&mut self, path: &Path) -> Result<u64, SimulationError> {
        self.out.flush().map_err(|source| io_error(path, source))?;
        Ok(self.rows)
    }
}

/// One entity of a row: its profile name, its kind, and who it really is.
pub(crate) type RowEntity = (&'static str, &'static str, TrueId);

/// An open feed file with its counters.
pub(crate) struct FeedWriter {
    pub spec: &'static FeedSpec,
    pub path: PathBuf,
    pub profile_path: PathBuf,
    out: BufWriter<File>,
    line_bytes: Vec<u8>,
    /// The physical line the next row starts on.
    next_line: u64,
    pub rows: u64,
    pub bad_rows: Vec<BadRow>,
    rng: ChaCha8Rng,
    countdown: u64,
    next_reason: usize,
    bad_rate: f64,
}

impl FeedWriter {
    pub fn create(
        spec: &'static FeedSpec,
        out_dir: &Path,
        rng: ChaCha8Rng,
    ) -> Result<FeedWriter, SimulationError> {
        let folder = out_dir.join(spec.agency);
        std::fs::create_dir_all(&folder).map_err(|source| io_error(&folder, source))?;
        let file_name = spec.file_name();
        let path = folder.join(&file_name);
        let profile_path = folder.join(format!("{}.profile.toml", spec.feed));
        std::fs::write(&profile_path, spec.profile.replace("{file}", &file_name))
            .map_err(|source| io_error(&profile_path, source))?;
        let mut out = BufWriter::with_capacity(1 << 17, create(&path)?);
        let mut next_line = 1;
        if let Format::Csv(delimiter) = spec.format {
            let header: Vec<&str> = spec.columns.iter().map(|(name, _)| *name).collect();
            let mut text = header.join(&char::from(delimiter).to_string());
            text.push('\n');
            out.write_all(text.as_bytes())
                .map_err(|source| io_error(&path, source))?;
            next_line = 2;
        }
        let mut writer = FeedWriter {
            spec,
            path,
            profile_path,
            out,
            line_bytes: Vec::with_capacity(512),
            next_line,
            rows: 0,
            bad_rows: Vec::new(),
            rng,
            countdown: 0,
            next_reason: 0,
            bad_rate: spec.bad_rate,
        };
        writer.countdown = writer.draw_countdown();
        Ok(writer)
    }

    /// Overrides the feed's bad-row rate (Small worlds use a higher one).
    pub fn set_bad_rate(&mut self, rate: f64) {
        self.bad_rate = rate;
        self.countdown = self.draw_countdown();
    }

    fn draw_countdown(&mut self) -> u64 {
        if self.bad_rate <= 0.0 || self.spec.bad_reasons.is_empty() {
            return u64::MAX;
        }
        let mean = (1.0 / self.bad_rate).max(2.0);
        // Uniform around the mean: bad rows spread through the file, none adjacent.
        self.rng
            .random_range((mean * 0.5) as u64..=(mean * 1.5) as u64)
    }

    /// Writes one row. Rows that `may_corrupt` (background rows, never evidence the truth
    /// points at) are occasionally written broken instead, and then get no entity truth.
    pub fn emit(
        &mut self,
        row: &RowBuf,
        entities: &[RowEntity],
        ring: Option<u32>,
        may_corrupt: bool,
        truth: &mut EntityTruth,
    ) -> Result<(), SimulationError> {
        debug_assert_eq!(
            row.len(),
            self.spec.columns.len(),
            "{} row width",
            self.spec.feed
        );
        let mut bad = None;
        if may_corrupt {
            self.countdown = self.countdown.saturating_sub(1);
            if self.countdown == 0 {
                let reasons = self.spec.bad_reasons;
                bad = Some(reasons[self.next_reason % reasons.len()]);
                self.next_reason += 1;
                self.countdown = self.draw_countdown();
            }
        }
        self.encode(row, bad);
        self.line_bytes.push(b'\n');
        self.out
            .write_all(&self.line_bytes)
            .map_err(|source| io_error(&self.path, source))?;
        let line = self.next_line;
        self.next_line += 1;
        self.rows += 1;
        if let Some(reason) = bad {
            self.record_bad(line, reason);
            return Ok(());
        }
        let row_id = row.get(self.spec.id_column);
        let ring_text = ring.map(|ring| format!("R{ring:03}")).unwrap_or_default();
        for (index, (entity, kind, true_id)) in entities.iter().enumerate() {
            let text = &mut truth.line;
            text.clear();
            text.push_str(self.spec.agency);
            text.push(',');
            text.push_str(self.spec.feed);
            text.push(',');
            text.push_str(row_id);
            // The row's first entity carries the row id; the others `<row id>#<entity>`.
            if index > 0 {
                text.push('#');
                text.push_str(entity);
            }
            text.push(',');
            text.push_str(row_id);
            let _ = write!(text, ",{line},");
            text.push_str(entity);
            text.push(',');
            text.push_str(kind);
            let _ = write!(text, ",{true_id},");
            text.push_str(&ring_text);
            text.push('\n');
            truth
                .out
                .write_all(text.as_bytes())
                .map_err(|source| io_error(&self.path, source))?;
            truth.rows += 1;
        }
        Ok(())
    }

    fn record_bad(&mut self, line: u64, reason: BadReason) {
        self.bad_rows.push(BadRow {
            agency: self.spec.agency,
            feed: self.spec.feed,
            file: format!("{}/{}", self.spec.agency, self.spec.file_name()),
            line,
            reason,
        });
    }

    /// Writes the feed's last line cut in half and without a newline, as a transfer that
    /// died mid-file leaves it.
    pub fn emit_truncated(&mut self, row: &RowBuf) -> Result<(), SimulationError> {
        self.encode(row, None);
        let keep = self.line_bytes.len() / 2;
        self.line_bytes.truncate(keep);
        self.out
            .write_all(&self.line_bytes)
            .map_err(|source| io_error(&self.path, source))?;
        let line = self.next_line;
        self.next_line += 1;
        self.rows += 1;
        self.record_bad(line, BadReason::Truncated);
        Ok(())
    }

    pub fn finish(mut self) -> Result<FinishedFeed, SimulationError> {
        self.out
            .flush()
            .map_err(|source| io_error(&self.path, source))?;
        Ok(FinishedFeed {
            spec: self.spec,
            path: self.path,
            profile_path: self.profile_path,
            rows: self.rows,
            bad_rows: self.bad_rows,
        })
    }

    fn encode(&mut self, row: &RowBuf, bad: Option<BadReason>) {
        self.line_bytes.clear();
        match self.spec.format {
            Format::Csv(delimiter) => self.encode_csv(row, delimiter, bad),
            Format::Jsonl => self.encode_json(row, bad),
        }
    }

    fn encode_csv(&mut self, row: &RowBuf, delimiter: u8, bad: Option<BadReason>) {
        let spec = self.spec;
        for index in 0..row.len() {
            if index > 0 {
                self.line_bytes.push(delimiter);
            }
            let value = row.get(index);
            match bad {
                Some(BadReason::BadDate) if index == spec.date_column => {
                    self.line_bytes.extend_from_slice(b"13/45/2019");
                    continue;
                }
                Some(BadReason::MissingRequired) if index == spec.required_column => continue,
                Some(BadReason::WrongFieldCount) if index == spec.text_column => {
                    // An unquoted delimiter inside a value, the commonest CSV breakage.
                    self.line_bytes.extend_from_slice(b"UNKNOWN");
                    self.line_bytes.push(delimiter);
                    push_text(
                        &mut self.line_bytes,
                        &value.replace(char::from(delimiter), " "),
                        spec.windows_1252,
                    );
                    continue;
                }
                Some(BadReason::InvalidUtf8) if index == spec.text_column => {
                    push_text(&mut self.line_bytes, "ERR", false);
                    self.line_bytes.extend_from_slice(&[0xC3, 0x28, 0xFF]);
                    push_text(
                        &mut self.line_bytes,
                        &value.replace(char::from(delimiter), " "),
                        false,
                    );
                    continue;
                }
                _ => {}
            }
            let needs_quotes = value
                .bytes()
                .any(|byte| byte == delimiter || byte == b'"' || byte == b'\n' || byte == b'\r');
            if needs_quotes {
                self.line_bytes.push(b'"');
                push_text(
                    &mut self.line_bytes,
                    &value.replace('"', "\"\""),
                    spec.windows_1252,
                );
                self.line_bytes.push(b'"');
            } else {
                push_text(&mut self.line_bytes, value, spec.windows_1252);
            }
        }
    }

    fn encode_json(&mut self, row: &RowBuf, bad: Option<BadReason>) {
        let spec = self.spec;
        let bytes = &mut self.line_bytes;
        bytes.push(b'{');
        // Columns named `group.field` nest one level; a group's columns are adjacent.
        let mut open_group: Option<&str> = None;
        let mut first_in_scope = true;
        for (index, (name, json_type)) in spec.columns.iter().enumerate() {
            let (group, field) = match name.split_once('.') {
                Some((group, field)) => (Some(group), field),
                None => (None, *name),
            };
            if group != open_group {
                if open_group.is_some() {
                    bytes.push(b'}');
                    first_in_scope = false;
                }
                if let Some(group) = group {
                    if !first_in_scope {
                        bytes.push(b',');
                    }
                    push_json_string(bytes, group);
                    bytes.extend_from_slice(b":{");
                    first_in_scope = true;
                }
                open_group = group;
            }
            if !first_in_scope {
                bytes.push(b',');
            }
            first_in_scope = false;
            push_json_string(bytes, field);
            bytes.push(b':');
            let value = row.get(index);
            match bad {
                Some(BadReason::BadDate) if index == spec.date_column => {
                    push_json_string(bytes, "13/45/2019");
                    continue;
                }
                Some(BadReason::MissingRequired) if index == spec.required_column => {
                    bytes.extend_from_slice(b"null");
                    continue;
                }
                Some(BadReason::InvalidUtf8) if index == spec.text_column => {
                    bytes.extend_from_slice(b"\"ERR\xC3\x28\xFF\"");
                    continue;
                }
                _ => {}
            }
            if value.is_empty() {
                bytes.extend_from_slice(b"null");
                continue;
            }
            match json_type {
                JsonType::Text => push_json_string(bytes, value),
                JsonType::Number | JsonType::Bool => bytes.extend_from_slice(value.as_bytes()),
                JsonType::List(separator) => {
                    bytes.push(b'[');
                    for (position, item) in value.split(*separator).enumerate() {
                        if position > 0 {
                            bytes.push(b',');
                        }
                        push_json_string(bytes, item.trim());
                    }
                    bytes.push(b']');
                }
            }
        }
        if open_group.is_some() {
            bytes.push(b'}');
        }
        if bad != Some(BadReason::MalformedJson) {
            bytes.push(b'}');
        }
    }
}

/// A written feed, for the summary.
#[derive(Debug)]
pub(crate) struct FinishedFeed {
    pub spec: &'static FeedSpec,
    pub path: PathBuf,
    pub profile_path: PathBuf,
    pub rows: u64,
    pub bad_rows: Vec<BadRow>,
}

fn push_text(bytes: &mut Vec<u8>, value: &str, windows_1252: bool) {
    if !windows_1252 || value.is_ascii() {
        bytes.extend_from_slice(value.as_bytes());
        return;
    }
    for character in value.chars() {
        let code = u32::from(character);
        // Windows-1252 equals Latin-1 from 0xA0 up, which covers Spanish letters.
        bytes.push(match code {
            0..=0x7f | 0xa0..=0xff => code as u8,
            _ => b'?',
        });
    }
}

fn push_json_string(bytes: &mut Vec<u8>, value: &str) {
    bytes.push(b'"');
    let plain = value
        .bytes()
        .all(|byte| byte >= 0x20 && byte != b'"' && byte != b'\\');
    if plain {
        bytes.extend_from_slice(value.as_bytes());
        bytes.push(b'"');
        return;
    }
    for character in value.chars() {
        match character {
            '"' => bytes.extend_from_slice(b"\\\""),
            '\\' => bytes.extend_from_slice(b"\\\\"),
            '\n' => bytes.extend_from_slice(b"\\n"),
            '\r' => bytes.extend_from_slice(b"\\r"),
            '\t' => bytes.extend_from_slice(b"\\t"),
            control if u32::from(control) < 0x20 => {
                bytes.extend_from_slice(format!("\\u{:04x}", u32::from(control)).as_bytes());
            }
            other => {
                let mut buffer = [0u8; 4];
                bytes.extend_from_slice(other.encode_utf8(&mut buffer).as_bytes());
            }
        }
    }
    bytes.push(b'"');
}

pub(crate) fn create(path: &Path) -> Result<File, SimulationError> {
    File::create(path).map_err(|source| io_error(path, source))
}

pub(crate) fn io_error(path: &Path, source: std::io::Error) -> SimulationError {
    SimulationError::Io {
        path: path.to_path_buf(),
        source,
    }
}
