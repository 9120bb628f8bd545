//! Key figures and reports: aggregates only, scoped by role.

use actix_web::{web, HttpRequest, HttpResponse};
use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::export::{Cell, Export, ExportFormat, Table};
use super::input::query;
use crate::access;
use crate::auth::Principal;
use crate::db;
use crate::domain::breakdown::BreakdownKey;
use crate::domain::disclosure::{self, Audience, Count};
use crate::domain::fulfilment::{self, FulfilmentStatus};
use crate::error::ApiError;
use crate::error::{ApiResult, Violations};
use crate::models::stats as model;
use crate::state::AppState;
use crate::usecases;

use super::selection::{selection, FiguresQuery};

pub fn routes(cfg: &mut web::ServiceConfig) {
    let get = |path: &str, handler| super::http::resource(path).route(handler);
    cfg.service(get("/stats/key-figures", web::get().to(key_figures)))
        .service(get(
            "/stats/key-figures.csv",
            web::get().to(key_figures_csv),
        ))
        .service(get(
            "/stats/key-figures.xlsx",
            web::get().to(key_figures_xlsx),
        ))
        .service(get("/stats/breakdown", web::get().to(breakdown)))
        .service(get("/stats/breakdown.csv", web::get().to(breakdown_csv)))
        .service(get("/stats/breakdown.xlsx", web::get().to(breakdown_xlsx)))
        .service(get("/stats/contracts", web::get().to(contracts)))
        .service(get("/stats/contracts.csv", web::get().to(contracts_csv)))
        .service(get("/stats/contracts.xlsx", web::get().to(contracts_xlsx)))
        .service(super::http::resource("/stats/publications").route(web::post().to(publish)))
        .service(get("/reports/annual", web::get().to(annual_report)))
        .service(get(
            "/reports/annual.xlsx",
            web::get().to(annual_report_xlsx),
        ));
}

/// The figures the State, the Département, the PLIE and the European Social Fund ask for.
/// Read back from a publication too, hence `Deserialize`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct KeyFigures {
    #[schema(example = 2019)]
    pub year: i32,
    /// Distinct people with a placement active in the year (started by 31 December, not ended before 1 January).
    /// A person followed in two territories is two records, counted once in each and twice
    /// across them.
    #[schema(example = 169)]
    pub participants: i64,
    /// Masked by the disclosure rule; null for a company.
    #[schema(example = 14)]
    pub women: Count,
    /// Masked by the disclosure rule; null for a company.
    #[schema(example = 155)]
    pub men: Count,
    /// Participants under 26 (full years) on the later of 1 January and the start of their
    /// earliest placement active in the year. Masked by the disclosure rule; null for a company.
    pub under_26: Count,
    /// Participants living in a priority neighbourhood (QPV). Masked by the disclosure rule;
    /// null for a company.
    pub qpv_residents: Count,
    /// Placements starting in the year.
    #[schema(example = 204)]
    pub employment_contracts: i64,
    /// Validated worked + training hours of the year's months.
    #[schema(example = 47597.83)]
    pub hours: Decimal,
    /// The same for the year before.
    #[schema(example = 39538.2)]
    pub previous_year_hours: Decimal,
    /// `hours - previous_year_hours`.
    #[schema(example = 8059.63)]
    pub hours_change: Decimal,
    /// Distinct holders of contracts with a placement active in the year.
    #[schema(example = 41)]
    #[serde(default)]
    pub holders: i64,
}

/// Where key figures come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum FiguresSource {
    /// Computed now.
    Live,
    /// The year's publication, as the public card shows it.
    Publication,
}

/// Key figures as a caller reads them, and where they come from. Once a
/// year is published, its whole territory's figures are the published
/// ones for every reader but the facilitator (and a PLIE over its own
/// people), so that the public card and live figures cannot be set side by
/// side to single out whoever changed in between.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct KeyFiguresAnswer {
    #[serde(flatten)]
    pub figures: KeyFigures,
    pub source: FiguresSource,
    /// When the figures were published; null for live figures.
    #[schema(required = true)]
    pub published_at: Option<DateTime<Utc>>,
}

