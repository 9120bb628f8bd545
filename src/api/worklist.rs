//! The facilitator's worklist (API.md): every month to decide across the
//! placements in scope, decisions on many months at once, and the months
//! nobody declared.

use actix_web::web::{self, Bytes};
use actix_web::{HttpRequest, HttpResponse};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::hours::{idempotency_key, MonthlyHours};
use super::input::{json_body, list_query, paged_query};
use crate::access;
use crate::auth::Principal;
use crate::db;
use crate::domain::calendar::Month;
use crate::domain::codes::{Decision, HoursStatus};
use crate::error::{ApiResult, FieldError, Invalid, Violations};
use crate::models::worklist::{self as model, DecisionLine, DecisionOutcome, MissingKey};
use crate::state::AppState;
use crate::usecases::{self, hours::Read};

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(super::http::resource("/hours").route(web::get().to(list)))
        .service(super::http::resource("/hours/missing").route(web::get().to(missing)))
        .service(
            super::limits::with_body_limit(
                super::http::resource("/hours/validations"),
                super::limits::BATCH_BODY_BYTES,
            )
            .route(web::post().to(decide)),
        );
}

/// A month of a placement, with the placement's contract and employer.
#[derive(Debug, Serialize, ToSchema)]
pub struct WorkMonth {
    #[serde(flatten)]
    pub month: MonthlyHours,
    pub contract_id: Uuid,
    pub employer_id: Uuid,
}

/// One page of months, oldest first (by last change under `updated_since`).
#[derive(Debug, Serialize, ToSchema)]
pub struct WorkMonthPage {
    pub items: Vec<WorkMonth>,
    /// Pass as `cursor` for the next page; null on the page holding the last item.
    #[schema(required = true)]
    pub next_cursor: Option<String>,
}

super::http::page_view!(WorkMonthPage, WorkMonth);

#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct WorklistQuery {
    /// One status or a comma list, e.g. `declared,rejected`.
    #[param(
        example = "declared",
        pattern = "^(declared|validated|rejected)(,(declared|validated|rejected))*$"
    )]
    pub status: Option<String>,
    /// From this month on (`YYYY-MM`, inclusive).
    #[param(example = "2019-01", pattern = "^[0-9]{4}-(0[1-9]|1[0-2])$")]
    pub month_from: Option<String>,
    /// Up to this month (`YYYY-MM`, inclusive); not before `month_from`.
    #[param(example = "2019-12", pattern = "^[0-9]{4}-(0[1-9]|1[0-2])$")]
    pub month_to: Option<String>,
    /// Only the placements of this contract.
    pub contract_id: Option<Uuid>,
    /// Only the placements of this employer.
    pub employer_id: Option<Uuid>,
    /// Only the placements of this person.
    pub beneficiary_id: Option<Uuid>,
    /// Only what changed at or after this instant (RFC 3339), ordered by `(updated_at, id)`.
    pub updated_since: Option<DateTime<Utc>>,
    /// Items per page, 1 to 500 (default 50).
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<i64>,
    /// The `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

paged_query!(WorklistQuery, updated_since);

fn month_param(v: &mut Violations, field: &str, value: Option<&str>) -> Option<Month> {
    let value = value?;
    let month = Month::parse(value);
    if month.is_none() {
        v.add(field, "must be a month written YYYY-MM");
    }
    month
}

fn statuses(v: &mut Violations, value: Option<&str>) -> Vec<HoursStatus> {
    let Some(value) = value else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for code in value.split(',') {
        match HoursStatus::parse(code.trim()) {
            Some(s) if !out.contains(&s) => out.push(s),
            Some(_) => {}
            None => {
                v.add(
                    "status",
                    format!("`{code}` is not a status: declared, validated or rejected, or a comma list of them"),
                );
                return Vec::new();
            }
        }
    }
    out
}

