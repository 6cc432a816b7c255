//! The writer of published versions: a resource's records as one CSV file and one Parquet
//! file, each with its SHA-256 and size (DESIGN.md §3, "Files").
//!
//! Rows arrive in chunks and a resource may have millions of them, so nothing keeps them
//! all: CSV rows go straight to the file, Parquet rows are buffered one row group
//! ([`ROW_GROUP_ROWS`]) at a time, column by column, then flushed. Both files are hashed as
//! they are written (the Parquet writer never seeks back), and only get their final names
//! in [`VersionWriter::finish`]: a `.part` file is never mistaken for a published one.
//!
//! The Parquet schema follows the field kinds: every column OPTIONAL; text → BYTE_ARRAY
//! (STRING), integer → INT64, real → DOUBLE, boolean → BOOLEAN, date → INT32 (DATE, days
//! since 1970-01-01), date-time → INT64 (TIMESTAMP(MILLIS), not adjusted to UTC: the
//! platform's local wall-clock time, UTC+8, as the CSV shows it). Snappy compression. The
//! low-level parquet API is used (no arrow), which keeps the dependency tree small.

use std::fs::File;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use chrono::{NaiveDate, NaiveDateTime};
use parquet::basic::{Compression, LogicalType, Repetition, TimeUnit, Type as PhysicalType};
use parquet::data_type::{BoolType, ByteArray, ByteArrayType, DoubleType, Int32Type, Int64Type};
use parquet::errors::ParquetError;
use parquet::file::metadata::KeyValue;
use parquet::file::properties::WriterProperties;
use parquet::file::writer::SerializedFileWriter;
use parquet::schema::types::Type;
use pubdata_core::aggregation::{Cell, Kind};
use sha2::{Digest, Sha256};

/// Rows per Parquet row group: what one flush holds in memory.
pub const ROW_GROUP_ROWS: usize = 64 * 1024;

/// The Parquet key-value metadata entry naming the writer.
pub const METADATA_KEY: &str = "pubdata.writer";

/// One column of a published version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExportColumn {
    /// The field code: the column's name in both files.
    pub name: String,
    pub kind: Kind,
}

/// One finished file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WrittenFile {
    /// `"csv"` or `"parquet"`.
    pub format: &'static str,
    pub path: PathBuf,
    /// SHA-256 of the file's bytes, lower-case hex.
    pub sha256: String,
    pub size: u64,
}

#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error("writing {path}: {source}")]
    Io { path: PathBuf, source: io::Error },
    #[error("writing the Parquet file: {0}")]
    Parquet(#[from] ParquetError),
    #[error("writing the CSV file: {0}")]
    Csv(#[from] csv::Error),
    #[error("a version needs at least one column")]
    NoColumns,
    /// A bug in the caller: the records do not have the columns they were declared with.
    #[error("row {row} has {found} values for {expected} columns")]
    RowWidth {
        row: u64,
        expected: usize,
        found: usize,
    },
    /// A bug in the caller: a stored value does not fit its field's kind. The value itself is
    /// left out: records may be personal data, and this error ends up in logs.
    #[error("row {row}, column {column}: a {found} value in a {kind} column")]
    Mismatch {
        row: u64,
        column: String,
        kind: &'static str,
        /// `text`, `integer`, `real` or `boolean` (a date column's text that is not
        /// `YYYY-MM-DD` is `text`).
        found: &'static str,
    },
}

impl ExportError {
    /// A stable code for logs and error responses.
    pub fn code(&self) -> &'static str {
        match self {
            ExportError::Io { .. } => "export_io",
            ExportError::Parquet(_) => "export_parquet",
            ExportError::Csv(_) => "export_csv",
            ExportError::NoColumns => "export_no_columns",
            ExportError::RowWidth { .. } => "export_row_width",
            ExportError::Mismatch { .. } => "export_kind_mismatch",
        }
    }
}

