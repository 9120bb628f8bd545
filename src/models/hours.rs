use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use rust_decimal::Decimal;
use uuid::Uuid;

use crate::access;
use crate::auth::Principal;
use crate::db::schema::{monthly_hours, placements};
use crate::domain::calendar::Month;
use crate::domain::codes::{Decision, HoursStatus};
use crate::domain::placement as rules;
use crate::error::{ApiError, ApiResult, Violations};
use crate::paging::{self, Cursor, PageRequest};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = monthly_hours)]
pub struct HoursRow {
    pub id: Uuid,
    pub placement_id: Uuid,
    pub month: NaiveDate,
    pub worked_hours: Decimal,
    pub training_hours: Decimal,
    pub status: String,
    pub reason: Option<String>,
    pub declared_by: String,
    pub declared_role: String,
    pub decided_by: Option<String>,
    pub decided_at: Option<DateTime<Utc>>,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl HoursRow {
    pub fn cursor(&self) -> Cursor {
        Cursor {
            created_at: self.created_at,
            id: self.id,
        }
    }

    /// The cursor in the order of `updated_since` lists.
    pub fn update_cursor(&self) -> Cursor {
        Cursor {
            created_at: self.updated_at,
            id: self.id,
        }
    }

    pub fn status(&self) -> HoursStatus {
        HoursStatus::parse(&self.status).unwrap_or(HoursStatus::Declared)
    }
}

/// What a declaration did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Created,
    Updated,
    Unchanged,
}

/// The placement's dates, when the caller's filter lets it see it; locked
/// so that its dates cannot move under a declaration.
fn placement_dates(
    conn: &mut PgConnection,
    scope: access::Filter<placements::table>,
    id: Uuid,
) -> ApiResult<(NaiveDate, Option<NaiveDate>)> {
    placements::table
        .filter(scope)
        .filter(placements::id.eq(id))
        .select((placements::start_date, placements::end_date))
        .for_update()
        .first(conn)
        .optional()?
        .ok_or_else(|| ApiError::not_found("placement"))
}

fn find(conn: &mut PgConnection, placement_id: Uuid, month: Month) -> ApiResult<Option<HoursRow>> {
    Ok(monthly_hours::table
        .filter(monthly_hours::placement_id.eq(placement_id))
        .filter(monthly_hours::month.eq(month.first_day()))
        .select(HoursRow::as_select())
        .for_update()
        .first(conn)
        .optional()?)
}

pub fn list(
    conn: &mut PgConnection,
    p: &Principal,
    placement_id: Uuid,
    page: PageRequest,
    since: Option<DateTime<Utc>>,
) -> ApiResult<(Vec<HoursRow>, Option<String>)> {
    let scope = access::placements::read_hours(p)?;
    conn.transaction(|conn| {
        placement_dates(conn, scope, placement_id)?;
        let mut q = monthly_hours::table
            .filter(monthly_hours::placement_id.eq(placement_id))
            .into_boxed();
        crate::keyset_page!(q, monthly_hours, page, since);
        let rows = q
            .limit(page.limit + 1)
            .select(HoursRow::as_select())
            .load(conn)?;
        let key = if since.is_some() {
            HoursRow::update_cursor
        } else {
            HoursRow::cursor
        };
        Ok(paging::finish(rows, page.limit, key))
    })
}

pub fn get(
    conn: &mut PgConnection,
    p: &Principal,
    placement_id: Uuid,
    month: Month,
) -> ApiResult<HoursRow> {
    let scope = access::placements::read_hours(p)?;
    conn.transaction(|conn| {
        placement_dates(conn, scope, placement_id)?;
        find(conn, placement_id, month)?
            .ok_or_else(|| ApiError::NotFound(format!("no hours are recorded for {month}")))
    })
}