impl KeyFiguresAnswer {
    /// The figures of `source` as `audience` reads them: a publication as
    /// it was stored (masked then), live figures masked now.
    pub fn new(
        year: i32,
        source: usecases::figures::KeyFiguresSource,
        audience: Audience,
    ) -> ApiResult<KeyFiguresAnswer> {
        use usecases::figures::KeyFiguresSource::*;
        Ok(match source {
            Published(row) => KeyFiguresAnswer {
                figures: serde_json::from_value(row.figures)
                    .map_err(|e| ApiError::internal("reading a publication's figures", e))?,
                source: FiguresSource::Publication,
                published_at: Some(row.updated_at),
            },
            Live(k) => KeyFiguresAnswer {
                figures: KeyFigures::new(year, k, audience),
                source: FiguresSource::Live,
                published_at: None,
            },
        })
    }
}

impl KeyFigures {
    /// The figures as `audience` may read them: the only way to make them.
    pub fn new(year: i32, k: model::KeyFigureCounts, audience: Audience) -> KeyFigures {
        let sexes = disclosure::partition(audience, k.participants, &[k.women, k.men]);
        KeyFigures {
            year,
            participants: k.participants,
            women: sexes[0],
            men: sexes[1],
            under_26: disclosure::against_total(audience, k.participants, k.under_26),
            qpv_residents: disclosure::against_total(audience, k.participants, k.qpv_residents),
            employment_contracts: k.employment_contracts,
            hours: k.hours.normalize(),
            previous_year_hours: k.previous_year_hours.normalize(),
            hours_change: (k.hours - k.previous_year_hours).normalize(),
            holders: k.holders,
        }
    }
}

/// Key figures of a year
///
/// The figures the State, the Département, the PLIE and the European Social Fund ask for:
/// participants (people with a placement active in the year), women, men, under 26, QPV
/// residents, employment contracts (placements starting in the year), validated hours and the
/// year before's. The facilitator, a PLIE and the State read every territory (a territory's
/// facilitator its own); a company and a buyer their own contracts; the Département the
/// territories it oversees and the contracts it buys. Filters: `territory_id`, `buyer_id`,
/// `contract_id`, `operation`, `operation_id`, `referent_id`. A person followed in two
/// territories is two records, counted in each. Counts of people follow the disclosure rule
/// (API.md, "Disclosure control"). The same as a file: `/api/v1/stats/key-figures.csv`,
/// `/api/v1/stats/key-figures.xlsx`.
#[utoipa::path(
    get, path = "/api/v1/stats/key-figures", tag = "stats", operation_id = "get_key_figures",
    params(FiguresQuery),
    responses(
        (status = 200, description = "The year's key figures over the contracts you may see", body = KeyFiguresAnswer),
        crate::api::responses::RestrictedQuery,
    ),
    security(("bearer" = []))
)]
pub async fn key_figures(
    state: web::Data<AppState>,
    p: Principal,
    req: HttpRequest,
) -> ApiResult<HttpResponse> {
    key_figures_document(state, p, &req).await?.negotiated(&req)
}

super::endpoint::download! {
    csv, path = "/api/v1/stats/key-figures.csv", tag = "stats", operation_id = "get_key_figures_csv",
    params(FiguresQuery), ok = "The key figures' table: a header row and the year's row",
    errors = RestrictedQuery, document = key_figures_document;
    /// Key figures of a year, as CSV
    ///
    /// The table of `GET /api/v1/stats/key-figures` (same query, same access and disclosure
    /// rule) as a CSV file: a header row in French, then the year's row; a masked count reads
    /// `< 5` or `≥ 5`, a withheld one is empty.
    pub async fn key_figures_csv;
}

super::endpoint::download! {
    xlsx, path = "/api/v1/stats/key-figures.xlsx", tag = "stats", operation_id = "get_key_figures_xlsx",
    params(FiguresQuery), ok = "A workbook of one sheet, the key figures",
    errors = RestrictedQuery, document = key_figures_document;
    /// Key figures of a year, as XLSX
    ///
    /// The table of `GET /api/v1/stats/key-figures` (same query, same access and disclosure
    /// rule) as an Excel workbook of one sheet. Hours are numbers formatted to two decimals;
    /// the exact decimals are those of the JSON and the CSV.
    pub async fn key_figures_xlsx;
}

async fn key_figures_document(
    state: web::Data<AppState>,
    p: Principal,
    req: &HttpRequest,
) -> ApiResult<Export<KeyFiguresAnswer>> {
    let (q, v) = query::<FiguresQuery>(req);
    let (year, selection, format) = selection(&p, q, v)?;
    let audience = access::stats::audience(&p, selection.referent_id);
    let source = db::read(&state.pool, move |c| {
        usecases::figures::key_figures(c, &selection, year, audience)
    })
    .await?;
    let answer = KeyFiguresAnswer::new(year, source, audience)?;
    let table = answer.figures.table();
    Ok(Export::new(
        format,
        format!("chiffres-cles-{year}"),
        answer,
        vec![table],
    ))
}