#[utoipa::path(
    get, path = "/api/v1/hours", tag = "hours", operation_id = "list_hours",
    params(WorklistQuery),
    responses(
        (status = 200, description = "A page of the months of every placement you may see, with their contract and employer", body = WorkMonthPage,
         example = json!({"items": [{"id": "0d3e0000-0000-4000-8000-000000000401", "placement_id": "0d3e0000-0000-4000-8000-000000000301",
            "month": "2019-05", "worked_hours": 151.67, "training_hours": 0, "status": "declared", "reason": null, "version": 1,
            "created_at": "2019-06-03T08:12:00Z", "updated_at": "2019-06-03T08:12:00Z",
            "contract_id": "0d3e0000-0000-4000-8000-000000000101", "employer_id": "0d3e0000-0000-4000-8000-000000000011"}],
            "next_cursor": null})),
        (status = 401, response = crate::api::responses::Unauthorized),
        (status = 403, response = crate::api::responses::Forbidden),
        (status = 422, response = crate::api::responses::Invalid),
    ),
    security(("bearer" = []))
)]
pub async fn list(
    state: web::Data<AppState>,
    p: Principal,
    req: HttpRequest,
) -> ApiResult<HttpResponse> {
    let scope = access::placements::hours_scope(&p)?;
    let (q, page, mut v) = list_query::<WorklistQuery, _>(&req);
    let filter = model::Filter {
        statuses: statuses(&mut v, q.status.as_deref()),
        month_from: month_param(&mut v, "month_from", q.month_from.as_deref()),
        month_to: month_param(&mut v, "month_to", q.month_to.as_deref()),
        contract_id: q.contract_id,
        employer_id: q.employer_id,
        beneficiary_id: q.beneficiary_id,
    };
    if let (Some(from), Some(to)) = (filter.month_from, filter.month_to) {
        if from > to {
            v.add("month_from", format!("must not be after month_to ({to})"));
        }
    }
    v.finish()?;
    let page = db::run(&state.pool, move |c| model::list(c, scope, filter, page)).await?;
    Ok(
        HttpResponse::Ok().json(WorkMonthPage::from(page.map(|r| WorkMonth {
            month: MonthlyHours::from(r.hours),
            contract_id: r.contract_id,
            employer_id: r.employer_id,
        }))),
    )
}

/// A month owed: the placement covers at least one of its days, the month is over, and nothing is
/// recorded for it (a month declared and then rejected is recorded: see `GET /api/v1/hours?status=rejected`).
#[derive(Debug, Serialize, ToSchema)]
pub struct MissingMonth {
    pub placement_id: Uuid,
    pub contract_id: Uuid,
    pub employer_id: Uuid,
    #[schema(example = "2019-02", pattern = "^[0-9]{4}-[0-9]{2}$")]
    pub month: String,
}

/// One page of months owed, by placement then month.
#[derive(Debug, Serialize, ToSchema)]
pub struct MissingMonthPage {
    pub items: Vec<MissingMonth>,
    /// Pass as `cursor` for the next page; null on the page holding the last item.
    #[schema(required = true)]
    pub next_cursor: Option<String>,
}

super::http::page_view!(MissingMonthPage, MissingMonth);

#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct MissingQuery {
    /// The day of the count (`YYYY-MM-DD`, default today): months before its month are owed.
    pub as_of: Option<NaiveDate>,
    /// Only the placements of this contract.
    pub contract_id: Option<Uuid>,
    /// Only the placements of this employer.
    pub employer_id: Option<Uuid>,
    /// Items per page, 1 to 500 (default 50).
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<i64>,
    /// The `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

paged_query!(MissingQuery);

