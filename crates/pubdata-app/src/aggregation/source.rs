//! Reading an uploaded table — CSV or XLSX, already streamed to disk — as a header and then
//! one row at a time, in memory that does not grow with the file.
//!
//! The format is decided by content: a zip ("PK\x03\x04") is an XLSX, an OLE compound file
//! (an old .xls or an encrypted workbook) is refused, anything else is read as CSV.
//!
//! CSV: the encoding is a UTF-8, UTF-16LE or UTF-16BE byte-order mark if there is one, else the
//! user's choice, else detected from the first 64 KiB (UTF-8 unless GB18030, the superset of
//! GBK, explains the bytes better). Decoding streams and never fails: a malformed byte becomes
//! U+FFFD and the row holding it comes back with `undecodable: true`, so the caller rejects that
//! row and keeps the others. The delimiter is sniffed among `,` `;` tab `|`; records are read
//! by the csv crate (RFC 4180 quoting, rows of any length), cells trimmed, blank rows skipped.
//! Line numbers are physical lines (LF, CRLF or a lone CR), counted by a scanner between the
//! decoder and the csv crate, since the crate's own positions point at the end of the previous
//! record (wrong after blank lines) and do not count lone CRs. The same scanner bounds a record
//! (an unclosed quote would otherwise swallow the rest of the file into one cell in memory).
//!
//! XLSX: the archive's central directory is checked against decompression bombs first, then
//! calamine opens the workbook and streams the first visible worksheet through its cell
//! reader. The cell reader borrows the workbook, so both live on a worker thread that hands
//! rows over through a small bounded channel. Formula cells read as their cached value (what
//! Excel shows); a sheet with merged cells is refused, since a merged area leaves all but one
//! of its cells empty; dates read as `YYYY-MM-DD` or `YYYY-MM-DDTHH:MM:SS`.

use std::collections::VecDeque;
use std::fmt;
use std::fs::File;
use std::io::{self, BufReader, Read, Seek, SeekFrom};
use std::panic::{self, AssertUnwindSafe};
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc;

use calamine::{DataRef, Dimensions, Reader as _, SheetType, SheetVisible, Xlsx};
use encoding_rs::Encoding;
use encoding_rs_io::{DecodeReaderBytes, DecodeReaderBytesBuilder};

use crate::catalog::template::{self, TemplateError, ZipLimits};

/// How much of a CSV is looked at to detect its encoding and delimiter.
const SAMPLE_BYTES: usize = 64 * 1024;
/// How many records of the sample vote on the delimiter.
const SAMPLE_RECORDS: usize = 20;
const DELIMITERS: [u8; 4] = [b',', b';', b'\t', b'|'];

/// The longest CSV record (all its physical lines together); longer means a broken file.
pub const MAX_RECORD_BYTES: u64 = 16 * 1024 * 1024;
/// The most rows an XLSX sheet may span (declared or actual), header included.
pub const MAX_XLSX_ROWS: u32 = 5_000_000;
/// The most columns an XLSX sheet may span.
pub const MAX_XLSX_COLUMNS: u32 = 1_000;
/// What an XLSX may unpack to; a batch may be much larger than a template.
const XLSX_LIMITS: ZipLimits = ZipLimits {
    total_unpacked: 4 * 1024 * 1024 * 1024,
    ratio_checked_above: 1024 * 1024,
    max_ratio: 200,
};
/// calamine holds the shared-string table in memory; this bounds it.
const MAX_SHARED_STRINGS_UNPACKED: u64 = 512 * 1024 * 1024;
/// XLSX rows handed from the worker thread per message, and messages in flight.
const XLSX_BATCH_ROWS: usize = 256;
const XLSX_BATCHES_IN_FLIGHT: usize = 4;

/// The two formats an upload may be in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SourceFormat {
    Csv,
    Xlsx,
}

impl SourceFormat {
    pub fn as_str(self) -> &'static str {
        match self {
            SourceFormat::Csv => "csv",
            SourceFormat::Xlsx => "xlsx",
        }
    }
}

/// One non-blank row of the source, as text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawRow {
    /// 1-based: the physical line a CSV record starts on, or the XLSX row number.
    pub line: u64,
    /// Trimmed cells. CSV: as many as the record has (possibly not the header's count). XLSX:
    /// in their columns, padded to the header's width; longer only if a cell lies past it.
    pub cells: Vec<String>,
    /// Some bytes of the row could not be decoded; its cells hold U+FFFD in their place.
    pub undecodable: bool,
}

/// Which XLSX limit was exceeded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum XlsxLimit {
    /// The archive unpacks to too much in total, or an entry compresses like a zip bomb.
    Unpacked,
    /// The shared-string table unpacks to too much.
    SharedStrings,
    Rows,
    Columns,
}

impl XlsxLimit {
    fn en(self) -> String {
        match self {
            XlsxLimit::Unpacked => "it would unpack to more than 4 GiB, or it is compressed far \
                                    more than a real workbook is"
                .to_owned(),
            XlsxLimit::SharedStrings => format!(
                "its text table (sharedStrings.xml) unpacks to more than {} MiB",
                MAX_SHARED_STRINGS_UNPACKED >> 20
            ),
            XlsxLimit::Rows => format!("its sheet spans more than {MAX_XLSX_ROWS} rows"),
            XlsxLimit::Columns => format!("its sheet spans more than {MAX_XLSX_COLUMNS} columns"),
        }
    }

    fn zh(self) -> String {
        match self {
            XlsxLimit::Unpacked => "解压后超过 4 GiB，或压缩比远超正常工作簿".to_owned(),
            XlsxLimit::SharedStrings => format!(
                "文本表（sharedStrings.xml）解压后超过 {} MiB",
                MAX_SHARED_STRINGS_UNPACKED >> 20
            ),
            XlsxLimit::Rows => format!("工作表超过 {MAX_XLSX_ROWS} 行"),
            XlsxLimit::Columns => format!("工作表超过 {MAX_XLSX_COLUMNS} 列"),
        }
    }
}

/// Why an upload cannot be read (as a whole; a bad row is an [`RawRow::undecodable`] row).
#[derive(Debug, thiserror::Error)]
pub enum SourceError {
    #[error("could not read the uploaded file: {0}")]
    Io(#[from] io::Error),
    #[error("the file is empty")]
    EmptyFile,
    #[error(
        "the file is an Excel 97-2003 workbook (.xls) or an encrypted workbook; save it as .xlsx \
         or CSV and upload that"
    )]
    LegacyXls,
    #[error("the file is not a table (it holds binary data); upload a CSV or XLSX file")]
    NotATable,
    #[error("unknown text encoding \"{0}\"; choose UTF-8, GBK or GB18030")]
    UnknownEncodingLabel(String),
    #[error(
        "the text is neither UTF-8 nor GB18030/GBK; save the file as \"CSV UTF-8\" or choose its \
         encoding"
    )]
    UndetectedEncoding,
    #[error(
        "the header row (line {line}) cannot be decoded as {encoding}; choose the file's encoding \
         or save it as \"CSV UTF-8\""
    )]
    UndecodableHeader { line: u64, encoding: &'static str },
    #[error("the CSV file has a double quote opened on line {line} that is never closed")]
    UnclosedQuote { line: u64 },
    #[error("the record starting on line {line} is longer than {} MiB", limit >> 20)]
    RowTooLarge { line: u64, limit: u64 },
    #[error("the XLSX file is damaged or not a workbook: {0}")]
    InvalidXlsx(String),
    #[error("the XLSX file is too large: {}; split it or save it as CSV", .0.en())]
    XlsxTooLarge(XlsxLimit),
    #[error(
        "the sheet has merged cells (first: {range}); a merged area leaves all but one of its \
         cells empty, so unmerge them in Excel and fill in every cell"
    )]
    MergedCells { range: String },
}