/// Declares (or replaces) a month. The facilitator's figures are validated
/// at once; a company's wait for validation and never replace a validated
/// month.
pub fn declare(
    conn: &mut PgConnection,
    p: &Principal,
    placement_id: Uuid,
    month: Month,
    worked: Decimal,
    training: Decimal,
    mut v: Violations,
) -> ApiResult<(HoursRow, Outcome)> {
    let scope = access::placements::declare_hours(p)?;
    let validates = access::placements::validates_on_declare(p);
    conn.transaction(|conn| {
        let (start, end) = placement_dates(conn, scope, placement_id)?;
        rules::check_month(month, start, end, worked, training, &mut v);
        v.finish()?;
        let status = if validates {
            HoursStatus::Validated
        } else {
            HoursStatus::Declared
        };
        let (decided_by, decided_at) = if validates {
            (Some(p.sub.as_str()), Some(Utc::now()))
        } else {
            (None, None)
        };
        match find(conn, placement_id, month)? {
            Some(current) => {
                if current.status() == HoursStatus::Validated && !validates {
                    return Err(ApiError::conflict(
                        "month",
                        format!("{month} is validated: only the facilitator can change it now"),
                    ));
                }
                if current.worked_hours == worked
                    && current.training_hours == training
                    && current.status() == status
                {
                    return Ok((current, Outcome::Unchanged));
                }
                let row = diesel::update(monthly_hours::table.find(current.id))
                    .set((
                        monthly_hours::worked_hours.eq(worked),
                        monthly_hours::training_hours.eq(training),
                        monthly_hours::status.eq(status.as_str()),
                        monthly_hours::reason.eq(None::<String>),
                        monthly_hours::declared_by.eq(&p.sub),
                        monthly_hours::declared_role.eq(p.role.as_str()),
                        monthly_hours::decided_by.eq(decided_by),
                        monthly_hours::decided_at.eq(decided_at),
                        monthly_hours::version.eq(monthly_hours::version + 1),
                        monthly_hours::updated_at.eq(diesel::dsl::now),
                    ))
                    .returning(HoursRow::as_returning())
                    .get_result(conn)?;
                Ok((row, Outcome::Updated))
            }
            None => {
                let row = diesel::insert_into(monthly_hours::table)
                    .values((
                        monthly_hours::id.eq(Uuid::now_v7()),
                        monthly_hours::placement_id.eq(placement_id),
                        monthly_hours::month.eq(month.first_day()),
                        monthly_hours::worked_hours.eq(worked),
                        monthly_hours::training_hours.eq(training),
                        monthly_hours::status.eq(status.as_str()),
                        monthly_hours::declared_by.eq(&p.sub),
                        monthly_hours::declared_role.eq(p.role.as_str()),
                        monthly_hours::decided_by.eq(decided_by),
                        monthly_hours::decided_at.eq(decided_at),
                    ))
                    .returning(HoursRow::as_returning())
                    .get_result(conn)?;
                Ok((row, Outcome::Created))
            }
        }
    })
}

/// The facilitator validates or rejects a month (a reason is required to
/// reject). Deciding the same way twice changes nothing.
pub fn decide(
    conn: &mut PgConnection,
    p: &Principal,
    placement_id: Uuid,
    month: Month,
    decision: Decision,
    reason: Option<String>,
) -> ApiResult<HoursRow> {
    access::placements::decide_hours(p)?;
    let scope = access::placements::read_hours(p)?;
    conn.transaction(|conn| {
        placement_dates(conn, scope, placement_id)?;
        let current = find(conn, placement_id, month)?
            .ok_or_else(|| ApiError::NotFound(format!("no hours are recorded for {month}")))?;
        let status = match decision {
            Decision::Validated => HoursStatus::Validated,
            Decision::Rejected => HoursStatus::Rejected,
        };
        let reason = match status {
            HoursStatus::Rejected => reason,
            _ => None,
        };
        if current.status() == status && current.reason == reason {
            return Ok(current);
        }
        Ok(diesel::update(monthly_hours::table.find(current.id))
            .set((
                monthly_hours::status.eq(status.as_str()),
                monthly_hours::reason.eq(reason),
                monthly_hours::decided_by.eq(Some(&p.sub)),
                monthly_hours::decided_at.eq(Some(Utc::now())),
                monthly_hours::version.eq(monthly_hours::version + 1),
                monthly_hours::updated_at.eq(diesel::dsl::now),
            ))
            .returning(HoursRow::as_returning())
            .get_result(conn)?)
    })
}
