//! The facilitator's worklist: the months of every placement in scope, the
//! months nobody declared, and decisions on many months at once.

use std::collections::{HashMap, HashSet};

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use chrono::{NaiveDate, Utc};
use diesel::prelude::*;
use diesel::sql_types::{Array, BigInt, Date, Nullable, Text, Uuid as SqlUuid};
use uuid::Uuid;

use super::hours::HoursRow;
use crate::access::placements::HoursScope;
use crate::auth::Principal;
use crate::db::schema::{monthly_hours, placements};
use crate::domain::calendar::Month;
use crate::domain::codes::{Decision, HoursStatus};
use crate::domain::hours::{self as judge, Decided};
use crate::error::{ApiResult, FieldError};
use crate::paging::{Keyed, Order, Page, PageKey, PageRequest, TimeKey};

/// A month with the placement facts a worklist shows beside it.
#[derive(Debug, Clone)]
pub struct WorkRow {
    pub hours: HoursRow,
    pub contract_id: Uuid,
    pub employer_id: Uuid,
}

impl Keyed for WorkRow {
    type Key = TimeKey;

    fn key(&self, order: Order) -> TimeKey {
        self.hours.key(order)
    }
}

/// The filters of `GET /api/v1/hours`, checked.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    pub statuses: Vec<HoursStatus>,
    pub month_from: Option<Month>,
    pub month_to: Option<Month>,
    pub contract_id: Option<Uuid>,
    pub employer_id: Option<Uuid>,
    pub beneficiary_id: Option<Uuid>,
}

/// A page of the months in scope, then the placement facts of that page
/// (read in one snapshot by the caller). The months are read alone
/// (placements enter only as a condition when the scope or a filter names
/// them), so with a single status the index on (status, created_at, id)
/// gives the page directly.
pub fn list(
    conn: &mut PgConnection,
    scope: HoursScope,
    filter: Filter,
    page: PageRequest,
) -> ApiResult<Page<WorkRow>> {
    let mut q = monthly_hours::table.into_boxed();
    let by_placement = filter.contract_id.is_some()
        || filter.employer_id.is_some()
        || filter.beneficiary_id.is_some();
    let in_scope = scope.placements();
    if in_scope.is_some() || by_placement {
        let mut placements_q = placements::table.select(placements::id).into_boxed();
        if let Some(f) = in_scope {
            placements_q = placements_q.filter(f);
        }
        if let Some(c) = filter.contract_id {
            placements_q = placements_q.filter(placements::contract_id.eq(c));
        }
        if let Some(e) = filter.employer_id {
            placements_q = placements_q.filter(placements::employer_id.eq(e));
        }
        if let Some(b) = filter.beneficiary_id {
            placements_q = placements_q.filter(placements::beneficiary_id.eq(b));
        }
        q = q.filter(monthly_hours::placement_id.eq_any(placements_q));
    }
    match filter.statuses.as_slice() {
        [] => {}
        // `status = $1`, not `= ANY($1)`: only an equality lets the index
        // give the rows in paging order (a list of statuses is sorted).
        [one] => q = q.filter(monthly_hours::status.eq(one.as_str())),
        many => {
            let codes: Vec<&str> = many.iter().map(|s| s.as_str()).collect();
            q = q.filter(monthly_hours::status.eq_any(codes));
        }
    }
    if let Some(m) = filter.month_from {
        q = q.filter(monthly_hours::month.ge(m.first_day()));
    }
    if let Some(m) = filter.month_to {
        q = q.filter(monthly_hours::month.le(m.first_day()));
    }
    super::keyset_page!(q, monthly_hours, page);
    let rows: Vec<HoursRow> = q.select(HoursRow::as_select()).load(conn)?;
    let ids: Vec<Uuid> = rows.iter().map(|r| r.placement_id).collect();
    let facts: HashMap<Uuid, (Uuid, Uuid)> = placements::table
        .filter(placements::id.eq_any(&ids))
        .select((
            placements::id,
            placements::contract_id,
            placements::employer_id,
        ))
        .load::<(Uuid, Uuid, Uuid)>(conn)?
        .into_iter()
        .map(|(id, c, e)| (id, (c, e)))
        .collect();
    let rows = rows
        .into_iter()
        .filter_map(|hours| {
            // A month's placement exists (a foreign key); the read is in
            // one transaction with the page, by the caller.
            let (contract_id, employer_id) = *facts.get(&hours.placement_id)?;
            Some(WorkRow {
                hours,
                contract_id,
                employer_id,
            })
        })
        .collect();
    Ok(Page::cut(rows, &page))
}

/// A month owed: a (placement, month) the placement covers and nobody declared.
#[derive(Debug, Clone, QueryableByName)]
pub struct MissingRow {
    #[diesel(sql_type = SqlUuid)]
    pub placement_id: Uuid,
    #[diesel(sql_type = SqlUuid)]
    pub contract_id: Uuid,
    #[diesel(sql_type = SqlUuid)]
    pub employer_id: Uuid,
    #[diesel(sql_type = Date)]
    pub month: NaiveDate,
}

