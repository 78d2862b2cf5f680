//! Streaming readers: bytes of a data file in, [`RawRow`]s or [`BadRow`]s out.
//!
//! Memory stays flat in the file size: a reader holds one buffer that grows only to the
//! longest row, and a row is capped at [`ReadOptions::max_row_bytes`]. Each reader knows
//! the exact line a row starts on and keeps the row's bytes until the next one is read,
//! so that a row the mapper rejects can still be quarantined as it was sent.

mod csv;
mod jsonl;

use std::borrow::Cow;
use std::io::{self, Read};
use std::ops::Range;

use encoding_rs::Encoding;

pub use self::csv::CsvReader;
pub use self::jsonl::JsonlReader;
use crate::mapper::{RawRow, RowMapper};
use crate::profile::{FileFormat, MappingProfile};

/// A row the reader could not make sense of, with where it was and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BadRow {
    pub line: u64,
    pub field: Option<String>,
    pub reason: String,
    /// The row as read, lossily decoded.
    pub raw: String,
}

/// What one step of a reader gives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReadItem {
    /// The row passed in was filled.
    Row,
    Bad(BadRow),
}

/// A reader of one file's rows.
pub trait RowReader: Send {
    /// Reads the next row into `row`; `None` at the end of the file.
    fn next_row(&mut self, row: &mut RawRow) -> io::Result<Option<ReadItem>>;

    /// The text of the row last read, lossily decoded.
    fn raw_text(&self) -> String;

    /// The bytes of the row last read, as in the file; [`raw_row_text`] with
    /// [`RowReader::decoder`] makes them the text a quarantine keeps. Lets a row be
    /// quarantined after the reader has moved on.
    fn raw_bytes(&self) -> &[u8];

    fn decoder(&self) -> Decoder;

    /// Bytes of the file consumed so far.
    fn bytes_read(&self) -> u64;
}

/// How a file cannot be read at all (as opposed to a row that cannot).
#[derive(Debug, thiserror::Error)]
pub enum OpenError {
    #[error(transparent)]
    Io(#[from] io::Error),
    #[error("the header lacks columns the profile reads: {}", .0.join(", "))]
    MissingColumns(Vec<String>),
    #[error("header: {0}")]
    Header(String),
}

/// Reader settings that do not come from the profile.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReadOptions {
    /// A row longer than this is quarantined instead of buffered: it is almost always an
    /// unterminated quote swallowing the rest of the file.
    pub max_row_bytes: usize,
}

impl Default for ReadOptions {
    fn default() -> ReadOptions {
        ReadOptions {
            max_row_bytes: 1 << 20,
        }
    }
}

/// Opens the reader the profile's format calls for. A CSV header is read here.
pub fn open_reader<R: Read + Send + 'static>(
    profile: &MappingProfile,
    mapper: &RowMapper,
    input: R,
    options: ReadOptions,
) -> Result<Box<dyn RowReader>, OpenError> {
    let decoder = Decoder::for_label(&profile.encoding);
    Ok(match profile.format {
        FileFormat::Csv => Box::new(CsvReader::open(
            input,
            mapper,
            decoder,
            profile.delimiter as u8,
            options,
        )?),
        FileFormat::Jsonl => Box::new(JsonlReader::new(input, mapper, decoder, options)),
    })
}

/// Decodes the profile's encoding; the mapper has checked it is ASCII-compatible.
#[derive(Debug, Clone, Copy)]
pub struct Decoder {
    encoding: &'static Encoding,
}

impl Decoder {
    pub fn for_label(label: &str) -> Decoder {
        Decoder {
            encoding: Encoding::for_label(label.as_bytes()).unwrap_or(encoding_rs::UTF_8),
        }
    }

    /// The text, or `None` when the bytes are not valid in the encoding.
    pub fn decode<'a>(&self, bytes: &'a [u8]) -> Option<Cow<'a, str>> {
        if self.encoding == encoding_rs::UTF_8 {
            return std::str::from_utf8(bytes).ok().map(Cow::Borrowed);
        }
        self.encoding
            .decode_without_bom_handling_and_without_replacement(bytes)
    }

    pub fn lossy(&self, bytes: &[u8]) -> String {
        self.encoding
            .decode_without_bom_handling(bytes)
            .0
            .into_owned()
    }

    fn is_utf8(&self) -> bool {
        self.encoding == encoding_rs::UTF_8
    }
}

