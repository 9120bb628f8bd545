//! Tables out as JSON, CSV or XLSX: one way to pick the format, one way to
//! write each.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse};
use rust_decimal::prelude::ToPrimitive;
use rust_decimal::Decimal;

use crate::error::{ApiError, ApiResult};

pub const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
pub const CSV: &str = "text/csv; charset=utf-8";

crate::domain::codes::code_enum! {
    /// How a report is sent: JSON (default), CSV or an Excel workbook.
    ExportFormat {
        Json => "json",
        Csv => "csv",
        Xlsx => "xlsx",
    }
}

/// `?format=` wins; otherwise `Accept` may ask for CSV or XLSX.
pub fn negotiate(req: &HttpRequest, asked: Option<ExportFormat>) -> ExportFormat {
    if let Some(f) = asked {
        return f;
    }
    let accept = req
        .headers()
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if accept.contains("text/csv") {
        ExportFormat::Csv
    } else if accept.contains(XLSX) {
        ExportFormat::Xlsx
    } else {
        ExportFormat::Json
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Text(String),
    Int(i64),
    Number(Decimal),
    Empty,
}

/// A count of people in a table: the number, the mask's text, or nothing
/// where it is withheld.
impl From<crate::domain::disclosure::Count> for Cell {
    fn from(c: crate::domain::disclosure::Count) -> Self {
        use crate::domain::disclosure::Count;
        match c {
            Count::Exact(n) => Cell::Int(n),
            Count::Withheld => Cell::Empty,
            masked => Cell::Text(masked.mask_text().unwrap_or_default().to_string()),
        }
    }
}

impl From<Option<String>> for Cell {
    fn from(v: Option<String>) -> Self {
        v.map(Cell::Text).unwrap_or(Cell::Empty)
    }
}

/// One table: a CSV file, or one sheet of a workbook.
#[derive(Debug, Clone)]
pub struct Table {
    pub sheet: String,
    pub headers: Vec<String>,
    pub rows: Vec<Vec<Cell>>,
}

impl Table {
    pub fn new(sheet: &str, headers: &[&str]) -> Table {
        Table {
            sheet: sheet.to_string(),
            headers: headers.iter().map(|h| h.to_string()).collect(),
            rows: Vec::new(),
        }
    }
}

pub fn csv(table: &Table) -> ApiResult<Vec<u8>> {
    let mut w = csv::Writer::from_writer(Vec::new());
    let fail = |e: csv::Error| ApiError::internal("writing CSV", e);
    w.write_record(&table.headers).map_err(fail)?;
    for row in &table.rows {
        let fields: Vec<String> = row
            .iter()
            .map(|c| match c {
                Cell::Text(s) => neutralise(s),
                Cell::Int(i) => i.to_string(),
                Cell::Number(d) => d.normalize().to_string(),
                Cell::Empty => String::new(),
            })
            .collect();
        w.write_record(&fields).map_err(fail)?;
    }
    w.into_inner()
        .map_err(|e| ApiError::internal("finishing CSV", e.into_error()))
}

/// A text that a spreadsheet would read as a formula (`=`, `+`, `-`, `@`,
/// or a tab or carriage return before one) is prefixed with `'`, as OWASP
/// advises against CSV injection: a buyer's title must never run in the
/// facilitator's spreadsheet. Numbers are written as numbers and never
/// pass here.
pub fn neutralise(text: &str) -> String {
    match text.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => format!("'{text}"),
        _ => text.to_string(),
    }
}

pub fn xlsx(tables: &[Table]) -> ApiResult<Vec<u8>> {
    workbook(tables)?
        .save_to_buffer()
        .map_err(|e| ApiError::internal("writing XLSX", e))
}

