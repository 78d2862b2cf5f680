//! The CSV reader: a header row, then one row per record, with the exact start line of
//! each record and recovery from broken quoting.
//!
//! It drives `csv_core` over its own buffer instead of using `csv::Reader`, because
//! `csv::Reader` reports the position *before* skipped line breaks (so every row of a
//! CRLF file, and every row after a blank line, would get the wrong line) and does not
//! expose a record's raw bytes, which quarantine keeps and quote recovery re-reads.

use std::io::{self, Read};
use std::ops::Range;

use csv_core::ReadRecordResult;

use super::{
    BadRow, Buffer, Decoder, LineCounter, OpenError, ReadItem, ReadOptions, RowReader,
    is_line_break, overlong_start, shortened, trim_line_breaks,
};
use crate::mapper::{RawRow, RowMapper};

/// Reads CSV rows of one file.
#[derive(Debug)]
pub struct CsvReader<R> {
    buffer: Buffer<R>,
    parser: csv_core::Reader,
    decoder: Decoder,
    delimiter: u8,
    options: ReadOptions,
    /// The next byte to parse.
    position: usize,
    /// The line of `buffer.data[position]`.
    lines: LineCounter,
    /// Header column index → slot, for the columns the profile reads.
    slots: Vec<Option<usize>>,
    header: Vec<String>,
    fields: Vec<u8>,
    ends: Vec<usize>,
    /// The last row's bytes in the buffer, line breaks trimmed.
    last_row: Range<usize>,
    /// The last row, when it was too long to keep.
    last_row_shortened: Option<String>,
}

/// One record as `csv_core` split it.
struct Record {
    /// Its bytes in the buffer, leading blank lines and trailing line break included.
    span: Range<usize>,
    field_count: usize,
}

/// What is wrong with a record's quotes, if anything.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum QuoteProblem {
    /// The record ended inside a quoted field.
    Unterminated,
    /// A quoted field's closing quote is followed by more text.
    TextAfterClosingQuote,
}

impl QuoteProblem {
    fn reason(self) -> &'static str {
        match self {
            QuoteProblem::Unterminated => "unterminated quote",
            QuoteProblem::TextAfterClosingQuote => "text after a closing quote",
        }
    }
}

impl<R: Read + Send> CsvReader<R> {
    /// Reads the header row and resolves the profile's columns against it. An empty
    /// file has no header and no rows.
    pub fn open(
        input: R,
        mapper: &RowMapper,
        decoder: Decoder,
        delimiter: u8,
        options: ReadOptions,
    ) -> Result<CsvReader<R>, OpenError> {
        let mut reader = CsvReader {
            buffer: Buffer::new(input),
            parser: csv_core::ReaderBuilder::new().delimiter(delimiter).build(),
            decoder,
            delimiter,
            options,
            position: 0,
            lines: LineCounter::new(),
            slots: Vec::new(),
            header: Vec::new(),
            fields: vec![0; 4096],
            ends: vec![0; 64],
            last_row: 0..0,
            last_row_shortened: None,
        };
        while reader.buffer.end < 3 && !reader.buffer.eof {
            reader.buffer.refill(0)?;
        }
        if decoder.is_utf8() && reader.buffer.data[..reader.buffer.end].starts_with(b"\xef\xbb\xbf")
        {
            reader.position = 3;
        }
        let Some(record) = reader.read_record()? else {
            return Ok(reader);
        };
        reader
            .lines
            .advance(&reader.buffer.data[record.span.clone()]);
        let mut header = Vec::with_capacity(record.field_count);
        for index in 0..record.field_count {
            let bytes = reader.field(index);
            let name = decoder.decode(bytes).ok_or_else(|| {
                OpenError::Header(format!("undecodable bytes in column {}", index + 1))
            })?;
            header.push(name.trim().to_string());
        }
        let missing: Vec<String> = mapper
            .columns()
            .iter()
            .filter(|column| !header.contains(column))
            .cloned()
            .collect();
        if !missing.is_empty() {
            return Err(OpenError::MissingColumns(missing));
        }
        // With a column named twice, the first one counts, as in a spreadsheet lookup.
        reader.slots = header
            .iter()
            .enumerate()
            .map(|(index, name)| {
                let first = header.iter().position(|other| other == name) == Some(index);
                mapper.slot(name).filter(|_| first)
            })
            .collect();
        reader.header = header;
        Ok(reader)
    }

