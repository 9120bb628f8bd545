use actix_web::web::{self, Bytes};
use actix_web::{HttpRequest, HttpResponse};
use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::http::path_id;
use super::input::{json_body, list_query, paged_query};
use super::problem::Problem;
use crate::access;
use crate::auth::Principal;
use crate::db;
use crate::domain::calendar::Month;
use crate::domain::codes::{Decision, HoursStatus};
use crate::error::{ApiError, ApiResult, Invalid};
use crate::models::hours::{self as model, HoursRow, Outcome};
use crate::state::AppState;
use crate::usecases::{self, hours::ReadLine};

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        super::limits::with_body_limit(
            super::http::resource("/hours/batch"),
            super::limits::BATCH_BODY_BYTES,
        )
        .route(web::post().to(statement)),
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
    #[schema(required = true, nullable = false, minimum = 0, maximum = 99_999.99)]
    #[serde(default, deserialize_with = "super::input::number")]
    pub worked_hours: Option<Decimal>,
    /// 0 when absent.
    #[schema(minimum = 0, maximum = 99_999.99)]
    #[serde(default, deserialize_with = "super::input::number")]
    pub training_hours: Option<Decimal>,
}

/// The facilitator's decision on a month.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct HoursDecision {
    #[schema(required = true, nullable = false)]
    pub decision: Option<Decision>,
    /// Required to reject.
    pub reason: Option<String>,
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct HoursQuery {
    /// Only what changed at or after this instant (RFC 3339), ordered by `(updated_at, id)`.
    pub updated_since: Option<DateTime<Utc>>,
    /// Items per page, 1 to 500 (default 50).
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<i64>,
    /// The `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

paged_query!(HoursQuery, updated_since);

fn path(raw: &(String, String)) -> ApiResult<(Uuid, Month)> {
    let id = path_id(&raw.0, "placement")?;
    let month = Month::parse(&raw.1)
        .ok_or_else(|| ApiError::validation("month", "must be a month written YYYY-MM"))?;
    Ok((id, month))
}

#[utoipa::path(
    get, path = "/api/v1/placements/{id}/hours", tag = "hours", operation_id = "list_placement_hours",
    params(("id" = Uuid, Path, description = "Placement id"), HoursQuery),
    responses(
        (status = 200, description = "The placement's months", body = MonthlyHoursPage),
        (status = 401, response = crate::api::responses::Unauthorized),
        (status = 403, response = crate::api::responses::Forbidden),
        (status = 404, response = crate::api::responses::NotFound),
        (status = 422, response = crate::api::responses::Invalid),
    ),
    security(("bearer" = []))
)]
pub async fn list(
    state: web::Data<AppState>,
    p: Principal,
    req: HttpRequest,
    id: web::Path<String>,
) -> ApiResult<HttpResponse> {
    access::placements::read_hours(&p)?;
    let id = path_id(&id, "placement")?;
    let (_, page, v) = list_query::<HoursQuery, _>(&req);
    v.finish()?;
    let page = db::run(&state.pool, move |c| model::list(c, &p, id, page)).await?;
    Ok(HttpResponse::Ok().json(MonthlyHoursPage::from(page.map(MonthlyHours::from))))
}

#[utoipa::path(
    get, path = "/api/v1/placements/{id}/hours/{month}", tag = "hours", operation_id = "get_placement_month",
    params(("id" = Uuid, Path, description = "Placement id"), ("month" = String, Path, pattern = "^[0-9]{4}-(0[1-9]|1[0-2])$", description = "YYYY-MM")),
    responses(
        (status = 200, description = "The month", body = MonthlyHours,
         headers(("ETag" = String, description = "The version, quoted"))),
        (status = 401, response = crate::api::responses::Unauthorized),
        (status = 403, response = crate::api::responses::Forbidden),
        (status = 404, response = crate::api::responses::NotFound),
        (status = 422, response = crate::api::responses::Invalid),
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
    let version = row.version;
    Ok(super::http::one(&req, version, &MonthlyHours::from(row)))
}

