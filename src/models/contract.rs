use chrono::{DateTime, NaiveDate, Utc};
use diesel::dsl::{sum, AsSelect, SqlTypeOf};
use diesel::pg::Pg;
use diesel::prelude::*;
use rust_decimal::Decimal;
use uuid::Uuid;

use crate::access;
use crate::auth::Principal;
use crate::db::schema::{contracts, monthly_hours, operations, organisations, placements};
use crate::db::{self, DbPool};
use crate::domain::codes::{ClauseType, CommitmentSource, HoursStatus, MarketNature, OrgKind};
use crate::domain::contract::{ContractFields, LAST_DAY};
use crate::domain::organisation::Party;
use crate::domain::standing::{Pricing, Signed, Standing};
use crate::error::{ApiError, ApiResult, Violations};
use crate::models::contract_life::Life;
use crate::paging::{Page, PageRequest};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = contracts)]
pub struct ContractRow {
    pub id: Uuid,
    pub buyer_id: Uuid,
    pub holder_id: Uuid,
    pub reference: String,
    pub title: String,
    pub operation: Option<String>,
    pub clause_type: ClauseType,
    pub start_date: NaiveDate,
    pub end_date: NaiveDate,
    pub amount_excl_tax: Option<Decimal>,
    pub labour_share: Option<Decimal>,
    pub insertion_rate: Option<Decimal>,
    pub hourly_cost: Option<Decimal>,
    pub commitment_hours: Decimal,
    pub commitment_source: CommitmentSource,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub operation_id: Option<Uuid>,
    pub cpv_code: Option<String>,
    pub market_nature: Option<MarketNature>,
    pub market_nature_given: bool,
    pub pricing: Pricing,
    pub max_amount_excl_tax: Option<Decimal>,
    pub initial_amount_excl_tax: Option<Decimal>,
    pub initial_end_date: NaiveDate,
    pub initial_commitment_hours: Decimal,
    pub initial_commitment_source: CommitmentSource,
    pub penalty_per_missing_hour: Option<Decimal>,
    pub penalty_cap_rate: Option<Decimal>,
    pub report_due_on: Option<NaiveDate>,
    pub amendments: i32,
    pub territory_id: Uuid,
}

crate::paging::timestamped!(ContractRow);

impl ContractRow {
    /// The contract as signed, which a change edits and amendments and
    /// orders apply to; the row's own columns are its values with them all.
    pub fn fields(&self) -> ContractFields {
        ContractFields {
            buyer_id: self.buyer_id,
            holder_id: self.holder_id,
            reference: self.reference.clone(),
            title: self.title.clone(),
            operation: self.operation.clone(),
            operation_id: self.operation_id,
            clause_type: self.clause_type,
            start_date: self.start_date,
            end_date: self.initial_end_date,
            amount_excl_tax: self.initial_amount_excl_tax,
            labour_share: self.labour_share,
            insertion_rate: self.insertion_rate,
            hourly_cost: self.hourly_cost,
            commitment_hours: self.initial_commitment_hours,
            commitment_source: self.initial_commitment_source,
            cpv_code: self.cpv_code.clone(),
            market_nature: self.market_nature,
            market_nature_given: self.market_nature_given,
            pricing: self.pricing,
            max_amount_excl_tax: self.max_amount_excl_tax,
            penalty_per_missing_hour: self.penalty_per_missing_hour,
            penalty_cap_rate: self.penalty_cap_rate,
            report_due_on: self.report_due_on,
        }
    }

    pub fn signed(&self) -> Signed {
        self.fields().signed()
    }
}

#[derive(Debug, Insertable, AsChangeset)]
#[diesel(table_name = contracts, treat_none_as_null = true)]
struct Columns<'a> {
    buyer_id: Uuid,
    holder_id: Uuid,
    reference: &'a str,
    title: &'a str,
    operation: Option<&'a str>,
    clause_type: &'a str,
    start_date: NaiveDate,
    end_date: NaiveDate,
    amount_excl_tax: Option<Decimal>,
    labour_share: Option<Decimal>,
    insertion_rate: Option<Decimal>,
    hourly_cost: Option<Decimal>,
    commitment_hours: Decimal,
    commitment_source: &'a str,
    operation_id: Option<Uuid>,
    cpv_code: Option<&'a str>,
    market_nature: Option<&'a str>,
    market_nature_given: bool,
    pricing: &'a str,
    max_amount_excl_tax: Option<Decimal>,
    initial_amount_excl_tax: Option<Decimal>,
    initial_end_date: NaiveDate,
    initial_commitment_hours: Decimal,
    initial_commitment_source: &'a str,
    penalty_per_missing_hour: Option<Decimal>,
    penalty_cap_rate: Option<Decimal>,
    report_due_on: Option<NaiveDate>,
    amendments: i32,
}