/// The bytes of a file from the start of the row being read to what has been read
/// ahead. Indexes into it move when it refills, by the shift `refill` returns.
#[derive(Debug)]
struct Buffer<R> {
    input: R,
    data: Vec<u8>,
    /// Bytes of `data` that hold file content.
    end: usize,
    /// The file offset of `data[0]`.
    base: u64,
    eof: bool,
}

const INITIAL_BUFFER: usize = 256 * 1024;

impl<R: Read> Buffer<R> {
    fn new(input: R) -> Buffer<R> {
        Buffer {
            input,
            data: vec![0; INITIAL_BUFFER],
            end: 0,
            base: 0,
            eof: false,
        }
    }

    /// Drops the bytes before `keep_from` and reads more. Returns how far the kept bytes
    /// moved down; `eof` is set when the file has no more.
    fn refill(&mut self, keep_from: usize) -> io::Result<usize> {
        self.data.copy_within(keep_from..self.end, 0);
        self.end -= keep_from;
        self.base += keep_from as u64;
        if self.end == self.data.len() {
            let doubled = self.data.len() * 2;
            self.data.resize(doubled, 0);
        }
        loop {
            match self.input.read(&mut self.data[self.end..]) {
                Ok(0) => {
                    self.eof = true;
                    break;
                }
                Ok(read) => {
                    self.end += read;
                    break;
                }
                Err(error) if error.kind() == io::ErrorKind::Interrupted => {}
                Err(error) => return Err(error),
            }
        }
        Ok(keep_from)
    }

    fn offset(&self, index: usize) -> u64 {
        self.base + index as u64
    }
}

/// Counts lines the way editors number them: `\n`, `\r\n` and a lone `\r` each end one.
#[derive(Debug, Clone, Copy)]
struct LineCounter {
    /// The line of the next byte.
    line: u64,
    after_cr: bool,
}

impl LineCounter {
    fn new() -> LineCounter {
        LineCounter {
            line: 1,
            after_cr: false,
        }
    }

    fn advance(&mut self, bytes: &[u8]) {
        for &byte in bytes {
            match byte {
                b'\r' => {
                    self.line += 1;
                    self.after_cr = true;
                }
                b'\n' => {
                    if !self.after_cr {
                        self.line += 1;
                    }
                    self.after_cr = false;
                }
                _ => self.after_cr = false,
            }
        }
    }
}

fn is_line_break(byte: &u8) -> bool {
    matches!(byte, b'\r' | b'\n')
}

/// The range of `bytes` without leading and trailing line breaks.
fn trim_line_breaks(bytes: &[u8], range: Range<usize>) -> Range<usize> {
    let slice = &bytes[range.clone()];
    let leading = slice.iter().take_while(|byte| is_line_break(byte)).count();
    let trailing = slice[leading..]
        .iter()
        .rev()
        .take_while(|byte| is_line_break(byte))
        .count();
    range.start + leading..range.end - trailing
}

/// Shown instead of a row too long to keep whole.
/// A row's bytes as a quarantine keeps them: decoded lossily, cut after 1 KiB.
pub fn raw_row_text(decoder: &Decoder, bytes: &[u8]) -> String {
    shortened(decoder, bytes)
}

fn shortened(decoder: &Decoder, bytes: &[u8]) -> String {
    const SHOWN: usize = 1024;
    if bytes.len() <= SHOWN {
        return decoder.lossy(bytes);
    }
    format!("{}…", decoder.lossy(&bytes[..SHOWN]))
}

