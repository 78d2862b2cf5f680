//! The JSON Lines reader: each non-blank line one JSON object; a column is a field name
//! or a dotted path into nested objects, and arrays along the way give several values.

use std::io::{self, Read};
use std::ops::Range;

use serde_json::Value;

use super::{BadRow, Buffer, Decoder, ReadItem, ReadOptions, RowReader, overlong_start, shortened};
use crate::mapper::{RawRow, RowMapper};

/// Reads JSON Lines rows of one file.
#[derive(Debug)]
pub struct JsonlReader<R> {
    buffer: Buffer<R>,
    decoder: Decoder,
    options: ReadOptions,
    position: usize,
    /// The number of the next line.
    line: u64,
    /// Per slot: the column as written, and its dotted path.
    paths: Vec<(String, Vec<String>)>,
    last_row: Range<usize>,
    last_row_shortened: Option<String>,
}

/// One line of the file.
struct Line {
    /// Its bytes in the buffer, without the line break.
    range: Range<usize>,
    /// A line break ended it (the last line of a file may lack one).
    ended_by_break: bool,
    /// The start of a line too long to keep, as shown in the quarantine.
    overlong: Option<String>,
}

impl<R: Read + Send> JsonlReader<R> {
    pub fn new(
        input: R,
        mapper: &RowMapper,
        decoder: Decoder,
        options: ReadOptions,
    ) -> JsonlReader<R> {
        JsonlReader {
            buffer: Buffer::new(input),
            decoder,
            options,
            position: 0,
            line: 1,
            paths: mapper
                .columns()
                .iter()
                .map(|column| {
                    (
                        column.clone(),
                        column.split('.').map(str::to_string).collect(),
                    )
                })
                .collect(),
            last_row: 0..0,
            last_row_shortened: None,
        }
    }

    /// The next line; `None` at the end of the file.
    fn next_line(&mut self) -> io::Result<Option<Line>> {
        let mut searched = self.position;
        loop {
            let unread = &self.buffer.data[searched..self.buffer.end];
            if let Some(offset) = unread.iter().position(|&byte| byte == b'\n') {
                let end = searched + offset;
                let line = self.position..end;
                self.position = end + 1;
                return Ok(Some(Line {
                    range: line,
                    ended_by_break: true,
                    overlong: None,
                }));
            }
            if self.buffer.eof {
                if self.position == self.buffer.end {
                    return Ok(None);
                }
                let line = self.position..self.buffer.end;
                self.position = self.buffer.end;
                return Ok(Some(Line {
                    range: line,
                    ended_by_break: false,
                    overlong: None,
                }));
            }
            if self.buffer.end - self.position > self.options.max_row_bytes {
                return self.skip_overlong_line().map(Some);
            }
            searched = self.buffer.end;
            let shift = self.buffer.refill(self.position)?;
            searched -= shift;
            self.position -= shift;
        }
    }

    fn skip_overlong_line(&mut self) -> io::Result<Line> {
        let shown = overlong_start(
            &self.decoder,
            &self.buffer.data[self.position..self.buffer.end],
            self.options,
        );
        loop {
            let unread = &self.buffer.data[self.position..self.buffer.end];
            if let Some(offset) = unread.iter().position(|&byte| byte == b'\n') {
                self.position += offset + 1;
                return Ok(Line {
                    range: self.position..self.position,
                    ended_by_break: true,
                    overlong: Some(shown),
                });
            }
            self.position = self.buffer.end;
            if self.buffer.eof {
                return Ok(Line {
                    range: self.position..self.position,
                    ended_by_break: false,
                    overlong: Some(shown),
                });
            }
            let shift = self.buffer.refill(self.position)?;
            self.position -= shift;
        }
    }

    fn bad(&self, line: u64, field: Option<String>, reason: String) -> ReadItem {
        ReadItem::Bad(BadRow {
            line,
            field,
            reason,
            raw: self.raw_text(),
        })
    }
}

