use actix_web::web::{self, Bytes};
use actix_web::{HttpRequest, HttpResponse};
use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use super::http::path_id;
use super::input::{json_body, list_query, paged_query};
use super::problem::Problem;
use crate::access;
use crate::auth::Principal;
use crate::db;
use crate::domain::calendar::Month;
use crate::domain::codes::{Decision, HoursStatus};
use crate::error::{ApiError, ApiResult};
use crate::models::hours::{self as model, HoursRow, Outcome};
use crate::state::AppState;
use crate::usecases;

pub mod decisions;
pub mod statements;

/// Every hours route but the worklist's reads (`api::worklist`): a
/// placement's months, statements and bulk decisions.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        super::limits::with_body_limit(
            super::http::resource("/hours/batch"),
            super::limits::BATCH_BODY_BYTES,
        )
        .route(web::post().to(statements::statement)),
    )
    .service(
        super::limits::with_body_limit(
            super::http::resource("/hours/validations"),
            super::limits::BATCH_BODY_BYTES,
        )
        .route(web::post().to(decisions::decide)),
    )
    .service(super::http::resource("/placements/{id}/hours").route(web::get().to(list)))
    .service(
        super::http::resource("/placements/{id}/hours/{month}")
            .route(web::get().to(get))
            .route(web::put().to(put)),
    )
    .service(
        super::http::resource("/placements/{id}/hours/{month}/validation")
            .route(web::post().to(validate)),
    );
}

/// The hours of one placement in one month.
#[derive(Debug, Serialize, ToSchema)]
pub struct MonthlyHours {
    pub id: Uuid,
    pub placement_id: Uuid,
    #[schema(example = "2019-03", pattern = "^[0-9]{4}-[0-9]{2}$")]
    pub month: String,
    pub worked_hours: Decimal,
    pub training_hours: Decimal,
    /// Only `validated` months count as done.
    pub status: HoursStatus,
    /// Why the month was rejected.
    #[schema(required = true)]
    pub reason: Option<String>,
    pub version: i32,
    #[serde(serialize_with = "super::json::instant")]
    pub created_at: DateTime<Utc>,
    #[serde(serialize_with = "super::json::instant")]
    pub updated_at: DateTime<Utc>,
}

impl From<HoursRow> for MonthlyHours {
    fn from(r: HoursRow) -> Self {
        MonthlyHours {
            id: r.id,
            placement_id: r.placement_id,
            month: Month::from_date(r.month).to_string(),
            worked_hours: r.worked_hours.normalize(),
            training_hours: r.training_hours.normalize(),
            status: r.status(),
            reason: r.reason,
            version: r.version,
            created_at: r.created_at,
            updated_at: r.updated_at,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MonthlyHoursPage {
    pub items: Vec<MonthlyHours>,
    /// Pass as `cursor` for the next page; null on the page holding the last item.
    #[schema(required = true)]
    pub next_cursor: Option<String>,
}

super::http::page_view!(MonthlyHoursPage, MonthlyHours);

/// A month's hours. `worked_hours + training_hours` may not exceed 48 hours a week
/// over the days of the month the placement covers.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct HoursDeclaration {
    #[schema(required = true, nullable = false)]
    #[serde(default, deserialize_with = "super::input::number")]
    pub worked_hours: Option<Decimal>,
    /// 0 when absent.
    #[serde(default, deserialize_with = "super::input::number")]
    pub training_hours: Option<Decimal>,
}

/// The facilitator's decision on a month.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct HoursDecision {
    #[schema(required = true, nullable = false)]
    pub decision: Option<Decision>,
    /// Required to reject, at most 1,000 characters.
    pub reason: Option<String>,
}

paged_query! {
    pub struct HoursQuery {

    }
    updated_since
}

fn path(raw: &(String, String)) -> ApiResult<(Uuid, Month)> {
    let id = path_id(&raw.0, "placement")?;
    let month = Month::parse(&raw.1)
        .ok_or_else(|| ApiError::validation("month", "must be a month written YYYY-MM"))?;
    Ok((id, month))
}

super::endpoint::list! {
    path = "/api/v1/placements/{id}/hours", tag = "hours", operation_id = "list_placement_hours", params(("id" = Uuid, Path, description = "Placement id"), HoursQuery),
    ok = (MonthlyHoursPage, "The placement's months"), errors = RestrictedOneQuery;
    /// A placement's months
    ///
    /// Every month recorded on the placement, oldest first. The facilitator, the person's PLIE
    /// and the employing or holding company; a buyer, the Département and the State get 403
    /// (they read per-contract totals).
    pub async fn list(state, p, req, id) {
        access::placements::read_hours(&p)?;
        let id = path_id(&id, "placement")?;
        let (_, page, v) = list_query::<HoursQuery, _>(&req);
        v.finish()?;
        let page = db::read(&state.pool, move |c| model::list(c, &p, id, page)).await?;
        Ok(HttpResponse::Ok().json(MonthlyHoursPage::from(page.map(MonthlyHours::from))))
    }
}

/// Read one month of hours
///
/// `month` is `YYYY-MM`. Who reads: whoever reads the placement's months (the list above). Sends `ETag`; 304 on a matching
/// `If-None-Match`; 404 when the month holds nothing.
#[utoipa::path(
    get, path = "/api/v1/placements/{id}/hours/{month}", tag = "hours", operation_id = "get_placement_month",
    params(
        ("id" = Uuid, Path, description = "Placement id"),
        ("month" = String, Path, pattern = "^[0-9]{4}-(0[1-9]|1[0-2])$", description = "YYYY-MM"),
        ("If-None-Match" = Option<String>, Header, nullable = false, description = "The `ETag` you hold: 304 while it is current"),
    ),
    responses(
        (status = 200, description = "The month", body = MonthlyHours,
         headers(("ETag" = String, description = "The version, quoted"))),
        (status = 304, description = "Not modified since the `If-None-Match` version"),
        crate::api::responses::RestrictedOneQuery,
    ),
    security(("bearer" = []))
)]
pub async fn get(
    state: web::Data<AppState>,
    p: Principal,
    req: HttpRequest,
    raw: web::Path<(String, String)>,
) -> ApiResult<HttpResponse> {
    access::placements::read_hours(&p)?;
    let (id, month) = path(&raw)?;
    let row = db::run(&state.pool, move |c| model::get(c, &p, id, month)).await?;
    Ok(super::http::one(
        &req,
        row.version,
        &MonthlyHours::from(row),
    ))
}