impl<'a> Columns<'a> {
    /// The signed contract `f` with `now`, its values once every recorded
    /// amendment and order is applied.
    fn new(f: &'a ContractFields, now: &Standing) -> Self {
        Columns {
            amount_excl_tax: now.amount_excl_tax,
            end_date: now.end_date,
            commitment_hours: now.commitment_hours,
            commitment_source: now.commitment_source.as_str(),
            amendments: i32::try_from(now.amendments).unwrap_or(i32::MAX),
            ..Columns::from(f)
        }
    }
}

impl<'a> From<&'a ContractFields> for Columns<'a> {
    fn from(f: &'a ContractFields) -> Self {
        Columns {
            pricing: f.pricing.as_str(),
            max_amount_excl_tax: f.max_amount_excl_tax,
            initial_amount_excl_tax: f.amount_excl_tax,
            initial_end_date: f.end_date,
            initial_commitment_hours: f.commitment_hours,
            initial_commitment_source: f.commitment_source.as_str(),
            penalty_per_missing_hour: f.penalty_per_missing_hour,
            penalty_cap_rate: f.penalty_cap_rate,
            report_due_on: f.report_due_on,
            amendments: 0,
            buyer_id: f.buyer_id,
            holder_id: f.holder_id,
            reference: &f.reference,
            title: &f.title,
            operation: f.operation.as_deref(),
            clause_type: f.clause_type.as_str(),
            start_date: f.start_date,
            end_date: f.end_date,
            amount_excl_tax: f.amount_excl_tax,
            labour_share: f.labour_share,
            insertion_rate: f.insertion_rate,
            hourly_cost: f.hourly_cost,
            commitment_hours: f.commitment_hours,
            commitment_source: f.commitment_source.as_str(),
            operation_id: f.operation_id,
            cpv_code: f.cpv_code.as_deref(),
            market_nature: f.market_nature.map(MarketNature::as_str),
            market_nature_given: f.market_nature_given,
        }
    }
}

#[derive(Debug, Default, Clone)]
pub struct Filter {
    pub buyer_id: Option<Uuid>,
    pub holder_id: Option<Uuid>,
    pub operation: Option<String>,
    pub operation_id: Option<Uuid>,
    pub market_nature: Option<MarketNature>,
    /// Two digits.
    pub cpv_division: Option<String>,
    pub active_on: Option<NaiveDate>,
    pub territory_id: Option<Uuid>,
}

pub fn list(
    conn: &mut PgConnection,
    p: &Principal,
    filter: Filter,
    page: PageRequest,
) -> ApiResult<Page<ContractRow>> {
    let mut q = contracts::table
        .filter(access::contracts::read(p))
        .into_boxed();
    if let Some(b) = filter.buyer_id {
        q = q.filter(contracts::buyer_id.eq(b));
    }
    if let Some(h) = filter.holder_id {
        q = q.filter(contracts::holder_id.eq(h));
    }
    if let Some(o) = filter.operation {
        q = q.filter(contracts::operation.eq(o));
    }
    if let Some(o) = filter.operation_id {
        q = q.filter(contracts::operation_id.eq(o));
    }
    if let Some(n) = filter.market_nature {
        q = q.filter(contracts::market_nature.eq(n.as_str()));
    }
    if let Some(d) = filter.cpv_division {
        q = q.filter(contracts::cpv_code.like(format!("{d}%")));
    }
    if let Some(d) = filter.active_on {
        q = q.filter(contracts::start_date.le(d).and(contracts::end_date.ge(d)));
    }
    if let Some(t) = filter.territory_id {
        q = q.filter(contracts::territory_id.eq(t));
    }
    super::keyset_page!(q, contracts, page);
    let rows = q.select(ContractRow::as_select()).load(conn)?;
    Ok(Page::cut(rows, &page))
}