/// Writes one published version: `<dir>/<stem>.csv` and `<dir>/<stem>.parquet`.
pub struct VersionWriter {
    columns: Vec<ExportColumn>,
    csv: csv::Writer<HashingWriter>,
    parquet: SerializedFileWriter<HashingWriter>,
    buffers: Vec<ColumnBuffer>,
    buffered_rows: usize,
    rows: u64,
    csv_path: PathBuf,
    parquet_path: PathBuf,
    /// The open portal's third format: a JSON array of objects keyed by field code.
    json: Option<JsonOut>,
}

struct JsonOut {
    out: io::BufWriter<HashingWriter>,
    path: PathBuf,
    names: Vec<String>,
}

impl VersionWriter {
    /// Creates `<dir>/<stem>.csv` and `<dir>/<stem>.parquet` (written as `.part` files until
    /// [`finish`](Self::finish)). `dir` must exist.
    pub fn create(
        dir: &Path,
        stem: &str,
        columns: Vec<ExportColumn>,
    ) -> Result<VersionWriter, ExportError> {
        if columns.is_empty() {
            return Err(ExportError::NoColumns);
        }
        let csv_path = dir.join(format!("{stem}.csv"));
        let parquet_path = dir.join(format!("{stem}.parquet"));

        let mut csv = csv::WriterBuilder::new()
            .flexible(false)
            .from_writer(HashingWriter::create(part_path(&csv_path))?);
        csv.write_record(columns.iter().map(|c| c.name.as_str()))?;

        let parquet = SerializedFileWriter::new(
            HashingWriter::create(part_path(&parquet_path))?,
            Arc::new(schema(&columns)?),
            Arc::new(properties()),
        )?;
        let buffers = columns.iter().map(|c| ColumnBuffer::new(c.kind)).collect();
        Ok(VersionWriter {
            columns,
            csv,
            parquet,
            buffers,
            buffered_rows: 0,
            rows: 0,
            csv_path,
            parquet_path,
            json: None,
        })
    }

    /// Also writes `<dir>/<stem>.json`: a JSON array with one object per row, keyed by field
    /// code (the open portal offers it beside CSV and Parquet).
    pub fn with_json(mut self, dir: &Path, stem: &str) -> Result<VersionWriter, ExportError> {
        let path = dir.join(format!("{stem}.json"));
        let mut out = io::BufWriter::new(HashingWriter::create(part_path(&path))?);
        out.write_all(b"[").map_err(|source| ExportError::Io {
            path: path.clone(),
            source,
        })?;
        let names = self
            .columns
            .iter()
            .map(|c| serde_json::to_string(&c.name).expect("a string serializes"))
            .collect();
        self.json = Some(JsonOut { out, path, names });
        Ok(self)
    }

    /// Appends rows, each with one value per column in column order. May be called any number
    /// of times; a row group is flushed whenever [`ROW_GROUP_ROWS`] rows are buffered.
    ///
    /// A row that does not fit the columns (wrong width, a value of another kind, a date that
    /// is not `YYYY-MM-DD`) is an error, and the writer should then be dropped: the rows of
    /// that call before the bad one may already be written.
    pub fn write_rows(&mut self, rows: &[Vec<Cell>]) -> Result<(), ExportError> {
        for row in rows {
            if row.len() != self.columns.len() {
                return Err(ExportError::RowWidth {
                    row: self.rows,
                    expected: self.columns.len(),
                    found: row.len(),
                });
            }
            // Check the whole row before buffering any of it, so the columns stay aligned.
            for ((cell, column), buffer) in row.iter().zip(&self.columns).zip(&self.buffers) {
                if !buffer.accepts(cell) {
                    return Err(self.mismatch(column, cell));
                }
            }
            for (cell, buffer) in row.iter().zip(&mut self.buffers) {
                buffer.push(cell);
            }
            self.csv.write_record(row.iter().map(Cell::to_text))?;
            if let Some(j) = &mut self.json {
                j.row(row, self.rows == 0)?;
            }
            self.rows += 1;
            self.buffered_rows += 1;
            if self.buffered_rows == ROW_GROUP_ROWS {
                self.flush_row_group()?;
            }
        }
        Ok(())
    }

