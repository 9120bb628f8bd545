//! Key figures and reports: aggregates only, scoped by role.

use actix_web::{web, HttpRequest, HttpResponse};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::input::query;
use crate::access;
use crate::auth::Principal;
use crate::db;
use crate::error::{ApiResult, Violations};
use crate::models::stats::{self as model, Selection};
use crate::state::AppState;

pub const FIRST_YEAR: i32 = 1990;
pub const LAST_YEAR: i32 = 2100;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/stats/key-figures")
            .route(web::get().to(key_figures))
            .default_service(web::to(super::method_not_allowed)),
    );
}

/// The figures the State, the Département, the PLIE and the European Social Fund ask for.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct KeyFigures {
    #[schema(example = 2019)]
    pub year: i32,
    /// Distinct people with a placement active in the year (started by 31 December, not ended before 1 January).
    #[schema(example = 169)]
    pub participants: i64,
    #[schema(example = 14)]
    pub women: i64,
    #[schema(example = 155)]
    pub men: i64,
    /// Participants under 26 (full years) on the later of 1 January and the start of their
    /// earliest placement active in the year.
    pub under_26: i64,
    /// Participants living in a priority neighbourhood (QPV).
    pub qpv_residents: i64,
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
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct FiguresQuery {
    /// The calendar year.
    #[param(required = true, minimum = 1990, maximum = 2100)]
    pub year: Option<i32>,
    /// Only contracts of this buyer.
    pub buyer_id: Option<Uuid>,
    /// Only this contract.
    pub contract_id: Option<Uuid>,
    /// Only contracts of this operation (exact text).
    pub operation: Option<String>,
}

/// Reads and checks `year` and the contract filters.
pub fn selection(
    p: &Principal,
    q: Option<FiguresQuery>,
    mut v: Violations,
) -> ApiResult<(i32, Selection)> {
    let q = q.unwrap_or(FiguresQuery {
        year: None,
        buyer_id: None,
        contract_id: None,
        operation: None,
    });
    let year = v.require("year", q.year);
    if let Some(y) = year {
        if !(FIRST_YEAR..=LAST_YEAR).contains(&y) {
            v.add("year", format!("must be from {FIRST_YEAR} to {LAST_YEAR}"));
        }
    }
    v.finish()?;
    Ok((
        year.unwrap_or_default(),
        Selection {
            scope: access::stats::scope(p),
            buyer_id: q.buyer_id,
            contract_id: q.contract_id,
            operation: q.operation,
        },
    ))
}

impl KeyFigures {
    pub fn new(year: i32, k: model::KeyFigures) -> KeyFigures {
        KeyFigures {
            year,
            participants: k.participants,
            women: k.women,
            men: k.men,
            under_26: k.under_26,
            qpv_residents: k.qpv_residents,
            employment_contracts: k.employment_contracts,
            hours: k.hours.normalize(),
            previous_year_hours: k.previous_year_hours.normalize(),
            hours_change: (k.hours - k.previous_year_hours).normalize(),
        }
    }
}

#[utoipa::path(
    get, path = "/api/v1/stats/key-figures", tag = "stats", operation_id = "get_key_figures",
    params(FiguresQuery),
    responses(
        (status = 200, description = "The year's key figures over the contracts you may see", body = KeyFigures),
        (status = 401, response = crate::openapi::Unauthorized),
        (status = 422, response = crate::openapi::Invalid),
    ),
    security(("bearer" = []))
)]
pub async fn key_figures(
    state: web::Data<AppState>,
    p: Principal,
    req: HttpRequest,
) -> ApiResult<HttpResponse> {
    let (q, v) = query::<FiguresQuery>(&req);
    let (year, selection) = selection(&p, q, v)?;
    let k = db::run(&state.pool, move |c| {
        model::key_figures(c, &selection, year)
    })
    .await?;
    Ok(HttpResponse::Ok().json(KeyFigures::new(year, k)))
}
