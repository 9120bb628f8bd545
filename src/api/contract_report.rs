//! The end-of-contract report (bilan de la clause) in JSON, XLSX and PDF,
//! issued reports, and the penalty's waiver.

use actix_web::http::header;
use actix_web::web::{self, Bytes};
use actix_web::{HttpRequest, HttpResponse};
use chrono::Utc;
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

use super::export::XLSX;
use super::http::path_id;
use super::input::{json_body, query};
pub use super::report_view::ContractReport;
use crate::access;
use crate::auth::Principal;
use crate::db;
use crate::domain::disclosure::Audience;
use crate::domain::report::ReportData;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use crate::usecases::reports as usecase;

pub const PDF: &str = "application/pdf";

pub fn routes(cfg: &mut web::ServiceConfig) {
    const NUMBER: &str = "{number:[0-9]{4}-[0-9]{4}}";
    cfg.service(
        super::http::resource("/contracts/{id}/report.xlsx").route(web::get().to(report_xlsx)),
    )
    .service(super::http::resource("/contracts/{id}/report.pdf").route(web::get().to(report_pdf)))
    .service(
        super::http::resource("/contracts/{id}/report")
            .route(web::get().to(report))
            .route(web::post().to(issue)),
    )
    .service(
        super::http::resource(&format!("/contracts/{{id}}/reports/{NUMBER}.xlsx"))
            .route(web::get().to(issued_xlsx)),
    )
    .service(
        super::http::resource(&format!("/contracts/{{id}}/reports/{NUMBER}.pdf"))
            .route(web::get().to(issued_pdf)),
    )
    .service(
        super::http::resource(&format!("/contracts/{{id}}/reports/{NUMBER}"))
            .route(web::get().to(issued)),
    )
    .service(
        super::http::resource("/contracts/{id}/penalty-waiver")
            .route(web::post().to(waive))
            .route(web::delete().to(unwaive)),
    );
}

crate::domain::codes::code_enum! {
    /// A report's formats: JSON, an Excel workbook, a PDF document.
    ReportFormat {
        Json => "json",
        Xlsx => "xlsx",
        Pdf => "pdf",
    }
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ReportQuery {
    /// Kept for callers that ask by parameter; each file has its own path.
    #[param(ignore)]
    pub format: Option<String>,
}

/// `?format=` (json, xlsx or pdf; anything else 422), else `Accept`.
fn negotiate(req: &HttpRequest) -> ApiResult<ReportFormat> {
    let (q, v) = query::<ReportQuery>(req);
    v.finish()?;
    if let Some(asked) = q.and_then(|q| q.format) {
        return ReportFormat::parse(&asked)
            .ok_or_else(|| ApiError::validation("format", "must be json, xlsx or pdf"));
    }
    let accept = req
        .headers()
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    Ok(if accept.contains(PDF) {
        ReportFormat::Pdf
    } else if accept.contains(XLSX) {
        ReportFormat::Xlsx
    } else {
        ReportFormat::Json
    })
}

/// A file path answers its format; a `?format=` naming another is refused.
fn file_format(req: &HttpRequest, format: ReportFormat) -> ApiResult<ReportFormat> {
    let (q, v) = query::<ReportQuery>(req);
    v.finish()?;
    match q.and_then(|q| q.format) {
        Some(asked) if ReportFormat::parse(&asked) != Some(format) => Err(ApiError::validation(
            "format",
            format!("this path answers {}: leave `format` out", format.as_str()),
        )),
        _ => Ok(format),
    }
}

fn send(report: &ContractReport, format: ReportFormat) -> ApiResult<HttpResponse> {
    let attachment = |ext: &str| {
        (
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"{}.{ext}\"", report.filename()),
        )
    };
    Ok(match format {
        ReportFormat::Json => HttpResponse::Ok().json(report),
        ReportFormat::Xlsx => HttpResponse::Ok()
            .content_type(XLSX)
            .insert_header(attachment("xlsx"))
            .body(report.xlsx()?),
        ReportFormat::Pdf => HttpResponse::Ok()
            .content_type(PDF)
            .insert_header(attachment("pdf"))
            .body(super::report_pdf::render(report)?),
    })
}

