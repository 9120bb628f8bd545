//! A territory's history brought in (API.md, "Importing a territory's
//! history"): a file read into lines ([`lines`]), every line judged by the
//! API's own rules against the file's earlier sheets and the service
//! ([`judge`]), then, for a commit with no refused row, everything written
//! set-wise in the same transaction, with one access-trail entry. The same
//! for `POST /api/v1/imports/history` and `clauses import-history`.

mod judge;
pub mod lines;

use std::collections::BTreeMap;
use std::io::{Read, Seek};

use diesel::{Connection, PgConnection};
use serde::Serialize;
use utoipa::ToSchema;

use uuid::Uuid;

use crate::access;
use crate::auth::Principal;
use crate::domain::history::Sheet;
use crate::error::{ApiError, ApiResult};
use crate::sheets::{self, FileError};
use lines::Collector;

/// At most this many errors are listed; all are counted.
pub const ERRORS_LISTED: usize = 1000;

/// What a sheet's rows became.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, ToSchema)]
pub struct SheetCounts {
    /// Rows read (blank rows and the template's French header row left out).
    pub rows: u64,
    pub created: u64,
    pub updated: u64,
    /// Rows that match what the service holds already: importing a file again is all `unchanged`.
    pub unchanged: u64,
    /// Rows with at least one error.
    pub refused: u64,
}

/// One refused cell.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct RowError {
    /// The sheet's name (`hours` for a CSV file of `?sheet=hours`).
    #[schema(example = "hours")]
    pub sheet: String,
    /// The row as the spreadsheet numbers it, the header being 1.
    #[schema(example = 14)]
    pub row: u32,
    /// The column at fault, by its API name.
    #[schema(example = "worked_hours")]
    pub column: String,
    #[schema(
        example = "worked_hours + training_hours (230) exceed 206.57 h, 48 hours a week over the 30 days of 2019-04 the placement covers"
    )]
    pub message: String,
}

/// What an import found and, unless a dry run, did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct HistorySummary {
    /// As asked: a dry run (the default) writes nothing, nor does a commit with any refused row.
    pub dry_run: bool,
    /// Per sheet the file holds.
    pub sheets: BTreeMap<String, SheetCounts>,
    /// The first 1,000 errors, in sheet order (organisations, contracts, beneficiaries, placements, hours) then row order.
    pub errors: Vec<RowError>,
    /// Every error, listed or not.
    pub errors_total: u64,
}

impl HistorySummary {
    /// Whether every row was accepted.
    pub fn clean(&self) -> bool {
        self.errors_total == 0
    }
}

/// What the judge counts and refuses.
#[derive(Default)]
pub(crate) struct Report {
    counts: BTreeMap<Sheet, SheetCounts>,
    errors: Vec<RowError>,
    total: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Outcome {
    Created,
    Updated,
    Unchanged,
}

impl Report {
    fn count(&mut self, sheet: Sheet, outcome: Outcome) {
        let c = self.counts.entry(sheet).or_default();
        match outcome {
            Outcome::Created => c.created += 1,
            Outcome::Updated => c.updated += 1,
            Outcome::Unchanged => c.unchanged += 1,
        }
    }

    fn refuse(&mut self, sheet: Sheet, row: u32, errors: Vec<(String, String)>) {
        self.counts.entry(sheet).or_default().refused += 1;
        for (column, message) in errors {
            self.total += 1;
            if self.errors.len() < ERRORS_LISTED {
                self.errors.push(RowError {
                    sheet: sheet.name().to_string(),
                    row,
                    column,
                    message,
                });
            }
        }
    }
}

/// A file as it came: a workbook or the CSV of one sheet.
pub enum File<R> {
    Xlsx(R),
    Csv(R, Sheet),
}

/// Reads, judges and (when `commit` and every row passes) writes a file,
/// in one transaction.
pub fn import<R: Read + Seek>(
    conn: &mut PgConnection,
    p: &Principal,
    file: File<R>,
    only: Option<Sheet>,
    commit: bool,
    territory: Option<Uuid>,
) -> ApiResult<HistorySummary> {
    access::imports::history(p)?;
    let mut collector = Collector::default();
    let read = match file {
        File::Xlsx(r) => sheets::xlsx(r, only, &mut collector).map(|_| ()),
        File::Csv(r, sheet) => sheets::csv(r, sheet, &mut collector),
    };
    read.map_err(|e| match e {
        FileError::TooLarge(m) => ApiError::PayloadTooLarge(m),
        FileError::Invalid { field, message } => ApiError::validation(field, message),
    })?;
    if !collector.header_errors.is_empty() {
        return Err(ApiError::Validation(collector.header_errors));
    }
    let lines = collector.lines;
    let today = chrono::Utc::now().date_naive();
    conn.transaction(|c| {
        let mut report = Report::default();
        for (sheet, rows) in &lines.rows {
            report.counts.entry(*sheet).or_default().rows += rows;
        }
        let territory = crate::models::territory::for_new(c, p, territory)?;
        let plan = judge::judge(c, &lines, today, territory, &mut report)?;
        let summary = HistorySummary {
            dry_run: !commit,
            sheets: report
                .counts
                .into_iter()
                .map(|(s, c)| (s.name().to_string(), c))
                .collect(),
            errors: report.errors,
            errors_total: report.total,
        };
        if commit && summary.clean() {
            plan.write(c, p)?;
            crate::models::trail::record_import(
                c,
                p,
                &serde_json::to_value(&summary.sheets)
                    .map_err(|e| ApiError::internal("the import's counts", e))?,
            )?;
        }
        Ok(summary)
    })
}
