//! Spreadsheets and CSV files read row by row into the history import's
//! values (`domain::history::Value`), streamed as far as each format
//! allows: a workbook's sheets cell by cell (only its shared strings are
//! held whole), a CSV record by record through an incremental decoder.

use std::io::{BufRead, BufReader, Read, Seek};

use calamine::{DataRef, DataType, Reader, Xlsx};
use rust_decimal::Decimal;

use crate::domain::history::{Sheet, Value};

/// What a workbook may inflate to. A history of 300,000 months is about
/// 150 MB of sheet XML; a bomb is a small file past this.
pub const INFLATED_MAX: u64 = 1 << 30;
/// A part larger than this inflated must compress like a spreadsheet does
/// (far less than `RATIO_MAX` to one): a bomb's zeros compress a
/// thousandfold.
const RATIO_WATCHED_FROM: u64 = 16 << 20;
const RATIO_MAX: u64 = 100;

/// Why a file cannot be read at all (its rows are never judged).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FileError {
    /// The file inflates past what the service reads (413).
    TooLarge(String),
    /// Not what it says it is, or not readable: the field (`body`,
    /// `sheet`) and why (422).
    Invalid {
        field: &'static str,
        message: String,
    },
}

impl FileError {
    fn body(message: impl Into<String>) -> Self {
        FileError::Invalid {
            field: "body",
            message: message.into(),
        }
    }
}

/// Receives the rows of each sheet the file holds, header first.
pub trait Visitor {
    /// A sheet begins; its header row's cells. `decimal_comma` tells how
    /// its text cells write decimals.
    fn sheet(&mut self, sheet: Sheet, header: Vec<String>, decimal_comma: bool);
    /// A row of the current sheet, numbered as the spreadsheet numbers it.
    fn row(&mut self, number: u32, values: Vec<Value>);
}

/// Reads a workbook's sheets named as the import's (`only`: that one,
/// which must be there); other sheets (the template's `codes`) are left.
pub fn xlsx<R: Read + Seek>(
    mut reader: R,
    only: Option<Sheet>,
    visitor: &mut dyn Visitor,
) -> Result<Vec<Sheet>, FileError> {
    check_inflation(&mut reader)?;
    let mut book: Xlsx<R> = Xlsx::new(reader)
        .map_err(|e| FileError::body(format!("is not an XLSX workbook that can be read: {e}")))?;
    let names: Vec<(String, Sheet)> = book
        .sheet_names()
        .into_iter()
        .filter_map(|n| Sheet::parse(&n).map(|s| (n, s)))
        .filter(|(_, s)| only.is_none_or(|o| o == *s))
        .collect();
    if names.is_empty() {
        return Err(match only {
            Some(sheet) => FileError::Invalid {
                field: "sheet",
                message: format!("the workbook has no sheet {sheet}"),
            },
            None => FileError::body(format!(
                "the workbook has none of the sheets {}",
                Sheet::ALL.map(Sheet::name).join(", ")
            )),
        });
    }
    let mut read = Vec::new();
    for (name, sheet) in names {
        if read.contains(&sheet) {
            return Err(FileError::body(format!(
                "the workbook has two {sheet} sheets"
            )));
        }
        read.push(sheet);
        let mut cells = book
            .worksheet_cells_reader(&name)
            .map_err(|e| FileError::body(format!("sheet {name}: {e}")))?;
        let mut current: Option<(u32, Vec<Value>)> = None;
        let mut header_seen = false;
        let mut flush = |row: Option<(u32, Vec<Value>)>, header_seen: &mut bool| {
            let Some((number, values)) = row else { return };
            if *header_seen {
                visitor.row(number, values);
            } else {
                let header = values
                    .iter()
                    .map(|v| v.as_text().unwrap_or_default())
                    .collect();
                visitor.sheet(sheet, header, false);
                *header_seen = true;
            }
        };
        while let Some(cell) = cells
            .next_cell()
            .map_err(|e| FileError::body(format!("sheet {name}: {e}")))?
        {
            let (r, c) = cell.get_position();
            let value = value(cell.get_value());
            if value == Value::Empty {
                continue;
            }
            if current.as_ref().is_some_and(|(n, _)| *n != r + 1) {
                flush(current.take(), &mut header_seen);
            }
            let (_, values) = current.get_or_insert_with(|| (r + 1, Vec::new()));
            let c = c as usize;
            if values.len() <= c {
                values.resize(c + 1, Value::Empty);
            }
            values[c] = value;
        }
        flush(current.take(), &mut header_seen);
        if !header_seen {
            visitor.sheet(sheet, Vec::new(), false);
        }
    }
    Ok(read)
}