impl KeyFigures {
    pub fn table(&self) -> Table {
        let mut t = Table::new(
            "Chiffres clés",
            &[
                "Année",
                "Participants",
                "Femmes",
                "Hommes",
                "Moins de 26 ans",
                "Résidents QPV",
                "Contrats de travail",
                "Heures réalisées",
                "Heures de l'année précédente",
                "Évolution des heures",
                "Entreprises titulaires",
            ],
        );
        t.rows.push(vec![
            Cell::Int(i64::from(self.year)),
            Cell::Int(self.participants),
            Cell::from(self.women),
            Cell::from(self.men),
            Cell::from(self.under_26),
            Cell::from(self.qpv_residents),
            Cell::Int(self.employment_contracts),
            Cell::Number(self.hours),
            Cell::Number(self.previous_year_hours),
            Cell::Number(self.hours_change),
            Cell::Int(self.holders),
        ]);
        t
    }
}

/// One row of a breakdown.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct BreakdownRow {
    /// The value split on: a code, `yes`/`no` for `qpv`, a contract id, an operation (null when none),
    /// a month `YYYY-MM`; null for an unknown qualification level.
    #[schema(required = true)]
    pub key: Option<String>,
    /// Masked by the disclosure rule.
    pub participants: Count,
    /// Null when `participants` is masked in a breakdown by a person's attribute.
    #[schema(required = true)]
    pub employment_contracts: Option<i64>,
    /// Null when `participants` is masked in a breakdown by a person's attribute.
    #[schema(required = true)]
    pub hours: Option<Decimal>,
}

/// The key figures split by one attribute. By `sex`, `age_band`, `qpv` and `qualification_level`
/// each person is in exactly one row (their attributes at their first placement of the year), so
/// every column sums to the key figures. By `modality`, `contract`, `operation`, `clause_type`,
/// `market_nature`, `cpv_division` (the CPV code's first two digits), `buyer_category` and
/// `employer_siae_type` (the employer's `siae_type`) a person with placements in two rows counts in
/// both, while contracts and hours sum to the totals; placements whose contract (or employer) has
/// no such attribute are in the row whose key is null. By `month`,
/// `hours` are that month's validated hours, `employment_contracts` the placements starting that
/// month, `participants` the people with validated hours that month. By `eligibility` rows overlap:
/// a person with two criteria is in two rows, with their contracts and hours. A breakdown by a
/// person's attribute (`sex`, `age_band`, `qualification_level`, `eligibility`, `qpv`) lists every
/// code of the key, 0 rows included (companies may not ask for one: 403); by other keys, keys with
/// nothing are left out. Counts of people follow the disclosure rule: a row whose count of people is
/// masked in a breakdown by a person's attribute shows neither contracts nor hours.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Breakdown {
    pub year: i32,
    pub by: BreakdownKey,
    pub rows: Vec<BreakdownRow>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct BreakdownQuery {
    /// The calendar year.
    #[param(required = true, minimum = 1990, maximum = 2100)]
    pub year: Option<i32>,
    /// What to split by.
    #[param(required = true)]
    pub by: Option<BreakdownKey>,
    /// Only contracts of this territory. A person followed in two territories is two records,
    /// counted in each.
    pub territory_id: Option<Uuid>,
    /// Only contracts of this buyer.
    pub buyer_id: Option<Uuid>,
    /// Only this contract.
    pub contract_id: Option<Uuid>,
    /// Only contracts of this operation (exact text).
    pub operation: Option<String>,
    /// Only contracts linked to this operation.
    pub operation_id: Option<Uuid>,
    /// Only people whose referent is this organisation (their placements and hours). A PLIE
    /// reads its own people's figures exactly.
    pub referent_id: Option<Uuid>,
    /// Left out of the document: each file has its own path (`….csv`, `….xlsx`).
    /// `?format=` and `Accept` still pick one on the JSON path, for the callers
    /// written before.
    #[param(ignore)]
    pub format: Option<ExportFormat>,
}

