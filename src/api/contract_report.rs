//! The end-of-contract report (bilan de la clause) in JSON, XLSX and PDF,
//! issued reports, and the penalty's waiver.

use actix_web::http::header;
use actix_web::web::{self, Bytes};
use actix_web::{HttpRequest, HttpResponse};
use chrono::{NaiveDate, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::export::{Cell, Table, XLSX};
use super::http::path_id;
use super::input::{json_body, query};
use super::outcome_figures::OutcomeGroups;
use crate::access;
use crate::auth::Principal;
use crate::db;
use crate::domain::codes::Modality;
use crate::domain::disclosure::{self, Audience, Count};
use crate::domain::fulfilment::FulfilmentStatus;
use crate::domain::outcome;
use crate::domain::report::{HistoryLine, MonthLine, Penalty, ReportContract, ReportData};
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

/// A modality's hours, placements and people.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ModalityLine {
    pub modality: Modality,
    pub hours: Decimal,
    pub placements: i64,
    /// Distinct people; 1 to 4 answer `"< 5"` for readers other than the facilitator.
    pub people: Count,
}

/// The people placed on the contract by the report's day, under the disclosure rule.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ReportPeople {
    /// Exact: a total of the whole selection.
    pub participants: i64,
    pub women: Count,
    pub men: Count,
    /// Aged under 26 on their first placement's start on the contract.
    pub under_26: Count,
    pub qpv_residents: Count,
}

/// What became of the people whose placement on the contract ended.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ReportOutcomes {
    /// Placements ended by the report's day.
    pub ended: i64,
    /// Of those, the ones with an outcome recorded.
    pub with_outcome: i64,
    pub groups: OutcomeGroups,
    /// (durable + transitional + positive) ÷ `with_outcome`, 4 decimals; null without outcomes
    /// or when a group is masked.
    #[schema(required = true, value_type = Option<f64>)]
    pub dynamic_exit_rate: Option<Decimal>,
}

/// The end-of-contract report: what was done against what was owed, as of the contract's end
/// (or today while it runs).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ContractReport {
    /// `YYYY-NNNN` once issued; null for the live report.
    #[schema(required = true)]
    pub number: Option<String>,
    #[schema(required = true)]
    #[serde(serialize_with = "super::json::opt_day")]
    pub issued_on: Option<NaiveDate>,
    /// The territory's facilitator, who issues the report.
    pub issuer: String,
    /// The day the report is as of: the contract's end once ended, else today.
    #[serde(serialize_with = "super::json::day")]
    pub as_of: NaiveDate,
    /// Whether the contract has ended.
    pub ended: bool,
    pub contract: ReportContract,
    /// The commitment as signed, then each amendment and order.
    pub commitment_history: Vec<HistoryLine>,
    /// The commitment on the report's day.
    pub commitment_hours: Decimal,
    pub validated_hours: Decimal,
    pub declared_hours: Decimal,
    pub expected_hours_to_date: Decimal,
    /// validated_hours ÷ commitment_hours, 4 decimals.
    pub share_done: Decimal,
    pub status: FulfilmentStatus,
    pub hours_by_month: Vec<MonthLine>,
    pub hours_by_modality: Vec<ModalityLine>,
    pub people: ReportPeople,
    /// Placements started by the report's day.
    pub employment_contracts: i64,
    pub outcomes: ReportOutcomes,
    pub penalty: Penalty,
}