/// A workbook's parts, as its zip directory declares them: refused before
/// anything inflates when they would fill memory.
fn check_inflation<R: Read + Seek>(reader: &mut R) -> Result<(), FileError> {
    let mut zip = zip::ZipArchive::new(&mut *reader)
        .map_err(|_| FileError::body("is not an XLSX workbook (not a zip archive)"))?;
    let mut total: u64 = 0;
    for i in 0..zip.len() {
        let part = zip.by_index_raw(i).map_err(|e| {
            FileError::body(format!("is not an XLSX workbook that can be read: {e}"))
        })?;
        let (inflated, deflated) = (part.size(), part.compressed_size().max(1));
        total = total.saturating_add(inflated);
        if inflated > RATIO_WATCHED_FROM && inflated / deflated > RATIO_MAX {
            return Err(FileError::TooLarge(format!(
                "the workbook's part {} inflates from {deflated} to {inflated} bytes: \
                 more than {RATIO_MAX} times, as only a zip bomb does",
                part.name().unwrap_or_default()
            )));
        }
    }
    if total > INFLATED_MAX {
        return Err(FileError::TooLarge(format!(
            "the workbook inflates to {total} bytes; the limit is {INFLATED_MAX}"
        )));
    }
    drop(zip);
    reader
        .rewind()
        .map_err(|e| FileError::body(format!("cannot be read again: {e}")))
}

/// A cell as the history reads it: numbers exact as the spreadsheet shows
/// them (15 significant digits, never a binary float's tail), dates as
/// dates.
fn value(cell: &DataRef<'_>) -> Value {
    match cell {
        DataRef::Empty => Value::Empty,
        DataRef::String(s) => Value::text(s),
        DataRef::SharedString(s) => Value::text(s),
        DataRef::Int(i) => Value::Number(Decimal::from(*i)),
        DataRef::Float(f) => number(*f),
        DataRef::Bool(b) => Value::Text(b.to_string()),
        DataRef::DateTime(_) | DataRef::DateTimeIso(_) => match cell.as_date() {
            Some(d) => Value::Date(d),
            None => Value::Text(format!("{cell:?}")),
        },
        DataRef::DurationIso(s) => Value::text(s),
        DataRef::Error(e) => Value::Text(format!("#{e:?}")),
    }
}

fn number(f: f64) -> Value {
    if !f.is_finite() {
        return Value::Text(f.to_string());
    }
    match Decimal::from_scientific(&format!("{f:.14e}")) {
        Ok(d) => Value::Number(d.normalize()),
        Err(_) => Value::Text(f.to_string()),
    }
}

/// How a CSV file is written, found from its first bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CsvStyle {
    pub utf8: bool,
    pub separator: u8,
}

/// Finds the encoding (UTF-8 when the first bytes are, else Windows-1252,
/// what French Excel writes) and the separator (`;` or `,`, whichever the
/// header holds more of outside quotes).
pub fn sniff(head: &[u8]) -> Result<CsvStyle, FileError> {
    if head.starts_with(b"PK\x03\x04") || head.contains(&0) {
        return Err(FileError::body(
            "is not CSV text (a binary file: send a workbook as application/vnd.openxmlformats-officedocument.spreadsheetml.sheet)",
        ));
    }
    let head = head.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(head);
    let utf8 = match std::str::from_utf8(head) {
        Ok(_) => true,
        // A character cut by the end of the sniffed bytes is still UTF-8.
        Err(e) => e.error_len().is_none(),
    };
    let (mut semicolons, mut commas, mut quoted) = (0, 0, false);
    for b in head {
        match b {
            b'\n' | b'\r' if !quoted => break,
            b'"' => quoted = !quoted,
            b';' if !quoted => semicolons += 1,
            b',' if !quoted => commas += 1,
            _ => {}
        }
    }
    Ok(CsvStyle {
        utf8,
        separator: if semicolons >= commas && semicolons > 0 {
            b';'
        } else {
            b','
        },
    })
}

/// How many bytes are sniffed.
const SNIFF_BYTES: usize = 64 * 1024;

