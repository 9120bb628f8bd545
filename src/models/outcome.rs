//! Outcomes: one per ended placement, read and written through the
//! placement's scope, in the person's access trail.

use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use uuid::Uuid;

use super::trail::{self, TrailAction};
use super::{check_version, Precondition};
use crate::access;
use crate::auth::Principal;
use crate::db::schema::{beneficiaries, outcomes, placements};
use crate::domain::outcome::{self as rules, Situation};
use crate::error::{ApiError, ApiResult, Violations};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = outcomes)]
pub struct OutcomeRow {
    pub placement_id: Uuid,
    pub situation: Situation,
    pub qualification_gained: bool,
    pub follow_up_situation: Option<Situation>,
    pub follow_up_observed_on: Option<NaiveDate>,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// An outcome as a request gives it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutcomeFields {
    pub situation: Situation,
    pub qualification_gained: bool,
    pub follow_up: Option<(Situation, NaiveDate)>,
}

impl OutcomeRow {
    fn fields(&self) -> OutcomeFields {
        OutcomeFields {
            situation: self.situation,
            qualification_gained: self.qualification_gained,
            follow_up: self.follow_up_situation.zip(self.follow_up_observed_on),
        }
    }
}

/// The placement's person and end, if `p` may see its outcome.
fn placement(
    conn: &mut PgConnection,
    p: &Principal,
    id: Uuid,
) -> ApiResult<(Uuid, Option<NaiveDate>)> {
    placements::table
        .filter(access::placements::outcomes(p)?)
        .filter(placements::id.eq(id))
        .select((placements::beneficiary_id, placements::end_date))
        .first(conn)
        .optional()?
        .ok_or_else(|| ApiError::not_found("placement"))
}

fn find(conn: &mut PgConnection, id: Uuid) -> ApiResult<Option<OutcomeRow>> {
    Ok(outcomes::table
        .find(id)
        .select(OutcomeRow::as_select())
        .first(conn)
        .optional()?)
}

/// The outcome under a row lock, so that two changes take turns.
fn find_locked(conn: &mut PgConnection, id: Uuid) -> ApiResult<Option<OutcomeRow>> {
    Ok(outcomes::table
        .find(id)
        .select(OutcomeRow::as_select())
        .for_update()
        .first(conn)
        .optional()?)
}

/// The outcome of a placement; read in the person's access trail.
pub fn get(conn: &mut PgConnection, p: &Principal, id: Uuid) -> ApiResult<OutcomeRow> {
    let (person, _) = placement(conn, p, id)?;
    let row = find(conn, id)?
        .ok_or_else(|| ApiError::NotFound("no outcome is recorded for this placement".into()))?;
    trail::record(conn, p, TrailAction::Read, &[person])?;
    Ok(row)
}

/// Records (or replaces) a placement's outcome; says whether it is new.
/// Nothing changes for a person erased (409), nor when the rules refuse.
pub fn put(
    conn: &mut PgConnection,
    p: &Principal,
    id: Uuid,
    precondition: &Precondition,
    fields: OutcomeFields,
    today: NaiveDate,
) -> ApiResult<(OutcomeRow, bool)> {
    let (person, end) = placement(conn, p, id)?;
    let erased: bool = beneficiaries::table
        .find(person)
        .select(beneficiaries::erased_at.is_not_null())
        .first(conn)?;
    if erased {
        return Err(ApiError::conflict(
            "placement_id",
            "the person was erased: their records can no longer change",
        ));
    }
    let mut v = Violations::default();
    rules::check(end, fields.follow_up.map(|(_, day)| day), today, &mut v);
    v.finish()?;
    let current = find_locked(conn, id)?;
    match &current {
        Some(row) => check_version(precondition, "outcome", row.version)?,
        None if *precondition != Precondition::Any => {
            return Err(ApiError::PreconditionFailed(
                "the placement has no outcome yet: send the first one without If-Match".into(),
            ))
        }
        None => {}
    }
    let (follow_up_situation, follow_up_observed_on) = fields.follow_up.unzip();
    let columns = (
        outcomes::situation.eq(fields.situation.as_str()),
        outcomes::qualification_gained.eq(fields.qualification_gained),
        outcomes::follow_up_situation.eq(follow_up_situation.map(Situation::as_str)),
        outcomes::follow_up_observed_on.eq(follow_up_observed_on),
    );
    let (row, created) = match current {
        Some(row) if row.fields() == fields => (row, false),
        Some(_) => {
            let row = diesel::update(outcomes::table.find(id))
                .set((
                    columns,
                    outcomes::version.eq(outcomes::version + 1),
                    outcomes::updated_at.eq(diesel::dsl::now),
                ))
                .returning(OutcomeRow::as_returning())
                .get_result(conn)?;
            trail::record(conn, p, TrailAction::Update, &[person])?;
            (row, false)
        }
        None => {
            let row = diesel::insert_into(outcomes::table)
                .values((outcomes::placement_id.eq(id), columns))
                .returning(OutcomeRow::as_returning())
                .get_result(conn)?;
            trail::record(conn, p, TrailAction::Create, &[person])?;
            (row, true)
        }
    };
    Ok((row, created))
}

/// A person's outcomes, for their own copy.
pub fn of_person(conn: &mut PgConnection, person: Uuid) -> ApiResult<Vec<OutcomeRow>> {
    Ok(outcomes::table
        .inner_join(placements::table)
        .filter(placements::beneficiary_id.eq(person))
        .order(outcomes::placement_id.asc())
        .select(OutcomeRow::as_select())
        .load(conn)?)
}
