//! Reading and writing the responsibility-list template as a sheet of text cells (CSV or XLSX).
//!
//! Uploads come from people, so every reader here assumes hostile or broken input: encodings
//! are detected rather than assumed, and an XLSX is measured before anything unpacks it.

use std::io::{Cursor, Read, Seek};
use std::panic::{self, AssertUnwindSafe};

use calamine::{DataRef, ExcelDateTime, Reader as _, SheetType, SheetVisible, Xlsx};
use rust_xlsxwriter::{Format, Workbook};

/// The most data rows (header excluded) a template may carry.
pub const MAX_ROWS: usize = 100_000;

/// The widest sheet accepted from an XLSX; the template has a few dozen columns at most.
const MAX_XLSX_COLUMNS: usize = 200;
/// Limits on what an XLSX may unpack to; see [`ZipLimits`].
const XLSX_LIMITS: ZipLimits = ZipLimits {
    total_unpacked: 200 * 1024 * 1024,
    ratio_checked_above: 1024 * 1024,
    max_ratio: 200,
};

/// A sheet of text cells: the header row and the data rows (each as long as the header; short
/// rows padded with "").
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Table {
    pub header: Vec<String>,
    pub rows: Vec<Vec<String>>,
    /// 1-based line/row number in the source file of each data row (for error reports)
    pub line_numbers: Vec<usize>,
}

/// The text encoding a CSV upload was found to be in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    Utf8,
    Utf8Bom,
    /// GB18030, which also covers GBK (what Excel in zh-CN writes as "CSV").
    Gb18030,
}

impl Encoding {
    pub fn as_str(self) -> &'static str {
        match self {
            Encoding::Utf8 => "UTF-8",
            Encoding::Utf8Bom => "UTF-8 (BOM)",
            Encoding::Gb18030 => "GB18030/GBK",
        }
    }
}

/// How an upload was read, to tell the user back.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReadInfo {
    /// "csv" or "xlsx".
    pub format: &'static str,
    /// The encoding of a CSV; `None` for an XLSX.
    pub encoding: Option<Encoding>,
    /// The delimiter of a CSV; `None` for an XLSX.
    pub delimiter: Option<u8>,
}

/// Why a template file could not be read or written.
#[derive(Debug, thiserror::Error)]
pub enum TemplateError {
    #[error("the file is empty")]
    EmptyFile,
    #[error("the file is neither a CSV nor an XLSX file (save an old .xls as .xlsx)")]
    UnsupportedFile,
    #[error("the text is neither UTF-8 nor GB18030/GBK; save the file as \"CSV UTF-8\"")]
    UnknownEncoding,
    #[error(
        "the XLSX file is too large: it may unpack to at most 200 MiB and its sheet may span at \
         most {} rows and {MAX_XLSX_COLUMNS} columns",
        MAX_ROWS + 1
    )]
    XlsxTooLarge,
    #[error("the XLSX file is damaged or not a workbook: {0}")]
    InvalidXlsx(String),
    #[error("the CSV file is malformed near line {line} (look for an unclosed double quote)")]
    InvalidCsv { line: usize },
    #[error("the file has no header row")]
    NoHeader,
    #[error("the file has more than {MAX_ROWS} data rows")]
    TooManyRows,
    #[error("could not write the XLSX file: {0}")]
    XlsxWrite(String),
}

impl TemplateError {
    /// A stable machine-readable code for the kind of error.
    pub fn code(&self) -> &'static str {
        match self {
            TemplateError::EmptyFile => "empty_file",
            TemplateError::UnsupportedFile => "unsupported_file",
            TemplateError::UnknownEncoding => "unknown_encoding",
            TemplateError::XlsxTooLarge => "xlsx_too_large",
            TemplateError::InvalidXlsx(_) => "invalid_xlsx",
            TemplateError::InvalidCsv { .. } => "invalid_csv",
            TemplateError::NoHeader => "no_header",
            TemplateError::TooManyRows => "too_many_rows",
            TemplateError::XlsxWrite(_) => "xlsx_write_failed",
        }
    }

    /// The message in Chinese, for the user interface.
    pub fn message_zh(&self) -> String {
        match self {
            TemplateError::EmptyFile => "文件为空".to_owned(),
            TemplateError::UnsupportedFile => {
                "文件不是 CSV 或 XLSX 格式（旧版 .xls 文件请在 Excel 中另存为 .xlsx）".to_owned()
            }
            TemplateError::UnknownEncoding => {
                "无法识别文件编码（应为 UTF-8 或 GB18030/GBK），请另存为“CSV UTF-8”格式".to_owned()
            }
            TemplateError::XlsxTooLarge => format!(
                "XLSX 文件过大：解压后不得超过 200 MiB，工作表不得超过 {} 行、{MAX_XLSX_COLUMNS} 列",
                MAX_ROWS + 1
            ),
            TemplateError::InvalidXlsx(detail) => {
                format!("XLSX 文件已损坏或不是工作簿：{detail}")
            }
            TemplateError::InvalidCsv { line } => {
                format!("CSV 文件第{line}行附近格式有误（请检查是否有未闭合的双引号）")
            }
            TemplateError::NoHeader => "文件缺少表头行".to_owned(),
            TemplateError::TooManyRows => format!("数据行数超过上限 {MAX_ROWS} 行"),
            TemplateError::XlsxWrite(detail) => format!("无法生成 XLSX 文件：{detail}"),
        }
    }
}