impl SourceError {
    /// A stable machine-readable code for the kind of error.
    pub fn code(&self) -> &'static str {
        match self {
            SourceError::Io(_) => "io",
            SourceError::EmptyFile => "empty_file",
            SourceError::LegacyXls => "legacy_xls",
            SourceError::NotATable => "not_a_table",
            SourceError::UnknownEncodingLabel(_) | SourceError::UndetectedEncoding => {
                "unknown_encoding"
            }
            SourceError::UndecodableHeader { .. } => "undecodable_header",
            SourceError::UnclosedQuote { .. } => "invalid_csv",
            SourceError::RowTooLarge { .. } => "row_too_large",
            SourceError::InvalidXlsx(_) => "invalid_xlsx",
            SourceError::XlsxTooLarge(_) => "xlsx_too_large",
            SourceError::MergedCells { .. } => "merged_cells",
        }
    }

    /// The message in Chinese, for the user interface.
    pub fn message_zh(&self) -> String {
        match self {
            SourceError::Io(e) => format!("无法读取上传的文件：{e}"),
            SourceError::EmptyFile => "文件为空（没有任何非空行）".to_owned(),
            SourceError::LegacyXls => "不支持 Excel 97-2003 工作簿（.xls）或加密的工作簿，请在 \
                                       Excel 中另存为 .xlsx 或 CSV 后再上传"
                .to_owned(),
            SourceError::NotATable => {
                "文件不是表格（含有二进制内容），请上传 CSV 或 XLSX 文件".to_owned()
            }
            SourceError::UnknownEncodingLabel(label) => {
                format!("不支持的文本编码“{label}”，请选择 UTF-8、GBK 或 GB18030")
            }
            SourceError::UndetectedEncoding => "无法识别文件编码（应为 UTF-8 或 GB18030/GBK），\
                                                请另存为“CSV UTF-8”格式或指定文件编码"
                .to_owned(),
            SourceError::UndecodableHeader { line, encoding } => format!(
                "第{line}行表头无法按 {encoding} 解码，请指定文件的编码，或另存为“CSV UTF-8”格式"
            ),
            SourceError::UnclosedQuote { line } => format!(
                "CSV 文件第{line}行的双引号没有闭合（请检查该行附近是否有多余或缺失的双引号）"
            ),
            SourceError::RowTooLarge { line, limit } => format!(
                "CSV 文件从第{line}行开始的一条记录超过 {} MiB，文件可能已损坏",
                limit >> 20
            ),
            SourceError::InvalidXlsx(detail) => {
                format!("XLSX 文件已损坏或不是工作簿：{detail}")
            }
            SourceError::XlsxTooLarge(limit) => format!(
                "XLSX 文件过大：{}，请拆分文件或另存为 CSV 后上传",
                limit.zh()
            ),
            SourceError::MergedCells { range } => format!(
                "工作表含有合并单元格（如 {range}）：合并区域只有一个单元格有值，请在 Excel \
                 中取消合并并填好每个单元格后再上传"
            ),
        }
    }
}

/// An open upload: the header, then the rows through [`TableSource::next_row`].
pub struct TableSource {
    header: Vec<String>,
    header_line: u64,
    format: SourceFormat,
    encoding: Option<TextEncoding>,
    delimiter: Option<u8>,
    file_size: u64,
    rows: Rows,
}

enum Rows {
    Csv(Box<CsvRows>),
    Xlsx(XlsxRows),
}

impl TableSource {
    /// Opens the file at `path` and reads up to its header (the first non-blank row).
    ///
    /// `encoding`: the user's choice for a CSV ("utf-8", "gbk", "gb18030", case-insensitive;
    /// "gb2312" and "cp936" read as GB18030 too; "" or "auto" mean detect) or `None` to
    /// detect. A byte-order mark in the file wins over the choice.
    pub fn open(path: &Path, encoding: Option<&str>) -> Result<TableSource, SourceError> {
        Self::open_with(path, encoding, MAX_RECORD_BYTES)
    }

    fn open_with(
        path: &Path,
        encoding: Option<&str>,
        max_record_bytes: u64,
    ) -> Result<TableSource, SourceError> {
        let choice = match encoding {
            Some(label) => parse_label(label)?,
            None => None,
        };
        let mut file = File::open(path)?;
        let file_size = file.metadata()?.len();
        let mut sample = Vec::with_capacity(SAMPLE_BYTES);
        (&mut file)
            .take(SAMPLE_BYTES as u64)
            .read_to_end(&mut sample)?;
        if sample.is_empty() {
            return Err(SourceError::EmptyFile);
        }
        // A local file header, or the end record of an empty archive.
        if sample.starts_with(b"PK\x03\x04") || sample.starts_with(b"PK\x05\x06") {
            drop(file);
            return open_xlsx(path, file_size);
        }
        if sample.starts_with(b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1") {
            return Err(SourceError::LegacyXls);
        }
        let truncated = sample.len() == SAMPLE_BYTES && file_size > SAMPLE_BYTES as u64;
        open_csv(
            file,
            file_size,
            &sample,
            truncated,
            choice,
            max_record_bytes,
        )
    }

    /// The header row's cells, trimmed (for an XLSX, up to its last non-empty cell).
    pub fn header(&self) -> &[String] {
        &self.header
    }

    /// The line (CSV) or row number (XLSX) of the header; 1 unless blank rows precede it.
    pub fn header_line(&self) -> u64 {
        self.header_line
    }

    pub fn format(&self) -> SourceFormat {
        self.format
    }

    /// For a CSV, the encoding detected or chosen: "UTF-8", "UTF-8 (BOM)", "GB18030/GBK",
    /// "UTF-16LE (BOM)" or "UTF-16BE (BOM)".
    pub fn encoding(&self) -> Option<&'static str> {
        self.encoding.map(TextEncoding::as_str)
    }

    /// For a CSV, the delimiter found.
    pub fn delimiter(&self) -> Option<u8> {
        self.delimiter
    }

    /// The next non-blank row after the header; `None` at the end. After an error, `None`.
    pub fn next_row(&mut self) -> Option<Result<RawRow, SourceError>> {
        match &mut self.rows {
            Rows::Csv(rows) => rows.next_row(),
            Rows::Xlsx(rows) => rows.next_row(),
        }
    }

    /// Bytes of the source consumed so far and the file size, for a progress bar. For an XLSX
    /// the first is an estimate from the rows read of the rows the sheet declares.
    pub fn progress(&self) -> (u64, u64) {
        let size = self.file_size;
        let done = match &self.rows {
            Rows::Csv(rows) if rows.done => size,
            Rows::Csv(rows) => rows.consumed.load(Ordering::Relaxed).min(size),
            Rows::Xlsx(rows) if rows.done => size,
            Rows::Xlsx(rows) if rows.declared_rows == 0 => 0,
            Rows::Xlsx(rows) => {
                let read = rows.last_line.min(rows.declared_rows);
                (u128::from(size) * u128::from(read) / u128::from(rows.declared_rows)) as u64
            }
        };
        (done, size)
    }
}

impl Iterator for TableSource {
    type Item = Result<RawRow, SourceError>;

    fn next(&mut self) -> Option<Self::Item> {
        self.next_row()
    }
}

impl fmt::Debug for TableSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TableSource")
            .field("format", &self.format)
            .field("encoding", &self.encoding())
            .field("delimiter", &self.delimiter.map(char::from))
            .field("header", &self.header)
            .field("header_line", &self.header_line)
            .field("progress", &self.progress())
            .finish_non_exhaustive()
    }
}

// ---- CSV ----

/// The text encoding a CSV is read in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum TextEncoding {
    Utf8,
    Utf8Bom,
    /// GB18030, which also covers GBK (what Excel in zh-CN writes as "CSV").
    Gb18030,
    /// Excel's "Unicode text".
    Utf16LeBom,
    Utf16BeBom,
}

impl TextEncoding {
    fn as_str(self) -> &'static str {
        match self {
            TextEncoding::Utf8 => "UTF-8",
            TextEncoding::Utf8Bom => "UTF-8 (BOM)",
            TextEncoding::Gb18030 => "GB18030/GBK",
            TextEncoding::Utf16LeBom => "UTF-16LE (BOM)",
            TextEncoding::Utf16BeBom => "UTF-16BE (BOM)",
        }
    }

    fn encoding_rs(self) -> &'static Encoding {
        match self {
            TextEncoding::Utf8 | TextEncoding::Utf8Bom => encoding_rs::UTF_8,
            // encoding_rs decodes GBK with the GB18030 decoder, so one covers both.
            TextEncoding::Gb18030 => encoding_rs::GB18030,
            TextEncoding::Utf16LeBom => encoding_rs::UTF_16LE,
            TextEncoding::Utf16BeBom => encoding_rs::UTF_16BE,
        }
    }

    /// The encoding a byte-order mark at the start names, and the mark's length.
    fn from_bom(bytes: &[u8]) -> Option<(TextEncoding, usize)> {
        if bytes.starts_with(b"\xEF\xBB\xBF") {
            Some((TextEncoding::Utf8Bom, 3))
        } else if bytes.starts_with(b"\xFF\xFE") {
            Some((TextEncoding::Utf16LeBom, 2))
        } else if bytes.starts_with(b"\xFE\xFF") {
            Some((TextEncoding::Utf16BeBom, 2))
        } else {
            None
        }
    }
}

fn parse_label(label: &str) -> Result<Option<TextEncoding>, SourceError> {
    match label.trim().to_ascii_lowercase().as_str() {
        "" | "auto" => Ok(None),
        "utf-8" | "utf8" => Ok(Some(TextEncoding::Utf8)),
        "gbk" | "gb18030" | "gb2312" | "cp936" => Ok(Some(TextEncoding::Gb18030)),
        _ => Err(SourceError::UnknownEncodingLabel(label.trim().to_owned())),
    }
}