impl ContractReport {
    /// The report as `audience` may read it: the only way to make it.
    pub fn new(
        d: ReportData,
        audience: Audience,
        issued: Option<(String, NaiveDate)>,
    ) -> ContractReport {
        let p = &d.people;
        let sexes = disclosure::partition(audience, p.participants, &[p.women, p.men]);
        let attribute = |n| match audience {
            Audience::Company => Count::Withheld,
            _ => disclosure::against_total(audience, p.participants, n),
        };
        let people = ReportPeople {
            participants: p.participants,
            women: if audience == Audience::Company {
                Count::Withheld
            } else {
                sexes[0]
            },
            men: if audience == Audience::Company {
                Count::Withheld
            } else {
                sexes[1]
            },
            under_26: attribute(p.under_26),
            qpv_residents: attribute(p.qpv_residents),
        };
        let o = &d.outcomes;
        let placements: Vec<i64> = o.groups.iter().map(|g| g.placements).collect();
        let of_people: Vec<i64> = o.groups.iter().map(|g| g.people).collect();
        let shown = disclosure::partition_of_people(
            audience,
            o.people_with_outcome,
            &placements,
            &of_people,
        );
        let dynamic: i64 = o
            .groups
            .iter()
            .filter(|g| g.group.is_dynamic())
            .map(|g| g.placements)
            .sum();
        let dynamic_exit_rate = if shown.iter().any(|c| c.exact().is_none()) {
            None
        } else {
            outcome::dynamic_exit_rate(dynamic, o.with_outcome)
        };
        let group = |i: usize| shown.get(i).copied().unwrap_or(Count::Exact(0));
        let (number, issued_on) = issued.unzip();
        ContractReport {
            number,
            issued_on,
            issuer: d.issuer,
            as_of: d.as_of,
            ended: d.ended,
            contract: d.contract,
            commitment_history: d.history,
            commitment_hours: d.commitment_hours,
            validated_hours: d.validated_hours,
            declared_hours: d.declared_hours,
            expected_hours_to_date: d.expected_hours_to_date,
            share_done: d.share_done,
            status: d.status,
            hours_by_month: d.months,
            hours_by_modality: d
                .modalities
                .into_iter()
                .map(|m| ModalityLine {
                    modality: m.modality,
                    hours: m.hours,
                    placements: m.placements,
                    people: disclosure::people(audience, m.people),
                })
                .collect(),
            people,
            employment_contracts: d.employment_contracts,
            outcomes: ReportOutcomes {
                ended: o.ended,
                with_outcome: o.with_outcome,
                groups: OutcomeGroups {
                    durable_employment: group(0),
                    transitional_employment: group(1),
                    positive_exit: group(2),
                    other: group(3),
                    unknown: group(4),
                },
                dynamic_exit_rate,
            },
            penalty: d.penalty,
        }
    }

