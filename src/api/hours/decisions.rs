//! The facilitator's bulk decisions: up to 10,000 months validated or
//! rejected in one request, each line judged as a single decision.

use actix_web::HttpResponse;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use super::idempotency_key;
use crate::access;
use crate::api::input::json_body;
use crate::db;
use crate::domain::calendar::Month;
use crate::domain::codes::Decision;
use crate::error::{FieldError, Invalid};
use crate::models::worklist::{DecisionLine, DecisionOutcome};
use crate::usecases::{self, hours::Parsed};

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
    #[schema(required = true, nullable = false, value_type = Vec<DecisionLineInput>, min_items = 1)]
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

fn read_decision(value: serde_json::Value) -> Parsed<DecisionLine> {
    let (input, mut v): (DecisionLineInput, _) = crate::api::input::read_line(value)?;
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

fn summarise(outcomes: Vec<DecisionOutcome>) -> DecisionsResult {
    let mut r = DecisionsResult {
        validated: 0,
        rejected: 0,
        unchanged: 0,
        refused: 0,
        results: Vec::with_capacity(outcomes.len()),
    };
    for (i, outcome) in outcomes.into_iter().enumerate() {
        let (code, errors) = match outcome {
            DecisionOutcome::Validated => (DecisionOutcomeCode::Validated, vec![]),
            DecisionOutcome::Rejected => (DecisionOutcomeCode::Rejected, vec![]),
            DecisionOutcome::Unchanged => (DecisionOutcomeCode::Unchanged, vec![]),
            DecisionOutcome::Refused(errors) => (DecisionOutcomeCode::Refused, errors),
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

crate::api::endpoint::bulk! {
    path = "/api/v1/hours/validations", tag = "hours", operation_id = "decide_hours",
    body = DecisionBatch, ok = (DecisionsResult, "One result per line, in order; 200 even when some lines are refused (they change nothing, the others are applied)");
    /// Validate or reject many months
    ///
    /// Facilitator only. Up to 10,000 decisions, each judged as
    /// `POST /api/v1/placements/{id}/hours/{month}/validation` judges one;
    /// `version`, when given, must be the month's current one. `unchanged` for a month that already
    /// had that decision, so a replay is all `unchanged`. `Idempotency-Key` as for statements.
    pub async fn decide(state, p, req, body) {
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
        let lines: Vec<Parsed<DecisionLine>> = decisions.into_iter().map(read_decision).collect();
        let body = body.to_vec();
        let outcomes = db::run(&state.pool, move |c| {
            usecases::hours::decide_months(c, &p, leave, key.as_deref(), &body, &lines)
        })
        .await?;
        Ok(HttpResponse::Ok().json(summarise(outcomes)))
    }
}