/// Up to the last line feed, if the sample was cut from a longer file: LF never occurs inside
/// a UTF-8 or GB18030 multi-byte sequence, so no character is split there.
fn whole_lines(sample: &[u8], truncated: bool) -> &[u8] {
    if !truncated {
        return sample;
    }
    match sample.iter().rposition(|&b| b == b'\n') {
        Some(i) => &sample[..=i],
        None => sample,
    }
}

/// Picks UTF-8 or GB18030 for a sample without a byte-order mark: UTF-8 when it is valid
/// UTF-8, or when UTF-8 explains it about as well as GB18030 (a UTF-8 file with a damaged byte
/// must not be read whole as GB18030, which would turn all its Chinese into other Chinese
/// without a single replacement character to flag it).
fn detect_encoding(sample: &[u8], truncated: bool) -> Result<TextEncoding, SourceError> {
    let sample = whole_lines(sample, truncated);
    let (utf8_errors, utf8_multibyte) = utf8_stats(sample, truncated);
    if utf8_errors == 0 || utf8_multibyte >= 8 * utf8_errors {
        return Ok(TextEncoding::Utf8);
    }
    let (text, _) = encoding_rs::GB18030.decode_without_bom_handling(sample);
    let gb_errors = text.matches('\u{FFFD}').count();
    let (chosen, errors) = if utf8_errors <= gb_errors {
        (TextEncoding::Utf8, utf8_errors)
    } else {
        (TextEncoding::Gb18030, gb_errors)
    };
    // Neither explains the bytes: not text in an encoding we know.
    if errors > 32 && errors * 50 > sample.len() {
        return Err(SourceError::UndetectedEncoding);
    }
    Ok(chosen)
}

/// The number of malformed UTF-8 sequences in `bytes` and the number of well-formed
/// multi-byte characters; a sequence cut by the end of a truncated sample is no error.
fn utf8_stats(bytes: &[u8], truncated: bool) -> (usize, usize) {
    let lead_bytes = |valid: &[u8]| valid.iter().filter(|&&b| b >= 0xC0).count();
    let (mut errors, mut multibyte) = (0, 0);
    let mut rest = bytes;
    loop {
        match std::str::from_utf8(rest) {
            Ok(valid) => return (errors, multibyte + lead_bytes(valid.as_bytes())),
            Err(e) => {
                multibyte += lead_bytes(&rest[..e.valid_up_to()]);
                match e.error_len() {
                    Some(len) => {
                        errors += 1;
                        rest = &rest[e.valid_up_to() + len..];
                    }
                    None => return (errors + usize::from(!truncated), multibyte),
                }
            }
        }
    }
}

/// Picks the delimiter that splits the first records most consistently (the same count on most
/// records, then the most columns); ',' when none splits the header at all. Quotes are honoured:
/// the csv crate splits the sample.
fn sniff_delimiter(text: &str) -> u8 {
    let mut best = (b',', 0, 0);
    for delimiter in DELIMITERS {
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .delimiter(delimiter)
            .from_reader(text.as_bytes());
        let counts: Vec<usize> = reader
            .byte_records()
            .map_while(Result::ok)
            .filter(|record| record.iter().any(|cell| !cell.trim_ascii().is_empty()))
            .take(SAMPLE_RECORDS)
            .map(|record| record.len() - 1)
            .collect();
        let Some(&header_count) = counts.first() else {
            continue;
        };
        let agreeing = counts.iter().filter(|&&c| c == header_count).count();
        if header_count > 0 && (agreeing, header_count) > (best.1, best.2) {
            best = (delimiter, agreeing, header_count);
        }
    }
    best.0
}

fn open_csv(
    mut file: File,
    file_size: u64,
    sample: &[u8],
    truncated: bool,
    choice: Option<TextEncoding>,
    max_record_bytes: u64,
) -> Result<TableSource, SourceError> {
    let bom = TextEncoding::from_bom(sample);
    let body = &sample[bom.map_or(0, |(_, len)| len)..];
    let utf16 = matches!(
        bom,
        Some((TextEncoding::Utf16LeBom | TextEncoding::Utf16BeBom, _))
    );
    // Text holds no NUL (except as half of a UTF-16 unit); binary files nearly always do.
    if !utf16 && (body.contains(&0) || body.starts_with(b"%PDF-")) {
        return Err(SourceError::NotATable);
    }
    let encoding = match (bom, choice) {
        (Some((found, _)), _) => found,
        (None, Some(chosen)) => chosen,
        (None, None) => detect_encoding(body, truncated)?,
    };

    let (text, _) = encoding
        .encoding_rs()
        .decode_without_bom_handling(whole_lines(body, truncated));
    let delimiter = sniff_delimiter(&text);

    file.seek(SeekFrom::Start(0))?;
    let consumed = Arc::new(AtomicU64::new(0));
    let counting = CountingReader {
        inner: file,
        consumed: Arc::clone(&consumed),
    };
    // With an explicit encoding the decoder removes that encoding's own byte-order mark and
    // replaces malformed sequences with U+FFFD.
    let decoder = DecodeReaderBytesBuilder::new()
        .encoding(Some(encoding.encoding_rs()))
        .build(counting);
    let scanner = RecordScanner::new(decoder, delimiter, max_record_bytes);
    let reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delimiter)
        .buffer_capacity(64 * 1024)
        .from_reader(scanner);
    let mut rows = CsvRows {
        reader,
        record: csv::StringRecord::new(),
        consumed,
        done: false,
    };
    let header = match rows.next_row() {
        None => return Err(SourceError::EmptyFile),
        Some(Err(e)) => return Err(e),
        Some(Ok(row)) if row.undecodable => {
            return Err(SourceError::UndecodableHeader {
                line: row.line,
                encoding: encoding.as_str(),
            });
        }
        Some(Ok(row)) => row,
    };
    Ok(TableSource {
        header: header.cells,
        header_line: header.line,
        format: SourceFormat::Csv,
        encoding: Some(encoding),
        delimiter: Some(delimiter),
        file_size,
        rows: Rows::Csv(Box::new(rows)),
    })
}

type CsvReader = csv::Reader<RecordScanner<DecodeReaderBytes<CountingReader<File>, Vec<u8>>>>;

struct CsvRows {
    reader: CsvReader,
    record: csv::StringRecord,
    /// Raw bytes read from the file so far.
    consumed: Arc<AtomicU64>,
    done: bool,
}

impl CsvRows {
    fn next_row(&mut self) -> Option<Result<RawRow, SourceError>> {
        while !self.done {
            match self.reader.read_record(&mut self.record) {
                Ok(true) => {}
                Ok(false) => self.done = true,
                Err(e) => {
                    self.done = true;
                    let scanned = self.reader.get_mut().failure.take();
                    return Some(Err(scanned.unwrap_or_else(|| match e.into_kind() {
                        csv::ErrorKind::Io(e) => SourceError::Io(e),
                        other => SourceError::Io(io::Error::other(format!("{other:?}"))),
                    })));
                }
            }
            if self.done {
                break;
            }
            let position = self.record.position();
            let start = position.map_or(0, csv::Position::byte);
            let fallback = position.map_or(0, csv::Position::line);
            let line = self.reader.get_mut().line_of_record_at(start, fallback);
            let cells: Vec<String> = self
                .record
                .iter()
                .map(|cell| cell.trim().to_owned())
                .collect();
            if cells.iter().all(String::is_empty) {
                continue;
            }
            let undecodable = cells.iter().any(|cell| cell.contains('\u{FFFD}'));
            return Some(Ok(RawRow {
                line,
                cells,
                undecodable,
            }));
        }
        None
    }
}

/// Counts the raw bytes read, for progress.
struct CountingReader<R> {
    inner: R,
    consumed: Arc<AtomicU64>,
}

impl<R: Read> Read for CountingReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.consumed.fetch_add(n as u64, Ordering::Relaxed);
        Ok(n)
    }
}

/// Where the scanner is in the CSV grammar, as csv-core reads it (RFC 4180: a quote opens only
/// at the start of a field, `""` inside quotes is a quote, text after a closing quote is kept).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ScanState {
    /// Between records: line ends here are blank lines.
    RecordStart,
    FieldStart,
    InField,
    InQuoted,
    /// Just after a quote inside a quoted field: it closed the field or starts a `""`.
    QuoteInQuoted,
}

/// Passes the decoded text through to the csv reader unchanged while noting where each record
/// starts (byte offset in the decoded text and physical line), so that records get true line
/// numbers; fails the read when a quote is still open at the end or a record grows too long.
struct RecordScanner<R> {
    inner: R,
    delimiter: u8,
    max_record_bytes: u64,
    state: ScanState,
    /// Decoded bytes passed through so far.
    offset: u64,
    /// The physical line at `offset`, 1-based.
    line: u64,
    after_cr: bool,
    record_offset: u64,
    record_line: u64,
    quote_line: u64,
    /// Records seen but not yet taken by the csv reader: (offset, line). Bounded by the csv
    /// reader's buffer, which is all the scanner runs ahead.
    starts: VecDeque<(u64, u64)>,
    failure: Option<SourceError>,
}