    /// Parses one record, refilling the buffer as needed; `None` at the end.
    fn read_record(&mut self) -> io::Result<Option<Record>> {
        let mut start = self.position;
        let (mut written, mut ended) = (0, 0);
        loop {
            // `csv_core` takes empty input to mean the end of the file, so it only
            // sees an empty slice once the file really has ended.
            if self.position == self.buffer.end && !self.buffer.eof {
                if self.buffer.end - start > self.options.max_row_bytes {
                    return Ok(Some(Record {
                        span: start..self.position,
                        field_count: usize::MAX,
                    }));
                }
                let shift = self.buffer.refill(start)?;
                start -= shift;
                self.position -= shift;
                continue;
            }
            let input = &self.buffer.data[self.position..self.buffer.end];
            let (result, read, wrote, ends) = self.parser.read_record(
                input,
                &mut self.fields[written..],
                &mut self.ends[ended..],
            );
            self.position += read;
            written += wrote;
            ended += ends;
            match result {
                // More input is fetched at the top of the loop.
                ReadRecordResult::InputEmpty => {}
                ReadRecordResult::OutputFull => {
                    let doubled = self.fields.len() * 2;
                    self.fields.resize(doubled, 0);
                }
                ReadRecordResult::OutputEndsFull => {
                    let doubled = self.ends.len() * 2;
                    self.ends.resize(doubled, 0);
                }
                ReadRecordResult::Record => {
                    return Ok(Some(Record {
                        span: start..self.position,
                        field_count: ended,
                    }));
                }
                ReadRecordResult::End => return Ok(None),
            }
        }
    }

    fn field(&self, index: usize) -> &[u8] {
        let start = if index == 0 { 0 } else { self.ends[index - 1] };
        &self.fields[start..self.ends[index]]
    }

    /// Restarts parsing at `index`, a line start, as if the file began there.
    fn resume_at(&mut self, index: usize) {
        self.parser.reset();
        self.position = index;
    }

    fn bad(&self, line: u64, field: Option<String>, reason: String) -> ReadItem {
        ReadItem::Bad(BadRow {
            line,
            field,
            reason,
            raw: self.raw_text(),
        })
    }

    /// Judges a record whose field count is wrong, that has quotes, or that ends the
    /// file without a line break: a quoting error, a truncated last line, the wrong
    /// field count, or nothing wrong after all.
    fn judge(
        &mut self,
        record: &Record,
        content: Range<usize>,
        line: u64,
        ends_file_without_break: bool,
    ) -> io::Result<Option<ReadItem>> {
        let bytes = &self.buffer.data[content.clone()];
        let overlong = record.field_count == usize::MAX;
        let first_break = bytes.iter().position(is_line_break);
        let problem = if overlong {
            Some(QuoteProblem::Unterminated)
        } else {
            quote_problem(bytes, self.delimiter)
        };

        // A broken quote swallows the lines after it: quarantine only the line it is
        // on, and read on from the next line as if the file started there.
        if let (Some(problem), Some(first_break)) = (problem, first_break) {
            let first_line_end = content.start + first_break;
            self.last_row = content.start..first_line_end;
            let mut lines = self.lines;
            lines.advance(&self.buffer.data[content.start..first_line_end + 1]);
            let mut resume = first_line_end + 1;
            // The LF of a CRLF belongs to the line just quarantined.
            if self.buffer.data[first_line_end] == b'\r'
                && resume < self.buffer.end
                && self.buffer.data[resume] == b'\n'
            {
                lines.advance(b"\n");
                resume += 1;
            }
            self.lines = lines;
            self.resume_at(resume);
            return Ok(Some(self.bad(line, None, problem.reason().to_string())));
        }
        if overlong {
            return self.skip_overlong_line(line);
        }
        let wrong_count = record.field_count != self.header.len();
        self.lines
            .advance(&self.buffer.data[content.start..record.span.end]);
        if ends_file_without_break && (wrong_count || problem == Some(QuoteProblem::Unterminated)) {
            return Ok(Some(self.bad(
                line,
                None,
                "truncated last line".to_string(),
            )));
        }
        if wrong_count {
            let reason = format!(
                "expected {} fields, found {}",
                self.header.len(),
                record.field_count
            );
            return Ok(Some(self.bad(line, None, reason)));
        }
        if let Some(problem) = problem {
            return Ok(Some(self.bad(line, None, problem.reason().to_string())));
        }
        Ok(Some(ReadItem::Row))
    }