/// Reads CSV or XLSX (decided by content: the zip magic "PK\x03\x04" means XLSX; else CSV),
/// filename only a hint.
///
/// CSV: the encoding is detected (UTF-8 with or without BOM, else GB18030/GBK), the delimiter
/// sniffed among `,` `;` tab `|`, cells trimmed, blank rows skipped (line numbers stay true to
/// the file). XLSX: the first worksheet, after the archive and the sheet's declared range were
/// checked against decompression bombs; whole numbers read as "123", dates as YYYY-MM-DD.
pub fn read_table(
    bytes: &[u8],
    filename_hint: Option<&str>,
) -> Result<(Table, ReadInfo), TemplateError> {
    if bytes.is_empty() {
        return Err(TemplateError::EmptyFile);
    }
    if bytes.starts_with(b"PK\x03\x04") {
        let table = read_xlsx(bytes)?;
        let info = ReadInfo {
            format: "xlsx",
            encoding: None,
            delimiter: None,
        };
        return Ok((table, info));
    }
    // An OLE compound file is an old .xls or a password-protected workbook: binary that might
    // still decode as GB18030 into garbage.
    const OLE_MAGIC: &[u8] = b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1";
    if bytes.starts_with(OLE_MAGIC) {
        return Err(TemplateError::UnsupportedFile);
    }
    // An .xlsx is always a zip, so one that is not was damaged on the way. (Not so for .xls:
    // many systems export tab-separated text or HTML under that name.)
    let xlsx_name = filename_hint.is_some_and(|name| {
        let name = name.to_ascii_lowercase();
        name.ends_with(".xlsx") || name.ends_with(".xlsm")
    });
    if xlsx_name {
        return Err(TemplateError::InvalidXlsx("not a zip archive".to_owned()));
    }
    read_csv(bytes)
}

/// Writes CSV in UTF-8 with a BOM (so that Excel in zh-CN opens it right), CRLF line ends,
/// quoting as needed.
pub fn write_csv(header: &[&str], rows: &[Vec<String>]) -> Vec<u8> {
    let mut out = b"\xEF\xBB\xBF".to_vec();
    let mut writer = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .flexible(true)
        .from_writer(&mut out);
    // Writing to a Vec cannot fail, and `flexible` lifts the one check on record lengths.
    writer.write_record(header).expect("writing CSV to memory");
    for row in rows {
        writer.write_record(row).expect("writing CSV to memory");
    }
    writer.flush().expect("writing CSV to memory");
    drop(writer);
    out
}

/// Writes an XLSX with one worksheet named `sheet_name`, a bold frozen header row, column
/// widths fitted roughly to content, and every cell as text so that codes like "0001" keep
/// their zeros.
pub fn write_xlsx(
    sheet_name: &str,
    header: &[&str],
    rows: &[Vec<String>],
) -> Result<Vec<u8>, TemplateError> {
    let write_err = |e: rust_xlsxwriter::XlsxError| TemplateError::XlsxWrite(e.to_string());
    let mut workbook = Workbook::new();
    let sheet = workbook.add_worksheet();
    sheet.set_name(sheet_name).map_err(write_err)?;

    // The "@" (text) format on the columns also makes Excel keep the zeros of codes that the
    // user types into new rows; the written cells are strings either way.
    let text = Format::new().set_num_format("@");
    let bold = Format::new().set_num_format("@").set_bold();
    let columns = rows.iter().map(Vec::len).chain([header.len()]).max();
    for col in 0..columns.unwrap_or(0) {
        let col_num = col_num(col)?;
        let widest = rows
            .iter()
            .filter_map(|row| row.get(col))
            .map(|cell| display_width(cell))
            .chain(header.get(col).map(|name| display_width(name)))
            .max()
            .unwrap_or(0);
        // A little air around the text, within what fits on a screen.
        let width = (widest + 2).clamp(8, 60) as f64;
        sheet.set_column_width(col_num, width).map_err(write_err)?;
        sheet.set_column_format(col_num, &text).map_err(write_err)?;
    }
    for (col, name) in header.iter().enumerate() {
        sheet
            .write_string_with_format(0, col_num(col)?, *name, &bold)
            .map_err(write_err)?;
    }
    for (i, row) in rows.iter().enumerate() {
        let row_num = u32::try_from(i + 1)
            .map_err(|_| TemplateError::XlsxWrite("too many rows".to_owned()))?;
        for (col, cell) in row.iter().enumerate() {
            if !cell.is_empty() {
                sheet
                    .write_string_with_format(row_num, col_num(col)?, cell, &text)
                    .map_err(write_err)?;
            }
        }
    }
    sheet.set_freeze_panes(1, 0).map_err(write_err)?;
    workbook.save_to_buffer().map_err(write_err)
}