/// The start of a row over the cap, as kept in the quarantine.
fn overlong_start(decoder: &Decoder, bytes: &[u8], options: ReadOptions) -> String {
    let kept = bytes.len().min(options.max_row_bytes).min(1024);
    format!("{}…", decoder.lossy(&bytes[..kept]))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::profile::MappingProfile;

    /// Hands out a few bytes per read, so rows straddle buffer refills.
    struct Trickle {
        data: Vec<u8>,
        offset: usize,
        step: usize,
    }

    impl Read for Trickle {
        fn read(&mut self, buffer: &mut [u8]) -> io::Result<usize> {
            let count = self
                .step
                .min(buffer.len())
                .min(self.data.len() - self.offset);
            buffer[..count].copy_from_slice(&self.data[self.offset..self.offset + count]);
            self.offset += count;
            Ok(count)
        }
    }

    /// Reads `data` with a two-column profile in `format`, a few bytes at a time, and
    /// renders each item: `line: values` or `line ! field: reason | raw`.
    fn check(format: &str, data: &[u8], max_row_bytes: usize, expected: &[&str]) {
        let profile: MappingProfile = toml::from_str(&format!(
            r#"
            agency = "a"
            feed = "f"
            format = "{format}"
            [labels]
            sensitivity = "public"
            data_class = "public"
            [[entities]]
            name = "phone"
            kind = "Phone"
            key = ["id"]
            [entities.properties]
            number = "n.x"
            "#
        ))
        .unwrap();
        let mapper = RowMapper::compile(&profile, model::Schema::builtin()).unwrap();
        for step in [1, 3, 64] {
            let input = Trickle {
                data: data.to_vec(),
                offset: 0,
                step,
            };
            let options = ReadOptions { max_row_bytes };
            let mut reader = open_reader(&profile, &mapper, input, options).unwrap();
            let mut row = RawRow::new(mapper.columns().len());
            let mut actual = Vec::new();
            while let Some(item) = reader.next_row(&mut row).unwrap() {
                actual.push(match item {
                    ReadItem::Row => {
                        let values: Vec<Vec<&str>> = (0..mapper.columns().len())
                            .map(|slot| row.values(slot).collect())
                            .collect();
                        format!("{}: {values:?}", row.line)
                    }
                    ReadItem::Bad(bad) => format!(
                        "{} ! {}: {} | {}",
                        bad.line,
                        bad.field.as_deref().unwrap_or("-"),
                        bad.reason,
                        bad.raw
                    ),
                });
            }
            assert_eq!(actual, expected, "reading {step} bytes at a time");
            assert_eq!(reader.bytes_read(), data.len() as u64);
        }
    }

    #[test]
    fn csv_rows_survive_small_reads_and_broken_quotes_resume_on_the_next_line() {
        check(
            "csv",
            b"\xef\xbb\xbfid,n.x\r\n1,\"a\r\nb\"\r\n2,\"oops\r\n3,c\r\n\r\n4,\"d\"\"e\"",
            1 << 20,
            &[
                r#"2: [["a\r\nb"], ["1"]]"#,
                r#"4 ! -: text after a closing quote | 2,"oops"#,
                r#"5: [["c"], ["3"]]"#,
                r#"7: [["d\"e"], ["4"]]"#,
            ],
        );
    }

    #[test]
    fn an_overlong_csv_row_is_quarantined_without_being_buffered() {
        let mut data = b"id,n.x\n1,\"abc\n2,y\n3,".to_vec();
        data.extend(std::iter::repeat_n(b'z', 500));
        data.extend(b"\n4,w\n5,v\n");
        let long_z = format!("4 ! -: line longer than 72 bytes | 3,{}…", "z".repeat(70));
        check(
            "csv",
            &data,
            72,
            &[
                r#"2 ! -: unterminated quote | 1,"abc"#,
                r#"3: [["y"], ["2"]]"#,
                &long_z,
                r#"5: [["w"], ["4"]]"#,
                r#"6: [["v"], ["5"]]"#,
            ],
        );
    }

    #[test]
    fn json_lines_follow_paths_through_arrays_and_prefer_dotted_keys() {
        check(
            "jsonl",
            b"{\"id\": 1, \"n\": [{\"x\": \"a\"}, {\"x\": [\"b\", null, true]}]}\r\n\n   \n{\"id\": \"2\", \"n.x\": 2.5, \"n\": {\"x\": \"no\"}}\n{\"id\": \"\xff\"}\n",
            1 << 20,
            &[
                r#"1: [["a", "b", "true"], ["1"]]"#,
                r#"4: [["2.5"], ["2"]]"#,
                "5 ! -: undecodable bytes | {\"id\": \"\u{fffd}\"}",
            ],
        );
    }

    #[test]
    fn lines_count_lf_crlf_and_lone_cr() {
        let mut counter = LineCounter::new();
        counter.advance(b"a\nb\r\nc\rd");
        assert_eq!(counter.line, 4);
        // A CRLF split across two calls is still one line break.
        let mut split = LineCounter::new();
        split.advance(b"a\r");
        split.advance(b"\nb");
        assert_eq!(split.line, 2);
    }

    #[test]
    fn windows_1252_decodes_and_utf8_rejects_invalid_bytes() {
        let latin = Decoder::for_label("windows-1252");
        assert_eq!(latin.decode(b"Jos\xe9").as_deref(), Some("José"));
        let utf8 = Decoder::for_label("utf-8");
        assert_eq!(utf8.decode(b"Jos\xe9"), None);
        assert_eq!(utf8.lossy(b"Jos\xe9"), "Jos\u{fffd}");
    }
}