/// Reads a CSV file of one sheet, record by record.
pub fn csv<R: Read>(reader: R, sheet: Sheet, visitor: &mut dyn Visitor) -> Result<(), FileError> {
    let mut reader = BufReader::with_capacity(SNIFF_BYTES, reader);
    let head = reader
        .fill_buf()
        .map_err(|e| FileError::body(format!("cannot be read: {e}")))?;
    if head.is_empty() {
        return Err(FileError::body(
            "is empty: a CSV file starts with its header row",
        ));
    }
    let style = sniff(head)?;
    let decoder = Decoding::new(reader, style.utf8);
    let mut records = csv::ReaderBuilder::new()
        .delimiter(style.separator)
        .has_headers(false)
        .flexible(true)
        .from_reader(decoder);
    let mut record = csv::StringRecord::new();
    let mut width = None;
    let mut number: u32 = 0;
    loop {
        match records.read_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {}
            Err(e) => return Err(FileError::body(format!("is not readable CSV: {e}"))),
        }
        number += 1;
        let Some(width) = width else {
            let header: Vec<String> = record.iter().map(|h| h.trim().to_string()).collect();
            // Spreadsheets often end every line with an empty field.
            width = Some(
                header
                    .iter()
                    .rposition(|h| !h.is_empty())
                    .map_or(0, |i| i + 1),
            );
            visitor.sheet(sheet, header, style.separator == b';');
            continue;
        };
        let fields: Vec<&str> = record.iter().collect();
        let used = fields
            .iter()
            .rposition(|f| !f.trim().is_empty())
            .map_or(0, |i| i + 1);
        if used == 0 {
            continue;
        }
        if used > width || (fields.len() < width && fields.len() > 1) {
            return Err(FileError::body(format!(
                "row {number} has {} fields where the header has {width}: every row needs the header's columns",
                fields.len()
            )));
        }
        visitor.row(number, fields.iter().map(|f| Value::text(f)).collect());
    }
    if width.is_none() {
        return Err(FileError::body(
            "is empty: a CSV file starts with its header row",
        ));
    }
    Ok(())
}

/// Decodes a byte stream into UTF-8 as it is read: the BOM dropped,
/// Windows-1252 turned into UTF-8.
struct Decoding<R> {
    inner: R,
    decoder: encoding_rs::Decoder,
    pending: Vec<u8>,
    at: usize,
    done: bool,
}

impl<R: BufRead> Decoding<R> {
    fn new(inner: R, utf8: bool) -> Self {
        let encoding = if utf8 {
            encoding_rs::UTF_8
        } else {
            encoding_rs::WINDOWS_1252
        };
        Decoding {
            inner,
            decoder: encoding.new_decoder_with_bom_removal(),
            pending: Vec::new(),
            at: 0,
            done: false,
        }
    }
}