    /// Flushes the last row group, closes both files, gives them their final names and
    /// returns them (CSV first), each with its SHA-256 and size.
    pub fn finish(mut self) -> Result<Vec<WrittenFile>, ExportError> {
        if self.buffered_rows > 0 {
            self.flush_row_group()?;
        }
        let csv = self.csv.into_inner().map_err(|e| {
            let source = io::Error::new(e.error().kind(), e.error().to_string());
            ExportError::Io {
                path: part_path(&self.csv_path),
                source,
            }
        })?;
        let csv = csv.finish("csv", self.csv_path)?;
        let parquet = self
            .parquet
            .into_inner()?
            .finish("parquet", self.parquet_path)?;
        let mut files = vec![csv, parquet];
        if let Some(j) = self.json {
            files.push(j.finish()?);
        }
        Ok(files)
    }

    fn mismatch(&self, column: &ExportColumn, cell: &Cell) -> ExportError {
        ExportError::Mismatch {
            row: self.rows,
            column: column.name.clone(),
            kind: column.kind.as_str(),
            found: match cell {
                Cell::Null => "null",
                Cell::Text(_) => "text",
                Cell::Int(_) => "integer",
                Cell::Real(_) => "real",
                Cell::Bool(_) => "boolean",
            },
        }
    }

    fn flush_row_group(&mut self) -> Result<(), ExportError> {
        let mut group = self.parquet.next_row_group()?;
        let mut buffers = self.buffers.iter_mut();
        while let Some(mut column) = group.next_column()? {
            let buffer = buffers
                .next()
                .ok_or_else(|| ParquetError::General("more columns than buffers".into()))?;
            let defs = Some(buffer.defs.as_slice());
            match &buffer.values {
                Values::Text(v) => column.typed::<ByteArrayType>().write_batch(v, defs, None)?,
                Values::Int32(v) => column.typed::<Int32Type>().write_batch(v, defs, None)?,
                Values::Int64(v) => column.typed::<Int64Type>().write_batch(v, defs, None)?,
                Values::Double(v) => column.typed::<DoubleType>().write_batch(v, defs, None)?,
                Values::Bool(v) => column.typed::<BoolType>().write_batch(v, defs, None)?,
            };
            column.close()?;
            buffer.clear();
        }
        group.close()?;
        self.buffered_rows = 0;
        Ok(())
    }
}

fn part_path(path: &Path) -> PathBuf {
    let mut name = path.file_name().unwrap_or_default().to_os_string();
    name.push(".part");
    path.with_file_name(name)
}

fn schema(columns: &[ExportColumn]) -> Result<Type, ParquetError> {
    let fields = columns
        .iter()
        .map(|c| {
            let (physical, logical) = match c.kind {
                Kind::Text => (PhysicalType::BYTE_ARRAY, Some(LogicalType::String)),
                Kind::Integer => (PhysicalType::INT64, None),
                Kind::Real => (PhysicalType::DOUBLE, None),
                Kind::Boolean => (PhysicalType::BOOLEAN, None),
                Kind::Date => (PhysicalType::INT32, Some(LogicalType::Date)),
                Kind::DateTime => (
                    PhysicalType::INT64,
                    Some(LogicalType::timestamp(false, TimeUnit::MILLIS)),
                ),
            };
            Type::primitive_type_builder(&c.name, physical)
                .with_repetition(Repetition::OPTIONAL)
                .with_logical_type(logical)
                .build()
                .map(Arc::new)
        })
        .collect::<Result<Vec<_>, _>>()?;
    Type::group_type_builder("schema")
        .with_fields(fields)
        .build()
}

fn properties() -> WriterProperties {
    let version = env!("CARGO_PKG_VERSION");
    WriterProperties::builder()
        .set_compression(Compression::SNAPPY)
        .set_created_by(format!("pubdata version {version}"))
        .set_key_value_metadata(Some(vec![KeyValue::new(
            METADATA_KEY.to_owned(),
            format!("pubdata {version}"),
        )]))
        .build()
}