fn key_header(by: BreakdownKey) -> &'static str {
    match by {
        BreakdownKey::Sex => "Sexe",
        BreakdownKey::AgeBand => "Tranche d'âge",
        BreakdownKey::QualificationLevel => "Niveau de qualification",
        BreakdownKey::Eligibility => "Critère d'éligibilité",
        BreakdownKey::Modality => "Modalité",
        BreakdownKey::Qpv => "Résident QPV",
        BreakdownKey::Contract => "Marché",
        BreakdownKey::Operation => "Opération",
        BreakdownKey::Month => "Mois",
        BreakdownKey::ClauseType => "Type de clause",
        BreakdownKey::MarketNature => "Nature du marché",
        BreakdownKey::CpvDivision => "Division CPV",
        BreakdownKey::BuyerCategory => "Type d'acheteur",
        BreakdownKey::EmployerSiaeType => "Type de structure employeuse",
        BreakdownKey::Territory => "Territoire",
    }
}

fn sheet_name(by: BreakdownKey) -> &'static str {
    match by {
        BreakdownKey::Sex => "Par sexe",
        BreakdownKey::AgeBand => "Par âge",
        BreakdownKey::QualificationLevel => "Par qualification",
        BreakdownKey::Eligibility => "Par critère",
        BreakdownKey::Modality => "Par modalité",
        BreakdownKey::Qpv => "Par QPV",
        BreakdownKey::Contract => "Par marché",
        BreakdownKey::Operation => "Par opération",
        BreakdownKey::Month => "Par mois",
        BreakdownKey::ClauseType => "Par type de clause",
        BreakdownKey::MarketNature => "Par nature de marché",
        BreakdownKey::CpvDivision => "Par division CPV",
        BreakdownKey::BuyerCategory => "Par type d'acheteur",
        BreakdownKey::EmployerSiaeType => "Par type d'employeur",
        BreakdownKey::Territory => "Par territoire",
    }
}

impl Breakdown {
    /// The rows as `audience` may read them, over a selection of
    /// `participants` people: the only way to make them.
    pub fn new(
        year: i32,
        by: BreakdownKey,
        rows: model::BreakdownCounts,
        audience: Audience,
    ) -> Breakdown {
        let counts: Vec<i64> = rows.rows.iter().map(|r| r.participants).collect();
        let people = if by.is_partition() {
            disclosure::partition(audience, rows.participants, &counts)
        } else if by.is_person_attribute() {
            counts
                .iter()
                .map(|n| disclosure::attribute(audience, rows.participants, *n))
                .collect()
        } else {
            counts
                .iter()
                .map(|n| disclosure::people(audience, *n))
                .collect()
        };
        let hide_totals = by.is_person_attribute();
        Breakdown {
            year,
            by,
            rows: rows
                .rows
                .into_iter()
                .zip(people)
                .map(|(r, participants)| {
                    let shown = !(hide_totals && participants.is_masked());
                    BreakdownRow {
                        key: r.key,
                        participants,
                        employment_contracts: shown.then_some(r.employment_contracts),
                        hours: shown.then_some(r.hours.normalize()),
                    }
                })
                .collect(),
        }
    }

    pub fn table(&self) -> Table {
        let mut t = Table::new(
            sheet_name(self.by),
            &[
                key_header(self.by),
                "Participants",
                "Contrats de travail",
                "Heures réalisées",
            ],
        );
        for r in &self.rows {
            t.rows.push(vec![
                Cell::from(r.key.clone()),
                Cell::from(r.participants),
                r.employment_contracts.map_or(Cell::Empty, Cell::Int),
                r.hours.map_or(Cell::Empty, Cell::Number),
            ]);
        }
        t
    }
}

/// Figures of a year split by one key
///
/// `by`: a person's attribute (`sex`, `age_band`, `qualification_level`, `eligibility`, `qpv`:
/// not for a company, 403) or a placement's or contract's (`modality`, `contract`, `operation`,
/// `month`, `clause_type`, `market_nature`, `cpv_division`, `buyer_category`,
/// `employer_siae_type`). Each row has participants, employment contracts and hours; counts of
/// people follow the disclosure rule. The same as a file: `/api/v1/stats/breakdown.csv`,
/// `/api/v1/stats/breakdown.xlsx`.
#[utoipa::path(
    get, path = "/api/v1/stats/breakdown", tag = "stats", operation_id = "get_breakdown",
    params(BreakdownQuery),
    responses(
        (status = 200, description = "The year's figures split by one attribute", body = Breakdown),
        crate::api::responses::RestrictedQuery,
    ),
    security(("bearer" = []))
)]
pub async fn breakdown(
    state: web::Data<AppState>,
    p: Principal,
    req: HttpRequest,
) -> ApiResult<HttpResponse> {
    breakdown_document(state, p, &req).await?.negotiated(&req)
}