async fn live(state: &AppState, p: Principal, id: &str) -> ApiResult<ContractReport> {
    let id = path_id(id, "contract")?;
    let audience = access::stats::audience(&p, None);
    let today = Utc::now().date_naive();
    let data = db::read(&state.pool, move |c| usecase::current(c, &p, id, today)).await?;
    Ok(ContractReport::new(data, audience, None))
}

async fn stored(
    state: &AppState,
    p: Principal,
    path: &(String, String),
) -> ApiResult<ContractReport> {
    let id = path_id(&path.0, "contract")?;
    let number = path.1.clone();
    let audience = access::stats::audience(&p, None);
    let (row, data) = db::run(&state.pool, move |c| usecase::issued(c, &p, id, &number)).await?;
    Ok(ContractReport::new(
        data,
        audience,
        Some((row.number, row.issued_on)),
    ))
}

/// A contract's end-of-contract report
///
/// The clause's report as of the contract's end (or today while it runs): the contract and its
/// commitment's history (as signed, each amendment, each order), validated hours against the
/// commitment, hours by month against the pro rata line and by modality, the people placed,
/// employment contracts, outcomes and the penalty (`missing_hours × rate`, capped at
/// `penalty_cap_rate × amount_excl_tax`, half-up to the cent; due once ended, unless waived).
/// The facilitator, the contract's buyer and its holder, the Département and the State read it
/// (a PLIE gets 403); people counts follow the disclosure rule. `?format=xlsx|pdf` and `Accept`
/// work too; `report.xlsx` and `report.pdf` are the files.
#[utoipa::path(
    get, path = "/api/v1/contracts/{id}/report", tag = "reports", operation_id = "get_contract_report",
    params(("id" = uuid::Uuid, Path, description = "Contract id"), ReportQuery),
    responses(
        (status = 200, description = "The report", body = ContractReport),
        crate::api::responses::RestrictedOneQuery,
    ),
    security(("bearer" = []))
)]
pub async fn report(
    state: web::Data<AppState>,
    p: Principal,
    req: HttpRequest,
    id: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let format = negotiate(&req)?;
    send(&live(&state, p, &id).await?, format)
}

/// A contract's end-of-contract report as a workbook
///
/// The report of `GET /api/v1/contracts/{id}/report` as an XLSX workbook: a sheet per table and,
/// on the months' sheet, a native chart of the validated hours against the pro rata line.
#[utoipa::path(
    get, path = "/api/v1/contracts/{id}/report.xlsx", tag = "reports", operation_id = "get_contract_report_xlsx",
    params(("id" = uuid::Uuid, Path, description = "Contract id")),
    responses(
        (status = 200, description = "The report's workbook", content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
         body = super::schemas::Workbook,
         headers(("Content-Disposition" = String, description = "attachment; filename=\"bilan-….xlsx\""))),
        crate::api::responses::RestrictedOneQuery,
    ),
    security(("bearer" = []))
)]
pub async fn report_xlsx(
    state: web::Data<AppState>,
    p: Principal,
    req: HttpRequest,
    id: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let format = file_format(&req, ReportFormat::Xlsx)?;
    send(&live(&state, p, &id).await?, format)
}