    /// The file's name without its extension.
    pub fn filename(&self) -> String {
        let safe: String = self
            .contract
            .reference
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || c == '-' {
                    c
                } else {
                    '_'
                }
            })
            .collect();
        match &self.number {
            Some(n) => format!("bilan-{safe}-{n}"),
            None => format!("bilan-{safe}"),
        }
    }

    /// The report's tables, a sheet each; the months' sheet is the third.
    pub fn tables(&self) -> Vec<Table> {
        let c = &self.contract;
        let mut contract = Table::new("Marché", &["Rubrique", "Valeur"]);
        let text = |s: &str| Cell::Text(s.to_string());
        let num = |d: Option<Decimal>| d.map(Cell::Number).unwrap_or(Cell::Empty);
        let rows: Vec<(&str, Cell)> = vec![
            ("Émetteur", text(&self.issuer)),
            ("Numéro", self.number.clone().into()),
            ("Établi au", text(&self.as_of.to_string())),
            ("Référence", text(&c.reference)),
            ("Objet", text(&c.title)),
            ("Acheteur", text(&c.buyer)),
            ("Titulaire", text(&c.holder)),
            ("Type de clause", text(c.clause_type.as_str())),
            ("Prix", text(c.pricing.as_str())),
            ("Début", text(&c.start_date.to_string())),
            ("Fin", text(&c.end_date.to_string())),
            ("Fin initiale", text(&c.initial_end_date.to_string())),
            ("Montant HT", num(c.amount_excl_tax)),
            ("Montant HT initial", num(c.initial_amount_excl_tax)),
            ("Montant maximum HT", num(c.max_amount_excl_tax)),
            (
                "Engagement initial (h)",
                Cell::Number(c.initial_commitment_hours),
            ),
            ("Engagement (h)", Cell::Number(self.commitment_hours)),
            ("Heures validées", Cell::Number(self.validated_hours)),
            ("Heures déclarées", Cell::Number(self.declared_hours)),
            (
                "Heures attendues",
                Cell::Number(self.expected_hours_to_date),
            ),
            ("Part réalisée", Cell::Number(self.share_done)),
            ("Statut", text(self.status.as_str())),
            ("Contrats de travail", Cell::Int(self.employment_contracts)),
        ];
        for (k, v) in rows {
            contract.rows.push(vec![text(k), v]);
        }
        let mut history = Table::new(
            "Engagement",
            &[
                "Nature",
                "Date",
                "Référence",
                "Montant HT",
                "Fin",
                "Heures",
                "Engagement après",
                "Motif",
            ],
        );
        for h in &self.commitment_history {
            history.rows.push(vec![
                text(h.kind.as_str()),
                text(&h.date.to_string()),
                h.reference.clone().into(),
                num(h.amount_excl_tax),
                h.end_date
                    .map(|d| text(&d.to_string()))
                    .unwrap_or(Cell::Empty),
                num(h.commitment_hours),
                Cell::Number(h.commitment_after),
                h.reason.clone().into(),
            ]);
        }
        let mut months = Table::new(
            "Heures par mois",
            &["Mois", "Heures validées", "Cumul", "Attendu (prorata)"],
        );
        for m in &self.hours_by_month {
            months.rows.push(vec![
                text(&m.month.to_string()),
                Cell::Number(m.hours),
                Cell::Number(m.cumulative_hours),
                Cell::Number(m.expected_hours),
            ]);
        }
        let mut modalities = Table::new(
            "Modalités",
            &["Modalité", "Heures validées", "Contrats", "Personnes"],
        );
        for m in &self.hours_by_modality {
            modalities.rows.push(vec![
                text(m.modality.as_str()),
                Cell::Number(m.hours),
                Cell::Int(m.placements),
                m.people.into(),
            ]);
        }
        let mut people = Table::new("Personnes", &["Indicateur", "Valeur"]);
        let p = &self.people;
        for (k, v) in [
            ("Participants", Cell::Int(p.participants)),
            ("Femmes", p.women.into()),
            ("Hommes", p.men.into()),
            ("Moins de 26 ans", p.under_26.into()),
            ("Résidents QPV", p.qpv_residents.into()),
        ] {
            people.rows.push(vec![text(k), v]);
        }
        let mut outcomes = Table::new("Sorties", &["Groupe", "Contrats terminés"]);
        let g = &self.outcomes.groups;
        for (k, v) in [
            ("durable_employment", g.durable_employment),
            ("transitional_employment", g.transitional_employment),
            ("positive_exit", g.positive_exit),
            ("other", g.other),
            ("unknown", g.unknown),
        ] {
            outcomes.rows.push(vec![text(k), v.into()]);
        }
        let mut penalty = Table::new("Pénalité", &["Rubrique", "Valeur"]);
        let pe = &self.penalty;
        for (k, v) in [
            ("Heures manquantes", Cell::Number(pe.missing_hours)),
            ("Taux (€/h)", num(pe.rate)),
            ("Plafond", num(pe.cap)),
            ("Montant", num(pe.amount)),
            ("Exigible", text(if pe.due { "oui" } else { "non" })),
            ("Levée", text(if pe.waived { "oui" } else { "non" })),
            ("Motif de la levée", pe.reason.clone().into()),
        ] {
            penalty.rows.push(vec![text(k), v]);
        }
        vec![
            contract, history, months, modalities, people, outcomes, penalty,
        ]
    }

    /// The workbook: a sheet per table, and on the months' sheet a native
    /// chart of the validated hours against the pro rata line.
    pub fn xlsx(&self) -> ApiResult<Vec<u8>> {
        use rust_xlsxwriter::{Chart, ChartType};
        let fail = |e: rust_xlsxwriter::XlsxError| ApiError::internal("writing XLSX", e);
        let tables = self.tables();
        let mut book = super::export::workbook(&tables)?;
        let rows = self.hours_by_month.len() as u32;
        if rows > 0 {
            let sheet = "Heures par mois";
            let mut chart = Chart::new(ChartType::Line);
            chart
                .title()
                .set_name("Heures validées cumulées et prorata attendu");
            chart
                .add_series()
                .set_name("Heures validées (cumul)")
                .set_categories((sheet, 1, 0, rows, 0))
                .set_values((sheet, 1, 2, rows, 2));
            chart
                .add_series()
                .set_name("Attendu (prorata)")
                .set_categories((sheet, 1, 0, rows, 0))
                .set_values((sheet, 1, 3, rows, 3));
            chart.x_axis().set_name("Mois");
            chart.y_axis().set_name("Heures");
            book.worksheet_from_name(sheet)
                .map_err(fail)?
                .insert_chart(1, 5, &chart)
                .map_err(fail)?;
        }
        book.save_to_buffer().map_err(fail)
    }
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
    let data = db::run(&state.pool, move |c| usecase::current(c, &p, id, today)).await?;
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
/// `waived: true`, `due: false` and the reason. Waiving again replaces the reason.
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
