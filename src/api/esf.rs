//! `GET /api/v1/reports/esf`: the European Social Fund's common indicators
//! of a year, for the facilitator and for a PLIE over its own people.

use actix_web::{web, HttpRequest, HttpResponse};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::export::{Cell, Export, ExportFormat, Table};
use super::input::query_or_default;
use crate::access;
use crate::auth::Principal;
use crate::db;
use crate::error::ApiResult;
use crate::models::esf::{self as model, IndicatorCount};
use crate::models::stats::year_bounds;
use crate::state::AppState;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(super::http::resource("/reports/esf").route(web::get().to(esf)))
        .service(super::http::resource("/reports/esf.csv").route(web::get().to(esf_csv)))
        .service(super::http::resource("/reports/esf.xlsx").route(web::get().to(esf_xlsx)));
}

/// The indicators in the order of API.md, with the Fund's French labels.
pub const INDICATORS: [(&str, &str); 15] = [
    ("EECO01", "Participants entrés dans l'année"),
    ("EECO03", "Chômeurs de longue durée"),
    ("EECO06", "Moins de 18 ans"),
    ("EECO07", "De 18 à 29 ans"),
    ("EECO08", "55 ans et plus"),
    ("EECO09", "Niveau inférieur au CAP (infra 3)"),
    ("EECO10", "Niveau CAP à baccalauréat (3 et 4)"),
    ("EECO11", "Niveau supérieur au baccalauréat (5 à 8)"),
    ("EECO12", "Participants handicapés"),
    ("leavers", "Participants sortis dans l'année"),
    ("EECR01", "Sortis en recherche d'emploi"),
    ("EECR02", "Sortis en formation"),
    ("EECR03", "Sortis avec une qualification"),
    ("EECR04", "Sortis en emploi, y compris indépendant"),
    ("EECR05", "En emploi six mois après la sortie"),
];

#[derive(Debug, Serialize, ToSchema)]
pub struct EsfRow {
    /// The Fund's indicator code, as it is.
    #[schema(example = "EECO01")]
    pub indicator: String,
    pub label: String,
    pub women: i64,
    pub men: i64,
    pub total: i64,
}

/// The European Social Fund's common indicators of a year.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"year": 2019, "referent_id": null, "rows": [
    {"indicator": "EECO01", "label": "Participants entrés dans l'année", "women": 9, "men": 61, "total": 70}]}))]
pub struct EsfReport {
    pub year: i32,
    /// Only the people this organisation follows; null for everyone.
    #[schema(required = true)]
    pub referent_id: Option<Uuid>,
    /// Every indicator, 0 included, in the Fund's order.
    pub rows: Vec<EsfRow>,
}

impl EsfReport {
    pub fn new(year: i32, referent_id: Option<Uuid>, counts: Vec<IndicatorCount>) -> EsfReport {
        let rows = INDICATORS
            .iter()
            .map(|(code, label)| {
                let c = counts.iter().find(|c| c.indicator == *code);
                EsfRow {
                    indicator: code.to_string(),
                    label: label.to_string(),
                    women: c.map_or(0, |c| c.women),
                    men: c.map_or(0, |c| c.men),
                    total: c.map_or(0, |c| c.total),
                }
            })
            .collect();
        EsfReport {
            year,
            referent_id,
            rows,
        }
    }

    pub fn table(&self) -> Table {
        let mut t = Table::new(
            "Indicateurs FSE",
            &[
                "Année",
                "Indicateur",
                "Libellé",
                "Femmes",
                "Hommes",
                "Total",
            ],
        );
        for r in &self.rows {
            t.rows.push(vec![
                Cell::Int(i64::from(self.year)),
                Cell::Text(r.indicator.clone()),
                Cell::Text(r.label.clone()),
                Cell::Int(r.women),
                Cell::Int(r.men),
                Cell::Int(r.total),
            ]);
        }
        t
    }
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct EsfQuery {
    /// The calendar year.
    #[param(required = true, minimum = 1990, maximum = 2100)]
    pub year: Option<i32>,
    /// Only the people this organisation follows; a PLIE's own by default (another's is 404).
    pub referent_id: Option<Uuid>,
    /// Left out of the document: each file has its own path (`….csv`, `….xlsx`).
    /// `?format=` and `Accept` still pick one on the JSON path, for the callers
    /// written before.
    #[param(ignore)]
    pub format: Option<ExportFormat>,
}

/// European Social Fund indicators
///
/// The ESF's common indicators of a year: the facilitator for everyone (or one referent's
/// people), a PLIE over its own people; 403 for other roles. Counts follow the disclosure rule.
/// The same as a file: `/api/v1/reports/esf.csv`, `/api/v1/reports/esf.xlsx`.
#[utoipa::path(
    get, path = "/api/v1/reports/esf", tag = "stats", operation_id = "get_esf_report",
    params(EsfQuery),
    responses(
        (status = 200, description = "The Fund's common indicators of the year: entrants, then leavers", body = EsfReport),
        crate::api::responses::RestrictedOneQuery,
    ),
    security(("bearer" = []))
)]
pub async fn esf(
    state: web::Data<AppState>,
    p: Principal,
    req: HttpRequest,
) -> ApiResult<HttpResponse> {
    esf_document(state, p, &req).await?.negotiated(&req)
}

super::endpoint::download! {
    csv, path = "/api/v1/reports/esf.csv", tag = "stats", operation_id = "get_esf_report_csv",
    params(EsfQuery), ok = "The indicators' table: a header row, then a row per indicator",
    errors = RestrictedOneQuery, document = esf_document;
    /// European Social Fund indicators, as CSV
    ///
    /// The rows of `GET /api/v1/reports/esf` (same query, same access) as a CSV file: a header
    /// row in French, then a row per indicator in the Fund's order.
    pub async fn esf_csv;
}

super::endpoint::download! {
    xlsx, path = "/api/v1/reports/esf.xlsx", tag = "stats", operation_id = "get_esf_report_xlsx",
    params(EsfQuery), ok = "A workbook of one sheet, the indicators",
    errors = RestrictedOneQuery, document = esf_document;
    /// European Social Fund indicators, as XLSX
    ///
    /// The rows of `GET /api/v1/reports/esf` (same query, same access) as an Excel workbook of
    /// one sheet.
    pub async fn esf_xlsx;
}

async fn esf_document(
    state: web::Data<AppState>,
    p: Principal,
    req: &HttpRequest,
) -> ApiResult<Export<EsfReport>> {
    access::stats::esf(&p, None)?;
    let (q, mut v) = query_or_default::<EsfQuery>(req);
    let year = super::selection::year(&mut v, q.year);
    let year = v.finish_with(year)?;
    let referent_id = access::stats::esf(&p, q.referent_id)?;
    let (first, last) = year_bounds(year);
    let territory_of = access::territories::bound(&p);
    let counts = db::read(&state.pool, move |c| {
        model::indicators(c, first, last, referent_id, territory_of)
    })
    .await?;
    let report = EsfReport::new(year, referent_id, counts);
    let table = report.table();
    Ok(Export::new(
        q.format,
        format!("indicateurs-fse-{year}"),
        report,
        vec![table],
    ))
}