/// Where a page of months owed starts: after this (placement, month).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MissingKey {
    pub placement_id: Uuid,
    pub month: NaiveDate,
}

impl PageKey for MissingKey {
    fn encode(&self) -> String {
        URL_SAFE_NO_PAD.encode(format!("m{}_{}", self.placement_id.simple(), self.month))
    }

    fn decode(s: &str) -> Option<MissingKey> {
        let raw = String::from_utf8(URL_SAFE_NO_PAD.decode(s).ok()?).ok()?;
        let (id, month) = raw.strip_prefix('m')?.split_once('_')?;
        Some(MissingKey {
            placement_id: Uuid::try_parse(id).ok()?,
            month: NaiveDate::parse_from_str(month, "%Y-%m-%d").ok()?,
        })
    }
}

impl Keyed for MissingRow {
    type Key = MissingKey;

    fn key(&self, _: Order) -> MissingKey {
        MissingKey {
            placement_id: self.placement_id,
            month: self.month,
        }
    }
}

/// The filters of `GET /api/v1/hours/missing`.
#[derive(Debug, Clone)]
pub struct MissingFilter {
    pub as_of: NaiveDate,
    pub contract_id: Option<Uuid>,
    pub employer_id: Option<Uuid>,
}

/// The months owed before the month of `as_of`, in (placement, month)
/// order: a series of months per placement (from its start to its end, or
/// while open to its contract's end) anti-joined on the recorded months. A
/// month declared and then rejected is recorded, so it is not owed.
pub fn missing(
    conn: &mut PgConnection,
    scope: HoursScope,
    filter: MissingFilter,
    page: PageRequest<MissingKey>,
) -> ApiResult<Page<MissingRow>> {
    let (in_scope, org) = scope.sql(7);
    let sql = format!(
        "SELECT placements.id AS placement_id, placements.contract_id, placements.employer_id,
                m.month::date AS month
         FROM placements
         JOIN contracts c ON c.id = placements.contract_id
         CROSS JOIN LATERAL generate_series(
             date_trunc('month', placements.start_date),
             least(date_trunc('month', coalesce(placements.end_date, c.end_date)),
                   date_trunc('month', $1::date) - interval '1 month'),
             interval '1 month') AS m (month)
         WHERE {in_scope}
           AND ($2::uuid IS NULL OR placements.contract_id = $2)
           AND ($3::uuid IS NULL OR placements.employer_id = $3)
           AND ($4::uuid IS NULL OR (placements.id, m.month::date) > ($4, $5::date))
           AND NOT EXISTS (SELECT 1 FROM monthly_hours h
                           WHERE h.placement_id = placements.id AND h.month = m.month::date)
         ORDER BY placements.id, m.month
         LIMIT $6"
    );
    let q = diesel::sql_query(sql)
        .bind::<Date, _>(filter.as_of)
        .bind::<Nullable<SqlUuid>, _>(filter.contract_id)
        .bind::<Nullable<SqlUuid>, _>(filter.employer_id)
        .bind::<Nullable<SqlUuid>, _>(page.after.map(|k| k.placement_id))
        .bind::<Nullable<Date>, _>(page.after.map(|k| k.month))
        .bind::<BigInt, _>(page.fetch());
    let rows: Vec<MissingRow> = match org {
        Some(org) => q.bind::<SqlUuid, _>(org).load(conn)?,
        None => q.load(conn)?,
    };
    Ok(Page::cut(rows, &page))
}

/// One well-formed decision line.
#[derive(Debug, Clone)]
pub struct DecisionLine {
    pub placement_id: Uuid,
    pub month: Month,
    pub decision: Decision,
    pub reason: Option<String>,
    pub version: Option<i32>,
}

/// What became of a line. Serialised, it is the answer kept under an
/// `Idempotency-Key`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum DecisionOutcome {
    Validated,
    Rejected,
    Unchanged,
    Refused(Vec<FieldError>),
}

#[derive(QueryableByName)]
struct Current {
    #[diesel(sql_type = SqlUuid)]
    id: Uuid,
    #[diesel(sql_type = SqlUuid)]
    placement_id: Uuid,
    #[diesel(sql_type = Date)]
    month: NaiveDate,
    #[diesel(sql_type = Text)]
    status: HoursStatus,
    #[diesel(sql_type = diesel::sql_types::Numeric)]
    worked_hours: rust_decimal::Decimal,
    #[diesel(sql_type = diesel::sql_types::Numeric)]
    training_hours: rust_decimal::Decimal,
    #[diesel(sql_type = Nullable<Text>)]
    reason: Option<String>,
    #[diesel(sql_type = diesel::sql_types::Integer)]
    version: i32,
}

impl Current {
    fn recorded(&self) -> crate::domain::hours::Recorded {
        crate::domain::hours::Recorded {
            status: self.status,
            worked: self.worked_hours,
            training: self.training_hours,
            reason: self.reason.clone(),
            version: self.version,
        }
    }
}

