//! Hour statements from payroll software: up to 10,000 months in one
//! request, each line judged as a single declaration.

use actix_web::HttpResponse;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use super::idempotency_key;
use crate::access;
use crate::api::input::json_body;
use crate::db;
use crate::domain::calendar::Month;
use crate::error::Invalid;
use crate::models::hours::{self as model};
use crate::usecases::{self, hours::ParsedStatementLine};

pub const MAX_STATEMENT_LINES: usize = 10_000;

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
        pattern = "^[0-9]{4}-(0[1-9]|1[0-2])$"
    )]
    pub month: Option<String>,
    #[schema(required = true, nullable = false)]
    #[serde(default, deserialize_with = "crate::api::input::number")]
    pub worked_hours: Option<Decimal>,
    /// 0 when absent.
    #[serde(default, deserialize_with = "crate::api::input::number")]
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
    #[schema(required = true, nullable = false, value_type = Vec<StatementLineInput>)]
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
    let (input, mut v): (StatementLineInput, _) = crate::api::input::read_line(value)?;
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

crate::api::endpoint::bulk! {
    path = "/api/v1/hours/batch", tag = "hours", operation_id = "declare_hour_statement",
    body = HourStatement, ok = (StatementResult, "One result per line; 200 even when some lines are rejected");
    /// Declare a statement of months
    ///
    /// Up to 10,000 lines, each judged as `PUT /api/v1/placements/{id}/hours/{month}` judges
    /// one; refused lines change nothing, the others are applied, and the answer has one result per line. Send an `Idempotency-Key` to retry
    /// safely: the same key with the same body answers the first result again; with another body,
    /// 422.
    pub async fn statement(state, p, req, body) {
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
        let lines: Vec<ParsedStatementLine> = lines.into_iter().map(read_line).collect();
        let body = body.to_vec();
        let outcomes = db::run(&state.pool, move |c| {
            usecases::hours::declare_statement(c, &p, leave, key.as_deref(), &body, &lines)
        })
        .await?;
        Ok(HttpResponse::Ok().json(summarise(outcomes)))
    }
}

fn summarise(outcomes: Vec<model::LineOutcome>) -> StatementResult {
    let mut r = StatementResult {
        created: 0,
        updated: 0,
        unchanged: 0,
        rejected: 0,
        results: Vec::with_capacity(outcomes.len()),
    };
    for (i, outcome) in outcomes.into_iter().enumerate() {
        let (code, errors) = match outcome {
            model::LineOutcome::Created => (LineOutcomeCode::Created, vec![]),
            model::LineOutcome::Updated => (LineOutcomeCode::Updated, vec![]),
            model::LineOutcome::Unchanged => (LineOutcomeCode::Unchanged, vec![]),
            model::LineOutcome::Rejected(errors) => (LineOutcomeCode::Rejected, errors),
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