impl<R: Read + Send> RowReader for JsonlReader<R> {
    fn next_row(&mut self, row: &mut RawRow) -> io::Result<Option<ReadItem>> {
        loop {
            let Some(Line {
                range,
                ended_by_break,
                overlong,
            }) = self.next_line()?
            else {
                self.last_row = 0..0;
                return Ok(None);
            };
            let line = self.line;
            self.line += 1;
            let mut range = range;
            if range.end > range.start && self.buffer.data[range.end - 1] == b'\r' {
                range.end -= 1;
            }
            self.last_row = range.clone();
            self.last_row_shortened = overlong;
            if self.last_row_shortened.is_some() {
                let reason = format!("line longer than {} bytes", self.options.max_row_bytes);
                return Ok(Some(self.bad(line, None, reason)));
            }
            let bytes = &self.buffer.data[range];
            if bytes.iter().all(u8::is_ascii_whitespace) {
                continue;
            }
            let Some(text) = self.decoder.decode(bytes) else {
                return Ok(Some(self.bad(line, None, "undecodable bytes".to_string())));
            };
            let object = match serde_json::from_str::<Value>(&text) {
                Ok(Value::Object(object)) => object,
                Ok(other) => {
                    let reason = format!("expected a JSON object, found {}", json_type(&other));
                    return Ok(Some(self.bad(line, None, reason)));
                }
                Err(error) if error.is_eof() && !ended_by_break => {
                    let reason = format!("truncated last line ({error})");
                    return Ok(Some(self.bad(line, None, reason)));
                }
                Err(error) => return Ok(Some(self.bad(line, None, error.to_string()))),
            };
            row.clear(line);
            for (slot, (column, path)) in self.paths.iter().enumerate() {
                // A key that itself contains dots wins over the path it spells.
                let found = match object.get(column) {
                    Some(value) => push_values(row, slot, value),
                    None => path
                        .split_first()
                        .and_then(|(first, rest)| object.get(first).map(|value| (value, rest)))
                        .map_or(Ok(()), |(value, rest)| walk(row, slot, value, rest)),
                };
                if let Err(found) = found {
                    let reason = format!("expected a value, found {found}");
                    return Ok(Some(self.bad(line, Some(column.clone()), reason)));
                }
            }
            return Ok(Some(ReadItem::Row));
        }
    }

    fn raw_text(&self) -> String {
        match &self.last_row_shortened {
            Some(shown) => shown.clone(),
            None => shortened(&self.decoder, &self.buffer.data[self.last_row.clone()]),
        }
    }

    fn bytes_read(&self) -> u64 {
        self.buffer.offset(self.position)
    }
}

/// Follows a path's remaining segments; arrays on the way are followed element-wise.
fn walk(row: &mut RawRow, slot: usize, value: &Value, rest: &[String]) -> Result<(), &'static str> {
    match (value, rest.split_first()) {
        (_, None) => push_values(row, slot, value),
        (Value::Object(object), Some((first, rest))) => match object.get(first) {
            Some(value) => walk(row, slot, value, rest),
            None => Ok(()),
        },
        (Value::Array(items), Some(_)) => {
            for item in items {
                walk(row, slot, item, rest)?;
            }
            Ok(())
        }
        // A path through a scalar leads nowhere: absent, as a missing key would be.
        _ => Ok(()),
    }
}

/// A leaf's values as text: strings as they are, numbers and booleans as JSON writes
/// them, null as absent, arrays element by element.
fn push_values(row: &mut RawRow, slot: usize, value: &Value) -> Result<(), &'static str> {
    match value {
        Value::Null => Ok(()),
        Value::String(text) => {
            row.push(slot, text);
            Ok(())
        }
        Value::Number(number) => {
            row.push(slot, &number.to_string());
            Ok(())
        }
        Value::Bool(flag) => {
            row.push(slot, if *flag { "true" } else { "false" });
            Ok(())
        }
        Value::Array(items) => {
            for item in items {
                push_values(row, slot, item)?;
            }
            Ok(())
        }
        Value::Object(_) => Err("an object"),
    }
}

fn json_type(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}