#[utoipa::path(
    put, path = "/api/v1/placements/{id}/hours/{month}", tag = "hours", operation_id = "declare_placement_month",
    params(("id" = Uuid, Path, description = "Placement id"), ("month" = String, Path, pattern = "^[0-9]{4}-(0[1-9]|1[0-2])$", description = "YYYY-MM")),
    request_body = HoursDeclaration,
    responses(
        (status = 200, description = "The month replaced (or unchanged)", body = MonthlyHours),
        (status = 201, description = "The month declared", body = MonthlyHours),
        (status = 400, response = crate::api::responses::BadRequest),
        (status = 401, response = crate::api::responses::Unauthorized),
        (status = 403, response = crate::api::responses::Forbidden),
        (status = 404, response = crate::api::responses::NotFound),
        (status = 409, description = "The month is validated: a company cannot replace it", body = Problem, content_type = "application/problem+json"),
        (status = 415, response = crate::api::responses::UnsupportedMediaType),
        (status = 422, response = crate::api::responses::Invalid),
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
        model::declare(c, &p, leave, line, v)
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

#[utoipa::path(
    post, path = "/api/v1/placements/{id}/hours/{month}/validation", tag = "hours", operation_id = "decide_placement_month",
    params(("id" = Uuid, Path, description = "Placement id"), ("month" = String, Path, pattern = "^[0-9]{4}-(0[1-9]|1[0-2])$", description = "YYYY-MM")),
    request_body = HoursDecision,
    responses(
        (status = 200, description = "The month as decided", body = MonthlyHours),
        (status = 400, response = crate::api::responses::BadRequest),
        (status = 401, response = crate::api::responses::Unauthorized),
        (status = 403, response = crate::api::responses::Forbidden),
        (status = 404, response = crate::api::responses::NotFound),
        (status = 415, response = crate::api::responses::UnsupportedMediaType),
        (status = 422, response = crate::api::responses::Invalid),
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
        model::decide(c, &p, leave, id, month, decision, reason)
    })
    .await?;
    let version = row.version;
    Ok(super::http::changed(version, &MonthlyHours::from(row)))
}

pub const MAX_STATEMENT_LINES: usize = 10_000;

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

/// One line of an hour statement: the same fields and rules as a single month's `PUT`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StatementLineInput {
    #[schema(required = true, nullable = false)]
    pub placement_id: Option<Uuid>,
    #[schema(
        required = true,
        nullable = false,
        example = "2019-03",
        pattern = "^[0-9]{4}-[0-9]{2}$"
    )]
    pub month: Option<String>,
    #[schema(required = true, nullable = false, minimum = 0, maximum = 99_999.99)]
    #[serde(default, deserialize_with = "super::input::number")]
    pub worked_hours: Option<Decimal>,
    /// 0 when absent.
    #[schema(minimum = 0, maximum = 99_999.99)]
    #[serde(default, deserialize_with = "super::input::number")]
    pub training_hours: Option<Decimal>,
}

/// Monthly hours from payroll software, up to 10,000 lines. Valid lines are stored, invalid ones
/// refused, nothing else is touched. Send `Idempotency-Key` to retry safely.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"lines": [
    {"placement_id": "0d3e0000-0000-4000-8000-000000000301", "month": "2019-05", "worked_hours": 151.67, "training_hours": 0},
    {"placement_id": "0d3e0000-0000-4000-8000-000000000302", "month": "2019-05", "worked_hours": 96, "training_hours": 8}
]}))]
pub struct HourStatement {
    #[schema(required = true, nullable = false, value_type = Vec<StatementLineInput>, max_items = 10000)]
    pub lines: Option<Vec<serde_json::Value>>,
}

crate::domain::codes::code_enum! {
    /// What became of a line.
    LineOutcomeCode {
        Created => "created",
        Updated => "updated",
        Unchanged => "unchanged",
        Rejected => "rejected",
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct LineResult {
    /// The line's number, from 1.
    pub line: usize,
    pub outcome: LineOutcomeCode,
    /// Every field at fault, for a rejected line.
    pub errors: Vec<crate::error::FieldError>,
}

#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"created": 1, "updated": 0, "unchanged": 0, "rejected": 1, "results": [
    {"line": 1, "outcome": "created", "errors": []},
    {"line": 2, "outcome": "rejected", "errors": [{"field": "worked_hours", "message": "worked_hours + training_hours (230) exceed 212.57 h, 48 hours a week over the 31 days of 2019-05 the placement covers"}]}
]}))]
pub struct StatementResult {
    pub created: usize,
    pub updated: usize,
    pub unchanged: usize,
    pub rejected: usize,
    /// One result per line, in order.
    pub results: Vec<LineResult>,
}