impl<R> RecordScanner<R> {
    fn new(inner: R, delimiter: u8, max_record_bytes: u64) -> Self {
        RecordScanner {
            inner,
            delimiter,
            max_record_bytes,
            state: ScanState::RecordStart,
            offset: 0,
            line: 1,
            after_cr: false,
            record_offset: 0,
            record_line: 1,
            quote_line: 1,
            starts: VecDeque::new(),
            failure: None,
        }
    }

    /// The line of the record the csv reader says starts at byte `start` (where the previous
    /// record ended: blank lines before the record are part of that span).
    fn line_of_record_at(&mut self, start: u64, fallback: u64) -> u64 {
        while self
            .starts
            .front()
            .is_some_and(|&(offset, _)| offset < start)
        {
            self.starts.pop_front();
        }
        self.starts.pop_front().map_or(fallback, |(_, line)| line)
    }

    /// Follows `bytes`; on failure, also says how many bytes before the failing one are fine.
    fn scan(&mut self, bytes: &[u8]) -> Result<(), (usize, SourceError)> {
        use ScanState::*;
        for (index, &b) in bytes.iter().enumerate() {
            let offset = self.offset;
            self.offset += 1;
            let terminator = b == b'\n' || b == b'\r';
            // LF, CRLF and a lone CR each end one physical line.
            let line_end = b == b'\r' || (b == b'\n' && !self.after_cr);
            self.after_cr = b == b'\r';
            let state = if self.state == RecordStart {
                if terminator {
                    self.line += u64::from(line_end);
                    continue;
                }
                self.starts.push_back((offset, self.line));
                self.record_offset = offset;
                self.record_line = self.line;
                FieldStart
            } else {
                self.state
            };
            self.state = match state {
                FieldStart if b == b'"' => {
                    self.quote_line = self.line;
                    InQuoted
                }
                InQuoted if b == b'"' => QuoteInQuoted,
                InQuoted => InQuoted,
                QuoteInQuoted if b == b'"' => InQuoted,
                _ if b == self.delimiter => FieldStart,
                _ if terminator => RecordStart,
                _ => InField,
            };
            self.line += u64::from(line_end);
            if self.state != RecordStart && offset - self.record_offset >= self.max_record_bytes {
                let failure = if self.state == InQuoted {
                    SourceError::UnclosedQuote {
                        line: self.quote_line,
                    }
                } else {
                    SourceError::RowTooLarge {
                        line: self.record_line,
                        limit: self.max_record_bytes,
                    }
                };
                return Err((index, failure));
            }
        }
        Ok(())
    }
}

impl<R: Read> Read for RecordScanner<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if let Some(failure) = &self.failure {
            return Err(io::Error::other(failure.to_string()));
        }
        let n = self.inner.read(buf)?;
        let scanned = if n > 0 {
            self.scan(&buf[..n])
        } else if self.state == ScanState::InQuoted {
            // A quote open at the end has swallowed everything after it into one cell.
            Err((
                0,
                SourceError::UnclosedQuote {
                    line: self.quote_line,
                },
            ))
        } else {
            Ok(())
        };
        match scanned {
            Ok(()) => Ok(n),
            // The records before the failure are fine: pass their bytes on, fail the next read.
            Err((fine, failure)) => {
                let message = failure.to_string();
                self.failure = Some(failure);
                if fine > 0 {
                    Ok(fine)
                } else {
                    Err(io::Error::other(message))
                }
            }
        }
    }
}

// ---- XLSX ----

enum XlsxMessage {
    Header {
        line: u64,
        cells: Vec<String>,
        /// From the sheet's declared dimension; 0 when it declares none.
        declared_rows: u64,
    },
    Rows(Vec<RawRow>),
    Done,
    Failed(SourceError),
}

/// Why the worker stopped early.
enum XlsxStop {
    Failed(SourceError),
    /// The [`TableSource`] was dropped.
    Cancelled,
}

impl From<SourceError> for XlsxStop {
    fn from(e: SourceError) -> Self {
        XlsxStop::Failed(e)
    }
}

impl From<io::Error> for XlsxStop {
    fn from(e: io::Error) -> Self {
        XlsxStop::Failed(SourceError::Io(e))
    }
}

struct XlsxRows {
    messages: mpsc::Receiver<XlsxMessage>,
    pending: std::vec::IntoIter<RawRow>,
    declared_rows: u64,
    last_line: u64,
    done: bool,
}

impl XlsxRows {
    fn next_row(&mut self) -> Option<Result<RawRow, SourceError>> {
        loop {
            if let Some(row) = self.pending.next() {
                self.last_line = row.line;
                return Some(Ok(row));
            }
            if self.done {
                return None;
            }
            match self.messages.recv() {
                Ok(XlsxMessage::Rows(rows)) => self.pending = rows.into_iter(),
                Ok(XlsxMessage::Done) => self.done = true,
                Ok(XlsxMessage::Failed(e)) => {
                    self.done = true;
                    return Some(Err(e));
                }
                Ok(XlsxMessage::Header { .. }) | Err(_) => {
                    self.done = true;
                    return Some(Err(SourceError::InvalidXlsx(
                        "the sheet reader stopped unexpectedly".to_owned(),
                    )));
                }
            }
        }
    }
}

fn open_xlsx(path: &Path, file_size: u64) -> Result<TableSource, SourceError> {
    let (sender, messages) = mpsc::sync_channel(XLSX_BATCHES_IN_FLIGHT);
    let path = path.to_owned();
    // The cell reader borrows the workbook, so both stay on this thread; it ends when the
    // sheet does, or at its next send once the `TableSource` is dropped.
    std::thread::Builder::new()
        .name("xlsx-source".to_owned())
        .spawn(move || {
            // calamine's arithmetic on cell references overflows on crafted ones and panics
            // where overflow checks are on: a broken upload is an error, not a crash.
            let outcome = panic::catch_unwind(AssertUnwindSafe(|| stream_xlsx(&path, &sender)));
            let last = match outcome {
                Ok(Ok(())) => XlsxMessage::Done,
                Ok(Err(XlsxStop::Failed(e))) => XlsxMessage::Failed(e),
                Ok(Err(XlsxStop::Cancelled)) => return,
                Err(_) => {
                    XlsxMessage::Failed(SourceError::InvalidXlsx("malformed workbook".to_owned()))
                }
            };
            let _ = sender.send(last);
        })?;
    let (header_line, header, declared_rows) = match messages.recv() {
        Ok(XlsxMessage::Header {
            line,
            cells,
            declared_rows,
        }) => (line, cells, declared_rows),
        Ok(XlsxMessage::Done) => return Err(SourceError::EmptyFile),
        Ok(XlsxMessage::Failed(e)) => return Err(e),
        Ok(XlsxMessage::Rows(_)) | Err(_) => {
            return Err(SourceError::InvalidXlsx(
                "the sheet reader stopped unexpectedly".to_owned(),
            ));
        }
    };
    Ok(TableSource {
        header,
        header_line,
        format: SourceFormat::Xlsx,
        encoding: None,
        delimiter: None,
        file_size,
        rows: Rows::Xlsx(XlsxRows {
            messages,
            pending: Vec::new().into_iter(),
            declared_rows,
            last_line: header_line,
            done: false,
        }),
    })
}

fn invalid_xlsx(e: impl fmt::Display) -> SourceError {
    SourceError::InvalidXlsx(e.to_string())
}

fn from_template(e: TemplateError) -> SourceError {
    match e {
        TemplateError::XlsxTooLarge => SourceError::XlsxTooLarge(XlsxLimit::Unpacked),
        TemplateError::InvalidXlsx(detail) => SourceError::InvalidXlsx(detail),
        other => SourceError::InvalidXlsx(other.to_string()),
    }
}

/// calamine reads the whole shared-string table into memory when it opens a workbook.
fn check_shared_strings(reader: impl Read + Seek) -> Result<(), SourceError> {
    let archive = zip::ZipArchive::new(reader).map_err(invalid_xlsx)?;
    let metadata = archive.metadata();
    for index in 0..metadata.len() {
        let entry = metadata.entry(index).map_err(invalid_xlsx)?;
        let shared_strings = entry
            .name()
            .is_ok_and(|name| name.to_ascii_lowercase().ends_with("sharedstrings.xml"));
        if shared_strings && entry.size() > MAX_SHARED_STRINGS_UNPACKED {
            return Err(SourceError::XlsxTooLarge(XlsxLimit::SharedStrings));
        }
    }
    Ok(())
}

