//! Importing a territory's history (API.md, "Importing a territory's
//! history"): a workbook or a sheet's CSV posted, judged row by row, and
//! the template workbook to fill.

use actix_web::http::header;
use actix_web::web::{self, Bytes};
use actix_web::{HttpRequest, HttpResponse};
use serde::{Deserialize, Serialize};
use std::borrow::Cow;
use std::collections::BTreeMap;
use utoipa::openapi::{RefOr, Schema};
use utoipa::{IntoParams, PartialSchema, ToSchema};
use uuid::Uuid;

use super::export::XLSX;
use super::input::query;
use super::problem::{problem_type, PROBLEM_JSON};
use crate::access;
use crate::auth::Principal;
use crate::db;
use crate::domain::codes::{
    BuyerCategory, ClauseType, Eligibility, HoursStatus, IdentifierType, MarketNature, Modality,
    OrgKind, QualificationLevel, Sex, SiaeType,
};
use crate::domain::history::{self, ColumnKind, Sheet};
use crate::domain::standing::Pricing;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use crate::usecases::history::{self as usecase, File, HistorySummary, RowError, SheetCounts};

/// A history posted as a whole (larger ones go through
/// `clauses import-history`).
pub const HISTORY_BODY_BYTES: usize = 64 * 1024 * 1024;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        super::limits::with_body_limit(
            super::http::resource("/imports/history"),
            HISTORY_BODY_BYTES,
        )
        .route(web::post().to(import_history)),
    )
    .service(
        super::http::resource("/imports/history/template.xlsx")
            .route(web::get().to(history_template)),
    );
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct HistoryQuery {
    /// `true` (the default) judges every row and writes nothing; `false` writes everything in
    /// one transaction when no row is refused.
    pub dry_run: Option<String>,
    /// The sheet a CSV file holds (required with `text/csv`): `organisations`, `contracts`,
    /// `beneficiaries`, `placements` or `hours`. With a workbook, only that sheet is read.
    pub sheet: Option<String>,
    /// The territory the history lands in: a territory's facilitator's own when left out; a
    /// facilitator without `org` names it when the deployment has several (422 otherwise).
    pub territory_id: Option<Uuid>,
}

/// A committed import with refused rows: nothing was written.
#[derive(Debug, Serialize, ToSchema)]
pub struct HistoryRefused {
    #[schema(example = "https://clauses.example/problems/history-refused")]
    pub r#type: String,
    pub title: String,
    #[schema(example = 422)]
    pub status: u16,
    pub detail: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub instance: Option<String>,
    /// Always false: a commit was asked.
    pub dry_run: bool,
    pub sheets: BTreeMap<String, SheetCounts>,
    pub errors: Vec<RowError>,
    pub errors_total: u64,
}