#[utoipa::path(
    get, path = "/api/v1/hours/missing", tag = "hours", operation_id = "list_missing_hours",
    params(MissingQuery),
    responses(
        (status = 200, description = "A page of the months owed and not declared, in the placements you may see", body = MissingMonthPage,
         example = json!({"items": [{"placement_id": "0d3e0000-0000-4000-8000-000000000301", "contract_id": "0d3e0000-0000-4000-8000-000000000101",
            "employer_id": "0d3e0000-0000-4000-8000-000000000011", "month": "2019-02"}], "next_cursor": null})),
        (status = 401, response = crate::api::responses::Unauthorized),
        (status = 403, response = crate::api::responses::Forbidden),
        (status = 422, response = crate::api::responses::Invalid),
    ),
    security(("bearer" = []))
)]
pub async fn missing(
    state: web::Data<AppState>,
    p: Principal,
    req: HttpRequest,
) -> ApiResult<HttpResponse> {
    let scope = access::placements::hours_scope(&p)?;
    let (q, page, v) = list_query::<MissingQuery, MissingKey>(&req);
    v.finish()?;
    let filter = model::MissingFilter {
        as_of: q.as_of.unwrap_or_else(|| Utc::now().date_naive()),
        contract_id: q.contract_id,
        employer_id: q.employer_id,
    };
    let page = db::run(&state.pool, move |c| model::missing(c, scope, filter, page)).await?;
    Ok(
        HttpResponse::Ok().json(MissingMonthPage::from(page.map(|r| MissingMonth {
            placement_id: r.placement_id,
            contract_id: r.contract_id,
            employer_id: r.employer_id,
            month: Month::from_date(r.month).to_string(),
        }))),
    )
}

pub const MAX_DECISIONS: usize = 10_000;

/// One decision: the same fields and rules as `POST /api/v1/placements/{id}/hours/{month}/validation`,
/// and the `version` of the month you read.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DecisionLineInput {
    #[schema(required = true, nullable = false)]
    pub placement_id: Option<Uuid>,
    #[schema(
        required = true,
        nullable = false,
        example = "2019-05",
        pattern = "^[0-9]{4}-(0[1-9]|1[0-2])$"
    )]
    pub month: Option<String>,
    #[schema(required = true, nullable = false)]
    pub decision: Option<Decision>,
    /// Required to reject, at most 1,000 characters.
    pub reason: Option<String>,
    /// The month's `version` as you read it: a line that would change a month at another version
    /// is refused on `version`.
    #[schema(minimum = 1)]
    pub version: Option<i32>,
}

/// Up to 10,000 decisions on months. Send `Idempotency-Key` to retry safely.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"decisions": [
    {"placement_id": "0d3e0000-0000-4000-8000-000000000301", "month": "2019-05", "decision": "validated", "version": 1},
    {"placement_id": "0d3e0000-0000-4000-8000-000000000302", "month": "2019-05", "decision": "rejected", "reason": "Heures en double avec avril", "version": 2}
]}))]
pub struct DecisionBatch {
    #[schema(required = true, nullable = false, value_type = Vec<DecisionLineInput>, min_items = 1, max_items = 10000)]
    pub decisions: Option<Vec<serde_json::Value>>,
}

crate::domain::codes::code_enum! {
    /// What became of a decision line.
    DecisionOutcomeCode {
        Validated => "validated",
        Rejected => "rejected",
        Unchanged => "unchanged",
        Refused => "refused",
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DecisionResult {
    /// The line's number, from 1.
    pub line: usize,
    pub outcome: DecisionOutcomeCode,
    /// Every field at fault, for a refused line.
    pub errors: Vec<FieldError>,
}

#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"validated": 1, "rejected": 0, "unchanged": 0, "refused": 1, "results": [
    {"line": 1, "outcome": "validated", "errors": []},
    {"line": 2, "outcome": "refused", "errors": [{"field": "version", "message": "the month is at version 3 (not 2): it changed since it was read; read it again"}]}
]}))]
pub struct DecisionsResult {
    pub validated: usize,
    pub rejected: usize,
    pub unchanged: usize,
    pub refused: usize,
    /// One result per line, in order.
    pub results: Vec<DecisionResult>,
}

fn read_decision(value: serde_json::Value) -> Read<DecisionLine> {
    let (input, mut v): (DecisionLineInput, _) = super::input::read_line(value)?;
    let placement_id = v.require("placement_id", input.placement_id);
    let month = v.require("month", input.month).and_then(|m| {
        let parsed = Month::parse(&m);
        if parsed.is_none() {
            v.add("month", "must be a month written YYYY-MM");
        }
        parsed
    });
    let decision = v.require("decision", input.decision);
    let reason = crate::domain::placement::decision_reason(
        decision == Some(Decision::Rejected),
        input.reason,
        &mut v,
    );
    if input.version.is_some_and(|n| n < 1) {
        v.add(
            "version",
            "must be a version this service issued (1 or more)",
        );
    }
    let line = match (placement_id, month, decision) {
        (Some(placement_id), Some(month), Some(decision)) => Some(DecisionLine {
            placement_id,
            month,
            decision,
            reason,
            version: input.version,
        }),
        _ => None,
    };
    v.finish_with(line).map_err(|Invalid(errors)| errors)
}

