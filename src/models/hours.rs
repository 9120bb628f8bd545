use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use rust_decimal::Decimal;
use uuid::Uuid;

use crate::access;
use crate::auth::Principal;
use crate::db::schema::{contracts, monthly_hours, placements};
use crate::domain::calendar::Month;
use crate::domain::codes::{Decision, HoursStatus};
use crate::domain::hours::{self as judge, Decided, Declared, Declarer, Recorded, Refusal};
use crate::domain::placement as rules;
use crate::error::{ApiError, ApiResult, Violations};
use crate::paging::{Page, PageRequest};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = monthly_hours)]
pub struct HoursRow {
    pub id: Uuid,
    pub placement_id: Uuid,
    pub month: NaiveDate,
    pub worked_hours: Decimal,
    pub training_hours: Decimal,
    pub status: HoursStatus,
    pub reason: Option<String>,
    pub declared_by: String,
    pub declared_role: String,
    pub decided_by: Option<String>,
    pub decided_at: Option<DateTime<Utc>>,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

crate::paging::timestamped!(HoursRow);

impl HoursRow {
    pub fn status(&self) -> HoursStatus {
        self.status
    }

    /// The month as the judge reads it.
    pub fn recorded(&self) -> Recorded {
        Recorded {
            status: self.status,
            worked: self.worked_hours,
            training: self.training_hours,
            reason: self.reason.clone(),
            version: self.version,
        }
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

/// The end of each placement's contract, shared-locked so that the
/// contract's dates cannot move under a declaration.
fn contract_ends(conn: &mut PgConnection, ids: &[Uuid]) -> ApiResult<HashMap<Uuid, NaiveDate>> {
    Ok(placements::table
        .inner_join(contracts::table)
        .filter(placements::id.eq_any(ids))
        .select((placements::id, contracts::end_date))
        .for_share()
        .load::<(Uuid, NaiveDate)>(conn)?
        .into_iter()
        .collect())
}

/// When a placement's months may hold hours, as of today.
fn work_span(
    conn: &mut PgConnection,
    scope: access::Filter<placements::table>,
    id: Uuid,
) -> ApiResult<rules::WorkSpan> {
    let (start, end) = placement_dates(conn, scope, id)?;
    let contract_end = contract_ends(conn, &[id])?
        .remove(&id)
        .ok_or_else(|| ApiError::bug("a placement without its contract"))?;
    Ok(rules::WorkSpan {
        start,
        end,
        contract_end,
        today: Utc::now().date_naive(),
    })
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

/// Whether the caller may read the placement's months (404 otherwise). A
/// read takes no lock: it neither waits for a declaration in flight nor
/// holds one up.
fn readable(
    conn: &mut PgConnection,
    scope: access::Filter<placements::table>,
    id: Uuid,
) -> ApiResult<()> {
    let seen: bool = diesel::select(diesel::dsl::exists(
        placements::table
            .filter(scope)
            .filter(placements::id.eq(id)),
    ))
    .get_result(conn)?;
    if seen {
        Ok(())
    } else {
        Err(ApiError::not_found("placement"))
    }
}

pub fn list(
    conn: &mut PgConnection,
    p: &Principal,
    placement_id: Uuid,
    page: PageRequest,
) -> ApiResult<Page<HoursRow>> {
    let scope = access::placements::read_hours(p)?;
    readable(conn, scope, placement_id)?;
    let mut q = monthly_hours::table
        .filter(monthly_hours::placement_id.eq(placement_id))
        .into_boxed();
    super::keyset_page!(q, monthly_hours, page);
    let rows = q.select(HoursRow::as_select()).load(conn)?;
    Ok(Page::cut(rows, &page))
}

pub fn get(
    conn: &mut PgConnection,
    p: &Principal,
    placement_id: Uuid,
    month: Month,
) -> ApiResult<HoursRow> {
    let scope = access::placements::read_hours(p)?;
    readable(conn, scope, placement_id)?;
    monthly_hours::table
        .filter(monthly_hours::placement_id.eq(placement_id))
        .filter(monthly_hours::month.eq(month.first_day()))
        .select(HoursRow::as_select())
        .first(conn)
        .optional()?
        .ok_or_else(|| ApiError::NotFound(format!("no hours are recorded for {month}")))
}

/// Declares (or replaces) a month. The facilitator's figures are validated
/// at once; a company's wait for validation and never replace a validated
/// month.
pub fn declare(
    conn: &mut PgConnection,
    p: &Principal,
    leave: access::placements::Declaring,
    line: StatementLine,
    mut v: Violations,
) -> ApiResult<(HoursRow, Outcome)> {
    let StatementLine {
        placement_id,
        month,
        worked,
        training,
    } = line;
    let scope = leave.placements();
    let by = leave.declarer();
    let span = work_span(conn, scope, placement_id)?;
    let current = find(conn, placement_id, month)?;
    let asked = judge::Declaration {
        month,
        worked,
        training,
    };
    let judged = judge::declare(
        current.as_ref().map(HoursRow::recorded).as_ref(),
        &asked,
        &span,
        by,
    );
    let verdict = match judged {
        Ok(verdict) => verdict,
        Err(Refusal::Invalid(errors)) => {
            v.list().extend(errors);
            v.finish()?;
            return Err(ApiError::bug("a refusal without errors"));
        }
        Err(Refusal::Conflict(e)) => {
            v.finish()?;
            return Err(ApiError::conflict(e.field, e.message));
        }
    };
    v.finish()?;
    let (decided_by, decided_at) = match by {
        Declarer::Facilitator => (Some(p.sub.as_str()), Some(Utc::now())),
        Declarer::Company => (None, None),
    };
    match (verdict, current) {
        (Declared::Unchanged, Some(current)) => Ok((current, Outcome::Unchanged)),
        (Declared::Replace(status), Some(current)) => {
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
        (Declared::Create(status), None) => {
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
        _ => Err(ApiError::bug("a declaration judged against another month")),
    }
}

/// The facilitator validates or rejects a month (a reason is required to
/// reject). Deciding the same way twice changes nothing.
pub fn decide(
    conn: &mut PgConnection,
    p: &Principal,
    leave: access::placements::Deciding,
    placement_id: Uuid,
    month: Month,
    decision: Decision,
    reason: Option<String>,
) -> ApiResult<HoursRow> {
    let scope = leave.placements();
    placement_dates(conn, scope, placement_id)?;
    let current = find(conn, placement_id, month)?
        .ok_or_else(|| ApiError::NotFound(format!("no hours are recorded for {month}")))?;
    let asked = judge::DecisionRequest {
        decision,
        reason,
        version: None,
    };
    let (status, reason) = match judge::decide(&current.recorded(), &asked)
        .map_err(|r| ApiError::Validation(r.errors()))?
    {
        Decided::Unchanged => return Ok(current),
        Decided::Apply { status, reason } => (status, reason),
    };
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
}

/// One well-formed line of an hour statement.
#[derive(Debug, Clone)]
pub struct StatementLine {
    pub placement_id: Uuid,
    pub month: Month,
    pub worked: Decimal,
    pub training: Decimal,
}

/// What became of a line. Serialised, it is the answer kept under an
/// `Idempotency-Key`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum LineOutcome {
    Created,
    Updated,
    Unchanged,
    Rejected(Vec<crate::error::FieldError>),
}

/// Applies an hour statement: each line under the rules of a single
/// declaration, in one transaction and a few set-wise statements, so that
/// 10,000 lines take one round of queries, not 10,000.
pub fn declare_statement(
    conn: &mut PgConnection,
    p: &Principal,
    leave: access::placements::Declaring,
    lines: &[Option<StatementLine>],
) -> ApiResult<Vec<Option<LineOutcome>>> {
    use std::collections::HashSet;
    let scope = leave.placements();
    let by = leave.declarer();
    let status = by.status();
    let ids: Vec<Uuid> = lines
        .iter()
        .flatten()
        .map(|l| l.placement_id)
        .collect::<HashSet<_>>()
        .into_iter()
        .collect();
    let visible: HashMap<Uuid, (NaiveDate, Option<NaiveDate>)> = placements::table
        .filter(scope)
        .filter(placements::id.eq_any(&ids))
        .select((placements::id, placements::start_date, placements::end_date))
        .for_update()
        .load::<(Uuid, NaiveDate, Option<NaiveDate>)>(conn)?
        .into_iter()
        .map(|(id, s, e)| (id, (s, e)))
        .collect();
    let months: Vec<NaiveDate> = lines
        .iter()
        .flatten()
        .map(|l| l.month.first_day())
        .collect::<HashSet<_>>()
        .into_iter()
        .collect();
    let visible_ids: Vec<Uuid> = visible.keys().copied().collect();
    let contract_end = contract_ends(conn, &visible_ids)?;
    let today = Utc::now().date_naive();
    let existing: HashMap<(Uuid, NaiveDate), HoursRow> = monthly_hours::table
        .filter(monthly_hours::placement_id.eq_any(&visible_ids))
        .filter(monthly_hours::month.eq_any(&months))
        .select(HoursRow::as_select())
        .for_update()
        .load::<HoursRow>(conn)?
        .into_iter()
        .map(|r| ((r.placement_id, r.month), r))
        .collect();

    let mut seen: HashMap<(Uuid, NaiveDate), usize> = HashMap::new();
    let mut inserts = Vec::new();
    let mut updates: Vec<(Uuid, Decimal, Decimal)> = Vec::new();
    let mut outcomes = Vec::with_capacity(lines.len());
    for (i, line) in lines.iter().enumerate() {
        let Some(l) = line else {
            outcomes.push(None);
            continue;
        };
        let reject = |field: &str, message: String| {
            Some(LineOutcome::Rejected(vec![crate::error::FieldError::new(
                field, message,
            )]))
        };
        let key = (l.placement_id, l.month.first_day());
        let Some(&(start, end)) = visible.get(&l.placement_id) else {
            outcomes.push(reject(
                "placement_id",
                "no placement with this id on which you may declare hours".into(),
            ));
            continue;
        };
        let Some(&contract_end) = contract_end.get(&l.placement_id) else {
            return Err(ApiError::bug("a placement without its contract"));
        };
        let span = rules::WorkSpan {
            start,
            end,
            contract_end,
            today,
        };
        let asked = judge::Declaration {
            month: l.month,
            worked: l.worked,
            training: l.training,
        };
        let current = existing.get(&key);
        let judged = judge::declare(current.map(HoursRow::recorded).as_ref(), &asked, &span, by);
        if let Err(Refusal::Invalid(errors)) = judged {
            outcomes.push(Some(LineOutcome::Rejected(errors)));
            continue;
        }
        if let Some(first) = seen.get(&key) {
            outcomes.push(reject(
                "month",
                format!(
                    "{} is already declared for this placement on line {}",
                    l.month,
                    first + 1
                ),
            ));
            continue;
        }
        seen.insert(key, i);
        outcomes.push(Some(match (judged, current) {
            (Err(refusal), _) => LineOutcome::Rejected(refusal.errors()),
            (Ok(Declared::Unchanged), _) => LineOutcome::Unchanged,
            (Ok(Declared::Replace(_)), Some(row)) => {
                updates.push((row.id, l.worked, l.training));
                LineOutcome::Updated
            }
            (Ok(_), _) => {
                inserts.push((Uuid::now_v7(), l.placement_id, key.1, l.worked, l.training));
                LineOutcome::Created
            }
        }));
    }

    let (decided_by, decided_at) = match by {
        Declarer::Facilitator => (Some(p.sub.as_str()), Some(Utc::now())),
        Declarer::Company => (None, None),
    };
    for chunk in inserts.chunks(1000) {
        let rows: Vec<_> = chunk
            .iter()
            .map(|(id, placement, month, worked, training)| {
                (
                    monthly_hours::id.eq(*id),
                    monthly_hours::placement_id.eq(*placement),
                    monthly_hours::month.eq(*month),
                    monthly_hours::worked_hours.eq(*worked),
                    monthly_hours::training_hours.eq(*training),
                    monthly_hours::status.eq(status.as_str()),
                    monthly_hours::declared_by.eq(p.sub.as_str()),
                    monthly_hours::declared_role.eq(p.role.as_str()),
                    monthly_hours::decided_by.eq(decided_by),
                    monthly_hours::decided_at.eq(decided_at),
                )
            })
            .collect();
        diesel::insert_into(monthly_hours::table)
            .values(&rows)
            .execute(conn)?;
    }
    if !updates.is_empty() {
        use diesel::sql_types::{Array, Nullable, Numeric, Text, Timestamptz, Uuid as SqlUuid};
        diesel::sql_query(
            "UPDATE monthly_hours m
             SET worked_hours = v.worked, training_hours = v.training, status = $4, reason = NULL,
                 declared_by = $5, declared_role = $6, decided_by = $7, decided_at = $8,
                 version = m.version + 1, updated_at = now()
             FROM unnest($1::uuid[], $2::numeric[], $3::numeric[]) AS v (id, worked, training)
             WHERE m.id = v.id",
        )
        .bind::<Array<SqlUuid>, _>(updates.iter().map(|u| u.0).collect::<Vec<_>>())
        .bind::<Array<Numeric>, _>(updates.iter().map(|u| u.1).collect::<Vec<_>>())
        .bind::<Array<Numeric>, _>(updates.iter().map(|u| u.2).collect::<Vec<_>>())
        .bind::<Text, _>(status.as_str())
        .bind::<Text, _>(&p.sub)
        .bind::<Text, _>(p.role.as_str())
        .bind::<Nullable<Text>, _>(decided_by)
        .bind::<Nullable<Timestamptz>, _>(decided_at)
        .execute(conn)?;
    }
    Ok(outcomes)
}
