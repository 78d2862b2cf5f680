//! Edge-list CSV: `source,target[,weight][,time]` with a header row.
//!
//! The weight column defaults to `weight` when the header has one (else every edge
//! weighs 1); the time column to `time` when present. Times are whole numbers (taken as
//! they are, e.g. Unix seconds), ISO dates (`2024-03-01`, midnight UTC) or RFC 3339
//! date-times, all turned into Unix seconds. A row that cannot be read stops the read
//! with an error naming file, line and field: analytics on a silently thinned graph
//! would mislead.

use std::io::Read;
use std::path::{Path, PathBuf};

use chrono::{DateTime, NaiveDate};

use crate::{Graph, GraphBuilder, GraphError};

/// How to read an edge list.
#[derive(Debug, Clone)]
pub struct EdgeListOptions {
    pub directed: bool,
    pub source_column: String,
    pub target_column: String,
    /// `None`: the `weight` column if the header has one, else weight 1.
    pub weight_column: Option<String>,
    /// `None`: the `time` column if the header has one.
    pub time_column: Option<String>,
    /// Keep only edges whose time falls in this window (edges without a time are
    /// dropped when a window is set).
    pub window: TimeWindow,
}

impl Default for EdgeListOptions {
    fn default() -> Self {
        EdgeListOptions {
            directed: false,
            source_column: "source".into(),
            target_column: "target".into(),
            weight_column: None,
            time_column: None,
            window: TimeWindow::default(),
        }
    }
}

/// A half-open window `[start, end)` of Unix seconds; open on a side given as `None`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TimeWindow {
    pub start: Option<i64>,
    pub end: Option<i64>,
}

impl TimeWindow {
    pub fn is_open(&self) -> bool {
        self.start.is_none() && self.end.is_none()
    }

    pub fn contains(&self, time: i64) -> bool {
        self.start.is_none_or(|start| time >= start) && self.end.is_none_or(|end| time < end)
    }
}

/// What a read found besides the graph.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EdgeListReport {
    pub rows: u64,
    pub rows_outside_window: u64,
}

/// Parses a time as Unix seconds: an integer, an ISO date or an RFC 3339 date-time.
pub fn parse_time(text: &str) -> Option<i64> {
    let text = text.trim();
    if let Ok(seconds) = text.parse::<i64>() {
        return Some(seconds);
    }
    if let Ok(date) = NaiveDate::parse_from_str(text, "%Y-%m-%d") {
        return Some(date.and_hms_opt(0, 0, 0)?.and_utc().timestamp());
    }
    DateTime::parse_from_rfc3339(text)
        .ok()
        .map(|time| time.timestamp())
}

/// Reads an edge-list file into a graph.
pub fn read_edge_list(
    path: &Path,
    options: &EdgeListOptions,
) -> Result<(Graph, EdgeListReport), GraphError> {
    let file = std::fs::File::open(path).map_err(|source| GraphError::Io {
        file: path.to_path_buf(),
        source,
    })?;
    read_edge_list_from(std::io::BufReader::new(file), path, options)
}