/// The buffered values of one column for the current row group, in Parquet's own form:
/// non-null values only, with a definition level per row (0 null, 1 present).
struct ColumnBuffer {
    kind: Kind,
    values: Values,
    defs: Vec<i16>,
}

enum Values {
    Text(Vec<ByteArray>),
    Int32(Vec<i32>),
    Int64(Vec<i64>),
    Double(Vec<f64>),
    Bool(Vec<bool>),
}

impl ColumnBuffer {
    fn new(kind: Kind) -> ColumnBuffer {
        let values = match kind {
            Kind::Text => Values::Text(Vec::new()),
            Kind::Integer | Kind::DateTime => Values::Int64(Vec::new()),
            Kind::Real => Values::Double(Vec::new()),
            Kind::Boolean => Values::Bool(Vec::new()),
            Kind::Date => Values::Int32(Vec::new()),
        };
        ColumnBuffer {
            kind,
            values,
            defs: Vec::new(),
        }
    }

    fn accepts(&self, cell: &Cell) -> bool {
        match (self.kind, cell) {
            (_, Cell::Null) => true,
            (Kind::Text, Cell::Text(_))
            | (Kind::Integer, Cell::Int(_))
            | (Kind::Real, Cell::Real(_))
            | (Kind::Boolean, Cell::Bool(_)) => true,
            (Kind::Date, Cell::Text(s)) => date_days(s).is_some(),
            (Kind::DateTime, Cell::Text(s)) => datetime_millis(s).is_some(),
            _ => false,
        }
    }

    /// Appends a value [`accepts`](Self::accepts) said yes to.
    fn push(&mut self, cell: &Cell) {
        if cell.is_null() {
            self.defs.push(0);
            return;
        }
        self.defs.push(1);
        match (&mut self.values, cell) {
            (Values::Text(v), Cell::Text(s)) => v.push(ByteArray::from(s.as_bytes().to_vec())),
            (Values::Int64(v), Cell::Int(i)) => v.push(*i),
            (Values::Double(v), Cell::Real(f)) => v.push(*f),
            (Values::Bool(v), Cell::Bool(b)) => v.push(*b),
            (Values::Int32(v), Cell::Text(s)) => v.extend(date_days(s)),
            (Values::Int64(v), Cell::Text(s)) => v.extend(datetime_millis(s)),
            _ => unreachable!("push after accepts"),
        }
    }

    fn clear(&mut self) {
        self.defs.clear();
        match &mut self.values {
            Values::Text(v) => v.clear(),
            Values::Int32(v) => v.clear(),
            Values::Int64(v) => v.clear(),
            Values::Double(v) => v.clear(),
            Values::Bool(v) => v.clear(),
        }
    }
}

/// `YYYY-MM-DD` as days since 1970-01-01.
fn date_days(text: &str) -> Option<i32> {
    if text.len() != 10 {
        return None;
    }
    let date = NaiveDate::parse_from_str(text, "%Y-%m-%d").ok()?;
    i32::try_from((date - NaiveDate::from_ymd_opt(1970, 1, 1)?).num_days()).ok()
}

/// `YYYY-MM-DDTHH:MM:SS` (local wall-clock time) as milliseconds since 1970-01-01T00:00:00
/// of the same wall clock: Parquet's TIMESTAMP with isAdjustedToUTC = false.
fn datetime_millis(text: &str) -> Option<i64> {
    if text.len() != 19 {
        return None;
    }
    let time = NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%S").ok()?;
    Some(time.and_utc().timestamp_millis())
}

/// A file being written, hashed and counted on the way.
impl JsonOut {
    fn row(&mut self, row: &[Cell], first: bool) -> Result<(), ExportError> {
        let mut text = String::with_capacity(64 * row.len());
        text.push_str(if first { "\n{" } else { ",\n{" });
        for (i, (name, cell)) in self.names.iter().zip(row).enumerate() {
            if i > 0 {
                text.push(',');
            }
            text.push_str(name);
            text.push(':');
            text.push_str(&cell.to_json().to_string());
        }
        text.push('}');
        self.out
            .write_all(text.as_bytes())
            .map_err(|source| ExportError::Io {
                path: self.path.clone(),
                source,
            })
    }