/// Declare a month of hours
///
/// Creates or replaces the month's `worked_hours` and `training_hours` (two decimals). Declared
/// by the facilitator: `validated` at once. Declared by the employing or holding company:
/// `declared`, to be validated; a company may not replace a validated month (409). 201 when the
/// month is new, 200 when replaced; `If-Match` guards a replacement.
#[utoipa::path(
    put, path = "/api/v1/placements/{id}/hours/{month}", tag = "hours", operation_id = "declare_placement_month",
    params(("id" = Uuid, Path, description = "Placement id"), ("month" = String, Path, pattern = "^[0-9]{4}-(0[1-9]|1[0-2])$", description = "YYYY-MM")),
    request_body = HoursDeclaration,
    responses(
        (status = 200, description = "The month replaced (or unchanged)", body = MonthlyHours,
         headers(("ETag" = String, description = "The version, quoted"))),
        (status = 201, description = "The month declared", body = MonthlyHours,
         headers(("ETag" = String, description = "The version, quoted"), ("Location" = String))),
        crate::api::responses::CreatingUnder,
        (status = 409, description = "The month is validated: a company cannot replace it", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub async fn put(
    state: web::Data<AppState>,
    p: Principal,
    req: HttpRequest,
    raw: web::Path<(String, String)>,
    body: Bytes,
) -> ApiResult<HttpResponse> {
    let leave = access::placements::declare_hours(&p)?;
    let id = path_id(&raw.0, "placement")?;
    let (input, mut v) = json_body::<HoursDeclaration>(&req, &body)?;
    let month = Month::parse(&raw.1);
    if month.is_none() {
        v.add("month", "must be a month written YYYY-MM");
    }
    let worked = v.require("worked_hours", input.worked_hours);
    let training = input.training_hours.unwrap_or_default();
    let (Some(month), Some(worked)) = (month, worked) else {
        return Err(ApiError::Validation(std::mem::take(v.list())));
    };
    let (row, outcome) = db::run(&state.pool, move |c| {
        let line = model::StatementLine {
            placement_id: id,
            month,
            worked,
            training,
        };
        usecases::placements::declare(c, &p, leave, line, v)
    })
    .await?;
    let version = row.version;
    let body = MonthlyHours::from(row);
    Ok(match outcome {
        Outcome::Created => super::http::created(
            format!("/api/v1/placements/{id}/hours/{month}"),
            version,
            &body,
        ),
        Outcome::Updated | Outcome::Unchanged => super::http::changed(version, &body),
    })
}

/// Validate or reject a month
///
/// Facilitator only. `{"decision": "validated" | "rejected", "reason"}`: a rejection needs a
/// reason. Only validated hours count in the figures.
#[utoipa::path(
    post, path = "/api/v1/placements/{id}/hours/{month}/validation", tag = "hours", operation_id = "decide_placement_month",
    params(("id" = Uuid, Path, description = "Placement id"), ("month" = String, Path, pattern = "^[0-9]{4}-(0[1-9]|1[0-2])$", description = "YYYY-MM")),
    request_body = HoursDecision,
    responses(
        (status = 200, description = "The month as decided", body = MonthlyHours,
         headers(("ETag" = String, description = "The new version, quoted"))),
        crate::api::responses::CreatingUnder,
    ),
    security(("bearer" = []))
)]
pub async fn validate(
    state: web::Data<AppState>,
    p: Principal,
    req: HttpRequest,
    raw: web::Path<(String, String)>,
    body: Bytes,
) -> ApiResult<HttpResponse> {
    let leave = access::placements::decide_hours(&p)?;
    let (id, month) = path(&raw)?;
    let (input, mut v) = json_body::<HoursDecision>(&req, &body)?;
    let decision = v.require("decision", input.decision);
    let reason = crate::domain::placement::decision_reason(
        decision == Some(Decision::Rejected),
        input.reason,
        &mut v,
    );
    let Some(decision) = decision else {
        return Err(ApiError::Validation(std::mem::take(v.list())));
    };
    v.finish()?;
    let row = db::run(&state.pool, move |c| {
        usecases::placements::decide(c, &p, leave, id, month, decision, reason)
    })
    .await?;
    Ok(super::http::changed(row.version, &MonthlyHours::from(row)))
}

/// The request's `Idempotency-Key`, if it sent one: 1 to 255 visible ASCII
/// characters.
pub fn idempotency_key(req: &HttpRequest) -> ApiResult<Option<String>> {
    match req.headers().get("Idempotency-Key") {
        None => Ok(None),
        Some(v) => v
            .to_str()
            .ok()
            .filter(|k| crate::models::idempotency::check_key(k))
            .map(|k| Some(k.to_string()))
            .ok_or_else(|| {
                ApiError::validation(
                    "Idempotency-Key",
                    "must be 1 to 255 visible ASCII characters",
                )
            }),
    }
}