impl<R: BufRead> Read for Decoding<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        while self.at == self.pending.len() && !self.done {
            let input = self.inner.fill_buf()?;
            let last = input.is_empty();
            let room = self
                .decoder
                .max_utf8_buffer_length(input.len())
                .unwrap_or(input.len() * 3 + 16);
            self.pending.clear();
            self.pending.resize(room, 0);
            self.at = 0;
            let (_, read, written, _) = self.decoder.decode_to_utf8(input, &mut self.pending, last);
            self.pending.truncate(written);
            self.inner.consume(read);
            self.done = last;
        }
        let n = buf.len().min(self.pending.len() - self.at);
        buf[..n].copy_from_slice(&self.pending[self.at..self.at + n]);
        self.at += n;
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    #[derive(Default)]
    struct Seen {
        headers: Vec<(Sheet, Vec<String>, bool)>,
        rows: Vec<(u32, Vec<Value>)>,
    }

    impl Visitor for Seen {
        fn sheet(&mut self, sheet: Sheet, header: Vec<String>, decimal_comma: bool) {
            self.headers.push((sheet, header, decimal_comma));
        }
        fn row(&mut self, number: u32, values: Vec<Value>) {
            self.rows.push((number, values));
        }
    }

    #[test]
    fn windows_1252_with_semicolons() {
        let bytes = b"person_ref;Pr\xe9nom;worked_hours\r\nP1; Fran\xe7ois ;151,67\r\n;;\r\nP2;Z\xf6e;7\r\n";
        let mut seen = Seen::default();
        csv(&bytes[..], Sheet::Beneficiaries, &mut seen).unwrap();
        assert_eq!(seen.headers[0].1, ["person_ref", "Prénom", "worked_hours"]);
        assert!(seen.headers[0].2);
        assert_eq!(seen.rows.len(), 2);
        assert_eq!(seen.rows[0].0, 2);
        assert_eq!(seen.rows[0].1[1], Value::Text("François".into()));
        assert_eq!(seen.rows[1].0, 4);
        assert_eq!(seen.rows[1].1[1], Value::Text("Zöe".into()));
    }

    #[test]
    fn utf8_with_bom_and_commas() {
        let bytes = "\u{feff}person_ref,last_name\nP1,\"Dupont, Jean\"\n".as_bytes();
        let mut seen = Seen::default();
        csv(bytes, Sheet::Beneficiaries, &mut seen).unwrap();
        assert_eq!(seen.headers[0].1, ["person_ref", "last_name"]);
        assert!(!seen.headers[0].2);
        assert_eq!(seen.rows[0].1[1], Value::Text("Dupont, Jean".into()));
    }

    #[test]
    fn ragged_rows_and_binaries_are_refused() {
        let mut seen = Seen::default();
        let e = csv(&b"a;b;c\n1;2;3;4\n"[..], Sheet::Hours, &mut seen).unwrap_err();
        assert!(
            matches!(e, FileError::Invalid { field: "body", ref message } if message.contains("row 2"))
        );
        let e = csv(&b"PK\x03\x04rest"[..], Sheet::Hours, &mut seen).unwrap_err();
        assert!(matches!(e, FileError::Invalid { .. }));
        // Trailing empty fields, as spreadsheets write them, are no fault.
        let mut seen = Seen::default();
        csv(&b"a;b;\n1;2;\n"[..], Sheet::Hours, &mut seen).unwrap();
        assert_eq!(seen.rows.len(), 1);
    }

    #[test]
    fn numbers_read_as_the_spreadsheet_shows_them() {
        assert_eq!(number(151.67), Value::Number(dec!(151.67)));
        assert_eq!(number(0.1 + 0.2), Value::Number(dec!(0.3)));
        assert_eq!(
            number(21910001922678.0),
            Value::Number(dec!(21910001922678))
        );
    }

    #[test]
    fn a_workbook_and_a_zip_bomb() {
        let mut book = rust_xlsxwriter::Workbook::new();
        let s = book.add_worksheet().set_name("Heures").unwrap();
        s.write(0, 0, "person_ref").unwrap();
        s.write(0, 2, "month").unwrap();
        s.write(2, 0, "P1").unwrap();
        s.write(2, 2, 151.67).unwrap();
        book.add_worksheet().set_name("codes").unwrap();
        let bytes = book.save_to_buffer().unwrap();
        let mut seen = Seen::default();
        let read = xlsx(std::io::Cursor::new(bytes.clone()), None, &mut seen).unwrap();
        assert_eq!(read, [Sheet::Hours]);
        assert_eq!(seen.headers[0].1, ["person_ref", "", "month"]);
        assert_eq!(
            seen.rows,
            [(
                3,
                vec![Value::text("P1"), Value::Empty, Value::Number(dec!(151.67))]
            )]
        );
        let e = xlsx(
            std::io::Cursor::new(bytes),
            Some(Sheet::Contracts),
            &mut seen,
        )
        .unwrap_err();
        assert!(matches!(e, FileError::Invalid { field: "sheet", .. }));

        let mut bomb = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
        bomb.start_file(
            "xl/sharedStrings.xml",
            zip::write::SimpleFileOptions::default()
                .compression_method(zip::CompressionMethod::Deflated),
        )
        .unwrap();
        std::io::Write::write_all(&mut bomb, &vec![b' '; 32 << 20]).unwrap();
        let bytes = bomb.finish().unwrap().into_inner();
        assert!(bytes.len() < 1 << 20);
        let e = xlsx(std::io::Cursor::new(bytes), None, &mut seen).unwrap_err();
        assert!(matches!(e, FileError::TooLarge(_)));
        let e = xlsx(std::io::Cursor::new(b"not a zip".to_vec()), None, &mut seen).unwrap_err();
        assert!(matches!(e, FileError::Invalid { field: "body", .. }));
    }
}