super::endpoint::download! {
    csv, path = "/api/v1/stats/breakdown.csv", tag = "stats", operation_id = "get_breakdown_csv",
    params(BreakdownQuery), ok = "The breakdown's table: a header row, then a row per value of the key",
    errors = RestrictedQuery, document = breakdown_document;
    /// Figures of a year split by one key, as CSV
    ///
    /// The rows of `GET /api/v1/stats/breakdown` (same query, same access and disclosure rule)
    /// as a CSV file: a header row in French, then a row per value of the key.
    pub async fn breakdown_csv;
}

super::endpoint::download! {
    xlsx, path = "/api/v1/stats/breakdown.xlsx", tag = "stats", operation_id = "get_breakdown_xlsx",
    params(BreakdownQuery), ok = "A workbook of one sheet, the breakdown",
    errors = RestrictedQuery, document = breakdown_document;
    /// Figures of a year split by one key, as XLSX
    ///
    /// The rows of `GET /api/v1/stats/breakdown` (same query, same access and disclosure rule)
    /// as an Excel workbook of one sheet.
    pub async fn breakdown_xlsx;
}

async fn breakdown_document(
    state: web::Data<AppState>,
    p: Principal,
    req: &HttpRequest,
) -> ApiResult<Export<Breakdown>> {
    let (q, mut v) = query::<BreakdownQuery>(req);
    let (by, figures) = match q {
        Some(q) => (
            q.by,
            Some(FiguresQuery {
                year: q.year,
                territory_id: q.territory_id,
                buyer_id: q.buyer_id,
                contract_id: q.contract_id,
                operation: q.operation,
                operation_id: q.operation_id,
                referent_id: q.referent_id,
                format: q.format,
            }),
        ),
        None => (None, None),
    };
    let by = v.require("by", by);
    let (year, selection, format) = selection(&p, figures, v)?;
    let by = by.unwrap_or(BreakdownKey::Sex);
    if by.is_person_attribute() {
        access::stats::person_attributes(&p)?;
    }
    let audience = access::stats::audience(&p, selection.referent_id);
    let rows = db::read(&state.pool, move |c| {
        usecases::figures::breakdown(c, &selection, year, by)
    })
    .await?;
    let b = Breakdown::new(year, by, rows, audience);
    let table = b.table();
    Ok(Export::new(
        format,
        format!("repartition-{}-{year}", by.as_str()),
        b,
        vec![table],
    ))
}

/// One contract's year, for the buyers' dashboards.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ContractYearRow {
    pub contract_id: Uuid,
    pub reference: String,
    pub title: String,
    pub buyer_id: Uuid,
    pub holder_id: Uuid,
    #[schema(required = true)]
    pub operation: Option<String>,
    pub start_date: NaiveDate,
    pub end_date: NaiveDate,
    pub commitment_hours: Decimal,
    /// Validated hours of the year's months.
    pub hours_year: Decimal,
    /// Validated hours up to the end of the year (today, for the current year).
    pub hours_to_date: Decimal,
    /// hours_to_date ÷ commitment_hours, 4 decimals.
    pub share_done: Decimal,
    /// As in the contract's fulfilment, on `to_date`.
    pub status: FulfilmentStatus,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ContractsReport {
    pub year: i32,
    /// The day `hours_to_date` and `status` are computed for.
    pub to_date: NaiveDate,
    pub rows: Vec<ContractYearRow>,
}

impl ContractsReport {
    pub fn new(year: i32, to_date: NaiveDate, rows: Vec<model::ContractYear>) -> ContractsReport {
        let rows = rows
            .into_iter()
            .map(|r| {
                let f = fulfilment::against(
                    r.commitment_hours,
                    r.expected_hours_to_date,
                    r.hours_to_date,
                    Decimal::ZERO,
                );
                ContractYearRow {
                    contract_id: r.id,
                    reference: r.reference,
                    title: r.title,
                    buyer_id: r.buyer_id,
                    holder_id: r.holder_id,
                    operation: r.operation,
                    start_date: r.start_date,
                    end_date: r.end_date,
                    commitment_hours: r.commitment_hours.normalize(),
                    hours_year: r.hours_year.normalize(),
                    hours_to_date: r.hours_to_date.normalize(),
                    share_done: f.share_done,
                    status: f.status,
                }
            })
            .collect();
        ContractsReport {
            year,
            to_date,
            rows,
        }
    }