fn col_num(col: usize) -> Result<u16, TemplateError> {
    u16::try_from(col).map_err(|_| TemplateError::XlsxWrite("too many columns".to_owned()))
}

/// Roughly how many Latin-letter widths `text` takes in a cell: East Asian wide characters
/// count double, and a multi-line cell is as wide as its longest line.
fn display_width(text: &str) -> usize {
    let char_width = |c: char| match c as u32 {
        0x1100..=0x115F
        | 0x2E80..=0x303E
        | 0x3041..=0x33FF
        | 0x3400..=0x4DBF
        | 0x4E00..=0x9FFF
        | 0xA000..=0xA4CF
        | 0xAC00..=0xD7A3
        | 0xF900..=0xFAFF
        | 0xFE30..=0xFE4F
        | 0xFF00..=0xFF60
        | 0xFFE0..=0xFFE6
        | 0x20000..=0x3FFFD => 2,
        _ => 1,
    };
    text.lines()
        .map(|line| line.chars().map(char_width).sum())
        .max()
        .unwrap_or(0)
}

// ---- CSV ----

const DELIMITERS: [u8; 4] = [b',', b';', b'\t', b'|'];

fn read_csv(bytes: &[u8]) -> Result<(Table, ReadInfo), TemplateError> {
    let (text, encoding) = decode(bytes)?;
    // Text does not contain NUL; binary files that happen to decode do.
    if text.contains('\0') {
        return Err(TemplateError::UnsupportedFile);
    }
    let delimiter = sniff_delimiter(&text);
    let mut builder = TableBuilder::default();
    for record in Records::new(&text, delimiter) {
        let (line, fields) = record?;
        let cells = fields.iter().map(|cell| cell.trim().to_owned()).collect();
        builder.push(line, cells)?;
    }
    let info = ReadInfo {
        format: "csv",
        encoding: Some(encoding),
        delimiter: Some(delimiter),
    };
    Ok((builder.finish()?, info))
}

fn decode(bytes: &[u8]) -> Result<(String, Encoding), TemplateError> {
    if let Some(rest) = bytes.strip_prefix(b"\xEF\xBB\xBF") {
        let text = std::str::from_utf8(rest).map_err(|_| TemplateError::UnknownEncoding)?;
        if text.is_empty() {
            return Err(TemplateError::EmptyFile);
        }
        return Ok((text.to_owned(), Encoding::Utf8Bom));
    }
    // A UTF-16 text (Excel's "Unicode text") is mostly valid GB18030 byte pairs and would decode
    // to nonsense without an error.
    if bytes.starts_with(b"\xFF\xFE") || bytes.starts_with(b"\xFE\xFF") {
        return Err(TemplateError::UnknownEncoding);
    }
    if let Ok(text) = std::str::from_utf8(bytes) {
        return Ok((text.to_owned(), Encoding::Utf8));
    }
    // encoding_rs decodes GBK with the GB18030 decoder, so one pass covers both.
    encoding_rs::GB18030
        .decode_without_bom_handling_and_without_replacement(bytes)
        .map(|text| (text.into_owned(), Encoding::Gb18030))
        .ok_or(TemplateError::UnknownEncoding)
}

