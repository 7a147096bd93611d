//! [`Table`]: a numeric CSV table (a header of column names, rows of numbers), read with the
//! `csv` crate — the one CSV reader of hh-sbi (traces, recordings, the spike study's data).

use crate::error::{Error, Result};

/// A CSV table of numbers: column names from the header and one row of values per data
/// line, with each row's line number in the source for error messages.
///
/// Read by [`Table::read`] / [`Table::parse`]: comma-separated, fields trimmed, a UTF-8
/// byte-order mark (as Excel writes) skipped, lines starting with `#` and blank lines
/// ignored, quoted fields allowed. Every value must parse as a number (`NaN` and `inf`
/// parse; callers decide what they accept); every row must have the header's number of
/// fields.
///
/// ```
/// use sbi_core::Table;
/// let t = Table::parse("# a comment\nx,y\n1,2\n 3 , 4e1\n", "inline")?;
/// assert_eq!(t.columns(), ["x", "y"]);
/// assert_eq!(t.column(1), [2.0, 40.0]);
/// assert_eq!(t.line(1), 4);
/// assert!(Table::parse("x,y\n1\n", "inline").is_err());
/// # Ok::<(), sbi_core::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Table {
    columns: Vec<String>,
    rows: Vec<Vec<f64>>,
    lines: Vec<usize>,
    header_line: usize,
    source: String,
}

impl Table {
    /// Reads the CSV file at `path`.
    ///
    /// # Errors
    /// [`Error::Io`] for a file that cannot be read; as [`Table::parse`].
    pub fn read(path: &std::path::Path) -> Result<Self> {
        let shown = path.display().to_string();
        let bytes = std::fs::read(path).map_err(|e| Error::Io {
            path: shown.clone(),
            message: e.to_string(),
        })?;
        Self::parse_bytes(&bytes, &shown)
    }

    /// Parses CSV text; `source` names it in errors.
    ///
    /// # Errors
    /// [`Error::Parse`] with the line: no header, a row with another number of fields than
    /// the header, a value that is not a number, text that is not UTF-8.
    pub fn parse(text: &str, source: &str) -> Result<Self> {
        Self::parse_bytes(text.as_bytes(), source)
    }

    fn parse_bytes(bytes: &[u8], source: &str) -> Result<Self> {
        let err = |line: usize, message: String| Error::Parse {
            path: source.to_owned(),
            line,
            message,
        };
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(true)
            .comment(Some(b'#'))
            .trim(csv::Trim::All)
            .flexible(true)
            .from_reader(bytes);
        let header = reader
            .headers()
            .map_err(|e| err(line_of(&e), e.to_string()))?;
        let header_line = header.position().map_or(1, |p| p.line() as usize);
        let columns: Vec<String> = header.iter().map(str::to_owned).collect();
        if columns.iter().all(String::is_empty) {
            return Err(err(1, "empty file: no header".into()));
        }
        let (mut rows, mut lines) = (Vec::new(), Vec::new());
        for record in reader.records() {
            let record = record.map_err(|e| err(line_of(&e), e.to_string()))?;
            let line = record.position().map_or(0, |p| p.line() as usize);
            if record.iter().all(str::is_empty) {
                continue;
            }
            if record.len() != columns.len() {
                return Err(err(
                    line,
                    format!(
                        "{} fields, the header ({}) has {}",
                        record.len(),
                        columns.join(","),
                        columns.len()
                    ),
                ));
            }
            let row = record
                .iter()
                .zip(&columns)
                .map(|(f, name)| {
                    f.parse::<f64>()
                        .map_err(|_| err(line, format!("`{f}` ({name}) is not a number")))
                })
                .collect::<Result<Vec<f64>>>()?;
            rows.push(row);
            lines.push(line);
        }
        Ok(Self {
            columns,
            rows,
            lines,
            header_line,
            source: source.to_owned(),
        })
    }

    /// The column names, in order.
    pub fn columns(&self) -> &[String] {
        &self.columns
    }

    /// The number of rows.
    pub fn len(&self) -> usize {
        self.rows.len()
    }

    /// Whether there is no row.
    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// Row `i`.
    pub fn row(&self, i: usize) -> &[f64] {
        &self.rows[i]
    }

    /// Column `j`, one value per row.
    pub fn column(&self, j: usize) -> Vec<f64> {
        self.rows.iter().map(|r| r[j]).collect()
    }

    /// The source line of row `i` (1-based, for messages).
    pub fn line(&self, i: usize) -> usize {
        self.lines[i]
    }

    /// An [`Error::Parse`] about row `i` (its line) of this table.
    pub fn error_at(&self, i: usize, message: String) -> Error {
        Error::Parse {
            path: self.source.clone(),
            line: self.lines.get(i).copied().unwrap_or(1),
            message,
        }
    }

    /// An [`Error::Parse`] about the header (its line).
    pub fn header_error(&self, message: String) -> Error {
        Error::Parse {
            path: self.source.clone(),
            line: self.header_line,
            message,
        }
    }
}

/// The line a `csv` error points at (1 when it has none).
fn line_of(e: &csv::Error) -> usize {
    e.position().map_or(1, |p| p.line() as usize)
}