type ById = contracts::BoxedQuery<'static, Pg, SqlTypeOf<AsSelect<ContractRow, Pg>>>;

fn by_id(p: &Principal, id: Uuid) -> ById {
    contracts::table
        .filter(access::contracts::read(p))
        .filter(contracts::id.eq(id))
        .select(ContractRow::as_select())
        .into_boxed()
}

/// A read by primary key, so on the worker's pipelined connection (see
/// `db::pipelined`).
pub async fn get(pool: &DbPool, p: &Principal, id: Uuid) -> ApiResult<ContractRow> {
    db::pipelined::first(pool, || Ok(by_id(p, id)))
        .await?
        .ok_or_else(|| ApiError::not_found("contract"))
}

/// The same read inside a transaction of the pool.
pub fn get_in(conn: &mut PgConnection, p: &Principal, id: Uuid) -> ApiResult<ContractRow> {
    by_id(p, id)
        .first(conn)
        .optional()?
        .ok_or_else(|| ApiError::not_found("contract"))
}

/// The buyer must be a buyer (or the Département), the holder a company.
pub fn check_parties(conn: &mut PgConnection, f: &ContractFields) -> ApiResult<()> {
    let kinds: Vec<(Uuid, String)> = organisations::table
        .filter(organisations::id.eq_any([f.buyer_id, f.holder_id]))
        .select((organisations::id, organisations::kind))
        .load(conn)?;
    let kind_of = |id: Uuid| {
        kinds
            .iter()
            .find(|(i, _)| *i == id)
            .and_then(|(_, k)| OrgKind::parse(k))
    };
    let mut v = Violations::default();
    for (party, field, id) in [
        (Party::Buyer, "buyer_id", f.buyer_id),
        (Party::Holder, "holder_id", f.holder_id),
    ] {
        match kind_of(id) {
            Some(kind) => party.check(kind, field, &mut v),
            None => v.add(field, "no organisation has this id"),
        }
    }
    Ok(v.finish()?)
}

/// A contract of an operation carries the operation's name as its
/// `operation` text: a request that asks (`asked`) for another text is
/// refused on `operation`, the same text is accepted. The operation is
/// locked for share, so a rename waits for this contract or sees it.
pub fn link_operation(
    conn: &mut PgConnection,
    f: &mut ContractFields,
    asked: Option<&str>,
    territory: Uuid,
) -> ApiResult<()> {
    let Some(id) = f.operation_id else {
        return Ok(());
    };
    // Another territory's operation is as unknown as a wrong id.
    let name: Option<String> = operations::table
        .find(id)
        .filter(operations::territory_id.eq(territory))
        .select(operations::name)
        .for_share()
        .first(conn)
        .optional()?;
    let mut v = Violations::default();
    match name {
        None => v.add("operation_id", "no operation has this id"),
        Some(name) => {
            if asked
                .map(str::trim)
                .is_some_and(|a| !a.is_empty() && a != name)
            {
                v.add(
                    "operation",
                    format!("is the operation's name when operation_id is set: {name:?}, or leave it out"),
                );
            }
            f.operation = Some(name);
        }
    }
    Ok(v.finish()?)
}

pub fn create(
    conn: &mut PgConnection,
    p: &Principal,
    fields: &ContractFields,
    territory: Option<Uuid>,
) -> ApiResult<ContractRow> {
    access::contracts::may_buy_for(p, fields.buyer_id)?;
    let territory = super::territory::for_new(conn, p, territory)?;
    check_parties(conn, fields)?;
    let mut fields = fields.clone();
    let asked = fields.operation.clone();
    link_operation(conn, &mut fields, asked.as_deref(), territory)?;
    insert(conn, Uuid::now_v7(), &fields, territory)
}

/// Writes a new contract, checked already, under an id its caller chose
/// (an import links rows to it before it is written), in `territory`.
pub fn insert(
    conn: &mut PgConnection,
    id: Uuid,
    fields: &ContractFields,
    territory: Uuid,
) -> ApiResult<ContractRow> {
    Ok(diesel::insert_into(contracts::table)
        .values((
            contracts::id.eq(id),
            contracts::territory_id.eq(territory),
            Columns::new(fields, &Life::default().as_of(&fields.signed(), LAST_DAY)),
        ))
        .returning(ContractRow::as_returning())
        .get_result(conn)?)
}