/// Picks the delimiter that splits the first records most consistently (the same count on most
/// records, then the most columns); ',' when none splits the header at all.
fn sniff_delimiter(text: &str) -> u8 {
    const SAMPLE_BYTES: usize = 64 * 1024;
    const SAMPLE_RECORDS: usize = 20;
    // Cut at a line end so that a record split by the sample size does not skew the counts.
    let sample = if text.len() > SAMPLE_BYTES {
        let end = text.as_bytes()[..SAMPLE_BYTES]
            .iter()
            .rposition(|&b| b == b'\n')
            .map_or(SAMPLE_BYTES, |i| i + 1);
        text.get(..end).unwrap_or(text)
    } else {
        text
    };
    let mut best = (b',', 0, 0);
    for delimiter in DELIMITERS {
        let counts: Vec<usize> = Records::new(sample, delimiter)
            .map_while(Result::ok)
            .take(SAMPLE_RECORDS)
            .map(|(_, fields)| fields.len() - 1)
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

/// The records of a CSV text with the line each starts on, read as RFC 4180 and the csv crate
/// read them: a quote opens only at the start of a field, `""` inside quotes is a quote, line
/// ends inside quotes belong to the cell, and text after a closing quote is kept as it is.
/// Empty lines yield nothing. A quote still open at the end is an error: it would silently
/// swallow the rest of the file into one cell.
///
/// Written here rather than taken from the csv crate because its record positions are where
/// the previous record ended, so blank lines and CRLF make its line numbers wrong, and lone-CR
/// files (old Mac Excel) would all be "line 1".
struct Records<'a> {
    text: &'a str,
    delimiter: u8,
    pos: usize,
    line: usize,
}

impl<'a> Records<'a> {
    fn new(text: &'a str, delimiter: u8) -> Self {
        Records {
            text,
            delimiter,
            pos: 0,
            line: 1,
        }
    }

    /// Consumes the line end at `pos` (LF, CRLF or a lone CR), if there is one.
    fn line_end(&mut self) -> bool {
        let bytes = self.text.as_bytes();
        let len = match bytes.get(self.pos..) {
            Some([b'\r', b'\n', ..]) => 2,
            Some([b'\n' | b'\r', ..]) => 1,
            _ => return false,
        };
        self.pos += len;
        self.line += 1;
        true
    }
}

impl Iterator for Records<'_> {
    type Item = Result<(usize, Vec<String>), TemplateError>;

    fn next(&mut self) -> Option<Self::Item> {
        while self.line_end() {}
        if self.pos >= self.text.len() {
            return None;
        }
        let line = self.line;
        let mut fields = Vec::new();
        // Bytes, not chars: delimiters, quotes and line ends are ASCII, which never occurs inside
        // a multi-byte UTF-8 sequence, so dropping or splitting at them keeps the text valid.
        let mut field = Vec::new();
        let mut field_start = true;
        let mut quote_line = None;
        loop {
            if let Some(opened) = quote_line {
                let bytes = self.text.as_bytes();
                match bytes.get(self.pos..) {
                    None | Some([]) => {
                        self.pos = self.text.len();
                        return Some(Err(TemplateError::InvalidCsv { line: opened }));
                    }
                    Some([b'"', b'"', ..]) => {
                        field.push(b'"');
                        self.pos += 2;
                    }
                    Some([b'"', ..]) => {
                        quote_line = None;
                        self.pos += 1;
                    }
                    // Cells keep their line breaks as "\n", the way an XLSX holds them.
                    Some([b'\r' | b'\n', ..]) => {
                        self.line_end();
                        field.push(b'\n');
                    }
                    Some([b, ..]) => {
                        field.push(*b);
                        self.pos += 1;
                    }
                }
                continue;
            }
            let at_end = self.pos >= self.text.len();
            if at_end || self.line_end() {
                fields.push(into_string(field));
                return Some(Ok((line, fields)));
            }
            match self.text.as_bytes()[self.pos] {
                b'"' if field_start => quote_line = Some(self.line),
                b if b == self.delimiter => {
                    fields.push(into_string(std::mem::take(&mut field)));
                    field_start = true;
                    self.pos += 1;
                    continue;
                }
                b => field.push(b),
            }
            field_start = false;
            self.pos += 1;
        }
    }
}

fn into_string(field: Vec<u8>) -> String {
    String::from_utf8(field).expect("split at ASCII bytes of valid UTF-8")
}

/// Gathers rows from either format into a [`Table`]: skips blank rows, takes the first
/// non-blank one as the header, bounds the count, and evens out the row lengths.
#[derive(Default)]
struct TableBuilder {
    header: Option<Vec<String>>,
    rows: Vec<Vec<String>>,
    line_numbers: Vec<usize>,
}

impl TableBuilder {
    fn push(&mut self, line: usize, cells: Vec<String>) -> Result<(), TemplateError> {
        if cells.iter().all(String::is_empty) {
            return Ok(());
        }
        if self.header.is_none() {
            self.header = Some(cells);
            return Ok(());
        }
        if self.rows.len() == MAX_ROWS {
            return Err(TemplateError::TooManyRows);
        }
        self.rows.push(cells);
        self.line_numbers.push(line);
        Ok(())
    }

    fn finish(self) -> Result<Table, TemplateError> {
        let mut header = self.header.ok_or(TemplateError::NoHeader)?;
        let used_len = |cells: &[String]| {
            cells
                .iter()
                .rposition(|c| !c.is_empty())
                .map_or(0, |i| i + 1)
        };
        // As wide as the last filled cell anywhere: trailing delimiters add no empty columns,
        // and a value past the last named column is kept (under an empty name) for the caller
        // to report rather than dropped.
        let width = self
            .rows
            .iter()
            .map(|row| used_len(row))
            .chain([used_len(&header)])
            .max()
            .unwrap_or(0);
        header.resize(width, String::new());
        let mut rows = self.rows;
        for row in &mut rows {
            row.resize(width, String::new());
        }
        Ok(Table {
            header,
            rows,
            line_numbers: self.line_numbers,
        })
    }
}

// ---- XLSX ----

/// What a zip archive may declare in its central directory. The zip crate refuses to inflate an
/// entry past its declared size, so checking the declarations bounds the actual work.
pub(crate) struct ZipLimits {
    /// The sum of the entries' uncompressed sizes.
    pub(crate) total_unpacked: u64,
    /// Entries up to this size are not held to `max_ratio`: tiny XML parts compress very well.
    pub(crate) ratio_checked_above: u64,
    /// Uncompressed bytes per compressed byte; a real workbook stays far below it.
    pub(crate) max_ratio: u64,
}

pub(crate) fn check_zip(bytes: &[u8], limits: &ZipLimits) -> Result<(), TemplateError> {
    check_zip_reader(Cursor::new(bytes), limits)
}