/// Reads one line; `Err` holds what is wrong with it.
fn read_line(
    value: serde_json::Value,
) -> Result<model::StatementLine, Vec<crate::error::FieldError>> {
    let (input, mut v): (StatementLineInput, _) = super::input::read_line(value)?;
    let placement_id = v.require("placement_id", input.placement_id);
    let month = v.require("month", input.month).and_then(|m| {
        let parsed = Month::parse(&m);
        if parsed.is_none() {
            v.add("month", "must be a month written YYYY-MM");
        }
        parsed
    });
    let worked = v.require("worked_hours", input.worked_hours);
    let line = match (placement_id, month, worked) {
        (Some(placement_id), Some(month), Some(worked)) => Some(model::StatementLine {
            placement_id,
            month,
            worked,
            training: input.training_hours.unwrap_or_default(),
        }),
        _ => None,
    };
    v.finish_with(line).map_err(|Invalid(errors)| errors)
}

#[utoipa::path(
    post, path = "/api/v1/hours/batch", tag = "hours", operation_id = "declare_hour_statement",
    params(("Idempotency-Key" = Option<String>, Header, nullable = false, description = "Retrying with the same key and body returns the first answer; another body is refused (422)")),
    request_body = HourStatement,
    responses(
        (status = 200, description = "One result per line; 200 even when some lines are rejected", body = StatementResult),
        (status = 400, response = crate::api::responses::BadRequest),
        (status = 401, response = crate::api::responses::Unauthorized),
        (status = 403, response = crate::api::responses::Forbidden),
        (status = 413, response = crate::api::responses::TooLarge),
        (status = 415, response = crate::api::responses::UnsupportedMediaType),
        (status = 422, response = crate::api::responses::Invalid),
    ),
    security(("bearer" = []))
)]
pub async fn statement(
    state: web::Data<AppState>,
    p: Principal,
    req: HttpRequest,
    body: Bytes,
) -> ApiResult<HttpResponse> {
    let leave = access::placements::declare_hours(&p)?;
    let key = idempotency_key(&req)?;
    let (input, mut v) = json_body::<HourStatement>(&req, &body)?;
    let lines = v.require("lines", input.lines).unwrap_or_default();
    if lines.len() > MAX_STATEMENT_LINES {
        v.add(
            "lines",
            format!("at most {MAX_STATEMENT_LINES} lines per statement; send the rest in another"),
        );
    }
    v.finish()?;
    let lines: Vec<ReadLine> = lines.into_iter().map(read_line).collect();
    let body = body.to_vec();
    let response = db::run(&state.pool, move |c| {
        usecases::hours::declare_statement(c, &p, leave, key.as_deref(), &body, &lines, summarise)
    })
    .await?;
    Ok(HttpResponse::Ok()
        .content_type("application/json")
        .body(response))
}

fn summarise(parsed: &[ReadLine], outcomes: Vec<Option<model::LineOutcome>>) -> StatementResult {
    let mut r = StatementResult {
        created: 0,
        updated: 0,
        unchanged: 0,
        rejected: 0,
        results: Vec::with_capacity(parsed.len()),
    };
    for (i, (line, outcome)) in parsed.iter().zip(outcomes).enumerate() {
        let (code, errors) = match (line, outcome) {
            (Err(errors), _) => (LineOutcomeCode::Rejected, errors.clone()),
            (Ok(_), Some(model::LineOutcome::Created)) => (LineOutcomeCode::Created, vec![]),
            (Ok(_), Some(model::LineOutcome::Updated)) => (LineOutcomeCode::Updated, vec![]),
            (Ok(_), Some(model::LineOutcome::Unchanged)) => (LineOutcomeCode::Unchanged, vec![]),
            (Ok(_), Some(model::LineOutcome::Rejected(errors))) => {
                (LineOutcomeCode::Rejected, errors)
            }
            (Ok(_), None) => (LineOutcomeCode::Rejected, vec![]),
        };
        match code {
            LineOutcomeCode::Created => r.created += 1,
            LineOutcomeCode::Updated => r.updated += 1,
            LineOutcomeCode::Unchanged => r.unchanged += 1,
            LineOutcomeCode::Rejected => r.rejected += 1,
        }
        r.results.push(LineResult {
            line: i + 1,
            outcome: code,
            errors,
        });
    }
    r
}