/// Judges every line as a single decision is judged (an unknown placement,
/// no such month, a stale `version`; a line naming a month an earlier line
/// named) and applies the good ones in one statement, so the rollups and
/// the change feed follow as for single decisions. The caller holds the
/// transaction; `leave` says `p` decides hours, and on which placements.
pub fn decide(
    conn: &mut PgConnection,
    p: &Principal,
    leave: crate::access::placements::Deciding,
    lines: &[Option<DecisionLine>],
) -> ApiResult<Vec<Option<DecisionOutcome>>> {
    let ids: Vec<Uuid> = lines
        .iter()
        .flatten()
        .map(|l| l.placement_id)
        .collect::<HashSet<_>>()
        .into_iter()
        .collect();
    let known: HashSet<Uuid> = placements::table
        .filter(leave.placements())
        .filter(placements::id.eq_any(&ids))
        .select(placements::id)
        .load::<Uuid>(conn)?
        .into_iter()
        .collect();
    let (pairs_p, pairs_m): (Vec<Uuid>, Vec<NaiveDate>) = lines
        .iter()
        .flatten()
        .map(|l| (l.placement_id, l.month.first_day()))
        .unzip();
    // Locked in a fixed order, so two bulk decisions on the same months
    // cannot deadlock.
    let current: HashMap<(Uuid, NaiveDate), Current> = diesel::sql_query(
        "SELECT h.id, h.placement_id, h.month, h.status, h.worked_hours, h.training_hours,
                h.reason, h.version
         FROM monthly_hours h
         JOIN unnest($1::uuid[], $2::date[]) AS w (placement_id, month)
           ON h.placement_id = w.placement_id AND h.month = w.month
         ORDER BY h.id
         FOR UPDATE OF h",
    )
    .bind::<Array<SqlUuid>, _>(&pairs_p)
    .bind::<Array<Date>, _>(&pairs_m)
    .load::<Current>(conn)?
    .into_iter()
    .map(|c| ((c.placement_id, c.month), c))
    .collect();

    let mut seen: HashSet<(Uuid, NaiveDate)> = HashSet::new();
    let mut changes: Vec<(Uuid, &'static str, Option<String>)> = Vec::new();
    let mut outcomes = Vec::with_capacity(lines.len());
    for line in lines {
        let Some(l) = line else {
            outcomes.push(None);
            continue;
        };
        let at = (l.placement_id, l.month.first_day());
        let refuse = |field: &str, message: String| {
            Some(DecisionOutcome::Refused(vec![FieldError::new(
                field, message,
            )]))
        };
        if !seen.insert(at) {
            outcomes.push(refuse(
                "month",
                format!("{} is decided by an earlier line of this request", l.month),
            ));
            continue;
        }
        if !known.contains(&l.placement_id) {
            outcomes.push(refuse(
                "placement_id",
                "no placement with this id is visible to you".into(),
            ));
            continue;
        }
        let Some(c) = current.get(&at) else {
            outcomes.push(refuse(
                "month",
                format!("no hours are recorded for {}", l.month),
            ));
            continue;
        };
        let asked = judge::DecisionRequest {
            decision: l.decision,
            reason: l.reason.clone(),
            version: l.version,
        };
        match judge::decide(&c.recorded(), &asked) {
            Err(refusal) => outcomes.push(Some(DecisionOutcome::Refused(refusal.errors()))),
            Ok(Decided::Unchanged) => outcomes.push(Some(DecisionOutcome::Unchanged)),
            Ok(Decided::Apply { status, reason }) => {
                changes.push((c.id, status.as_str(), reason));
                outcomes.push(Some(match status {
                    HoursStatus::Rejected => DecisionOutcome::Rejected,
                    _ => DecisionOutcome::Validated,
                }));
            }
        }
    }
    if !changes.is_empty() {
        let (ids, rest): (Vec<Uuid>, Vec<(&str, Option<String>)>) =
            changes.into_iter().map(|(id, s, r)| (id, (s, r))).unzip();
        let (statuses, reasons): (Vec<&str>, Vec<Option<String>>) = rest.into_iter().unzip();
        diesel::sql_query(
            "UPDATE monthly_hours h
             SET status = d.status, reason = d.reason, decided_by = $4, decided_at = $5,
                 version = h.version + 1, updated_at = now()
             FROM unnest($1::uuid[], $2::text[], $3::text[]) AS d (id, status, reason)
             WHERE h.id = d.id",
        )
        .bind::<Array<SqlUuid>, _>(ids)
        .bind::<Array<Text>, _>(statuses)
        .bind::<Array<Nullable<Text>>, _>(reasons)
        .bind::<Text, _>(&p.sub)
        .bind::<diesel::sql_types::Timestamptz, _>(Utc::now())
        .execute(conn)?;
    }
    Ok(outcomes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_keys_round_trip_and_refuse_garbage() {
        let k = MissingKey {
            placement_id: Uuid::new_v4(),
            month: NaiveDate::from_ymd_opt(2019, 3, 1).unwrap(),
        };
        assert_eq!(MissingKey::decode(&k.encode()), Some(k));
        for bad in ["", "m", "x", &URL_SAFE_NO_PAD.encode("mnope_2019-03-01")] {
            assert_eq!(MissingKey::decode(bad), None, "{bad}");
        }
    }
}