/// [`check_zip`] on an archive read from a file (or anything seekable): only the central
/// directory is read.
pub(crate) fn check_zip_reader(
    reader: impl Read + Seek,
    limits: &ZipLimits,
) -> Result<(), TemplateError> {
    let archive = zip::ZipArchive::new(reader).map_err(invalid_xlsx)?;
    let metadata = archive.metadata();
    let mut total = 0u64;
    for index in 0..metadata.len() {
        let entry = metadata.entry(index).map_err(invalid_xlsx)?;
        let (size, compressed) = (entry.size(), entry.compressed_size());
        total = total.saturating_add(size);
        let too_packed = size > limits.ratio_checked_above && size / limits.max_ratio > compressed;
        if too_packed || total > limits.total_unpacked {
            return Err(TemplateError::XlsxTooLarge);
        }
    }
    Ok(())
}

fn read_xlsx(bytes: &[u8]) -> Result<Table, TemplateError> {
    check_zip(bytes, &XLSX_LIMITS)?;
    // calamine's arithmetic on cell references overflows on crafted ones (e.g. a reversed
    // `<dimension ref="B2:A1"/>`) and panics where overflow checks are on; a broken upload must
    // come back as an error, not take the request down.
    panic::catch_unwind(AssertUnwindSafe(|| parse_xlsx(bytes)))
        .unwrap_or_else(|_| Err(TemplateError::InvalidXlsx("malformed workbook".to_owned())))
}

fn parse_xlsx(bytes: &[u8]) -> Result<Table, TemplateError> {
    // Opening reads the shared strings and styles in full, which the zip check has bounded.
    let mut workbook = Xlsx::new(Cursor::new(bytes)).map_err(invalid_xlsx)?;
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
        .ok_or_else(|| TemplateError::InvalidXlsx("no worksheet".to_owned()))?;

    // The cell reader stops at the start of <sheetData>, so the declared range is known before
    // any cell is read.
    let mut cells = workbook
        .worksheet_cells_reader(&name)
        .map_err(invalid_xlsx)?;
    let (last_row, last_col) = cells.dimensions().end;
    if last_row as usize > MAX_ROWS || last_col as usize >= MAX_XLSX_COLUMNS {
        return Err(TemplateError::XlsxTooLarge);
    }

    let mut grid: Vec<Vec<String>> = Vec::new();
    while let Some(cell) = cells.next_cell().map_err(invalid_xlsx)? {
        let text = cell_text(cell.get_value());
        if text.is_empty() {
            continue;
        }
        // The declared range may lie; the cells themselves are held to the same bounds.
        let (row, col) = cell.get_position();
        let (row, col) = (row as usize, col as usize);
        if row > MAX_ROWS || col >= MAX_XLSX_COLUMNS {
            return Err(TemplateError::XlsxTooLarge);
        }
        if grid.len() <= row {
            grid.resize_with(row + 1, Vec::new);
        }
        if grid[row].len() <= col {
            grid[row].resize(col + 1, String::new());
        }
        grid[row][col] = text;
    }

    let mut builder = TableBuilder::default();
    for (index, cells) in grid.into_iter().enumerate() {
        builder.push(index + 1, cells)?;
    }
    builder.finish()
}

fn invalid_xlsx(e: impl std::fmt::Display) -> TemplateError {
    TemplateError::InvalidXlsx(e.to_string())
}

/// A cell as the text the user sees in it, so that imports do not depend on cell types.
pub(crate) fn cell_text(value: &DataRef<'_>) -> String {
    match value {
        DataRef::Empty => String::new(),
        DataRef::String(s) | DataRef::DateTimeIso(s) | DataRef::DurationIso(s) => {
            s.trim().to_owned()
        }
        DataRef::SharedString(s) => s.trim().to_owned(),
        DataRef::Int(i) => i.to_string(),
        DataRef::Float(f) => float_text(*f),
        DataRef::Bool(b) => b.to_string(),
        DataRef::DateTime(dt) => date_text(dt),
        DataRef::Error(e) => e.to_string(),
    }
}

pub(crate) fn float_text(f: f64) -> String {
    // Past 2^53 an f64 holds no more exact integers; print those as they are.
    if f.fract() == 0.0 && f.abs() < 9.0e15 {
        format!("{}", f as i64)
    } else {
        f.to_string()
    }
}