    fn finish(mut self) -> Result<WrittenFile, ExportError> {
        let io = |path: &Path, source| ExportError::Io {
            path: path.to_owned(),
            source,
        };
        self.out
            .write_all(b"\n]\n")
            .map_err(|e| io(&self.path, e))?;
        let inner = self
            .out
            .into_inner()
            .map_err(|e| io(&self.path, e.into_error()))?;
        inner.finish("json", self.path)
    }
}

struct HashingWriter {
    file: File,
    path: PathBuf,
    hasher: Sha256,
    size: u64,
}

impl HashingWriter {
    fn create(path: PathBuf) -> Result<HashingWriter, ExportError> {
        let file = File::create(&path).map_err(|source| ExportError::Io {
            path: path.clone(),
            source,
        })?;
        Ok(HashingWriter {
            file,
            path,
            hasher: Sha256::new(),
            size: 0,
        })
    }

    /// Flushes, checks the size the file system reports against the bytes written, and moves
    /// the `.part` file to `path`.
    fn finish(mut self, format: &'static str, path: PathBuf) -> Result<WrittenFile, ExportError> {
        let io = |source| ExportError::Io {
            path: self.path.clone(),
            source,
        };
        self.file.flush().map_err(io)?;
        let size = self.file.metadata().map_err(io)?.len();
        if size != self.size {
            return Err(io(io::Error::other(format!(
                "{size} bytes on disk, {} written",
                self.size
            ))));
        }
        drop(self.file);
        std::fs::rename(&self.path, &path).map_err(|source| ExportError::Io {
            path: path.clone(),
            source,
        })?;
        Ok(WrittenFile {
            format,
            path,
            sha256: hex::encode(self.hasher.finalize()),
            size,
        })
    }
}

impl Write for HashingWriter {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.file.write(buf)?;
        self.hasher.update(&buf[..n]);
        self.size += n as u64;
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.file.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use parquet::file::reader::{FileReader, SerializedFileReader};
    use parquet::record::Field;

    struct TempDir(PathBuf);

    impl TempDir {
        fn new(what: &str) -> TempDir {
            let dir = std::env::temp_dir().join(format!(
                "pubdata-export-{what}-{}",
                uuid::Uuid::now_v7().simple()
            ));
            std::fs::create_dir_all(&dir).unwrap();
            TempDir(dir)
        }
    }

    impl Drop for TempDir {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }

    fn col(name: &str, kind: Kind) -> ExportColumn {
        ExportColumn {
            name: name.into(),
            kind,
        }
    }

    fn text(s: &str) -> Cell {
        Cell::Text(s.into())
    }

    fn every_kind() -> Vec<ExportColumn> {
        vec![
            col("name", Kind::Text),
            col("count", Kind::Integer),
            col("amount", Kind::Real),
            col("open", Kind::Boolean),
            col("day", Kind::Date),
            col("at", Kind::DateTime),
        ]
    }

    fn sample_rows() -> Vec<Vec<Cell>> {
        vec![
            vec![
                text("市场监督管理局, \"一处\"\n第二行"),
                Cell::Int(-42),
                Cell::Real(1234.5),
                Cell::Bool(true),
                text("2026-03-01"),
                text("2026-03-01T08:30:05"),
            ],
            vec![
                Cell::Null,
                Cell::Null,
                Cell::Null,
                Cell::Null,
                Cell::Null,
                Cell::Null,
            ],
            vec![
                text(""),
                Cell::Int(i64::MAX),
                Cell::Real(-0.25),
                Cell::Bool(false),
                text("1969-12-31"),
                text("1970-01-01T00:00:00"),
            ],
        ]
    }

    fn sha256_of(path: &Path) -> String {
        hex::encode(Sha256::digest(std::fs::read(path).unwrap()))
    }