    /// A single line longer than the cap: keep its start for the quarantine, skip the
    /// rest without buffering it.
    fn skip_overlong_line(&mut self, line: u64) -> io::Result<Option<ReadItem>> {
        let shown = overlong_start(
            &self.decoder,
            &self.buffer.data[self.last_row.clone()],
            self.options,
        );
        loop {
            let unread = &self.buffer.data[self.position..self.buffer.end];
            if let Some(offset) = unread.iter().position(|&byte| byte == b'\n') {
                self.position += offset + 1;
                break;
            }
            self.position = self.buffer.end;
            if self.buffer.eof {
                break;
            }
            let shift = self.buffer.refill(self.position)?;
            self.position -= shift;
        }
        self.lines.line = line + 1;
        self.lines.after_cr = false;
        self.parser.reset();
        self.last_row = 0..0;
        self.last_row_shortened = Some(shown);
        let reason = format!("line longer than {} bytes", self.options.max_row_bytes);
        Ok(Some(self.bad(line, None, reason)))
    }
}

impl<R: Read + Send> RowReader for CsvReader<R> {
    fn next_row(&mut self, row: &mut RawRow) -> io::Result<Option<ReadItem>> {
        self.last_row_shortened = None;
        let Some(record) = self.read_record()? else {
            self.last_row = 0..0;
            return Ok(None);
        };
        // A file ending in a line break yields no record for it; blank lines neither.
        let content = trim_line_breaks(&self.buffer.data, record.span.clone());
        self.lines
            .advance(&self.buffer.data[record.span.start..content.start]);
        let line = self.lines.line;
        self.last_row = content.clone();

        let ends_file_without_break =
            self.buffer.eof && record.span.end == self.buffer.end && content.end == record.span.end;
        // Quotes are checked only where there are any: most rows have none, and this
        // keeps the common row to one pass of `csv_core`.
        let has_quote = self.buffer.data[content.clone()].contains(&b'"');
        if record.field_count != self.header.len() || ends_file_without_break || has_quote {
            match self.judge(&record, content, line, ends_file_without_break)? {
                Some(ReadItem::Row) => {}
                other => return Ok(other),
            }
        } else {
            self.lines
                .advance(&self.buffer.data[content.start..record.span.end]);
        }

        row.clear(line);
        for (index, slot) in self.slots.iter().enumerate() {
            let Some(slot) = *slot else { continue };
            let bytes = self.field(index);
            match self.decoder.decode(bytes) {
                Some(text) => row.push(slot, &text),
                None => {
                    let reason = format!("undecodable bytes in column {}", self.header[index]);
                    return Ok(Some(self.bad(
                        line,
                        Some(self.header[index].clone()),
                        reason,
                    )));
                }
            }
        }
        Ok(Some(ReadItem::Row))
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

    fn raw_bytes(&self) -> &[u8] {
        &self.buffer.data[self.last_row.clone()]
    }

    fn decoder(&self) -> Decoder {
        self.decoder
    }
}

/// Checks a record's quoting as RFC 4180 writes it: a quoted field ends with a quote
/// followed by a delimiter or the end of the record; `""` inside is a literal quote.
/// A quote inside an unquoted field is accepted as text, as `csv_core` reads it.
fn quote_problem(bytes: &[u8], delimiter: u8) -> Option<QuoteProblem> {
    #[derive(Clone, Copy, PartialEq)]
    enum State {
        FieldStart,
        Unquoted,
        Quoted,
        QuoteInQuoted,
    }
    let mut state = State::FieldStart;
    for &byte in bytes {
        state = match (state, byte) {
            (State::FieldStart, b'"') => State::Quoted,
            (State::FieldStart | State::Unquoted | State::QuoteInQuoted, _)
                if byte == delimiter || is_line_break(&byte) =>
            {
                State::FieldStart
            }
            (State::FieldStart | State::Unquoted, _) => State::Unquoted,
            (State::Quoted, b'"') => State::QuoteInQuoted,
            (State::Quoted, _) => State::Quoted,
            (State::QuoteInQuoted, b'"') => State::Quoted,
            (State::QuoteInQuoted, _) => return Some(QuoteProblem::TextAfterClosingQuote),
        };
    }
    (state == State::Quoted).then_some(QuoteProblem::Unterminated)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quote_problems_are_told_apart() {
        assert_eq!(quote_problem(b"1,\"a,b\",c", b','), None);
        assert_eq!(quote_problem(b"1,\"say \"\"hi\"\"\",c", b','), None);
        assert_eq!(quote_problem(b"1,5'10\",c", b','), None);
        assert_eq!(
            quote_problem(b"1,\"abc", b','),
            Some(QuoteProblem::Unterminated)
        );
        assert_eq!(
            quote_problem(b"1,\"abc,x\n2,y,\"z\"", b','),
            Some(QuoteProblem::TextAfterClosingQuote)
        );
    }
}