/// "A3" for a cell, "A3:A5" for a range (zero-based positions in).
fn range_ref(range: &Dimensions) -> String {
    let cell = |(row, col): (u32, u32)| {
        let mut letters = Vec::new();
        let mut n = u64::from(col) + 1;
        while n > 0 {
            letters.push(b'A' + ((n - 1) % 26) as u8);
            n = (n - 1) / 26;
        }
        letters.reverse();
        format!(
            "{}{}",
            String::from_utf8(letters).unwrap_or_default(),
            u64::from(row) + 1
        )
    };
    if range.start == range.end {
        cell(range.start)
    } else {
        format!("{}:{}", cell(range.start), cell(range.end))
    }
}

/// A cell as the text the user sees in it; date-times in ISO 8601 form.
fn xlsx_cell_text(value: &DataRef<'_>) -> String {
    let mut text = template::cell_text(value);
    if let DataRef::DateTime(dt) = value
        && !dt.is_duration()
        && text.len() == 19
        && text.as_bytes()[10] == b' '
    {
        text.replace_range(10..11, "T");
    }
    text
}

fn stream_xlsx(path: &Path, sender: &mpsc::SyncSender<XlsxMessage>) -> Result<(), XlsxStop> {
    let mut file = BufReader::new(File::open(path)?);
    // Measured before anything unpacks: the zip crate refuses to inflate an entry past its
    // declared size, so checking the declarations bounds the actual work.
    template::check_zip_reader(&mut file, &XLSX_LIMITS).map_err(from_template)?;
    check_shared_strings(&mut file)?;
    file.seek(SeekFrom::Start(0))?;
    let mut workbook: Xlsx<_> = Xlsx::new(file).map_err(invalid_xlsx)?;
    let worksheets = || {
        workbook
            .sheets_metadata()
            .iter()
            .filter(|sheet| sheet.typ == SheetType::WorkSheet)
    };
    // The first tab the user sees; a hidden one only if there is nothing else.
    let name = worksheets()
        .find(|sheet| sheet.visible == SheetVisible::Visible)
        .or_else(|| worksheets().next())
        .map(|sheet| sheet.name.clone())
        .ok_or_else(|| SourceError::InvalidXlsx("no worksheet".to_owned()))?;

    // The merged ranges follow the cells in the sheet's XML, so this is a pass of its own
    // (streaming, like the cells): a merged area must be refused before any row is taken.
    let merged = workbook
        .merge_cells_by_sheet_name(&name)
        .map_err(invalid_xlsx)?;
    if let Some(first) = merged.first() {
        return Err(SourceError::MergedCells {
            range: range_ref(first),
        }
        .into());
    }

    // The cell reader stops at the start of <sheetData>, so the declared range is known before
    // any cell is read.
    let mut cells = workbook
        .worksheet_cells_reader(&name)
        .map_err(invalid_xlsx)?;
    let declared = cells.dimensions();
    check_position(declared.end)?;
    let declared_rows = if declared.end.0 > 0 {
        u64::from(declared.end.0) + 1
    } else {
        0
    };

    let mut rows = RowAssembler {
        sender,
        declared_rows,
        header_width: None,
        batch: Vec::with_capacity(XLSX_BATCH_ROWS),
    };
    let mut current: Option<(u32, Vec<String>)> = None;
    while let Some(cell) = cells.next_cell().map_err(invalid_xlsx)? {
        let text = xlsx_cell_text(cell.get_value());
        if text.is_empty() {
            continue;
        }
        // The declared range may lie; the cells themselves are held to the same bounds.
        let (row, col) = cell.get_position();
        check_position((row, col))?;
        match &current {
            Some((at, _)) if *at == row => {}
            Some((at, _)) if *at > row => {
                return Err(SourceError::InvalidXlsx(format!(
                    "row {} comes after row {} in the sheet",
                    u64::from(row) + 1,
                    u64::from(*at) + 1
                ))
                .into());
            }
            _ => {
                if let Some((at, done)) = current.replace((row, Vec::new())) {
                    rows.push(at, done)?;
                }
            }
        }
        let Some((_, values)) = &mut current else {
            unreachable!("a row was started above");
        };
        let col = col as usize;
        if values.len() <= col {
            values.resize(col + 1, String::new());
        }
        values[col] = text;
    }
    if let Some((at, done)) = current {
        rows.push(at, done)?;
    }
    rows.flush()
}

fn check_position((row, col): (u32, u32)) -> Result<(), SourceError> {
    if row >= MAX_XLSX_ROWS {
        Err(SourceError::XlsxTooLarge(XlsxLimit::Rows))
    } else if col >= MAX_XLSX_COLUMNS {
        Err(SourceError::XlsxTooLarge(XlsxLimit::Columns))
    } else {
        Ok(())
    }
}

/// Turns the worker's rows of cells into the header and batches of [`RawRow`]s.
struct RowAssembler<'a> {
    sender: &'a mpsc::SyncSender<XlsxMessage>,
    declared_rows: u64,
    header_width: Option<usize>,
    batch: Vec<RawRow>,
}