    fn parquet_rows(path: &Path) -> Vec<Vec<(String, Field)>> {
        let reader = SerializedFileReader::new(File::open(path).unwrap()).unwrap();
        reader
            .get_row_iter(None)
            .unwrap()
            .map(|row| {
                row.unwrap()
                    .get_column_iter()
                    .map(|(name, field)| (name.clone(), field.clone()))
                    .collect()
            })
            .collect()
    }

    fn write(dir: &Path, columns: Vec<ExportColumn>, rows: &[Vec<Cell>]) -> Vec<WrittenFile> {
        let mut writer = VersionWriter::create(dir, "data", columns).unwrap();
        writer.write_rows(rows).unwrap();
        writer.finish().unwrap()
    }

    #[test]
    fn every_kind_with_nulls_reads_back_from_both_files() {
        let dir = TempDir::new("kinds");
        let files = write(&dir.0, every_kind(), &sample_rows());
        assert_eq!(
            files.iter().map(|f| f.format).collect::<Vec<_>>(),
            ["csv", "parquet"]
        );
        let (csv_file, parquet_file) = (&files[0], &files[1]);
        assert_eq!(csv_file.path, dir.0.join("data.csv"));
        assert_eq!(parquet_file.path, dir.0.join("data.parquet"));
        for f in &files {
            assert_eq!(f.sha256, sha256_of(&f.path), "{}", f.format);
            assert_eq!(
                f.size,
                std::fs::metadata(&f.path).unwrap().len(),
                "{}",
                f.format
            );
            assert!(!part_path(&f.path).exists());
        }

        // CSV: UTF-8 without BOM, header of field codes, RFC 4180 quoting.
        let bytes = std::fs::read(&csv_file.path).unwrap();
        assert!(bytes.starts_with(b"name,count,"));
        let mut reader = csv::Reader::from_reader(bytes.as_slice());
        assert_eq!(
            reader.headers().unwrap().iter().collect::<Vec<_>>(),
            ["name", "count", "amount", "open", "day", "at"]
        );
        let records: Vec<Vec<String>> = reader
            .records()
            .map(|r| r.unwrap().iter().map(str::to_owned).collect())
            .collect();
        let expected: Vec<Vec<String>> = sample_rows()
            .iter()
            .map(|r| r.iter().map(Cell::to_text).collect())
            .collect();
        assert_eq!(records, expected);
        assert_eq!(records[0][0], "市场监督管理局, \"一处\"\n第二行");

        // Parquet: the typed values, nulls as nulls.
        let rows = parquet_rows(&parquet_file.path);
        let names = ["name", "count", "amount", "open", "day", "at"];
        let expect = |fields: Vec<Field>| -> Vec<(String, Field)> {
            names.iter().map(|n| n.to_string()).zip(fields).collect()
        };
        assert_eq!(
            rows,
            vec![
                expect(vec![
                    Field::Str("市场监督管理局, \"一处\"\n第二行".into()),
                    Field::Long(-42),
                    Field::Double(1234.5),
                    Field::Bool(true),
                    Field::Date(20513),
                    // 2026-03-01T08:30:05 on the wall clock, not shifted to UTC.
                    Field::TimestampMillis(1_772_353_805_000),
                ]),
                expect(vec![Field::Null; 6]),
                expect(vec![
                    Field::Str(String::new()),
                    Field::Long(i64::MAX),
                    Field::Double(-0.25),
                    Field::Bool(false),
                    Field::Date(-1),
                    Field::TimestampMillis(0),
                ]),
            ]
        );

        let reader = SerializedFileReader::new(File::open(&parquet_file.path).unwrap()).unwrap();
        let meta = reader.metadata().file_metadata();
        assert!(meta.created_by().unwrap().starts_with("pubdata version "));
        let kv = meta.key_value_metadata().unwrap();
        assert!(kv.iter().any(|kv| {
            kv.key == METADATA_KEY
                && kv
                    .value
                    .as_deref()
                    .is_some_and(|v| v.starts_with("pubdata "))
        }));
        let group = reader.metadata().row_group(0);
        assert!(
            group
                .columns()
                .iter()
                .all(|c| c.compression() == Compression::SNAPPY)
        );
        let schema = meta.schema_descr();
        for (i, (logical, physical)) in [
            (Some(LogicalType::String), PhysicalType::BYTE_ARRAY),
            (None, PhysicalType::INT64),
            (None, PhysicalType::DOUBLE),
            (None, PhysicalType::BOOLEAN),
            (Some(LogicalType::Date), PhysicalType::INT32),
            (
                Some(LogicalType::timestamp(false, TimeUnit::MILLIS)),
                PhysicalType::INT64,
            ),
        ]
        .into_iter()
        .enumerate()
        {
            let column = schema.column(i);
            assert_eq!(column.logical_type_ref(), logical.as_ref(), "column {i}");
            assert_eq!(column.physical_type(), physical, "column {i}");
            assert!(column.self_type().is_optional(), "column {i}");
        }
    }

