//! Operations, and the cumulative figures of their contracts.

use chrono::{DateTime, NaiveDate, Utc};
use diesel::dsl::{AsSelect, SqlTypeOf};
use diesel::pg::Pg;
use diesel::prelude::*;
use diesel::sql_types::{Array, BigInt, Date, Numeric, Text, Uuid as SqlUuid};
use rust_decimal::Decimal;
use uuid::Uuid;

use crate::access::{self, ContractScope};
use crate::auth::Principal;
use crate::db::schema::{contracts, operations};
use crate::db::{self, DbPool};
use crate::domain::codes::Programme;
use crate::domain::operation::OperationFields;
use crate::error::{ApiError, ApiResult};
use crate::paging::{Page, PageRequest};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = operations)]
pub struct OperationRow {
    pub id: Uuid,
    pub name: String,
    pub programme: Programme,
    pub qpv_codes: Vec<String>,
    pub start_date: NaiveDate,
    pub end_date: Option<NaiveDate>,
    pub target_hours: Option<Decimal>,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub territory_id: Uuid,
}

crate::paging::timestamped!(OperationRow);

impl OperationRow {
    pub fn fields(&self) -> OperationFields {
        OperationFields {
            name: self.name.clone(),
            programme: self.programme,
            qpv_codes: self.qpv_codes.clone(),
            start_date: self.start_date,
            end_date: self.end_date,
            target_hours: self.target_hours,
        }
    }
}

#[derive(Debug, Insertable, AsChangeset)]
#[diesel(table_name = operations, treat_none_as_null = true)]
struct Columns<'a> {
    name: &'a str,
    programme: &'a str,
    qpv_codes: &'a [String],
    start_date: NaiveDate,
    end_date: Option<NaiveDate>,
    target_hours: Option<Decimal>,
}

impl<'a> From<&'a OperationFields> for Columns<'a> {
    fn from(f: &'a OperationFields) -> Self {
        Columns {
            name: &f.name,
            programme: f.programme.as_str(),
            qpv_codes: &f.qpv_codes,
            start_date: f.start_date,
            end_date: f.end_date,
            target_hours: f.target_hours,
        }
    }
}

#[derive(Debug, Default, Clone)]
pub struct Filter {
    pub programme: Option<Programme>,
    pub qpv_code: Option<String>,
    pub territory_id: Option<Uuid>,
}

/// Every role reads every operation (`access::operations`).
pub fn list(
    conn: &mut PgConnection,
    p: &Principal,
    filter: Filter,
    page: PageRequest,
) -> ApiResult<Page<OperationRow>> {
    let mut q = operations::table
        .filter(access::operations::read(p))
        .into_boxed();
    if let Some(programme) = filter.programme {
        q = q.filter(operations::programme.eq(programme.as_str()));
    }
    if let Some(code) = filter.qpv_code {
        q = q.filter(operations::qpv_codes.contains(vec![code]));
    }
    if let Some(t) = filter.territory_id {
        q = q.filter(operations::territory_id.eq(t));
    }
    super::keyset_page!(q, operations, page);
    let rows = q.select(OperationRow::as_select()).load(conn)?;
    Ok(Page::cut(rows, &page))
}

type ById = operations::BoxedQuery<'static, Pg, SqlTypeOf<AsSelect<OperationRow, Pg>>>;

fn by_id(p: &Principal, id: Uuid) -> ById {
    operations::table
        .filter(access::operations::read(p))
        .filter(operations::id.eq(id))
        .select(OperationRow::as_select())
        .into_boxed()
}

pub async fn get(pool: &DbPool, p: &Principal, id: Uuid) -> ApiResult<OperationRow> {
    db::pipelined::first(pool, || Ok(by_id(p, id)))
        .await?
        .ok_or_else(|| ApiError::not_found("operation"))
}

pub fn get_in(conn: &mut PgConnection, p: &Principal, id: Uuid) -> ApiResult<OperationRow> {
    by_id(p, id)
        .first(conn)
        .optional()?
        .ok_or_else(|| ApiError::not_found("operation"))
}