/// Reads an edge list from any reader; `path` names it in errors.
pub fn read_edge_list_from(
    reader: impl Read,
    path: &Path,
    options: &EdgeListOptions,
) -> Result<(Graph, EdgeListReport), GraphError> {
    let file = || PathBuf::from(path);
    let csv_error = |source| GraphError::Csv {
        file: file(),
        source,
    };
    let mut csv_reader = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .from_reader(reader);
    let header = csv_reader.headers().map_err(csv_error)?.clone();
    let column = |name: &str| header.iter().position(|field| field == name);
    let required = |name: &str| {
        column(name).ok_or_else(|| GraphError::MissingColumn {
            file: file(),
            column: name.to_string(),
            header: header.iter().collect::<Vec<_>>().join(","),
        })
    };
    let source_at = required(&options.source_column)?;
    let target_at = required(&options.target_column)?;
    let weight_at = match &options.weight_column {
        Some(name) => Some((required(name)?, name.clone())),
        None => column("weight").map(|at| (at, "weight".to_string())),
    };
    let time_at = match &options.time_column {
        Some(name) => Some((required(name)?, name.clone())),
        None => column("time").map(|at| (at, "time".to_string())),
    };
    if !options.window.is_open() && time_at.is_none() {
        return Err(GraphError::MissingColumn {
            file: file(),
            column: "time".into(),
            header: header.iter().collect::<Vec<_>>().join(","),
        });
    }

    let mut builder = GraphBuilder::new(options.directed);
    let mut report = EdgeListReport::default();
    let mut record = csv::StringRecord::new();
    loop {
        match csv_reader.read_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {}
            Err(source) => return Err(csv_error(source)),
        }
        report.rows += 1;
        let line = record.position().map_or(0, |position| position.line());
        let bad = |field: &str, reason: String| GraphError::BadRow {
            file: file(),
            line,
            field: field.to_string(),
            reason,
        };
        let source = record.get(source_at).unwrap_or("");
        let target = record.get(target_at).unwrap_or("");
        if source.is_empty() {
            return Err(bad(&options.source_column, "empty node id".into()));
        }
        if target.is_empty() {
            return Err(bad(&options.target_column, "empty node id".into()));
        }
        let weight = match &weight_at {
            None => 1.0,
            Some((at, name)) => {
                let text = record.get(*at).unwrap_or("");
                match text.parse::<f64>() {
                    Ok(weight) if weight.is_finite() && weight > 0.0 => weight,
                    _ => {
                        return Err(bad(name, format!("`{text}` is not a positive number")));
                    }
                }
            }
        };
        if let Some((at, name)) = &time_at {
            let text = record.get(*at).unwrap_or("");
            let time = if text.is_empty() {
                None
            } else {
                Some(parse_time(text).ok_or_else(|| {
                    bad(
                        name,
                        format!("`{text}` is not a time (integer, YYYY-MM-DD or RFC 3339)"),
                    )
                })?)
            };
            if !options.window.is_open() && !time.is_some_and(|time| options.window.contains(time))
            {
                report.rows_outside_window += 1;
                continue;
            }
        }
        builder.add_edge(source, target, weight)?;
    }
    Ok((builder.build(), report))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(text: &str, options: &EdgeListOptions) -> Result<(Graph, EdgeListReport), GraphError> {
        read_edge_list_from(text.as_bytes(), Path::new("edges.csv"), options)
    }

    #[test]
    fn reads_weights_and_merges_parallel_edges() {
        let (graph, report) = read(
            "source,target,weight\na,b,2\nb,a,1.5\nb,c,1\n",
            &EdgeListOptions::default(),
        )
        .unwrap();
        assert_eq!(report.rows, 3);
        assert_eq!(graph.edge_count(), 2);
        assert_eq!(graph.weights(graph.require("a").unwrap()), &[3.5]);
    }

    #[test]
    fn bad_weight_names_file_line_and_field() {
        let error = read(
            "source,target,calls\na,b,2\nb,c,many\n",
            &EdgeListOptions {
                weight_column: Some("calls".into()),
                ..Default::default()
            },
        )
        .unwrap_err();
        assert_eq!(
            error.to_string(),
            "edges.csv:3: field `calls`: `many` is not a positive number"
        );
    }

    #[test]
    fn missing_weight_column_is_named() {
        let error = read(
            "source,target\na,b\n",
            &EdgeListOptions {
                weight_column: Some("calls".into()),
                ..Default::default()
            },
        )
        .unwrap_err();
        assert!(
            error.to_string().contains("missing column `calls`"),
            "{error}"
        );
    }

    #[test]
    fn time_window_slices_edges() {
        let text = "source,target,time\na,b,2024-01-05\nb,c,2024-02-05\nc,d,1700000000\n";
        let options = EdgeListOptions {
            window: TimeWindow {
                start: parse_time("2024-01-01"),
                end: parse_time("2024-02-01"),
            },
            ..Default::default()
        };
        let (graph, report) = read(text, &options).unwrap();
        assert_eq!(report.rows_outside_window, 2);
        assert_eq!(graph.edge_count(), 1);
        assert!(graph.index("a").is_some() && graph.index("c").is_none());
        assert_eq!(
            parse_time("2024-01-01T01:00:00+01:00"),
            parse_time("2024-01-01")
        );
        assert_eq!(parse_time("1700000000"), Some(1_700_000_000));
        let error = read("source,target,time\na,b,soon\n", &options).unwrap_err();
        assert!(
            error.to_string().starts_with("edges.csv:2: field `time`"),
            "{error}"
        );
    }
}