    #[test]
    fn hand_computed_dates_and_times() {
        assert_eq!(date_days("1970-01-01"), Some(0));
        assert_eq!(date_days("2026-03-01"), Some(20513));
        assert_eq!(date_days("2026-3-1"), None);
        assert_eq!(date_days("2026-02-30"), None);
        assert_eq!(datetime_millis("1970-01-02T00:00:01"), Some(86_401_000));
        assert_eq!(datetime_millis("2026-03-01 08:30:05"), None);
        assert_eq!(datetime_millis("2026-03-01T24:00:00"), None);
    }

    #[test]
    fn cells_of_the_wrong_kind_are_refused() {
        let dir = TempDir::new("mismatch");
        for (kind, cell) in [
            (Kind::Integer, Cell::Real(1.0)),
            (Kind::Real, Cell::Int(1)),
            (Kind::Text, Cell::Int(1)),
            (Kind::Boolean, text("true")),
            (Kind::Date, text("2026/03/01")),
            (Kind::DateTime, text("2026-03-01")),
        ] {
            let mut w = VersionWriter::create(&dir.0, "bad", vec![col("c", kind)]).unwrap();
            w.write_rows(&[vec![Cell::Null]]).unwrap();
            let err = w.write_rows(&[vec![cell.clone()]]).unwrap_err();
            assert_eq!(err.code(), "export_kind_mismatch", "{kind:?} {cell:?}");
            assert!(matches!(err, ExportError::Mismatch { row: 1, .. }), "{err}");
        }
        let mut w = VersionWriter::create(&dir.0, "bad", vec![col("a", Kind::Text)]).unwrap();
        let err = w.write_rows(&[vec![Cell::Null, Cell::Null]]).unwrap_err();
        assert!(
            matches!(
                err,
                ExportError::RowWidth {
                    expected: 1,
                    found: 2,
                    ..
                }
            ),
            "{err}"
        );
        assert_eq!(
            VersionWriter::create(&dir.0, "none", vec![])
                .err()
                .map(|e| e.code()),
            Some("export_no_columns")
        );
    }

    #[test]
    fn an_empty_version_is_a_header_and_a_valid_parquet_file() {
        let dir = TempDir::new("empty");
        let files = write(
            &dir.0,
            vec![col("a", Kind::Text), col("b", Kind::Date)],
            &[],
        );
        assert_eq!(std::fs::read_to_string(&files[0].path).unwrap(), "a,b\n");
        assert!(parquet_rows(&files[1].path).is_empty());
    }