    pub fn table(&self) -> Table {
        let mut t = Table::new(
            "Marchés",
            &[
                "Marché",
                "Référence",
                "Intitulé",
                "Acheteur",
                "Titulaire",
                "Opération",
                "Début",
                "Fin",
                "Engagement (heures)",
                "Heures de l'année",
                "Heures à date",
                "Part réalisée",
                "Avancement",
            ],
        );
        for r in &self.rows {
            t.rows.push(vec![
                Cell::Text(r.contract_id.to_string()),
                Cell::Text(r.reference.clone()),
                Cell::Text(r.title.clone()),
                Cell::Text(r.buyer_id.to_string()),
                Cell::Text(r.holder_id.to_string()),
                Cell::from(r.operation.clone()),
                Cell::Text(r.start_date.to_string()),
                Cell::Text(r.end_date.to_string()),
                Cell::Number(r.commitment_hours),
                Cell::Number(r.hours_year),
                Cell::Number(r.hours_to_date),
                Cell::Number(r.share_done),
                Cell::Text(r.status.as_str().to_string()),
            ]);
        }
        t
    }
}

/// The figures' query, and which fulfilment statuses to keep.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ContractsQuery {
    /// The calendar year.
    #[param(required = true, minimum = 1990, maximum = 2100)]
    pub year: Option<i32>,
    /// Only contracts of this territory. A person followed in two territories is two records,
    /// counted in each.
    pub territory_id: Option<Uuid>,
    /// Only contracts of this buyer.
    pub buyer_id: Option<Uuid>,
    /// Only this contract.
    pub contract_id: Option<Uuid>,
    /// Only contracts of this operation (exact text).
    pub operation: Option<String>,
    /// Only contracts linked to this operation.
    pub operation_id: Option<Uuid>,
    /// Only people whose referent is this organisation (their placements and hours).
    pub referent_id: Option<Uuid>,
    /// Only rows of this fulfilment status, or of a comma list of them (`behind,on_track`).
    #[param(
        example = "behind",
        pattern = "^(ahead|on_track|behind|done)(,(ahead|on_track|behind|done))*$"
    )]
    pub status: Option<String>,
    /// Left out of the document: each file has its own path (`….csv`, `….xlsx`).
    /// `?format=` and `Accept` still pick one on the JSON path, for the callers
    /// written before.
    #[param(ignore)]
    pub format: Option<ExportFormat>,
}

fn fulfilment_statuses(v: &mut Violations, value: Option<&str>) -> Vec<FulfilmentStatus> {
    let mut out = Vec::new();
    for code in value.into_iter().flat_map(|s| s.split(',')) {
        match FulfilmentStatus::parse(code.trim()) {
            Some(s) if !out.contains(&s) => out.push(s),
            Some(_) => {}
            None => {
                v.add(
                    "status",
                    format!("`{code}` is not a status: ahead, on_track, behind or done, or a comma list of them"),
                );
                return Vec::new();
            }
        }
    }
    out
}

/// The day "to date" means for a year: its last day, or today for the current year.
fn to_date(year: i32) -> NaiveDate {
    let today = Utc::now().date_naive();
    model::year_bounds(year).1.min(today)
}

/// Each contract's hours in a year
///
/// Every contract you may see active during the year, with its validated hours of the year and
/// to date against its commitment, and its fulfilment status (`status` filters it). The same as
/// a file: `/api/v1/stats/contracts.csv`, `/api/v1/stats/contracts.xlsx`.
#[utoipa::path(
    get, path = "/api/v1/stats/contracts", tag = "stats", operation_id = "get_contracts_report",
    params(ContractsQuery),
    responses(
        (status = 200, description = "Every visible contract active during the year", body = ContractsReport),
        crate::api::responses::RestrictedQuery,
    ),
    security(("bearer" = []))
)]
pub async fn contracts(
    state: web::Data<AppState>,
    p: Principal,
    req: HttpRequest,
) -> ApiResult<HttpResponse> {
    contracts_document(state, p, &req).await?.negotiated(&req)
}

super::endpoint::download! {
    csv, path = "/api/v1/stats/contracts.csv", tag = "stats", operation_id = "get_contracts_report_csv",
    params(ContractsQuery), ok = "The contracts' table: a header row, then a row per contract",
    errors = RestrictedQuery, document = contracts_document;
    /// Each contract's hours in a year, as CSV
    ///
    /// The rows of `GET /api/v1/stats/contracts` (same query, same access) as a CSV file: a
    /// header row in French, then a row per contract.
    pub async fn contracts_csv;
}