/// The contract, locked for a change by `p`: 404 out of their sight, 403
/// when they see it but may not change it.
pub fn lock(conn: &mut PgConnection, p: &Principal, id: Uuid) -> ApiResult<ContractRow> {
    let writable = access::contracts::write(p)?;
    get_in(conn, p, id)?;
    contracts::table
        .filter(writable)
        .filter(contracts::id.eq(id))
        .for_update()
        .select(ContractRow::as_select())
        .first(conn)
        .optional()?
        .ok_or_else(|| ApiError::Forbidden("you may not change this contract".into()))
}

/// The contract among those `allowed` of what `p` sees: 404 out of their
/// sight, 403 (`why`) when they see it but it is not one of `allowed`;
/// locked for update when `lock`.
pub fn within(
    conn: &mut PgConnection,
    p: &Principal,
    id: Uuid,
    allowed: access::Filter<contracts::table>,
    why: &str,
    lock: bool,
) -> ApiResult<ContractRow> {
    get_in(conn, p, id)?;
    let q = contracts::table
        .filter(allowed)
        .filter(contracts::id.eq(id))
        .select(ContractRow::as_select());
    let row = if lock {
        q.for_update().first(conn).optional()?
    } else {
        q.first(conn).optional()?
    };
    row.ok_or_else(|| ApiError::Forbidden(format!("you may not {why}")))
}

/// A locked contract's next version, its values unchanged: what hangs on
/// it changed (its penalty's waiver), and the change feed says so.
pub fn touch(conn: &mut PgConnection, id: Uuid) -> ApiResult<()> {
    diesel::update(contracts::table.find(id))
        .set((
            contracts::version.eq(contracts::version + 1),
            contracts::updated_at.eq(diesel::dsl::now),
        ))
        .execute(conn)?;
    Ok(())
}

/// A contract locked by id, out of any caller's scope: for an import
/// whose access was checked on the record.
pub fn lock_id(conn: &mut PgConnection, id: Uuid) -> ApiResult<ContractRow> {
    Ok(contracts::table
        .find(id)
        .for_update()
        .select(ContractRow::as_select())
        .first(conn)?)
}

/// Writes a locked contract's new signed fields and its values with every
/// recorded amendment and order, with its next version.
pub fn save(
    conn: &mut PgConnection,
    id: Uuid,
    new: &ContractFields,
    life: &Life,
) -> ApiResult<ContractRow> {
    let now = life.as_of(&new.signed(), LAST_DAY);
    Ok(diesel::update(contracts::table.find(id))
        .set((
            Columns::new(new, &now),
            contracts::version.eq(contracts::version + 1),
            contracts::updated_at.eq(diesel::dsl::now),
        ))
        .returning(ContractRow::as_returning())
        .get_result(conn)?)
}

/// A locked contract's current values derived again from its signed ones
/// and its life, after an amendment or an order was written.
pub fn refresh(conn: &mut PgConnection, row: &ContractRow) -> ApiResult<ContractRow> {
    let life = super::contract_life::of_one(conn, row.id)?;
    save(conn, row.id, &row.fields(), &life)
}

/// Contracts by id, out of any caller's scope: for figures already scoped.
pub fn rows(conn: &mut PgConnection, ids: &[Uuid]) -> ApiResult<Vec<ContractRow>> {
    Ok(contracts::table
        .filter(contracts::id.eq_any(ids))
        .select(ContractRow::as_select())
        .load(conn)?)
}

/// [`refresh`] of a contract the caller already holds locked, by id.
pub fn refresh_id(conn: &mut PgConnection, id: Uuid) -> ApiResult<ContractRow> {
    let row = contracts::table
        .find(id)
        .select(ContractRow::as_select())
        .first(conn)?;
    refresh(conn, &row)
}

#[derive(QueryableByName)]
struct Outside {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    n: i64,
    #[diesel(sql_type = diesel::sql_types::Uuid)]
    id: Uuid,
    #[diesel(sql_type = diesel::sql_types::Date)]
    day: NaiveDate,
    #[diesel(sql_type = diesel::sql_types::Bool)]
    before: bool,
}