/// The workbook of these tables, a sheet each, for a caller that adds to it.
pub fn workbook(tables: &[Table]) -> ApiResult<rust_xlsxwriter::Workbook> {
    use rust_xlsxwriter::{Format, Workbook};
    let fail = |e: rust_xlsxwriter::XlsxError| ApiError::internal("writing XLSX", e);
    let mut book = Workbook::new();
    let bold = Format::new().set_bold();
    let decimal = Format::new().set_num_format("#,##0.00");
    for table in tables {
        let sheet = book.add_worksheet();
        // Excel limits sheet names to 31 characters.
        let name: String = table.sheet.chars().take(31).collect();
        sheet.set_name(&name).map_err(fail)?;
        for (col, h) in table.headers.iter().enumerate() {
            sheet
                .write_string_with_format(0, col as u16, h, &bold)
                .map_err(fail)?;
            sheet
                .set_column_width(col as u16, (h.chars().count().max(12) + 2) as f64)
                .map_err(fail)?;
        }
        for (r, row) in table.rows.iter().enumerate() {
            let r = (r + 1) as u32;
            for (col, cell) in row.iter().enumerate() {
                let col = col as u16;
                match cell {
                    Cell::Text(s) => {
                        sheet.write_string(r, col, s).map_err(fail)?;
                    }
                    Cell::Int(i) => {
                        sheet.write_number(r, col, *i as f64).map_err(fail)?;
                    }
                    // A spreadsheet number is a binary double: the exact figure is in the JSON and CSV.
                    Cell::Number(d) => {
                        sheet
                            .write_number_with_format(
                                r,
                                col,
                                d.to_f64().unwrap_or_default(),
                                &decimal,
                            )
                            .map_err(fail)?;
                    }
                    Cell::Empty => {}
                }
            }
        }
    }
    Ok(book)
}

/// A report ready to leave: its JSON answer and its tables, sent on the
/// JSON operation's path as the caller negotiates, or on a file's own path
/// (`….csv`, `….xlsx`) in that path's format.
pub struct Export<T> {
    /// `?format=` as the query said it. Each file has had its own path
    /// since generators could not type one answer of three media types;
    /// the parameter stays for the callers written before.
    pub asked: Option<ExportFormat>,
    /// The file's name without its extension.
    pub filename: String,
    pub json: T,
    pub tables: Vec<Table>,
    /// Whether one CSV file holds the report (false when it is several tables).
    pub csv: bool,
}

impl<T: serde::Serialize> Export<T> {
    pub fn new(asked: Option<ExportFormat>, filename: String, json: T, tables: Vec<Table>) -> Self {
        Export {
            asked,
            filename,
            json,
            tables,
            csv: true,
        }
    }

    /// A report of several tables: a workbook holds it, one CSV file does not.
    pub fn without_csv(self) -> Self {
        Export { csv: false, ..self }
    }

    /// The JSON operation's answer: JSON unless `?format=` or `Accept`
    /// asks for a file.
    pub fn negotiated(self, req: &HttpRequest) -> ApiResult<HttpResponse> {
        let format = negotiate(req, self.asked);
        self.send(format)
    }

    /// A file's own path answers its format; a `?format=` that names
    /// another is a contradiction, refused rather than guessed.
    pub fn file(self, format: ExportFormat) -> ApiResult<HttpResponse> {
        match self.asked {
            Some(asked) if asked != format => Err(ApiError::validation(
                "format",
                format!("this path answers {}: leave `format` out", format.as_str()),
            )),
            _ => self.send(format),
        }
    }

    fn send(self, format: ExportFormat) -> ApiResult<HttpResponse> {
        if format == ExportFormat::Csv && !self.csv {
            return Err(ApiError::validation(
                "format",
                "this report is several tables: ask for json or xlsx",
            ));
        }
        respond(format, &self.filename, &self.json, &self.tables)
    }
}

/// Sends the tables in the chosen format (CSV takes the first table).
fn respond<T: serde::Serialize>(
    format: ExportFormat,
    filename: &str,
    json: &T,
    tables: &[Table],
) -> ApiResult<HttpResponse> {
    Ok(match format {
        ExportFormat::Json => HttpResponse::Ok().json(json),
        ExportFormat::Csv => HttpResponse::Ok()
            .content_type(CSV)
            .insert_header((
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{filename}.csv\""),
            ))
            .body(csv(&tables[0])?),
        ExportFormat::Xlsx => HttpResponse::Ok()
            .content_type(XLSX)
            .insert_header((
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{filename}.xlsx\""),
            ))
            .body(xlsx(tables)?),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formulas_are_neutralised() {
        for text in [
            "=HYPERLINK(\"x\")",
            "+1",
            "-1+2",
            "@SUM(A1)",
            "\t=1",
            "\r=1",
        ] {
            assert_eq!(neutralise(text), format!("'{text}"));
        }
        assert_eq!(
            neutralise("Réhabilitation = 2 lots"),
            "Réhabilitation = 2 lots"
        );
        assert_eq!(neutralise(""), "");
    }

    #[test]
    fn csv_numbers_stay_numbers() {
        let mut t = Table::new("t", &["a", "b"]);
        t.rows.push(vec![
            Cell::Text("=1+1".into()),
            Cell::Number(Decimal::new(-80596, 1)),
        ]);
        let out = String::from_utf8(csv(&t).unwrap()).unwrap();
        assert_eq!(out, "a,b\n'=1+1,-8059.6\n");
    }
}
