//! What an end-of-contract report reads of one contract (its hours by
//! month and modality, its people, its outcomes, its parties, the waiver)
//! and the reports issued, stored as they were.

use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Date, Nullable, Numeric, Text, Uuid as SqlUuid};
use rust_decimal::Decimal;
use serde_json::Value;
use uuid::Uuid;

use crate::db::schema::{contract_reports, organisations, penalty_waivers};
use crate::domain::calendar::Month;
use crate::domain::codes::Modality;
use crate::domain::outcome::Situation;
use crate::error::{ApiError, ApiResult};

/// The contract's placements and hours as the report counts them.
#[derive(Debug, Clone, Default)]
pub struct Facts {
    /// Validated hours by month, up to the report's day.
    pub months: Vec<(Month, Decimal)>,
    /// Declared hours not yet decided.
    pub declared_hours: Decimal,
    /// (modality, validated hours, placements, distinct people).
    pub modalities: Vec<(Modality, Decimal, i64, i64)>,
    pub people: People,
    /// Placements started by the report's day.
    pub employment_contracts: i64,
    /// Placements ended by the report's day, by situation on leaving and person.
    pub outcomes: Vec<(Option<Situation>, Uuid, i64)>,
}

/// The people placed on the contract by the report's day; ages on their
/// first placement's start on it.
#[derive(Debug, Clone, Default, PartialEq, Eq, QueryableByName)]
pub struct People {
    #[diesel(sql_type = BigInt)]
    pub participants: i64,
    #[diesel(sql_type = BigInt)]
    pub women: i64,
    #[diesel(sql_type = BigInt)]
    pub men: i64,
    #[diesel(sql_type = BigInt)]
    pub under_26: i64,
    #[diesel(sql_type = BigInt)]
    pub qpv_residents: i64,
    #[diesel(sql_type = BigInt)]
    pub employment_contracts: i64,
}

#[derive(QueryableByName)]
struct MonthHours {
    #[diesel(sql_type = Date)]
    month: NaiveDate,
    #[diesel(sql_type = Text)]
    status: String,
    #[diesel(sql_type = Numeric)]
    hours: Decimal,
}

#[derive(QueryableByName)]
struct ModalityRow {
    #[diesel(sql_type = Text)]
    modality: String,
    #[diesel(sql_type = Numeric)]
    hours: Decimal,
    #[diesel(sql_type = BigInt)]
    placements: i64,
    #[diesel(sql_type = BigInt)]
    people: i64,
}

#[derive(QueryableByName)]
struct OutcomeRow {
    #[diesel(sql_type = Nullable<Text>)]
    situation: Option<String>,
    #[diesel(sql_type = SqlUuid)]
    beneficiary_id: Uuid,
    #[diesel(sql_type = BigInt)]
    placements: i64,
}

/// The facts of contract `id` up to `as_of` (four statements).
pub fn facts(conn: &mut PgConnection, id: Uuid, as_of: NaiveDate) -> ApiResult<Facts> {
    let hours: Vec<MonthHours> = diesel::sql_query(
        "SELECT h.month, h.status, sum(h.worked_hours + h.training_hours) AS hours
         FROM monthly_hours h JOIN placements p ON p.id = h.placement_id
         WHERE p.contract_id = $1 AND h.month <= $2 AND h.status IN ('validated', 'declared')
         GROUP BY 1, 2 ORDER BY 1",
    )
    .bind::<SqlUuid, _>(id)
    .bind::<Date, _>(as_of)
    .load(conn)?;
    let mut facts = Facts::default();
    for h in hours {
        if h.status == "validated" {
            facts.months.push((Month::from_date(h.month), h.hours));
        } else {
            facts.declared_hours += h.hours;
        }
    }
    let modalities: Vec<ModalityRow> = diesel::sql_query(
        "SELECT p.modality,
                coalesce(sum(h.worked_hours + h.training_hours), 0) AS hours,
                count(DISTINCT p.id) AS placements,
                count(DISTINCT p.beneficiary_id) AS people
         FROM placements p
         LEFT JOIN monthly_hours h ON h.placement_id = p.id AND h.status = 'validated' AND h.month <= $2
         WHERE p.contract_id = $1 AND p.start_date <= $2
         GROUP BY 1 ORDER BY 1",
    )
    .bind::<SqlUuid, _>(id)
    .bind::<Date, _>(as_of)
    .load(conn)?;
    facts.modalities = modalities
        .into_iter()
        .map(|r| {
            let modality = Modality::parse(&r.modality).ok_or_else(|| {
                ApiError::bug(format!("unknown modality {:?} in the database", r.modality))
            })?;
            Ok((modality, r.hours, r.placements, r.people))
        })
        .collect::<ApiResult<_>>()?;
    facts.people = diesel::sql_query(
        "WITH placed AS (
             SELECT beneficiary_id, min(start_date) AS first_start, count(*) AS placements
             FROM placements WHERE contract_id = $1 AND start_date <= $2
             GROUP BY beneficiary_id
         )
         SELECT count(*) AS participants,
                count(*) FILTER (WHERE b.sex = 'F') AS women,
                count(*) FILTER (WHERE b.sex = 'M') AS men,
                count(*) FILTER (WHERE age_band(person_age(b.id, b.birth_date, a.first_start)) = 'under_26')
                    AS under_26,
                count(*) FILTER (WHERE b.qpv_resident) AS qpv_residents,
                coalesce(sum(a.placements), 0)::bigint AS employment_contracts
         FROM placed a JOIN beneficiaries b ON b.id = a.beneficiary_id",
    )
    .bind::<SqlUuid, _>(id)
    .bind::<Date, _>(as_of)
    .get_result(conn)?;
    facts.employment_contracts = facts.people.employment_contracts;
    let outcomes: Vec<OutcomeRow> = diesel::sql_query(
        "SELECT o.situation, p.beneficiary_id, count(*) AS placements
         FROM placements p LEFT JOIN outcomes o ON o.placement_id = p.id
         WHERE p.contract_id = $1 AND p.end_date <= $2
         GROUP BY 1, 2",
    )
    .bind::<SqlUuid, _>(id)
    .bind::<Date, _>(as_of)
    .load(conn)?;
    facts.outcomes = outcomes
        .into_iter()
        .map(|r| {
            let situation = match r.situation {
                None => None,
                Some(code) => Some(Situation::parse(&code).ok_or_else(|| {
                    ApiError::bug(format!("reading an outcome: unknown situation {code:?}"))
                })?),
            };
            Ok((situation, r.beneficiary_id, r.placements))
        })
        .collect::<ApiResult<_>>()?;
    Ok(facts)
}