pub(crate) fn date_text(dt: &ExcelDateTime) -> String {
    if dt.is_duration() {
        return float_text(dt.as_f64());
    }
    let (y, mo, d, h, mi, s, _) = dt.to_ymd_hms_milli();
    let serial = dt.as_f64();
    if serial < 1.0 {
        // A time of day without a date.
        format!("{h:02}:{mi:02}:{s:02}")
    } else if serial.fract() == 0.0 {
        format!("{y:04}-{mo:02}-{d:02}")
    } else {
        format!("{y:04}-{mo:02}-{d:02} {h:02}:{mi:02}:{s:02}")
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use std::io::Write;

    fn read(bytes: &[u8]) -> Result<(Table, ReadInfo), TemplateError> {
        read_table(bytes, None)
    }

    fn strings(cells: &[&str]) -> Vec<String> {
        cells.iter().map(|s| s.to_string()).collect()
    }

    #[track_caller]
    fn assert_code(result: Result<(Table, ReadInfo), TemplateError>, code: &str) {
        match result {
            Err(e) => assert_eq!(e.code(), code, "{e}"),
            Ok((table, _)) => panic!("expected {code}, read {table:?}"),
        }
    }

    #[test]
    fn utf8_csv() {
        let (table, info) =
            read("资源名称,提供单位\n企业登记信息,市市场监管局\n".as_bytes()).unwrap();
        assert_eq!(table.header, strings(&["资源名称", "提供单位"]));
        assert_eq!(table.rows, vec![strings(&["企业登记信息", "市市场监管局"])]);
        assert_eq!(table.line_numbers, vec![2]);
        assert_eq!(info.format, "csv");
        assert_eq!(info.encoding, Some(Encoding::Utf8));
        assert_eq!(info.delimiter, Some(b','));
    }

    #[test]
    fn utf8_bom_csv() {
        let (table, info) = read("\u{feff}名称,单位\r\n甲,乙\r\n".as_bytes()).unwrap();
        assert_eq!(table.header, strings(&["名称", "单位"]));
        assert_eq!(table.rows, vec![strings(&["甲", "乙"])]);
        assert_eq!(info.encoding, Some(Encoding::Utf8Bom));
        assert_eq!(info.encoding.unwrap().as_str(), "UTF-8 (BOM)");
    }

    #[test]
    fn gbk_csv() {
        let text = "资源名称,提供单位\n企业登记信息,市市场监管局\n";
        let (bytes, _, unmappable) = encoding_rs::GBK.encode(text);
        assert!(!unmappable);
        let (table, info) = read(&bytes).unwrap();
        assert_eq!(info.encoding, Some(Encoding::Gb18030));
        assert_eq!(table.header, strings(&["资源名称", "提供单位"]));
        assert_eq!(table.rows, vec![strings(&["企业登记信息", "市市场监管局"])]);
    }

    #[test]
    fn gb18030_only_characters() {
        // U+20000 lies outside GBK: GB18030 gives it a four-byte sequence.
        let text = "名称,备注\n𠀀字,四字节\n";
        let (bytes, _, unmappable) = encoding_rs::GB18030.encode(text);
        assert!(!unmappable);
        let (table, info) = read(&bytes).unwrap();
        assert_eq!(info.encoding, Some(Encoding::Gb18030));
        assert_eq!(table.rows, vec![strings(&["𠀀字", "四字节"])]);
    }

    #[test]
    fn undecodable_text_is_refused() {
        // 0x81 opens a GB18030 sequence that 0x20 cannot continue.
        assert_code(read(b"name,unit\n\x81 x,y\n"), "unknown_encoding");
        assert_code(read(b"\xFF\xFEn\0a\0"), "unknown_encoding");
    }

    #[test]
    fn semicolon_and_tab_delimiters() {
        let (table, info) = read("名称;单位;备注\n甲;乙,丙;丁\n".as_bytes()).unwrap();
        assert_eq!(info.delimiter, Some(b';'));
        assert_eq!(table.rows, vec![strings(&["甲", "乙,丙", "丁"])]);

        let (table, info) = read("名称\t单位\n甲, 乙\t丙\n".as_bytes()).unwrap();
        assert_eq!(info.delimiter, Some(b'\t'));
        assert_eq!(table.header, strings(&["名称", "单位"]));
        assert_eq!(table.rows, vec![strings(&["甲, 乙", "丙"])]);

        let (_, info) = read(b"a|b|c\n1|2|3\n").unwrap();
        assert_eq!(info.delimiter, Some(b'|'));
    }

    #[test]
    fn quoted_cells_keep_newlines_and_delimiters() {
        let text = "名称,说明,单位\n\"甲\",\"第一行\n第二行, 含逗号\",\"说\"\"明\"\"\"\n乙,丙,丁\n";
        let (table, info) = read(text.as_bytes()).unwrap();
        assert_eq!(info.delimiter, Some(b','));
        assert_eq!(
            table.rows,
            vec![
                strings(&["甲", "第一行\n第二行, 含逗号", "说\"明\""]),
                strings(&["乙", "丙", "丁"]),
            ]
        );
        // The quoted line end makes the second record start on line 4.
        assert_eq!(table.line_numbers, vec![2, 4]);
    }

    #[test]
    fn quotes_do_not_fool_the_sniffer() {
        // Semicolons inside quotes outnumber the real commas.
        let text = "\"a;b;c\",d\n\"e;f;g\",h\n";
        let (table, info) = read(text.as_bytes()).unwrap();
        assert_eq!(info.delimiter, Some(b','));
        assert_eq!(table.header, strings(&["a;b;c", "d"]));
    }

    #[test]
    fn unclosed_quote_is_reported_with_its_line() {
        let err = read(b"a,b\n1,2\n\"3,4\n5,6\n").unwrap_err();
        assert_eq!(err.code(), "invalid_csv");
        assert!(
            matches!(err, TemplateError::InvalidCsv { line: 3 }),
            "{err:?}"
        );
    }

    #[test]
    fn blank_rows_are_skipped_with_true_line_numbers() {
        let text = "\n名称 , 单位 \n\n ,  \n甲,乙\n,,\n\r\n丙\n";
        let (table, _) = read(text.as_bytes()).unwrap();
        assert_eq!(table.header, strings(&["名称", "单位"]));
        assert_eq!(
            table.rows,
            vec![strings(&["甲", "乙"]), strings(&["丙", ""])]
        );
        assert_eq!(table.line_numbers, vec![5, 8]);

        // Old Mac Excel ends lines with a lone CR.
        let (table, _) = read(b"a,b\r1,2\r\r3,\"x\r\ny\"\r").unwrap();
        assert_eq!(
            table.rows,
            vec![strings(&["1", "2"]), strings(&["3", "x\ny"])]
        );
        assert_eq!(table.line_numbers, vec![2, 4]);
    }

    #[test]
    fn row_lengths_follow_the_used_width() {
        let (table, _) = read(b"a,b,\n1,2,,\n3,4,5\n").unwrap();
        assert_eq!(table.header, strings(&["a", "b", ""]));
        assert_eq!(table.rows[0], strings(&["1", "2", ""]));
        assert_eq!(table.rows[1], strings(&["3", "4", "5"]));
    }

    #[test]
    fn too_many_rows() {
        let mut text = String::from("a\n");
        for _ in 0..MAX_ROWS {
            text.push_str("1\n");
        }
        let (table, _) = read(text.as_bytes()).unwrap();
        assert_eq!(table.rows.len(), MAX_ROWS);
        text.push_str("1\n");
        assert_code(read(text.as_bytes()), "too_many_rows");
    }

    #[test]
    fn empty_garbage_and_headerless_files_are_refused() {
        assert_code(read(b""), "empty_file");
        assert_code(read(b"\xEF\xBB\xBF"), "empty_file");
        assert_code(read(b"\n , \n\n"), "no_header");
        assert_code(read(b"\x00\x01\x02\x03binary\x00"), "unsupported_file");
        assert_code(
            read(b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1\x00\x00"),
            "unsupported_file",
        );
        assert_code(read_table(b"a,b\n", Some("清单.XLSX")), "invalid_xlsx");
        assert!(read_table(b"a\tb\n1\t2\n", Some("export.xls")).is_ok());
        let garbage: Vec<u8> = (0..4096u32)
            .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
            .collect();
        assert!(read(&garbage).is_err());
        assert_code(read(b"PK\x03\x04not really a zip"), "invalid_xlsx");
    }

    #[test]
    fn csv_round_trip() {
        let rows = vec![strings(&["0001", "含,逗号", "含\"引号\"", "两\n行"])];
        let bytes = write_csv(&["编码", "a", "b", "c"], &rows);
        assert!(bytes.starts_with(b"\xEF\xBB\xBF\xE7\xBC\x96"));
        assert!(bytes.windows(2).any(|w| w == b"\r\n"));
        let (table, info) = read(&bytes).unwrap();
        assert_eq!(info.encoding, Some(Encoding::Utf8Bom));
        assert_eq!(table.header, strings(&["编码", "a", "b", "c"]));
        assert_eq!(table.rows, rows);
    }

    #[test]
    fn xlsx_round_trip() {
        let rows = vec![
            strings(&["0001", "企业登记信息", "市市场监管局"]),
            strings(&["0002", "", "𠀀 生僻字"]),
        ];
        let bytes = write_xlsx("责任清单", &["编码", "资源名称", "提供单位"], &rows).unwrap();
        let (table, info) = read_table(&bytes, Some("export.csv")).unwrap();
        assert_eq!(info.format, "xlsx");
        assert_eq!(info.encoding, None);
        assert_eq!(info.delimiter, None);
        assert_eq!(table.header, strings(&["编码", "资源名称", "提供单位"]));
        assert_eq!(table.rows, rows);
        assert_eq!(table.line_numbers, vec![2, 3]);
    }

    #[test]
    fn xlsx_numbers_dates_and_booleans_read_as_text() {
        let mut workbook = Workbook::new();
        let sheet = workbook.add_worksheet();
        let date = Format::new().set_num_format("yyyy-mm-dd");
        sheet.write_string(0, 0, "n").unwrap();
        sheet.write_number(1, 0, 123.0).unwrap();
        sheet.write_number(1, 1, 1.5).unwrap();
        sheet.write_boolean(1, 2, true).unwrap();
        // 45943 is 2025-10-13 in the 1900 date system.
        sheet
            .write_number_with_format(1, 3, 45943.0, &date)
            .unwrap();
        let bytes = workbook.save_to_buffer().unwrap();
        let (table, _) = read(&bytes).unwrap();
        assert_eq!(
            table.rows,
            vec![strings(&["123", "1.5", "true", "2025-10-13"])]
        );
    }

    #[test]
    fn write_xlsx_rejects_a_bad_sheet_name() {
        let err = write_xlsx("a/b", &["x"], &[]).unwrap_err();
        assert_eq!(err.code(), "xlsx_write_failed");
    }

    /// A zip whose only entry holds `size` zero bytes, deflated.
    pub(crate) fn zeros_zip(entries: usize, size: usize) -> Vec<u8> {
        let mut writer = zip::ZipWriter::new(Cursor::new(Vec::new()));
        let options = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated);
        let chunk = vec![0u8; 1024 * 1024];
        for i in 0..entries {
            writer
                .start_file(format!("xl/part{i}.xml"), options)
                .unwrap();
            let mut left = size;
            while left > 0 {
                let n = left.min(chunk.len());
                writer.write_all(&chunk[..n]).unwrap();
                left -= n;
            }
        }
        writer.finish().unwrap().into_inner()
    }

    #[test]
    fn zip_bomb_is_refused() {
        let bomb = zeros_zip(1, 16 * 1024 * 1024);
        assert!(bomb.len() < 100 * 1024, "{} bytes", bomb.len());
        assert_code(read(&bomb), "xlsx_too_large");
    }

    #[test]
    fn total_unpacked_size_is_bounded() {
        // Small entries are exempt from the ratio check, so only the total catches these.
        let limits = ZipLimits {
            total_unpacked: 2 * 1024 * 1024,
            ..XLSX_LIMITS
        };
        assert!(check_zip(&zeros_zip(2, 1024 * 1024), &limits).is_ok());
        let err = check_zip(&zeros_zip(3, 1024 * 1024), &limits).unwrap_err();
        assert_eq!(err.code(), "xlsx_too_large");
    }

    /// A minimal workbook whose one sheet declares `dimension` and holds `cell` (a `<c>` element).
    pub(crate) fn crafted_xlsx(dimension: &str, cell: &str) -> Vec<u8> {
        let parts = [
            (
                "[Content_Types].xml",
                r#"<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>"#.to_owned(),
            ),
            (
                "_rels/.rels",
                r#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>"#.to_owned(),
            ),
            (
                "xl/workbook.xml",
                r#"<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>"#.to_owned(),
            ),
            (
                "xl/_rels/workbook.xml.rels",
                r#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>"#.to_owned(),
            ),
            (
                "xl/worksheets/sheet1.xml",
                format!(
                    r#"<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><dimension ref="{dimension}"/><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>名称</t></is></c></row><row>{cell}</row></sheetData></worksheet>"#
                ),
            ),
        ];
        let mut writer = zip::ZipWriter::new(Cursor::new(Vec::new()));
        let options = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated);
        for (name, content) in parts {
            writer.start_file(name, options).unwrap();
            writer.write_all(content.as_bytes()).unwrap();
        }
        writer.finish().unwrap().into_inner()
    }

    #[test]
    fn crafted_workbook_is_readable() {
        let bytes = crafted_xlsx(
            "A1:A2",
            r#"<c r="A2" t="inlineStr"><is><t> 甲 </t></is></c>"#,
        );
        let (table, _) = read(&bytes).unwrap();
        assert_eq!(table.header, strings(&["名称"]));
        assert_eq!(table.rows, vec![strings(&["甲"])]);
    }

    #[test]
    fn huge_declared_dimension_is_refused() {
        let cell = r#"<c r="A2"><v>1</v></c>"#;
        assert_code(read(&crafted_xlsx("A1:XFD1048576", cell)), "xlsx_too_large");
        assert_code(read(&crafted_xlsx("A1:A100002", cell)), "xlsx_too_large");
        assert_code(read(&crafted_xlsx("A1:GS1", cell)), "xlsx_too_large");
        assert!(read(&crafted_xlsx("A1:GR100001", cell)).is_ok());
    }

    #[test]
    fn cells_outside_a_lying_dimension_are_refused() {
        let far = r#"<c r="XFD1048576"><v>1</v></c>"#;
        assert_code(read(&crafted_xlsx("A1:B2", far)), "xlsx_too_large");
        // Empty cells carry nothing, wherever they are.
        let far_empty = r#"<c r="XFD1048576" s="0"></c>"#;
        assert!(read(&crafted_xlsx("A1:B2", far_empty)).is_ok());
    }

    #[test]
    fn malformed_references_are_errors_not_panics() {
        // Without overflow checks (release) calamine wraps these around instead of panicking
        // and the read may succeed; either way it must not panic.
        let cases = [
            ("B2:A1", r#"<c r="A2"><v>1</v></c>"#),
            ("A1:A2", r#"<c r="AAAAAAAAAAAAAAAAAAAA1"><v>1</v></c>"#),
            ("A1:A2", r#"<c r="A99999999999"><v>1</v></c>"#),
        ];
        for (dimension, cell) in cases {
            if let Err(e) = read(&crafted_xlsx(dimension, cell)) {
                assert!(
                    ["invalid_xlsx", "xlsx_too_large"].contains(&e.code()),
                    "{dimension} {cell}: {e}"
                );
            }
        }
    }
}