/// The first row a query of [`dates_hold`] finds outside `start` to `end`
/// (binds $1 the contract, $2 and $3 the dates), with how many there are.
fn first_outside(
    conn: &mut PgConnection,
    sql: &str,
    id: Uuid,
    start: NaiveDate,
    end: NaiveDate,
) -> ApiResult<Option<Outside>> {
    use diesel::sql_types::{Date, Uuid as SqlUuid};
    Ok(diesel::sql_query(sql)
        .bind::<SqlUuid, _>(id)
        .bind::<Date, _>(start)
        .bind::<Date, _>(end)
        .get_result(conn)
        .optional()?)
}

/// New dates of a contract (locked by the caller) may not leave one of its
/// placements or recorded months outside them: 409 naming how many and
/// the first, on the date that would shut them out.
pub fn dates_hold(
    conn: &mut PgConnection,
    id: Uuid,
    start: NaiveDate,
    end: NaiveDate,
) -> ApiResult<()> {
    let refuse = |o: &Outside, message: String| {
        let field = if o.before { "start_date" } else { "end_date" };
        Err(ApiError::conflict(field, message))
    };
    let placement = first_outside(
        conn,
        "SELECT count(*) OVER () AS n, id, start_date AS day, start_date < $2 AS before
         FROM placements
         WHERE contract_id = $1 AND (start_date < $2 OR start_date > $3 OR end_date > $3)
         ORDER BY start_date, id LIMIT 1",
        id,
        start,
        end,
    )?;
    if let Some(o) = placement {
        return refuse(
            &o,
            format!(
                "{} of this contract's placements would fall outside {start} to {end}; \
                 the first is {} (starting {}): change or delete them first",
                o.n, o.id, o.day
            ),
        );
    }
    let month = first_outside(
        conn,
        "SELECT count(*) OVER () AS n, m.placement_id AS id, m.month AS day,
                m.month < date_trunc('month', $2::date)::date AS before
         FROM monthly_hours m JOIN placements p ON p.id = m.placement_id
         WHERE p.contract_id = $1
           AND (m.month < date_trunc('month', $2::date)::date OR m.month > $3)
         ORDER BY m.month, m.placement_id LIMIT 1",
        id,
        start,
        end,
    )?;
    if let Some(o) = month {
        return refuse(
            &o,
            format!(
                "{} of this contract's recorded months would fall outside {start} to {end}; \
                 the first is {} of placement {}",
                o.n,
                crate::domain::calendar::Month::from_date(o.day),
                o.id
            ),
        );
    }
    let order = first_outside(
        conn,
        "SELECT count(*) OVER () AS n, id, least(start_date, ordered_on) AS day,
                least(start_date, ordered_on) < $2 AS before
         FROM contract_orders
         WHERE contract_id = $1
           AND (least(start_date, ordered_on) < $2 OR greatest(end_date, ordered_on) > $3)
         ORDER BY least(start_date, ordered_on), id LIMIT 1",
        id,
        start,
        end,
    )?;
    if let Some(o) = order {
        return refuse(
            &o,
            format!(
                "{} of this contract's orders would fall outside {start} to {end}; \
                 the first is {} (from {})",
                o.n, o.id, o.day
            ),
        );
    }
    Ok(())
}

/// Validated and declared (undecided) hours of a contract, all months.
pub fn hours_totals(conn: &mut PgConnection, contract_id: Uuid) -> ApiResult<(Decimal, Decimal)> {
    let rows: Vec<(String, Option<Decimal>)> = monthly_hours::table
        .inner_join(placements::table)
        .filter(placements::contract_id.eq(contract_id))
        .group_by(monthly_hours::status)
        .select((
            monthly_hours::status,
            sum(monthly_hours::worked_hours + monthly_hours::training_hours),
        ))
        .load(conn)?;
    let total = |s: HoursStatus| {
        rows.iter()
            .filter(|(st, _)| st == s.as_str())
            .filter_map(|(_, h)| *h)
            .sum::<Decimal>()
    };
    Ok((total(HoursStatus::Validated), total(HoursStatus::Declared)))
}
