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
use crate::domain::patch::Merge;
use crate::domain::placement::{self as rules, PlacementDraft, PlacementFields};
use crate::error::{ApiResult, Violations};
use crate::models::hours::{self, HoursRow, Outcome, StatementLine};
use crate::models::outcome::{self, OutcomeFields, OutcomeRow};
use crate::models::placement::{self as model, PlacementRow};
use crate::models::{check_version, Precondition};

pub fn create(
    conn: &mut PgConnection,
    leave: access::placements::Placing,
    draft: PlacementDraft,
    v: Violations,
) -> ApiResult<PlacementRow> {
    conn.transaction(|c| model::create(c, leave, draft, v))
}

/// A placement changed: locked, merged, its contract shared-locked and its
/// recorded months held against the new dates and weekly hours, saved.
pub fn update(
    conn: &mut PgConnection,
    p: &Principal,
    id: Uuid,
    precondition: &Precondition,
    patch: impl Merge<PlacementFields>,
    mut v: Violations,
) -> ApiResult<PlacementRow> {
    conn.transaction(|c| {
        let current = model::lock(c, p, id)?;
        check_version(precondition, "placement", current.version)?;
        let old = current.fields();
        let mut new = old.clone();
        patch.merge(&mut new, &mut v);
        if new == old {
            v.finish()?;
            return Ok(current);
        }
        if new.employer_id != old.employer_id {
            access::placements::change_employer(p)?;
        }
        let recorded = model::recorded_months(c, id)?;
        let ctx = model::context(c, None, &new.clone().into(), recorded)?;
        let new = rules::check(new.into(), &ctx, &mut v);
        let new = v.finish_with(new)?;
        model::save(c, id, &new)
    })
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