super::endpoint::download! {
    xlsx, path = "/api/v1/stats/contracts.xlsx", tag = "stats", operation_id = "get_contracts_report_xlsx",
    params(ContractsQuery), ok = "A workbook of one sheet, the contracts",
    errors = RestrictedQuery, document = contracts_document;
    /// Each contract's hours in a year, as XLSX
    ///
    /// The rows of `GET /api/v1/stats/contracts` (same query, same access) as an Excel workbook
    /// of one sheet.
    pub async fn contracts_xlsx;
}

async fn contracts_document(
    state: web::Data<AppState>,
    p: Principal,
    req: &HttpRequest,
) -> ApiResult<Export<ContractsReport>> {
    let (q, mut v) = query::<ContractsQuery>(req);
    let keep = fulfilment_statuses(&mut v, q.as_ref().and_then(|q| q.status.as_deref()));
    let q = q.map(|q| FiguresQuery {
        year: q.year,
        territory_id: q.territory_id,
        buyer_id: q.buyer_id,
        contract_id: q.contract_id,
        operation: q.operation,
        operation_id: q.operation_id,
        referent_id: q.referent_id,
        format: q.format,
    });
    let (year, selection, format) = selection(&p, q, v)?;
    let on = to_date(year);
    let rows = db::read(&state.pool, move |c| {
        model::contracts_of_year(c, &selection, year, on)
    })
    .await?;
    let mut report = ContractsReport::new(year, on, rows);
    if !keep.is_empty() {
        report.rows.retain(|r| keep.contains(&r.status));
    }
    let table = report.table();
    Ok(Export::new(
        format,
        format!("marches-{year}"),
        report,
        vec![table],
    ))
}

/// Everything of a year in one document.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AnnualReport {
    pub key_figures: KeyFiguresAnswer,
    pub breakdowns: Vec<Breakdown>,
    pub contracts: ContractsReport,
    /// What became of the people whose placement ended in the year; null for a company.
    #[schema(required = true)]
    pub outcomes: Option<super::outcome_figures::OutcomeFigures>,
}

/// The annual report
///
/// Everything of a year in one answer: key figures, every breakdown your role may read, each
/// contract's hours and, for the facilitator and a PLIE, what became of the leavers. The same as
/// one workbook, a sheet per table: `/api/v1/reports/annual.xlsx`.
#[utoipa::path(
    get, path = "/api/v1/reports/annual", tag = "stats", operation_id = "get_annual_report",
    params(FiguresQuery),
    responses(
        (status = 200, description = "Key figures, every breakdown, the contracts table and the outcomes", body = AnnualReport),
        crate::api::responses::RestrictedQuery,
    ),
    security(("bearer" = []))
)]
pub async fn annual_report(
    state: web::Data<AppState>,
    p: Principal,
    req: HttpRequest,
) -> ApiResult<HttpResponse> {
    annual_report_document(state, p, &req)
        .await?
        .negotiated(&req)
}

super::endpoint::download! {
    xlsx, path = "/api/v1/reports/annual.xlsx", tag = "stats", operation_id = "get_annual_report_xlsx",
    params(FiguresQuery), ok = "A workbook, a sheet per table of the annual report",
    errors = RestrictedQuery, document = annual_report_document;
    /// The annual report, as XLSX
    ///
    /// Everything of `GET /api/v1/reports/annual` (same query, same access and disclosure rule)
    /// in one Excel workbook: the key figures, a sheet per breakdown your role may read, the
    /// contracts and, for the facilitator and a PLIE, the outcomes. There is no CSV: the report is
    /// several tables.
    pub async fn annual_report_xlsx;
}