pub fn create(
    conn: &mut PgConnection,
    p: &Principal,
    fields: &OperationFields,
    territory: Option<Uuid>,
) -> ApiResult<OperationRow> {
    access::operations::write(p)?;
    let territory = super::territory::for_new(conn, p, territory)?;
    Ok(diesel::insert_into(operations::table)
        .values((
            operations::id.eq(Uuid::now_v7()),
            operations::territory_id.eq(territory),
            Columns::from(fields),
        ))
        .returning(OperationRow::as_returning())
        .get_result(conn)?)
}

/// The operation, locked for a change by `p`.
pub fn lock(conn: &mut PgConnection, p: &Principal, id: Uuid) -> ApiResult<OperationRow> {
    operations::table
        .filter(access::operations::write(p)?)
        .filter(operations::id.eq(id))
        .for_update()
        .select(OperationRow::as_select())
        .first(conn)
        .optional()?
        .ok_or_else(|| ApiError::not_found("operation"))
}

/// Writes a locked operation's new fields, with its next version.
pub fn save(conn: &mut PgConnection, id: Uuid, new: &OperationFields) -> ApiResult<OperationRow> {
    Ok(diesel::update(operations::table.find(id))
        .set((
            Columns::from(new),
            operations::version.eq(operations::version + 1),
            operations::updated_at.eq(diesel::dsl::now),
        ))
        .returning(OperationRow::as_returning())
        .get_result(conn)?)
}

/// Carries an operation's new name to the text of each of its contracts
/// (each gets a new version, so the change feed and ETags follow).
pub fn rename_in_contracts(conn: &mut PgConnection, id: Uuid, name: &str) -> ApiResult<()> {
    diesel::update(
        contracts::table
            .filter(contracts::operation_id.eq(id))
            .filter(contracts::operation.is_distinct_from(name)),
    )
    .set((
        contracts::operation.eq(name),
        contracts::version.eq(contracts::version + 1),
        contracts::updated_at.eq(diesel::dsl::now),
    ))
    .execute(conn)?;
    Ok(())
}

/// An operation's cumulative figures over the contracts a caller sees.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OperationTotals {
    pub contracts: i64,
    /// Whether the caller sees every contract of the operation.
    pub sees_all: bool,
    pub commitment_hours: Decimal,
    pub expected_hours_to_date: Decimal,
    pub people: PeopleTotals,
}

/// What the contracts' placements add up to.
#[derive(Debug, Clone, PartialEq, Eq, QueryableByName)]
pub struct PeopleTotals {
    #[diesel(sql_type = Numeric)]
    pub validated_hours: Decimal,
    #[diesel(sql_type = Numeric)]
    pub qpv_hours: Decimal,
    #[diesel(sql_type = Numeric)]
    pub operation_qpv_hours: Decimal,
    #[diesel(sql_type = BigInt)]
    pub participants: i64,
    #[diesel(sql_type = BigInt)]
    pub qpv_participants: i64,
}