/// Import a territory's history
///
/// The facilitator's: an XLSX workbook with any of the sheets `organisations`, `contracts`,
/// `beneficiaries`, `placements` and `hours` (the template's), or the CSV of one of them with
/// `?sheet=` (UTF-8 with or without BOM, or Windows-1252; `,` or `;`, then decimal commas;
/// dates `YYYY-MM-DD` or `DD/MM/YYYY`). Rows name what they link to by keys, not ids:
/// organisations by SIRET (or name), contracts by `buyer` and `reference`, people by
/// `person_ref` (the source tool's id, kept as `external_ref`), placements by person, contract
/// and `start_date`, months by placement and `month`. Every rule of the API applies to every
/// row. A dry run (the default) answers 200 whatever it found; a commit writes everything in
/// one transaction, or nothing and 422 when any row is refused. Importing the same file again
/// is all `unchanged`. Months come in `validated` unless their row says otherwise. The import
/// is one entry of the access trail, and what it writes is in the change feed and every
/// figure. Up to 64 MiB; larger files through `clauses import-history FILE [--commit]`.
#[utoipa::path(
    post, path = "/api/v1/imports/history", tag = "imports", operation_id = "import_history",
    params(HistoryQuery),
    request_body(description = "The workbook, or the CSV of one sheet (`?sheet=`)",
        content(
            (super::schemas::Workbook = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
            (super::schemas::CsvFile = "text/csv"))),
    responses(
        (status = 200, description = "What each sheet's rows became (a dry run, or a commit that wrote them all), and every refused cell", body = HistorySummary,
         example = json!({"dry_run": true, "sheets": {"hours": {"rows": 3, "created": 2, "updated": 0, "unchanged": 0, "refused": 1}},
            "errors": [{"sheet": "hours", "row": 4, "column": "worked_hours", "message": "is required"}], "errors_total": 1})),
        (status = 422, description = "A commit with refused rows (nothing written), with the counts and the errors; a file that cannot be read at all (not what its content type says, a sheet that does not exist, a header with an unknown or repeated column, ragged CSV rows) answers the usual problem, its `errors` naming `body` or `sheet`", body = HistoryProblem, content_type = "application/problem+json"),
        (status = 400, response = crate::api::responses::BadRequest),
        (status = 401, response = crate::api::responses::Unauthorized),
        (status = 403, response = crate::api::responses::Forbidden),
        (status = 413, response = crate::api::responses::TooLarge),
        (status = 415, response = crate::api::responses::UnsupportedMediaType),
    ),
    security(("bearer" = []))
)]
pub async fn import_history(
    state: web::Data<AppState>,
    p: Principal,
    req: HttpRequest,
    body: Bytes,
) -> ApiResult<HttpResponse> {
    access::imports::history(&p)?;
    let (q, mut v) = query::<HistoryQuery>(&req);
    let q = q.unwrap_or(HistoryQuery {
        dry_run: None,
        sheet: None,
        territory_id: None,
    });
    let commit = match q.dry_run.as_deref() {
        None | Some("true") => false,
        Some("false") => true,
        Some(_) => {
            v.add("dry_run", "must be true or false");
            false
        }
    };
    let sheet = match q.sheet.as_deref() {
        None => None,
        Some(name) => {
            let sheet = Sheet::parse(name);
            if sheet.is_none() {
                v.add(
                    "sheet",
                    format!(
                        "is not a sheet of the import: {}",
                        Sheet::ALL.map(Sheet::name).join(", ")
                    ),
                );
            }
            sheet
        }
    };
    let media = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|h| h.to_str().ok())
        .and_then(|h| h.split(';').next())
        .map(|m| m.trim().to_ascii_lowercase());
    let csv = match media.as_deref() {
        Some(XLSX) => false,
        Some("text/csv") => true,
        _ => {
            return Err(ApiError::UnsupportedMediaType(format!(
                "send a workbook as {XLSX}, or a sheet's CSV as text/csv with ?sheet="
            )))
        }
    };
    if csv && q.sheet.is_none() {
        v.add(
            "sheet",
            "is required with text/csv: which sheet the file holds",
        );
    }
    v.finish()?;
    let territory = q.territory_id;
    let summary = db::run(&state.pool, move |c| {
        let bytes = std::io::Cursor::new(body);
        let file = match (csv, sheet) {
            (true, Some(sheet)) => File::Csv(bytes, sheet),
            _ => File::Xlsx(bytes),
        };
        usecase::import(c, &p, file, sheet, commit, territory)
    })
    .await?;
    if commit && !summary.clean() {
        let refused: u64 = summary.sheets.values().map(|s| s.refused).sum();
        let body = HistoryRefused {
            r#type: problem_type("history-refused"),
            title: "Rows refused".into(),
            status: 422,
            detail: format!(
                "{refused} rows were refused ({} errors): nothing was written",
                summary.errors_total
            ),
            instance: crate::request_id::current(),
            dry_run: summary.dry_run,
            sheets: summary.sheets,
            errors: summary.errors,
            errors_total: summary.errors_total,
        };
        return Ok(HttpResponse::UnprocessableEntity()
            .content_type(PROBLEM_JSON)
            .json(body));
    }
    Ok(HttpResponse::Ok().json(summary))
}

/// The history template
///
/// Any authenticated caller: a workbook with the five sheets of the import, each with its
/// header (the API's names, then the French names in a second row that the import skips)
/// and example rows, and a `codes` sheet with every code a column takes. Filled with its own
/// examples alone, it imports cleanly on an empty service.
#[utoipa::path(
    get, path = "/api/v1/imports/history/template.xlsx", tag = "imports",
    operation_id = "history_template",
    responses(
        (status = 200, description = "The template workbook", content((super::schemas::Workbook = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")),
         headers(("Content-Disposition" = String, description = "attachment; filename=\"historique-clauses.xlsx\""))),
        crate::api::responses::One,
    ),
    security(("bearer" = []))
)]
pub async fn history_template(_p: Principal) -> ApiResult<HttpResponse> {
    Ok(HttpResponse::Ok()
        .content_type(XLSX)
        .insert_header((
            header::CONTENT_DISPOSITION,
            "attachment; filename=\"historique-clauses.xlsx\"",
        ))
        .body(template()?))
}

