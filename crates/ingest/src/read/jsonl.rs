//! The JSON Lines reader: each non-blank line one JSON object; a column is a field name
//! or a dotted path into nested objects, and arrays along the way give several values.

use std::io::{self, Read};
use std::ops::Range;

use serde::de::{DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
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
    /// The same paths as a tree, for reading a line without building it as a
    /// `serde_json::Value`; `None` when the paths need the general reading.
    tree: Option<PathTree>,
    fast: FastState,
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
        let paths: Vec<(String, Vec<String>)> = mapper
            .columns()
            .iter()
            .map(|column| {
                (
                    column.clone(),
                    column.split('.').map(str::to_string).collect(),
                )
            })
            .collect();
        JsonlReader {
            buffer: Buffer::new(input),
            decoder,
            options,
            position: 0,
            line: 1,
            tree: PathTree::new(&paths),
            fast: FastState::new(paths.len()),
            paths,
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
            // Nearly every line reads in one pass into the row, without a `Value` of
            // maps and strings; a line the pass cannot vouch for (an error, a repeated
            // key, a key that is also a path) is read again the general way below,
            // which gives the same values and the same quarantine reasons.
            if let Some(tree) = &self.tree
                && self.fast.read(tree, &text, row, line)
            {
                return Ok(Some(ReadItem::Row));
            }
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

    fn raw_bytes(&self) -> &[u8] {
        &self.buffer.data[self.last_row.clone()]
    }

    fn decoder(&self) -> Decoder {
        self.decoder
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

/// The slots' paths as a tree: the keys to follow from the top-level object, and at
/// the end of a path the slots whose value is found there.
#[derive(Debug)]
struct PathTree {
    root: PathNode,
}

#[derive(Debug, Default)]
struct PathNode {
    /// Slots whose values are this node's value, with how the slot reaches it.
    leaves: Vec<(usize, Route)>,
    children: Vec<(String, PathNode)>,
}

/// A dotted column is found under its whole name if the top-level object has that
/// key, else by following its path; the general reading gives the whole name
/// precedence, and a line that has both is left to it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Route {
    WholeName,
    Path,
}

impl PathTree {
    /// `None` when a node is both the end of one path and on the way of another (its
    /// value would be a leaf for one slot and an object to enter for the other), or
    /// when a node has more children than a line's repeat check tracks.
    fn new(paths: &[(String, Vec<String>)]) -> Option<PathTree> {
        let mut root = PathNode::default();
        for (slot, (column, path)) in paths.iter().enumerate() {
            let mut node = &mut root;
            for segment in path {
                node = node.child(segment);
            }
            node.leaves.push((slot, Route::Path));
            if path.len() > 1 {
                root.child(column).leaves.push((slot, Route::WholeName));
            }
        }
        root.is_simple().then_some(PathTree { root })
    }
}

impl PathNode {
    fn child(&mut self, key: &str) -> &mut PathNode {
        let index = match self.children.iter().position(|(name, _)| name == key) {
            Some(index) => index,
            None => {
                self.children.push((key.to_string(), PathNode::default()));
                self.children.len() - 1
            }
        };
        &mut self.children[index].1
    }

    fn is_simple(&self) -> bool {
        let leaf_or_inner = self.leaves.is_empty() || self.children.is_empty();
        leaf_or_inner
            && self.children.len() <= 64
            && self.children.iter().all(|(_, child)| child.is_simple())
    }
}

/// Scratch of the one-pass reading, reused from line to line.
#[derive(Debug)]
struct FastState {
    /// Per slot: the line has the slot's whole (dotted) name as a top-level key, and
    /// values were found for it by path.
    whole_name_present: Vec<bool>,
    path_found: Vec<bool>,
    number: String,
}

/// Why the one-pass reading gave up on a line; never shown, the line is read again.
#[derive(Debug)]
struct GiveUp;

impl std::fmt::Display for GiveUp {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.write_str("left to the general reading")
    }
}

impl std::error::Error for GiveUp {}

impl serde::de::Error for GiveUp {
    fn custom<T: std::fmt::Display>(_: T) -> GiveUp {
        GiveUp
    }
}

impl FastState {
    fn new(slots: usize) -> FastState {
        FastState {
            whole_name_present: vec![false; slots],
            path_found: vec![false; slots],
            number: String::new(),
        }
    }

    /// Reads one line into `row`; false (and `row` to be refilled) if the line needs
    /// the general reading.
    fn read(&mut self, tree: &PathTree, text: &str, row: &mut RawRow, line: u64) -> bool {
        row.clear(line);
        self.whole_name_present.fill(false);
        self.path_found.fill(false);
        let mut deserializer = serde_json::Deserializer::from_str(text);
        let seed = NodeSeed {
            node: &tree.root,
            state: self,
            row,
            top: true,
        };
        let read = seed.deserialize(&mut deserializer).is_ok() && deserializer.end().is_ok();
        read && !self
            .whole_name_present
            .iter()
            .zip(&self.path_found)
            .any(|(&whole, &path)| whole && path)
    }

    fn push(&mut self, row: &mut RawRow, node: &PathNode, value: &str) {
        for &(slot, route) in &node.leaves {
            row.push(slot, value);
            if route == Route::Path {
                self.path_found[slot] = true;
            }
        }
    }
}

/// The value at one node of the tree: entered (an object, or an array followed
/// element-wise) if the node leads on, taken as the slots' values if it ends paths.
struct NodeSeed<'a> {
    node: &'a PathNode,
    state: &'a mut FastState,
    row: &'a mut RawRow,
    /// The line itself, which must be an object.
    top: bool,
}