/// A contract's end-of-contract report as a PDF document
///
/// The report of `GET /api/v1/contracts/{id}/report` as a document a buyer files: A4, the
/// facilitator as issuer, the tables, a chart of validated hours by month against the pro rata
/// line, page numbers; its text is extractable.
#[utoipa::path(
    get, path = "/api/v1/contracts/{id}/report.pdf", tag = "reports", operation_id = "get_contract_report_pdf",
    params(("id" = uuid::Uuid, Path, description = "Contract id")),
    responses(
        (status = 200, description = "The report's PDF", content_type = "application/pdf",
         body = super::schemas::PdfDocument,
         headers(("Content-Disposition" = String, description = "attachment; filename=\"bilan-….pdf\""))),
        crate::api::responses::RestrictedOneQuery,
    ),
    security(("bearer" = []))
)]
pub async fn report_pdf(
    state: web::Data<AppState>,
    p: Principal,
    req: HttpRequest,
    id: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let format = file_format(&req, ReportFormat::Pdf)?;
    send(&live(&state, p, &id).await?, format)
}

/// Issue a contract's end-of-contract report
///
/// The facilitator, once the contract has ended (409 before): stores the report as it is now,
/// numbered `YYYY-NNNN` (the year of issue, then the contract's sequence that year), and answers
/// 201 with its location. Later changes never alter it; issuing again makes the next number.
#[utoipa::path(
    post, path = "/api/v1/contracts/{id}/report", tag = "reports", operation_id = "issue_contract_report",
    params(("id" = uuid::Uuid, Path, description = "Contract id")),
    responses(
        (status = 201, description = "The issued report", body = ContractReport,
         headers(("Location" = String, description = "/api/v1/contracts/{id}/reports/{number}"))),
        crate::api::responses::RestrictedOne,
        (status = 409, description = "The contract has not ended", body = crate::api::problem::Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub async fn issue(
    state: web::Data<AppState>,
    p: Principal,
    id: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let id = path_id(&id, "contract")?;
    let today = Utc::now().date_naive();
    let row = db::run(&state.pool, move |c| usecase::issue(c, &p, id, today)).await?;
    let data: ReportData = serde_json::from_value(row.body)
        .map_err(|e| ApiError::internal("reading an issued report", e))?;
    let location = format!("/api/v1/contracts/{id}/reports/{}", row.number);
    let report = ContractReport::new(data, Audience::Exact, Some((row.number, row.issued_on)));
    Ok(HttpResponse::Created()
        .insert_header((header::LOCATION, location))
        .json(report))
}

/// An issued end-of-contract report
///
/// The report as it was issued, whatever changed since. Readable as the live report is
/// (the facilitator, the buyer, the holder, the Département, the State); `?format=xlsx|pdf` and
/// `Accept` work too.
#[utoipa::path(
    get, path = "/api/v1/contracts/{id}/reports/{number}", tag = "reports", operation_id = "get_issued_report",
    params(
        ("id" = uuid::Uuid, Path, description = "Contract id"),
        ("number" = String, Path, description = "The report's number, `YYYY-NNNN`", pattern = "^[0-9]{4}-[0-9]{4}$"),
        ReportQuery,
    ),
    responses(
        (status = 200, description = "The issued report", body = ContractReport),
        crate::api::responses::RestrictedOneQuery,
    ),
    security(("bearer" = []))
)]
pub async fn issued(
    state: web::Data<AppState>,
    p: Principal,
    req: HttpRequest,
    path: web::Path<(String, String)>,
) -> ApiResult<HttpResponse> {
    let format = negotiate(&req)?;
    send(&stored(&state, p, &path).await?, format)
}

/// An issued end-of-contract report as a workbook
///
/// The issued report as an XLSX workbook, as `report.xlsx` is for the live one.
#[utoipa::path(
    get, path = "/api/v1/contracts/{id}/reports/{number}.xlsx", tag = "reports", operation_id = "get_issued_report_xlsx",
    params(
        ("id" = uuid::Uuid, Path, description = "Contract id"),
        ("number" = String, Path, description = "The report's number, `YYYY-NNNN`", pattern = "^[0-9]{4}-[0-9]{4}$"),
    ),
    responses(
        (status = 200, description = "The issued report's workbook", content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
         body = super::schemas::Workbook,
         headers(("Content-Disposition" = String, description = "attachment; filename=\"bilan-….xlsx\""))),
        crate::api::responses::RestrictedOneQuery,
    ),
    security(("bearer" = []))
)]
pub async fn issued_xlsx(
    state: web::Data<AppState>,
    p: Principal,
    req: HttpRequest,
    path: web::Path<(String, String)>,
) -> ApiResult<HttpResponse> {
    let format = file_format(&req, ReportFormat::Xlsx)?;
    send(&stored(&state, p, &path).await?, format)
}