/// Every code list the sheets' columns take.
fn code_lists() -> Vec<(&'static str, Vec<&'static str>)> {
    fn all<T: Copy>(list: &[T], code: fn(T) -> &'static str) -> Vec<&'static str> {
        list.iter().map(|c| code(*c)).collect()
    }
    vec![
        ("kind", all(OrgKind::ALL, OrgKind::as_str)),
        ("siae_type", all(SiaeType::ALL, SiaeType::as_str)),
        (
            "identifier_type",
            all(IdentifierType::ALL, IdentifierType::as_str),
        ),
        (
            "buyer_category",
            all(BuyerCategory::ALL, BuyerCategory::as_str),
        ),
        ("clause_type", all(ClauseType::ALL, ClauseType::as_str)),
        ("pricing", all(Pricing::ALL, Pricing::as_str)),
        (
            "market_nature",
            all(MarketNature::ALL, MarketNature::as_str),
        ),
        ("sex", all(Sex::ALL, Sex::as_str)),
        (
            "qualification_level",
            all(QualificationLevel::ALL, QualificationLevel::as_str),
        ),
        ("eligibility", all(Eligibility::ALL, Eligibility::as_str)),
        ("modality", all(Modality::ALL, Modality::as_str)),
        ("status", all(HoursStatus::ALL, HoursStatus::as_str)),
    ]
}

/// The template workbook: each column typed as the import reads it
/// (numbers, dates, text kept as text so SIRETs and postal codes keep
/// their digits).
pub fn template() -> ApiResult<Vec<u8>> {
    use rust_xlsxwriter::{Format, Workbook};
    let xlsx = |e: rust_xlsxwriter::XlsxError| ApiError::internal("writing the template", e);
    let mut book = Workbook::new();
    let bold = Format::new().set_bold();
    let italic = Format::new().set_italic();
    let text = Format::new().set_num_format("@");
    let date = Format::new().set_num_format("dd/mm/yyyy");
    for sheet in Sheet::ALL {
        let s = book.add_worksheet().set_name(sheet.name()).map_err(xlsx)?;
        for (c, column) in sheet.columns().iter().enumerate() {
            let c = u16::try_from(c).expect("few columns");
            s.set_column_width(c, 22).map_err(xlsx)?;
            if history::column_kind(column.name) == ColumnKind::Text {
                s.set_column_format(c, &text).map_err(xlsx)?;
            }
            s.write_string_with_format(0, c, column.name, &bold)
                .map_err(xlsx)?;
            s.write_string_with_format(1, c, column.french, &italic)
                .map_err(xlsx)?;
            for (r, row) in sheet.examples().iter().enumerate() {
                let r = u32::try_from(r).expect("few rows") + 2;
                let cell = row[usize::from(c)];
                if cell.is_empty() {
                    continue;
                }
                match history::column_kind(column.name) {
                    ColumnKind::Number => {
                        // An XLSX number cell is a double in the file
                        // format itself; the import reads it back exact
                        // (`sheets::number`).
                        let n = history::parse_decimal(cell, true)
                            .and_then(|d| d.to_string().parse::<f64>().ok())
                            .ok_or_else(|| ApiError::bug("a template example is no number"))?;
                        s.write_number(r, c, n).map_err(xlsx)?;
                    }
                    ColumnKind::Date => {
                        let d = history::parse_date(cell)
                            .ok_or_else(|| ApiError::bug("a template example is no date"))?;
                        let d = rust_xlsxwriter::ExcelDateTime::from_serial_datetime(
                            history::date_serial(d) as f64,
                        )
                        .map_err(xlsx)?;
                        s.write_datetime_with_format(r, c, &d, &date)
                            .map_err(xlsx)?;
                    }
                    ColumnKind::Text => {
                        s.write_string_with_format(r, c, cell, &text)
                            .map_err(xlsx)?;
                    }
                }
            }
        }
        s.set_freeze_panes(2, 0).map_err(xlsx)?;
    }
    let codes = book.add_worksheet().set_name("codes").map_err(xlsx)?;
    codes
        .write_string_with_format(0, 0, "column", &bold)
        .map_err(xlsx)?;
    codes
        .write_string_with_format(0, 1, "code", &bold)
        .map_err(xlsx)?;
    codes.set_column_width(0, 22).map_err(xlsx)?;
    codes.set_column_width(1, 30).map_err(xlsx)?;
    let mut r = 1;
    for (column, list) in code_lists() {
        for code in list {
            codes.write_string(r, 0, column).map_err(xlsx)?;
            codes.write_string(r, 1, code).map_err(xlsx)?;
            r += 1;
        }
    }
    book.save_to_buffer().map_err(xlsx)
}

/// The 422 of a history import: a commit with refused rows (the counts
/// and each refused cell, `HistoryRefused`), or a file that cannot be read
/// at all (the usual `Problem`, its `errors` naming `body` or `sheet`).
/// The two differ in their `errors` items; both share the problem's
/// members, hence `anyOf`.
pub struct HistoryProblem;

impl PartialSchema for HistoryProblem {
    fn schema() -> RefOr<Schema> {
        utoipa::openapi::schema::AnyOfBuilder::new()
            .item(utoipa::openapi::Ref::from_schema_name("HistoryRefused"))
            .item(utoipa::openapi::Ref::from_schema_name("Problem"))
            .description(Some(
                "A commit with refused rows (`HistoryRefused`), or a file that cannot be read (`Problem`)",
            ))
            .into()
    }
}

impl ToSchema for HistoryProblem {
    fn name() -> Cow<'static, str> {
        Cow::Borrowed("HistoryProblem")
    }

    fn schemas(schemas: &mut Vec<(String, RefOr<Schema>)>) {
        schemas.push(("HistoryRefused".into(), HistoryRefused::schema()));
        <HistoryRefused as ToSchema>::schemas(schemas);
    }
}