    #[test]
    fn many_rows_in_chunks_make_several_row_groups() {
        let dir = TempDir::new("groups");
        let total = 200_000usize;
        let mut writer = VersionWriter::create(
            &dir.0,
            "big",
            vec![col("id", Kind::Integer), col("label", Kind::Text)],
        )
        .unwrap();
        let row = |i: usize| {
            let label = if i.is_multiple_of(7) {
                Cell::Null
            } else {
                Cell::Text(format!("r{i}"))
            };
            vec![Cell::Int(i as i64), label]
        };
        // Chunks that do not line up with the row groups.
        let mut next = 0;
        while next < total {
            let end = (next + 3_000).min(total);
            writer
                .write_rows(&(next..end).map(row).collect::<Vec<_>>())
                .unwrap();
            // Never more than one row group waiting in memory.
            assert!(writer.buffered_rows < ROW_GROUP_ROWS);
            assert!(
                writer
                    .buffers
                    .iter()
                    .all(|b| b.defs.len() == writer.buffered_rows)
            );
            next = end;
        }
        let files = writer.finish().unwrap();
        for f in &files {
            assert_eq!(f.sha256, sha256_of(&f.path), "{}", f.format);
        }

        let reader = SerializedFileReader::new(File::open(&files[1].path).unwrap()).unwrap();
        let groups: Vec<i64> = reader
            .metadata()
            .row_groups()
            .iter()
            .map(|g| g.num_rows())
            .collect();
        assert_eq!(groups, [65_536, 65_536, 65_536, 3_392]);
        let mut count = 0;
        for (i, r) in reader.get_row_iter(None).unwrap().enumerate() {
            let r = r.unwrap();
            let fields: Vec<&Field> = r.get_column_iter().map(|(_, f)| f).collect();
            let label = if i.is_multiple_of(7) {
                Field::Null
            } else {
                Field::Str(format!("r{i}"))
            };
            assert_eq!(fields, [&Field::Long(i as i64), &label], "row {i}");
            count += 1;
        }
        assert_eq!(count, total);

        let mut csv = csv::Reader::from_path(&files[0].path).unwrap();
        let mut count = 0;
        for (i, r) in csv.records().enumerate() {
            let r = r.unwrap();
            let label = if i.is_multiple_of(7) {
                String::new()
            } else {
                format!("r{i}")
            };
            assert_eq!(
                (r.get(0).unwrap(), r.get(1).unwrap()),
                (i.to_string().as_str(), label.as_str())
            );
            count += 1;
        }
        assert_eq!(count, total);
    }

    /// pyarrow (what DuckDB, pandas and Spark users reach for) reads the file with the types
    /// meant: DATE → date32, TIMESTAMP(MILLIS, local) → timestamp[ms] without a time zone.
    #[test]
    fn pyarrow_reads_the_parquet_file() {
        use std::process::Command;
        let required = std::env::var("PUBDATA_TEST_INTEROP").as_deref() == Ok("required");
        let usable = Command::new("python3")
            .args(["-c", "import pyarrow.parquet"])
            .output()
            .map(|o| o.status.success())
            .unwrap_or(false);
        if !usable {
            assert!(
                !required,
                "PUBDATA_TEST_INTEROP=required, but `python3 -c \"import pyarrow.parquet\"` fails"
            );
            eprintln!(
                "note: skipped: python3 with the `pyarrow` package is not available \
                 (PUBDATA_TEST_INTEROP=required makes this a failure)"
            );
            return;
        }
        let dir = TempDir::new("pyarrow");
        let files = write(&dir.0, every_kind(), &sample_rows());
        let script = r#"
import json, sys
import pyarrow.parquet as pq
t = pq.read_table(sys.argv[1])
def show(v):
    return v if v is None or isinstance(v, (str, int, float, bool)) else v.isoformat()
print(json.dumps({
    "types": [[f.name, str(f.type)] for f in t.schema],
    "rows": [[show(v) for v in row.values()] for row in t.to_pylist()],
}, ensure_ascii=False))
"#;
        let out = Command::new("python3")
            .args(["-c", script])
            .arg(&files[1].path)
            .output()
            .expect("python3 runs");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let got: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(
            got,
            serde_json::json!({
                "types": [
                    ["name", "string"], ["count", "int64"], ["amount", "double"],
                    ["open", "bool"], ["day", "date32[day]"], ["at", "timestamp[ms]"],
                ],
                "rows": [
                    ["市场监督管理局, \"一处\"\n第二行", -42, 1234.5, true, "2026-03-01",
                     "2026-03-01T08:30:05"],
                    [null, null, null, null, null, null],
                    ["", i64::MAX, -0.25, false, "1969-12-31", "1970-01-01T00:00:00"],
                ],
            })
        );
    }
}