async fn annual_report_document(
    state: web::Data<AppState>,
    p: Principal,
    req: &HttpRequest,
) -> ApiResult<Export<AnnualReport>> {
    let (q, v) = query::<FiguresQuery>(req);
    let (year, selection, format) = selection(&p, q, v)?;
    // Refused before the figures are computed: one CSV file cannot hold
    // several tables (`Accept: text/csv` is refused by `Export` itself).
    if format == Some(ExportFormat::Csv) {
        return Err(ApiError::validation(
            "format",
            "the annual report is several tables: ask for json or xlsx",
        ));
    }
    let on = to_date(year);
    let audience = access::stats::audience(&p, selection.referent_id);
    // A company reads no breakdown by its people's attributes; the split by
    // territory comes only where there are several (usecases::figures).
    let keys: Vec<BreakdownKey> = BreakdownKey::ALL
        .iter()
        .copied()
        .filter(|by| *by != BreakdownKey::Territory)
        .filter(|by| !by.is_person_attribute() || access::stats::person_attributes(&p).is_ok())
        .collect();
    // A situation is a person's attribute: not for a company either.
    let with_outcomes = access::stats::person_attributes(&p).is_ok();
    let (annual, source) = db::read(&state.pool, move |c| {
        usecases::figures::annual(c, &selection, year, on, &keys, with_outcomes, audience)
    })
    .await?;
    let key_figures = KeyFiguresAnswer::new(year, source, audience)?;
    let report = AnnualReport {
        key_figures,
        breakdowns: annual
            .breakdowns
            .into_iter()
            .map(|(by, rows)| Breakdown::new(year, by, rows, audience))
            .collect(),
        contracts: ContractsReport::new(year, on, annual.contracts),
        outcomes: annual
            .outcomes
            .map(|o| super::outcome_figures::OutcomeFigures::new(year, o, audience)),
    };
    let mut tables = vec![report.key_figures.figures.table()];
    tables.extend(report.breakdowns.iter().map(Breakdown::table));
    tables.push(report.contracts.table());
    tables.extend(report.outcomes.iter().map(|o| o.table()));
    Ok(Export::new(format, format!("rapport-annuel-{year}"), report, tables).without_csv())
}

/// A year to publish.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PublicationRequest {
    #[schema(required = true, nullable = false, minimum = 1990, maximum = 2100)]
    pub year: Option<i32>,
    /// Publish this territory's figures rather than the whole deployment's. A territory's
    /// facilitator publishes its own territory's (unless it is the only one) and need not
    /// name it.
    pub territory_id: Option<Uuid>,
}

/// A published year: the public figures as they are served at `/public/key-figures/{year}.json`.
#[derive(Debug, Serialize, ToSchema)]
pub struct Publication {
    pub year: i32,
    /// The territory whose figures these are; null for the whole deployment.
    #[schema(required = true)]
    pub territory_id: Option<Uuid>,
    /// How many times the year has been published.
    pub version: i32,
    pub published_at: DateTime<Utc>,
    /// The key figures masked as a buyer reads them.
    #[schema(value_type = KeyFigures)]
    pub figures: serde_json::Value,
    pub json_url: String,
    pub svg_url: String,
}

/// Publish a year's key figures
///
/// Facilitator only. Freezes the year's key figures of the whole deployment (or of the
/// territory named: `territory_id`), masked as a buyer would read them, for
/// `/public/key-figures/{year}.json` and `.svg` (`?territory_id=` for a territory's): 201 the
/// first time; publishing the year again answers 200 with today's figures. A territory's
/// facilitator publishes its territory's (the whole deployment's when it is the only one).
#[utoipa::path(
    post, path = "/api/v1/stats/publications", tag = "stats", operation_id = "publish_key_figures",
    request_body = PublicationRequest,
    responses(
        (status = 201, description = "The year is published", body = Publication,
         headers(("Location" = String, description = "The published figures, `/public/key-figures/{year}.json`"))),
        (status = 200, description = "The year is published again, with today's figures", body = Publication),
        crate::api::responses::Creating,
    ),
    security(("bearer" = []))
)]
pub async fn publish(
    state: web::Data<AppState>,
    p: Principal,
    req: HttpRequest,
    body: actix_web::web::Bytes,
) -> ApiResult<HttpResponse> {
    access::stats::publish(&p)?;
    let (input, mut v) = super::input::json_body::<PublicationRequest>(&req, &body)?;
    let year = super::selection::year(&mut v, input.year);
    let year = v.finish_with(year)?;
    let named = input.territory_id;
    let (row, first) = db::run(&state.pool, move |c| {
        usecases::publications::publish(c, &p, year, named, |figures| {
            // The public reads what a buyer would.
            serde_json::to_value(KeyFigures::new(year, figures, Audience::Masked))
                .map_err(|e| ApiError::internal("rendering a publication's figures", e))
        })
    })
    .await?;
    let query = row
        .territory_id
        .map(|t| format!("?territory_id={t}"))
        .unwrap_or_default();
    let body = Publication {
        year: row.year,
        territory_id: row.territory_id,
        version: row.version,
        published_at: row.updated_at,
        figures: row.figures,
        json_url: format!("/public/key-figures/{year}.json{query}"),
        svg_url: format!("/public/key-figures/{year}.svg{query}"),
    };
    Ok(if first {
        HttpResponse::Created()
            .insert_header((actix_web::http::header::LOCATION, body.json_url.clone()))
            .json(body)
    } else {
        HttpResponse::Ok().json(body)
    })
}