/// An organisation's name.
pub fn name(conn: &mut PgConnection, id: Uuid) -> ApiResult<String> {
    Ok(organisations::table
        .find(id)
        .select(organisations::name)
        .first(conn)?)
}

/// The issuer of reports: the territory's facilitator, as registered.
pub fn facilitator(conn: &mut PgConnection) -> ApiResult<Option<String>> {
    Ok(organisations::table
        .filter(organisations::kind.eq("facilitator"))
        .order((organisations::created_at.asc(), organisations::id.asc()))
        .select(organisations::name)
        .first(conn)
        .optional()?)
}

/// The waiver's reason, if the penalty is waived.
pub fn waiver(conn: &mut PgConnection, contract_id: Uuid) -> ApiResult<Option<String>> {
    Ok(penalty_waivers::table
        .find(contract_id)
        .select(penalty_waivers::reason)
        .first(conn)
        .optional()?)
}

pub fn waive(conn: &mut PgConnection, contract_id: Uuid, reason: &str) -> ApiResult<()> {
    diesel::insert_into(penalty_waivers::table)
        .values((
            penalty_waivers::contract_id.eq(contract_id),
            penalty_waivers::reason.eq(reason),
        ))
        .on_conflict(penalty_waivers::contract_id)
        .do_update()
        .set((
            penalty_waivers::reason.eq(reason),
            penalty_waivers::waived_at.eq(diesel::dsl::now),
        ))
        .execute(conn)?;
    Ok(())
}

/// Takes a waiver back; whether there was one.
pub fn unwaive(conn: &mut PgConnection, contract_id: Uuid) -> ApiResult<bool> {
    Ok(diesel::delete(penalty_waivers::table.find(contract_id)).execute(conn)? > 0)
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = contract_reports)]
pub struct IssuedRow {
    pub id: Uuid,
    pub contract_id: Uuid,
    pub number: String,
    pub issued_on: NaiveDate,
    pub body: Value,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

crate::paging::timestamped!(IssuedRow);

/// The next number of the contract's reports issued in `year`.
pub fn next_seq(conn: &mut PgConnection, contract_id: Uuid, year: i32) -> ApiResult<i64> {
    let taken: i64 = contract_reports::table
        .filter(contract_reports::contract_id.eq(contract_id))
        .filter(contract_reports::number.like(format!("{year:04}-%")))
        .count()
        .get_result(conn)?;
    Ok(taken + 1)
}

/// How many reports the contract has had issued.
pub fn count(conn: &mut PgConnection, contract_id: Uuid) -> ApiResult<i64> {
    Ok(contract_reports::table
        .filter(contract_reports::contract_id.eq(contract_id))
        .count()
        .get_result(conn)?)
}

pub fn insert_issued(
    conn: &mut PgConnection,
    contract_id: Uuid,
    number: &str,
    issued_on: NaiveDate,
    body: &Value,
) -> ApiResult<IssuedRow> {
    Ok(diesel::insert_into(contract_reports::table)
        .values((
            contract_reports::id.eq(Uuid::now_v7()),
            contract_reports::contract_id.eq(contract_id),
            contract_reports::number.eq(number),
            contract_reports::issued_on.eq(issued_on),
            contract_reports::body.eq(body),
        ))
        .returning(IssuedRow::as_returning())
        .get_result(conn)?)
}

pub fn issued(conn: &mut PgConnection, contract_id: Uuid, number: &str) -> ApiResult<IssuedRow> {
    contract_reports::table
        .filter(contract_reports::contract_id.eq(contract_id))
        .filter(contract_reports::number.eq(number))
        .select(IssuedRow::as_select())
        .first(conn)
        .optional()?
        .ok_or_else(|| ApiError::not_found("report"))
}