fn summarise(
    lines: &[Read<DecisionLine>],
    outcomes: Vec<Option<DecisionOutcome>>,
) -> DecisionsResult {
    let mut r = DecisionsResult {
        validated: 0,
        rejected: 0,
        unchanged: 0,
        refused: 0,
        results: Vec::with_capacity(lines.len()),
    };
    for (i, (line, outcome)) in lines.iter().zip(outcomes).enumerate() {
        let (code, errors) = match (line, outcome) {
            (Err(errors), _) => (DecisionOutcomeCode::Refused, errors.clone()),
            (Ok(_), Some(DecisionOutcome::Validated)) => (DecisionOutcomeCode::Validated, vec![]),
            (Ok(_), Some(DecisionOutcome::Rejected)) => (DecisionOutcomeCode::Rejected, vec![]),
            (Ok(_), Some(DecisionOutcome::Unchanged)) => (DecisionOutcomeCode::Unchanged, vec![]),
            (Ok(_), Some(DecisionOutcome::Refused(errors))) => {
                (DecisionOutcomeCode::Refused, errors)
            }
            (Ok(_), None) => (DecisionOutcomeCode::Refused, vec![]),
        };
        match code {
            DecisionOutcomeCode::Validated => r.validated += 1,
            DecisionOutcomeCode::Rejected => r.rejected += 1,
            DecisionOutcomeCode::Unchanged => r.unchanged += 1,
            DecisionOutcomeCode::Refused => r.refused += 1,
        }
        r.results.push(DecisionResult {
            line: i + 1,
            outcome: code,
            errors,
        });
    }
    r
}

#[utoipa::path(
    post, path = "/api/v1/hours/validations", tag = "hours", operation_id = "decide_hours",
    params(("Idempotency-Key" = Option<String>, Header, nullable = false, description = "Retrying with the same key and body returns the first answer, byte for byte; another body is refused (422)")),
    request_body = DecisionBatch,
    responses(
        (status = 200, description = "One result per line, in order; 200 even when some lines are refused (they change nothing, the others are applied)", body = DecisionsResult),
        (status = 400, response = crate::api::responses::BadRequest),
        (status = 401, response = crate::api::responses::Unauthorized),
        (status = 403, response = crate::api::responses::Forbidden),
        (status = 413, response = crate::api::responses::TooLarge),
        (status = 415, response = crate::api::responses::UnsupportedMediaType),
        (status = 422, response = crate::api::responses::Invalid),
    ),
    security(("bearer" = []))
)]
pub async fn decide(
    state: web::Data<AppState>,
    p: Principal,
    req: HttpRequest,
    body: Bytes,
) -> ApiResult<HttpResponse> {
    let leave = access::placements::decide_hours(&p)?;
    let key = idempotency_key(&req)?;
    let (input, mut v) = json_body::<DecisionBatch>(&req, &body)?;
    let decisions = v.require("decisions", input.decisions).unwrap_or_default();
    if decisions.is_empty() && !v.has("decisions") {
        v.add("decisions", "must hold at least one decision");
    }
    if decisions.len() > MAX_DECISIONS {
        v.add(
            "decisions",
            format!("at most {MAX_DECISIONS} decisions a request; send the rest in another"),
        );
    }
    v.finish()?;
    let lines: Vec<Read<DecisionLine>> = decisions.into_iter().map(read_decision).collect();
    let body = body.to_vec();
    let response = db::run(&state.pool, move |c| {
        usecases::hours::decide_months(c, &p, leave, key.as_deref(), &body, &lines, summarise)
    })
    .await?;
    Ok(HttpResponse::Ok()
        .content_type("application/json")
        .body(response))
}
