//! Placements and what follows them, each in one transaction: a placement
//! created or changed (its contract shared-locked, its months re-checked),
//! a month declared or decided (through the hours judge), an outcome
//! recorded or read with its trail row.

use chrono::NaiveDate;
use diesel::{Connection, PgConnection};
use uuid::Uuid;

use crate::access;
use crate::auth::Principal;
use crate::domain::calendar::Month;
use crate::domain::codes::Decision;
use crate::domain::placement::{PlacementDraft, PlacementFields};
use crate::error::{ApiResult, Violations};
use crate::models::hours::{self, HoursRow, Outcome, StatementLine};
use crate::models::outcome::{self, OutcomeFields, OutcomeRow};
use crate::models::placement::{self as model, PlacementRow};
use crate::models::Precondition;

pub fn create(
    conn: &mut PgConnection,
    leave: access::placements::Placing,
    draft: PlacementDraft,
    v: Violations,
) -> ApiResult<PlacementRow> {
    conn.transaction(|c| model::create(c, leave, draft, v))
}

pub fn update(
    conn: &mut PgConnection,
    p: &Principal,
    id: Uuid,
    precondition: &Precondition,
    change: impl FnOnce(&mut PlacementFields, &mut Violations),
    v: Violations,
) -> ApiResult<PlacementRow> {
    conn.transaction(|c| model::update(c, p, id, precondition, change, v))
}

/// Declares (or replaces) one month.
pub fn declare(
    conn: &mut PgConnection,
    p: &Principal,
    leave: access::placements::Declaring,
    line: StatementLine,
    v: Violations,
) -> ApiResult<(HoursRow, Outcome)> {
    conn.transaction(|c| hours::declare(c, p, leave, line, v))
}

/// Validates or rejects one month.
pub fn decide(
    conn: &mut PgConnection,
    p: &Principal,
    leave: access::placements::Deciding,
    placement_id: Uuid,
    month: Month,
    decision: Decision,
    reason: Option<String>,
) -> ApiResult<HoursRow> {
    conn.transaction(|c| hours::decide(c, p, leave, placement_id, month, decision, reason))
}

pub fn outcome(conn: &mut PgConnection, p: &Principal, id: Uuid) -> ApiResult<OutcomeRow> {
    conn.transaction(|c| outcome::get(c, p, id))
}

/// Records (or replaces) what became of the person; says whether it is new.
pub fn put_outcome(
    conn: &mut PgConnection,
    p: &Principal,
    id: Uuid,
    precondition: &Precondition,
    fields: OutcomeFields,
    today: NaiveDate,
) -> ApiResult<(OutcomeRow, bool)> {
    conn.transaction(|c| outcome::put(c, p, id, precondition, fields, today))
}