/// An issued end-of-contract report as a PDF document
///
/// The issued report as a PDF, as `report.pdf` is for the live one, with its number.
#[utoipa::path(
    get, path = "/api/v1/contracts/{id}/reports/{number}.pdf", tag = "reports", operation_id = "get_issued_report_pdf",
    params(
        ("id" = uuid::Uuid, Path, description = "Contract id"),
        ("number" = String, Path, description = "The report's number, `YYYY-NNNN`", pattern = "^[0-9]{4}-[0-9]{4}$"),
    ),
    responses(
        (status = 200, description = "The issued report's PDF", content_type = "application/pdf",
         body = super::schemas::PdfDocument,
         headers(("Content-Disposition" = String, description = "attachment; filename=\"bilan-….pdf\""))),
        crate::api::responses::RestrictedOneQuery,
    ),
    security(("bearer" = []))
)]
pub async fn issued_pdf(
    state: web::Data<AppState>,
    p: Principal,
    req: HttpRequest,
    path: web::Path<(String, String)>,
) -> ApiResult<HttpResponse> {
    let format = file_format(&req, ReportFormat::Pdf)?;
    send(&stored(&state, p, &path).await?, format)
}

/// A penalty waiver: why the holder owes no penalty.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PenaltyWaiverInput {
    /// The holder showed it used every means.
    #[schema(required = true, nullable = false, min_length = 1)]
    pub reason: Option<String>,
}

/// Waive a contract's penalty
///
/// The facilitator only: the holder showed it used every means. The report then says
/// `waived: true`, `due: false` and the reason. Waiving again replaces the reason. The contract
/// gets its next version (the change feed carries it).
#[utoipa::path(
    post, path = "/api/v1/contracts/{id}/penalty-waiver", tag = "reports", operation_id = "waive_contract_penalty",
    params(("id" = uuid::Uuid, Path, description = "Contract id")),
    request_body = PenaltyWaiverInput,
    responses(
        (status = 204, description = "Waived"),
        crate::api::responses::CreatingUnder,
    ),
    security(("bearer" = []))
)]
pub async fn waive(
    state: web::Data<AppState>,
    p: Principal,
    req: HttpRequest,
    id: web::Path<String>,
    body: Bytes,
) -> ApiResult<HttpResponse> {
    let id = path_id(&id, "contract")?;
    let (input, v) = json_body::<PenaltyWaiverInput>(&req, &body)?;
    v.finish()?;
    db::run(&state.pool, move |c| {
        usecase::waive(c, &p, id, input.reason)
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Take a penalty waiver back
///
/// The facilitator only; 404 when the penalty is not waived.
#[utoipa::path(
    delete, path = "/api/v1/contracts/{id}/penalty-waiver", tag = "reports", operation_id = "unwaive_contract_penalty",
    params(("id" = uuid::Uuid, Path, description = "Contract id")),
    responses(
        (status = 204, description = "The waiver is taken back"),
        crate::api::responses::RestrictedOne,
    ),
    security(("bearer" = []))
)]
pub async fn unwaive(
    state: web::Data<AppState>,
    p: Principal,
    id: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let id = path_id(&id, "contract")?;
    db::run(&state.pool, move |c| usecase::unwaive(c, &p, id)).await?;
    Ok(HttpResponse::NoContent().finish())
}