impl<'de> DeserializeSeed<'de> for NodeSeed<'_> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl NodeSeed<'_> {
    fn is_leaf(&self) -> bool {
        !self.node.leaves.is_empty()
    }

    /// A scalar: the slots' value at a leaf; on the way of a path it leads nowhere.
    fn scalar<E: serde::de::Error>(self, text: &str) -> Result<(), E> {
        if self.top {
            return Err(E::custom(GiveUp));
        }
        if self.is_leaf() {
            self.state.push(self.row, self.node, text);
        }
        Ok(())
    }

    fn number<E: serde::de::Error>(self, number: serde_json::Number) -> Result<(), E> {
        if !self.is_leaf() {
            return self.scalar("");
        }
        use std::fmt::Write;
        let mut text = std::mem::take(&mut self.state.number);
        text.clear();
        // As `Value` prints a number, which the general reading pushes.
        let _ = write!(text, "{number}");
        let state = &mut *self.state;
        let result = NodeSeed { state, ..self }.scalar(&text);
        state.number = text;
        result
    }
}

impl<'de> Visitor<'de> for NodeSeed<'_> {
    type Value = ();

    fn expecting(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.write_str("a JSON value")
    }

    fn visit_unit<E: serde::de::Error>(self) -> Result<(), E> {
        if self.top {
            return Err(E::custom(GiveUp));
        }
        Ok(())
    }

    fn visit_bool<E: serde::de::Error>(self, flag: bool) -> Result<(), E> {
        self.scalar(if flag { "true" } else { "false" })
    }

    fn visit_str<E: serde::de::Error>(self, text: &str) -> Result<(), E> {
        self.scalar(text)
    }

    fn visit_u64<E: serde::de::Error>(self, number: u64) -> Result<(), E> {
        self.number(number.into())
    }

    fn visit_i64<E: serde::de::Error>(self, number: i64) -> Result<(), E> {
        self.number(number.into())
    }

    fn visit_f64<E: serde::de::Error>(self, number: f64) -> Result<(), E> {
        match serde_json::Number::from_f64(number) {
            Some(number) => self.number(number),
            None => Err(E::custom(GiveUp)),
        }
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut items: A) -> Result<(), A::Error> {
        if self.top {
            return Err(serde::de::Error::custom(GiveUp));
        }
        // Element-wise, both for a leaf's values and for a path through an array.
        while items
            .next_element_seed(NodeSeed {
                node: self.node,
                state: &mut *self.state,
                row: &mut *self.row,
                top: false,
            })?
            .is_some()
        {}
        Ok(())
    }

    fn visit_map<A: MapAccess<'de>>(self, mut entries: A) -> Result<(), A::Error> {
        if self.is_leaf() {
            // An object where a value belongs: the general reading names the column.
            return Err(serde::de::Error::custom(GiveUp));
        }
        let mut seen: u64 = 0;
        while let Some(found) = entries.next_key_seed(ChildKey(self.node))? {
            let Some(index) = found else {
                entries.next_value::<IgnoredAny>()?;
                continue;
            };
            // A repeated key: `Value` keeps the last, which one pass cannot know yet.
            if seen & (1 << index) != 0 {
                return Err(serde::de::Error::custom(GiveUp));
            }
            seen |= 1 << index;
            let child = &self.node.children[index].1;
            if self.top {
                for &(slot, route) in &child.leaves {
                    if route == Route::WholeName {
                        self.state.whole_name_present[slot] = true;
                    }
                }
            }
            entries.next_value_seed(NodeSeed {
                node: child,
                state: &mut *self.state,
                row: &mut *self.row,
                top: false,
            })?;
        }
        Ok(())
    }
}

/// A key of an object, looked up among a node's children without keeping it.
struct ChildKey<'a>(&'a PathNode);

impl<'de> DeserializeSeed<'de> for ChildKey<'_> {
    type Value = Option<usize>;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Option<usize>, D::Error> {
        deserializer.deserialize_str(self)
    }
}