/// The figures of the operation's contracts in `scope`, from their start to
/// the month of `on`. The contracts are read once: their commitments and
/// expected hours (by the contracts' own rule) here, their placements'
/// figures in one statement. That statement takes the validated hours of
/// the years before `on`'s from `placement_years`, those of its year up to
/// its month from the months of the placements that have some that year,
/// so the cost follows the operation's placements, not their months. A
/// participant is a person with a placement starting by `on` (every
/// placement has a row in its first year). A person counts in the QPV
/// figures by their `qpv_code` (kept as `qpv_resident` once erased); in the
/// operation's own by a code of its list.
pub fn totals(
    conn: &mut PgConnection,
    scope: ContractScope,
    operation: &OperationRow,
    on: NaiveDate,
    people_on: NaiveDate,
) -> ApiResult<OperationTotals> {
    let q = contracts::table
        .filter(contracts::operation_id.eq(operation.id))
        .filter(scope.contracts());
    let rows: Vec<super::contract::ContractRow> = q
        .select(super::contract::ContractRow::as_select())
        .load(conn)?;
    // Each contract as it stood on `on`: its commitment and the hours
    // expected by then (domain::standing).
    let lives = super::contract_life::of(conn, &rows.iter().map(|r| r.id).collect::<Vec<_>>())?;
    let unlived = super::contract_life::Life::default();
    let seen: Vec<(Uuid, Decimal, Decimal)> = rows
        .iter()
        .map(|r| {
            let signed = r.signed();
            let then = lives.get(&r.id).unwrap_or(&unlived).as_of(&signed, on);
            (
                r.id,
                then.commitment_hours,
                then.expected_to_date(&signed, on),
            )
        })
        .collect();
    let all: i64 = contracts::table
        .filter(contracts::operation_id.eq(operation.id))
        .count()
        .get_result(conn)?;
    let year = chrono::Datelike::year(&on);
    let first_of_year = NaiveDate::from_ymd_opt(year, 1, 1).expect("a valid year");
    let sql = "
        WITH per_placement AS (
            SELECT py.placement_id, py.beneficiary_id, min(py.start_date) AS start_date,
                   coalesce(sum(py.centihours) FILTER (WHERE py.year < $3), 0) * 0.01 AS before,
                   coalesce(sum(py.centihours) FILTER (WHERE py.year = $3), 0) * 0.01 AS whole_year,
                   coalesce(bit_or(py.months) FILTER (WHERE py.year = $3), 0) AS months
            FROM placement_years py
            -- An array, so that each contract's rows are read by the index
            -- on (contract_id, year), not the whole table.
            WHERE py.contract_id = ANY ($1::uuid[]) AND py.year <= $3
            GROUP BY 1, 2
        ),
        per_person AS (
            SELECT pp.beneficiary_id, min(pp.start_date) AS first_start,
                   -- `on`'s year: all of it when no month after `on`'s holds
                   -- hours (always so for today), else its months up to `on`.
                   sum(pp.before + CASE
                       WHEN pp.months = 0 THEN 0
                       WHEN pp.months >> extract(month FROM $2::date)::int = 0 THEN pp.whole_year
                       ELSE (SELECT coalesce(sum(m.worked_hours + m.training_hours), 0) FROM monthly_hours m
                             WHERE m.placement_id = pp.placement_id AND m.status = 'validated'
                               AND m.month >= $4 AND m.month <= $2)
                       END) AS hours
            FROM per_placement pp
            GROUP BY pp.beneficiary_id
        ),
        -- One look-up by id per person (2: in one of the operation's QPVs,
        -- 1: in another, 0: none), not a join over every person.
        classed AS MATERIALIZED (
            SELECT pp.hours, pp.first_start <= $6 AS counted,
                   (SELECT CASE WHEN b.qpv_code = ANY ($5::text[]) THEN 2 WHEN b.qpv_resident THEN 1 ELSE 0 END
                    FROM beneficiaries b WHERE b.id = pp.beneficiary_id) AS qpv
            FROM per_person pp
        ),
        figures AS (
            SELECT coalesce(sum(hours), 0) AS validated_hours,
                   coalesce(sum(hours) FILTER (WHERE qpv >= 1), 0) AS qpv_hours,
                   coalesce(sum(hours) FILTER (WHERE qpv = 2), 0) AS operation_qpv_hours,
                   count(*) FILTER (WHERE counted) AS participants,
                   count(*) FILTER (WHERE counted AND qpv >= 1) AS qpv_participants
            FROM classed
        )
        SELECT * FROM figures";
    let ids: Vec<Uuid> = seen.iter().map(|c| c.0).collect();
    let people: PeopleTotals = diesel::sql_query(sql)
        .bind::<Array<SqlUuid>, _>(&ids)
        .bind::<Date, _>(on)
        .bind::<diesel::sql_types::Integer, _>(year)
        .bind::<Date, _>(first_of_year)
        .bind::<Array<Text>, _>(&operation.qpv_codes)
        .bind::<Date, _>(people_on)
        .get_result(conn)?;
    Ok(OperationTotals {
        contracts: seen.len() as i64,
        sees_all: seen.len() as i64 == all,
        commitment_hours: seen.iter().map(|c| c.1).sum(),
        expected_hours_to_date: seen.iter().map(|c| c.2).sum(),
        people,
    })
}