impl RowAssembler<'_> {
    /// `cells` holds non-empty text up to its last cell (only filled cells are placed).
    fn push(&mut self, row: u32, mut cells: Vec<String>) -> Result<(), XlsxStop> {
        let line = u64::from(row) + 1;
        let Some(width) = self.header_width else {
            self.header_width = Some(cells.len());
            return self.send(XlsxMessage::Header {
                line,
                cells,
                declared_rows: self.declared_rows,
            });
        };
        if cells.len() < width {
            cells.resize(width, String::new());
        }
        self.batch.push(RawRow {
            line,
            cells,
            undecodable: false,
        });
        if self.batch.len() >= XLSX_BATCH_ROWS {
            self.flush()?;
        }
        Ok(())
    }

    fn flush(&mut self) -> Result<(), XlsxStop> {
        if self.batch.is_empty() {
            return Ok(());
        }
        let batch = std::mem::replace(&mut self.batch, Vec::with_capacity(XLSX_BATCH_ROWS));
        self.send(XlsxMessage::Rows(batch))
    }

    fn send(&self, message: XlsxMessage) -> Result<(), XlsxStop> {
        self.sender.send(message).map_err(|_| XlsxStop::Cancelled)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;
    use std::path::PathBuf;

    use rust_xlsxwriter::{ExcelDateTime, Format, Workbook};

    struct TempDir(PathBuf);

    impl TempDir {
        fn new(what: &str) -> TempDir {
            let dir = std::env::temp_dir().join(format!(
                "pubdata-source-{what}-{}",
                uuid::Uuid::now_v7().simple()
            ));
            std::fs::create_dir_all(&dir).unwrap();
            TempDir(dir)
        }

        fn file(&self, name: &str, bytes: &[u8]) -> PathBuf {
            let path = self.0.join(name);
            std::fs::write(&path, bytes).unwrap();
            path
        }
    }

    impl Drop for TempDir {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }

    fn open_bytes(bytes: &[u8], encoding: Option<&str>) -> Result<TableSource, SourceError> {
        let dir = TempDir::new("bytes");
        let path = dir.file("upload", bytes);
        // The source keeps its file open (or its worker opens it first), so it outlives the
        // directory's removal on Linux; read everything we need before returning anyway.
        TableSource::open(&path, encoding)
    }

    fn strings(cells: &[&str]) -> Vec<String> {
        cells.iter().map(|s| s.to_string()).collect()
    }

    /// All rows as (line, cells, undecodable); panics on a row error.
    fn rows(source: &mut TableSource) -> Vec<(u64, Vec<String>, bool)> {
        std::iter::from_fn(|| source.next_row())
            .map(|row| {
                let row = row.unwrap();
                (row.line, row.cells, row.undecodable)
            })
            .collect()
    }

    fn row(line: u64, cells: &[&str]) -> (u64, Vec<String>, bool) {
        (line, strings(cells), false)
    }

    #[track_caller]
    fn assert_code(result: Result<TableSource, SourceError>, code: &str) -> SourceError {
        match result {
            Err(e) => {
                assert_eq!(e.code(), code, "{e}");
                assert!(!e.message_zh().is_empty());
                e
            }
            Ok(source) => panic!("expected {code}, opened {source:?}"),
        }
    }

    #[test]
    fn utf8_csv() {
        let mut source = open_bytes(
            "资源名称,提供单位\n企业登记信息,市市场监管局\n".as_bytes(),
            None,
        )
        .unwrap();
        assert_eq!(source.format(), SourceFormat::Csv);
        assert_eq!(source.format().as_str(), "csv");
        assert_eq!(source.encoding(), Some("UTF-8"));
        assert_eq!(source.delimiter(), Some(b','));
        assert_eq!(source.header(), strings(&["资源名称", "提供单位"]));
        assert_eq!(source.header_line(), 1);
        assert_eq!(
            rows(&mut source),
            vec![row(2, &["企业登记信息", "市市场监管局"])]
        );
        assert!(source.next_row().is_none());
        let (done, size) = source.progress();
        assert_eq!(done, size);
    }

    #[test]
    fn utf8_bom_csv() {
        let mut source = open_bytes("\u{feff}名称,单位\r\n甲,乙\r\n".as_bytes(), None).unwrap();
        assert_eq!(source.encoding(), Some("UTF-8 (BOM)"));
        assert_eq!(source.header(), strings(&["名称", "单位"]));
        assert_eq!(rows(&mut source), vec![row(2, &["甲", "乙"])]);
        // The mark wins over a contrary choice.
        let source = open_bytes("\u{feff}名称,单位\r\n".as_bytes(), Some("GBK")).unwrap();
        assert_eq!(source.encoding(), Some("UTF-8 (BOM)"));
        assert_eq!(source.header(), strings(&["名称", "单位"]));
    }

    #[test]
    fn utf16_bom_csv() {
        // Excel's "Unicode text": UTF-16LE with a mark, tab-separated.
        let text = "\u{feff}名称\t单位\r\n甲\t乙\r\n";
        let bytes: Vec<u8> = text.encode_utf16().flat_map(u16::to_le_bytes).collect();
        let mut source = open_bytes(&bytes, None).unwrap();
        assert_eq!(source.encoding(), Some("UTF-16LE (BOM)"));
        assert_eq!(source.delimiter(), Some(b'\t'));
        assert_eq!(source.header(), strings(&["名称", "单位"]));
        assert_eq!(rows(&mut source), vec![row(2, &["甲", "乙"])]);

        let bytes: Vec<u8> = text.encode_utf16().flat_map(u16::to_be_bytes).collect();
        let mut source = open_bytes(&bytes, None).unwrap();
        assert_eq!(source.encoding(), Some("UTF-16BE (BOM)"));
        assert_eq!(rows(&mut source), vec![row(2, &["甲", "乙"])]);
    }

    #[test]
    fn gbk_csv() {
        let text = "资源名称,提供单位\n企业登记信息,市市场监管局\n";
        let (bytes, _, unmappable) = encoding_rs::GBK.encode(text);
        assert!(!unmappable);
        let mut source = open_bytes(&bytes, None).unwrap();
        assert_eq!(source.encoding(), Some("GB18030/GBK"));
        assert_eq!(source.header(), strings(&["资源名称", "提供单位"]));
        assert_eq!(
            rows(&mut source),
            vec![row(2, &["企业登记信息", "市市场监管局"])]
        );
    }

    #[test]
    fn gb18030_only_characters() {
        // U+20000 lies outside GBK: GB18030 gives it a four-byte sequence.
        let text = "名称,备注\n𠀀字,四字节\n";
        let (bytes, _, unmappable) = encoding_rs::GB18030.encode(text);
        assert!(!unmappable);
        let mut source = open_bytes(&bytes, None).unwrap();
        assert_eq!(source.encoding(), Some("GB18030/GBK"));
        assert_eq!(rows(&mut source), vec![row(2, &["𠀀字", "四字节"])]);
    }

    #[test]
    fn invalid_gbk_bytes_spoil_only_their_row() {
        let gbk = |text: &str| encoding_rs::GBK.encode(text).0.into_owned();
        let mut bytes = gbk("名称,单位\n企业甲,市场监管局\n");
        // 0x81 opens a GB18030 sequence that 0x20 cannot continue.
        bytes.extend_from_slice(b"\x81 bad,");
        bytes.extend(gbk("税务局\n企业乙,统计局\n"));
        let mut source = open_bytes(&bytes, None).unwrap();
        assert_eq!(source.encoding(), Some("GB18030/GBK"));
        let read = rows(&mut source);
        assert_eq!(read.len(), 3);
        assert_eq!(read[0], row(2, &["企业甲", "市场监管局"]));
        assert_eq!(read[1].0, 3);
        assert!(read[1].2, "{read:?}");
        assert!(read[1].1[0].contains('\u{FFFD}'));
        assert_eq!(read[1].1[1], "税务局");
        assert_eq!(read[2], row(4, &["企业乙", "统计局"]));
    }

    #[test]
    fn a_damaged_utf8_file_stays_utf8() {
        let mut bytes = "名称,单位\n企业登记信息,市场监管局\n".as_bytes().to_vec();
        bytes.extend_from_slice(b"\xFF\xFE broken,x\n");
        bytes.extend_from_slice("纳税信用等级,税务局\n".as_bytes());
        let mut source = open_bytes(&bytes, None).unwrap();
        assert_eq!(source.encoding(), Some("UTF-8"));
        let read = rows(&mut source);
        assert_eq!(read[0], row(2, &["企业登记信息", "市场监管局"]));
        assert!(read[1].2 && read[1].0 == 3, "{read:?}");
        assert_eq!(read[2], row(4, &["纳税信用等级", "税务局"]));
    }

    #[test]
    fn the_sample_may_cut_a_character() {
        // A header line longer than the sample: no line end to cut at, and the sample ends
        // inside a three-byte character.
        let mut text = String::new();
        let mut column = 0;
        while text.len() < SAMPLE_BYTES + 100 {
            text.push_str(&format!("列{column}中文,"));
            column += 1;
        }
        text.push_str("末\n值\n");
        let mut cut = text.clone();
        while cut.is_char_boundary(SAMPLE_BYTES) {
            cut.insert(0, 'x');
        }
        let mut source = open_bytes(cut.as_bytes(), None).unwrap();
        assert_eq!(source.encoding(), Some("UTF-8"));
        assert_eq!(source.header().len(), column + 1);
        assert_eq!(rows(&mut source), vec![row(2, &["值"])]);

        // Many lines, the sample ending inside a character.
        let mut text = "名称,说明\n".to_owned();
        let mut line = 1;
        while text.len() < 2 * SAMPLE_BYTES {
            line += 1;
            text.push_str(&format!("甲{line},中文内容\n"));
        }
        while text.is_char_boundary(SAMPLE_BYTES) {
            text.insert(0, ' ');
        }
        let mut source = open_bytes(text.as_bytes(), None).unwrap();
        assert_eq!(source.encoding(), Some("UTF-8"));
        let read = rows(&mut source);
        assert_eq!(read.len() as u64, line - 1);
        assert!(read.iter().all(|(_, _, undecodable)| !undecodable));
        assert_eq!(read.last().unwrap().0, line);
    }

    #[test]
    fn chosen_encodings() {
        let (bytes, _, _) = encoding_rs::GBK.encode("名称,单位\n甲,乙\n");
        let mut source = open_bytes(&bytes, Some(" GBK ")).unwrap();
        assert_eq!(source.encoding(), Some("GB18030/GBK"));
        assert_eq!(rows(&mut source), vec![row(2, &["甲", "乙"])]);
        let source = open_bytes(&bytes, Some("gb18030")).unwrap();
        assert_eq!(source.header(), strings(&["名称", "单位"]));

        // The wrong choice garbles the header: refused rather than read as nonsense names.
        let err = assert_code(open_bytes(&bytes, Some("UTF-8")), "undecodable_header");
        assert!(err.to_string().contains("line 1"), "{err}");

        assert_code(open_bytes(b"a,b\n", Some("latin-1")), "unknown_encoding");
        let source = open_bytes(b"a,b\n", Some("auto")).unwrap();
        assert_eq!(source.encoding(), Some("UTF-8"));
    }

    #[test]
    fn semicolon_tab_and_pipe_delimiters() {
        let mut source = open_bytes("名称;单位;备注\n甲;乙,丙;丁\n".as_bytes(), None).unwrap();
        assert_eq!(source.delimiter(), Some(b';'));
        assert_eq!(rows(&mut source), vec![row(2, &["甲", "乙,丙", "丁"])]);

        let mut source = open_bytes("名称\t单位\n甲, 乙\t丙\n".as_bytes(), None).unwrap();
        assert_eq!(source.delimiter(), Some(b'\t'));
        assert_eq!(source.header(), strings(&["名称", "单位"]));
        assert_eq!(rows(&mut source), vec![row(2, &["甲, 乙", "丙"])]);

        let source = open_bytes(b"a|b|c\n1|2|3\n", None).unwrap();
        assert_eq!(source.delimiter(), Some(b'|'));

        // Semicolons inside quotes outnumber the real commas.
        let mut source = open_bytes(b"\"a;b;c\",d\n\"e;f;g\",h\n", None).unwrap();
        assert_eq!(source.delimiter(), Some(b','));
        assert_eq!(source.header(), strings(&["a;b;c", "d"]));
        assert_eq!(rows(&mut source), vec![row(2, &["e;f;g", "h"])]);
    }

    #[test]
    fn quoted_multiline_cells_keep_true_line_numbers() {
        let text = "名称,说明,单位\n\"甲\",\"第一行\n\n第三行, 含逗号\",\"说\"\"明\"\"\"\n乙,丙,丁\n\
                    \"戊\r\n己\",庚,辛\r\n\r\n壬,癸,子\n";
        let mut source = open_bytes(text.as_bytes(), None).unwrap();
        assert_eq!(
            rows(&mut source),
            vec![
                row(2, &["甲", "第一行\n\n第三行, 含逗号", "说\"明\""]),
                row(5, &["乙", "丙", "丁"]),
                row(6, &["戊\r\n己", "庚", "辛"]),
                row(9, &["壬", "癸", "子"]),
            ]
        );

        // Old Mac Excel ends lines with a lone CR.
        let mut source = open_bytes(b"a,b\r1,2\r\r3,\"x\ry\"\r4,5", None).unwrap();
        assert_eq!(
            rows(&mut source),
            vec![
                row(2, &["1", "2"]),
                row(4, &["3", "x\ry"]),
                row(6, &["4", "5"])
            ]
        );
    }

    #[test]
    fn blank_rows_are_skipped_with_true_line_numbers() {
        let text = "\n\r\n名称 , 单位 \n\n ,  \n甲,乙\n,,\n\r\n丙\n\n\n";
        let mut source = open_bytes(text.as_bytes(), None).unwrap();
        assert_eq!(source.header(), strings(&["名称", "单位"]));
        assert_eq!(source.header_line(), 3);
        assert_eq!(
            rows(&mut source),
            vec![row(6, &["甲", "乙"]), row(9, &["丙"])]
        );
    }

    #[test]
    fn ragged_rows_pass_through() {
        let mut source = open_bytes(b"a,b,c\n1,2\n3,4,5,6\n7,8,9\n", None).unwrap();
        assert_eq!(
            rows(&mut source),
            vec![
                row(2, &["1", "2"]),
                row(3, &["3", "4", "5", "6"]),
                row(4, &["7", "8", "9"]),
            ]
        );
    }

    #[test]
    fn empty_files_are_refused() {
        assert_code(open_bytes(b"", None), "empty_file");
        assert_code(open_bytes(b"\xEF\xBB\xBF", None), "empty_file");
        assert_code(open_bytes(b"\xEF\xBB\xBF \r\n\t\n", None), "empty_file");
        assert_code(open_bytes(b"\n , \n,,,\n\n", None), "empty_file");
        assert_code(open_bytes(b"\xFF\xFE", None), "empty_file");
        // A header alone is a table without rows.
        let mut source = open_bytes(b"a,b", None).unwrap();
        assert_eq!(source.header(), strings(&["a", "b"]));
        assert!(source.next_row().is_none());
    }

    #[test]
    fn other_files_are_refused() {
        let err = assert_code(
            open_bytes(b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1\x00\x00", None),
            "legacy_xls",
        );
        assert!(err.to_string().contains(".xlsx"));
        assert_code(
            open_bytes(b"\x89PNG\r\n\x1a\n\x00\x00", None),
            "not_a_table",
        );
        assert_code(
            open_bytes(b"%PDF-1.7\n%\xE2\xE3\xCF\xD3\n", None),
            "not_a_table",
        );
        assert_code(
            open_bytes(b"PK\x03\x04not really a zip", None),
            "invalid_xlsx",
        );
        let mut empty_zip = b"PK\x05\x06".to_vec();
        empty_zip.resize(22, 0);
        assert_code(open_bytes(&empty_zip, None), "invalid_xlsx");
        // Bytes that no encoding we know explains.
        let mut state = 0x2545_f491_4f6c_dd1du64;
        let garbage: Vec<u8> = (0..8192)
            .map(|_| {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                ((state >> 24) as u8).max(1)
            })
            .collect();
        assert_code(open_bytes(&garbage, None), "unknown_encoding");
        let missing = std::env::temp_dir().join("pubdata-source-no-such-file");
        assert_eq!(TableSource::open(&missing, None).unwrap_err().code(), "io");
    }

    #[test]
    fn an_unclosed_quote_is_an_error_with_its_line() {
        let mut source = open_bytes(b"a,b\n1,2\n\"3,4\n5,6\n", None).unwrap();
        assert_eq!(
            source.next_row().unwrap().unwrap().cells,
            strings(&["1", "2"])
        );
        let err = source.next_row().unwrap().unwrap_err();
        assert_eq!(err.code(), "invalid_csv");
        assert!(
            matches!(err, SourceError::UnclosedQuote { line: 3 }),
            "{err:?}"
        );
        assert!(source.next_row().is_none());

        // In a big file the record limit stops it long before the end.
        let dir = TempDir::new("quote");
        let mut text = b"a,b\n\"1,2\n".to_vec();
        text.extend(std::iter::repeat_n(b"x,y\n".as_slice(), 1000).flatten());
        let path = dir.file("q.csv", &text);
        let mut source = TableSource::open_with(&path, None, 1024).unwrap();
        let err = source.next_row().unwrap().unwrap_err();
        assert!(
            matches!(err, SourceError::UnclosedQuote { line: 2 }),
            "{err:?}"
        );

        let long = format!("a,b\n{}\n", "x".repeat(2000));
        let path = dir.file("long.csv", long.as_bytes());
        let mut source = TableSource::open_with(&path, None, 1024).unwrap();
        let err = source.next_row().unwrap().unwrap_err();
        assert_eq!(err.code(), "row_too_large");
        assert!(
            matches!(err, SourceError::RowTooLarge { line: 2, .. }),
            "{err:?}"
        );
    }

    #[test]
    fn source_is_send() {
        fn send<T: Send>() {}
        send::<TableSource>();
        send::<SourceError>();
    }

    fn resident_bytes() -> Option<u64> {
        let statm = std::fs::read_to_string("/proc/self/statm").ok()?;
        let pages: u64 = statm.split_whitespace().nth(1)?.parse().ok()?;
        Some(pages * 4096)
    }

    const LARGE_CSV_ENV: &str = "PUBDATA_SOURCE_TEST_LARGE_CSV";
    const LARGE_CSV_HEADER: &str = "统一社会信用代码,企业名称,登记日期,注册资本,备注\n";

    fn large_csv_line(i: u64) -> String {
        format!(
            "91110000{i:010},某某科技有限公司第{i}分公司,2025-01-01,{},\
             \"备注：经营范围包括技术开发、技术咨询, 以及其他\"\n",
            i * 7
        )
    }

    #[test]
    fn a_large_csv_streams() {
        let dir = TempDir::new("large");
        let path = dir.0.join("large.csv");
        let mut writer = io::BufWriter::new(File::create(&path).unwrap());
        writer.write_all(LARGE_CSV_HEADER.as_bytes()).unwrap();
        let (mut i, mut written) = (0, 0);
        while written < 50 * 1024 * 1024 {
            let line = large_csv_line(i);
            writer.write_all(line.as_bytes()).unwrap();
            written += line.len();
            i += 1;
        }
        writer.flush().unwrap();
        drop(writer);
        // Read in a process of its own, where no other test's allocations blur the memory
        // measurement.
        let (_, tests) = module_path!().split_once("::").unwrap();
        let status = std::process::Command::new(std::env::current_exe().unwrap())
            .arg(format!("{tests}::read_a_large_csv"))
            .args(["--exact", "--ignored", "--test-threads=1", "--nocapture"])
            .env(LARGE_CSV_ENV, &path)
            .status()
            .unwrap();
        assert!(status.success(), "reading the large CSV failed: {status}");
    }

    #[test]
    #[ignore = "run by a_large_csv_streams in a process of its own"]
    fn read_a_large_csv() {
        let Some(path) = std::env::var_os(LARGE_CSV_ENV) else {
            return;
        };
        let started = std::time::Instant::now();
        let baseline = resident_bytes();
        let mut source = TableSource::open(Path::new(&path), None).unwrap();
        assert_eq!(source.header().join(","), LARGE_CSV_HEADER.trim_end());
        let mut row_bytes = LARGE_CSV_HEADER.len() as u64;
        let (mut count, mut peak, mut last_done) = (0, 0, 0);
        while let Some(row) = source.next_row() {
            let row = row.unwrap();
            row_bytes += large_csv_line(count).len() as u64;
            count += 1;
            assert_eq!(row.line, count + 1);
            if count % 20_000 == 0 {
                assert_eq!(row.cells.len(), 5);
                assert_eq!(
                    row.cells[1],
                    format!("某某科技有限公司第{}分公司", count - 1)
                );
                assert!(!row.undecodable);
                // The file is read a few buffers ahead of the rows, never more.
                let (done, size) = source.progress();
                assert!(done >= last_done && done <= size);
                assert!(
                    (row_bytes..row_bytes + 256 * 1024).contains(&done),
                    "{done} bytes read for {row_bytes} bytes of rows"
                );
                last_done = done;
                peak = peak.max(resident_bytes().unwrap_or(0));
            }
        }
        let (done, size) = source.progress();
        assert_eq!((row_bytes, done), (size, size));
        assert!(size > 50 * 1024 * 1024);
        if let Some(baseline) = baseline {
            let growth = peak.saturating_sub(baseline);
            assert!(
                growth < 16 * 1024 * 1024,
                "resident memory grew {growth} bytes"
            );
        }
        eprintln!("{count} rows, {size} bytes in {:?}", started.elapsed());
    }

    // ---- XLSX ----

    fn xlsx_source(workbook: &mut Workbook) -> Result<TableSource, SourceError> {
        open_bytes(&workbook.save_to_buffer().unwrap(), None)
    }

    #[test]
    fn xlsx_sparse_rows_dates_numbers_and_formulas() {
        let mut workbook = Workbook::new();
        let sheet = workbook.add_worksheet();
        let date = Format::new().set_num_format("yyyy-mm-dd");
        let datetime = Format::new().set_num_format("yyyy-mm-dd hh:mm:ss");
        for (col, name) in ["名称", "数量", "日期", "备注"].into_iter().enumerate() {
            sheet.write_string(0, col as u16, name).unwrap();
        }
        sheet.write_string(1, 0, " 甲 ").unwrap();
        let day = ExcelDateTime::from_ymd(2025, 10, 13).unwrap();
        sheet.write_datetime_with_format(1, 2, &day, &date).unwrap();
        // Row 3 is blank; row 4 has a value in its last column only.
        sheet.write_string(3, 3, "只有备注").unwrap();
        sheet.write_number(4, 1, 123.0).unwrap();
        sheet.write_formula(4, 0, "=B5*2").unwrap();
        sheet.set_formula_result(4, 0, "246");
        let moment = ExcelDateTime::from_ymd(2025, 10, 13)
            .unwrap()
            .and_hms(8, 30, 5)
            .unwrap();
        sheet
            .write_datetime_with_format(4, 2, &moment, &datetime)
            .unwrap();
        sheet.write_number(5, 1, 1.5).unwrap();
        sheet.write_boolean(5, 3, true).unwrap();
        sheet.write_number(6, 1, 12345678901234.0).unwrap();

        let mut source = xlsx_source(&mut workbook).unwrap();
        assert_eq!(source.format(), SourceFormat::Xlsx);
        assert_eq!(source.format().as_str(), "xlsx");
        assert_eq!(source.encoding(), None);
        assert_eq!(source.delimiter(), None);
        assert_eq!(source.header(), strings(&["名称", "数量", "日期", "备注"]));
        assert_eq!(source.header_line(), 1);
        let (done, size) = source.progress();
        assert!(done < size);
        assert_eq!(
            rows(&mut source),
            vec![
                row(2, &["甲", "", "2025-10-13", ""]),
                row(4, &["", "", "", "只有备注"]),
                row(5, &["246", "123", "2025-10-13T08:30:05", ""]),
                row(6, &["", "1.5", "", "true"]),
                row(7, &["", "12345678901234", "", ""]),
            ]
        );
        let (done, size) = source.progress();
        assert_eq!(done, size);
    }

    #[test]
    fn xlsx_header_below_blank_rows_and_cells_past_it() {
        let mut workbook = Workbook::new();
        let sheet = workbook.add_worksheet();
        sheet.write_string(2, 1, "名称").unwrap();
        sheet.write_string(2, 2, "单位").unwrap();
        sheet.write_string(3, 1, "甲").unwrap();
        sheet.write_string(3, 4, "多出的值").unwrap();
        let mut source = xlsx_source(&mut workbook).unwrap();
        assert_eq!(source.header(), strings(&["", "名称", "单位"]));
        assert_eq!(source.header_line(), 3);
        assert_eq!(
            rows(&mut source),
            vec![row(4, &["", "甲", "", "", "多出的值"])]
        );
    }

    #[test]
    fn xlsx_many_rows_and_an_early_drop() {
        let mut workbook = Workbook::new();
        let sheet = workbook.add_worksheet();
        sheet.write_string(0, 0, "n").unwrap();
        for i in 1..=3000u32 {
            sheet.write_number(i, 0, f64::from(i)).unwrap();
        }
        let bytes = workbook.save_to_buffer().unwrap();
        let mut source = open_bytes(&bytes, None).unwrap();
        let read = rows(&mut source);
        assert_eq!(read.len(), 3000);
        assert_eq!(read[2999], row(3001, &["3000"]));

        // Dropping a source mid-sheet lets its worker go.
        let mut source = open_bytes(&bytes, None).unwrap();
        assert_eq!(source.next_row().unwrap().unwrap().line, 2);
        let (done, size) = source.progress();
        assert!(done > 0 && done < size, "{done} of {size}");
        drop(source);
    }

    #[test]
    fn xlsx_merged_cells_are_refused() {
        let mut workbook = Workbook::new();
        let sheet = workbook.add_worksheet();
        sheet.write_string(0, 0, "名称").unwrap();
        sheet.write_string(0, 1, "单位").unwrap();
        sheet.write_string(1, 0, "甲").unwrap();
        sheet
            .merge_range(2, 0, 4, 0, "合并", &Format::new())
            .unwrap();
        let err = assert_code(xlsx_source(&mut workbook), "merged_cells");
        assert!(
            matches!(&err, SourceError::MergedCells { range } if range == "A3:A5"),
            "{err:?}"
        );
        assert!(err.message_zh().contains("A3:A5"));
        assert_eq!(range_ref(&Dimensions::new((0, 27), (0, 27))), "AB1");
        assert_eq!(
            range_ref(&Dimensions::new((9, 701), (10, 702))),
            "ZZ10:AAA11"
        );
    }

    #[test]
    fn xlsx_empty_sheet() {
        let mut workbook = Workbook::new();
        workbook.add_worksheet();
        assert_code(xlsx_source(&mut workbook), "empty_file");
    }

    #[test]
    fn xlsx_zip_bomb_is_refused() {
        let bomb = zeros_zip(1, 16 * 1024 * 1024);
        assert!(bomb.len() < 100 * 1024, "{} bytes", bomb.len());
        let err = assert_code(open_bytes(&bomb, None), "xlsx_too_large");
        assert!(matches!(
            err,
            SourceError::XlsxTooLarge(XlsxLimit::Unpacked)
        ));
    }

    use crate::catalog::template::tests::{crafted_xlsx, zeros_zip};

    #[test]
    fn xlsx_crafted_workbook_is_readable() {
        let bytes = crafted_xlsx(
            "A1:B2",
            r#"<c r="A2" t="inlineStr"><is><t> 甲 </t></is></c><c r="B2" t="d"><v>2025-10-13T08:00:00</v></c>"#,
        );
        let mut source = open_bytes(&bytes, None).unwrap();
        assert_eq!(source.header(), strings(&["名称"]));
        assert_eq!(
            rows(&mut source),
            vec![row(2, &["甲", "2025-10-13T08:00:00"])]
        );
    }

    #[test]
    fn xlsx_huge_sheets_are_refused() {
        let cell = r#"<c r="A2"><v>1</v></c>"#;
        let open = |dimension: &str, cell: &str| open_bytes(&crafted_xlsx(dimension, cell), None);
        let err = assert_code(open("A1:XFD1048576", cell), "xlsx_too_large");
        assert!(matches!(err, SourceError::XlsxTooLarge(XlsxLimit::Columns)));
        let err = assert_code(open("A1:A5000001", cell), "xlsx_too_large");
        assert!(matches!(err, SourceError::XlsxTooLarge(XlsxLimit::Rows)));
        // ALL is column 1,000; ALM the 1,001st.
        assert_code(open("A1:ALM1", cell), "xlsx_too_large");
        assert!(open("A1:ALL5000000", cell).is_ok());
        // The cells themselves are held to the limits when the declared range lies.
        let far = r#"<c r="XFD2"><v>1</v></c>"#;
        let err = open("A1:B2", far).unwrap_err();
        assert!(
            matches!(err, SourceError::XlsxTooLarge(XlsxLimit::Columns)),
            "{err:?}"
        );
    }

    #[test]
    fn xlsx_malformed_references_are_errors_not_panics() {
        let cases = [
            ("B2:A1", r#"<c r="A2"><v>1</v></c>"#),
            ("A1:A2", r#"<c r="AAAAAAAAAAAAAAAAAAAA1"><v>1</v></c>"#),
            ("A1:A2", r#"<c r="A99999999999"><v>1</v></c>"#),
        ];
        for (dimension, cell) in cases {
            let result = open_bytes(&crafted_xlsx(dimension, cell), None)
                .and_then(|mut source| source.next_row().transpose().map(|_| ()));
            if let Err(e) = result {
                assert!(
                    ["invalid_xlsx", "xlsx_too_large"].contains(&e.code()),
                    "{dimension} {cell}: {e}"
                );
            }
        }
    }
}