impl<'de> Visitor<'de> for ChildKey<'_> {
    type Value = Option<usize>;

    fn expecting(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.write_str("a key")
    }

    fn visit_str<E: serde::de::Error>(self, key: &str) -> Result<Option<usize>, E> {
        Ok(self.0.children.iter().position(|(name, _)| name == key))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::profile::MappingProfile;

    /// Every line, read in one pass where it can be and always the general way, gives
    /// the same row or the same quarantine entry.
    #[test]
    fn the_one_pass_reading_agrees_with_the_general_one() {
        let profile: MappingProfile = toml::from_str(
            r#"
            agency = "a"
            feed = "f"
            format = "jsonl"
            [labels]
            sensitivity = "public"
            data_class = "public"
            [[entities]]
            name = "phone"
            kind = "Phone"
            key = ["id"]
            [entities.properties]
            number = "n.x"
            carrier = "c.d.e"
            "#,
        )
        .unwrap();
        let mapper = RowMapper::compile(&profile, model::Schema::builtin()).unwrap();
        let lines = [
            r#"{"id": 1, "n": {"x": "a"}, "c": {"d": {"e": "T-Mobile"}}}"#,
            r#"{"id": -7, "n": [{"x": "a"}, {"x": ["b", null, true, 1.5e3, -0.25]}], "z": [1, {"q": 2}]}"#,
            r#"{"id": 18446744073709551615, "n.x": 2.5, "n": {"x": "no"}}"#,
            r#"{"id": "2", "n.x": null, "n": {"x": "no"}}"#,
            r#"{"id": "3", "n": {"x": "first"}, "n": {"x": "last"}}"#,
            r#"{"id": "4", "n": {"x": "a", "x": "b"}}"#,
            r#"{"id": "5", "n": {"x": {"deep": 1}}}"#,
            r#"{"id": "6", "n": "scalar", "c": [[{"d": [{"e": "x"}, {"e": "y"}]}]]}"#,
            r#"{"id": "7\u00e9\n\"q\"", "n": {"x": "caf\u00e9"}}"#,
            r#"{"id": "8", "n": {"x": "a"}} trailing"#,
            r#"{"id": "9", "n": {"x": "a"}"#,
            r#"[1, 2]"#,
            r#""just text""#,
            r#"{"id": "10", "n": {"x": 1e400}}"#,
            r#"{"id": 12345678901234567890123, "n": {"x": 0}}"#,
        ];
        let data = lines.join("\n");
        let read_all = |one_pass: bool| {
            let mut reader = JsonlReader::new(
                data.as_bytes(),
                &mapper,
                Decoder::for_label("utf-8"),
                ReadOptions::default(),
            );
            assert!(reader.tree.is_some());
            if !one_pass {
                reader.tree = None;
            }
            let mut row = RawRow::new(mapper.columns().len());
            let mut rendered = Vec::new();
            while let Some(item) = reader.next_row(&mut row).unwrap() {
                rendered.push(match item {
                    ReadItem::Row => {
                        let values: Vec<Vec<&str>> = (0..mapper.columns().len())
                            .map(|slot| row.values(slot).collect())
                            .collect();
                        format!("{}: {values:?}", row.line)
                    }
                    ReadItem::Bad(bad) => format!("{bad:?}"),
                });
            }
            rendered
        };
        // The plain lines are read in one pass; repeats, conflicts and errors are not.
        let tree = PathTree::new(
            &JsonlReader::new(
                &b""[..],
                &mapper,
                Decoder::for_label("utf-8"),
                ReadOptions::default(),
            )
            .paths,
        )
        .unwrap();
        let mut state = FastState::new(mapper.columns().len());
        let mut row = RawRow::new(mapper.columns().len());
        let one_pass: Vec<bool> = lines
            .iter()
            .map(|line| state.read(&tree, line, &mut row, 1))
            .collect();
        assert_eq!(
            one_pass,
            [
                true, true, false, false, false, false, false, true, true, false, false, false,
                false, false, true
            ]
        );
        let general = read_all(false);
        assert_eq!(read_all(true), general);
        assert_eq!(general.len(), lines.len());
        assert!(general[1].contains(r#"["a", "b", "true", "1500.0", "-0.25"]"#));
        assert!(general[2].contains(r#"["2.5"]"#));
        assert!(general[4].contains(r#"["last"]"#));
    }

    #[test]
    fn paths_that_end_where_others_go_on_are_left_to_the_general_reading() {
        let paths = |columns: &[&str]| -> Vec<(String, Vec<String>)> {
            columns
                .iter()
                .map(|column| {
                    (
                        column.to_string(),
                        column.split('.').map(str::to_string).collect(),
                    )
                })
                .collect()
        };
        assert!(PathTree::new(&paths(&["id", "n.x", "n.y"])).is_some());
        assert!(PathTree::new(&paths(&["n", "n.x"])).is_none());
    }
}
