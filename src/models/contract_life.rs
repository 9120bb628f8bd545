//! A contract's amendments and orders: their rows, and the contract's
//! life they make, which `domain::standing` reads on any day.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use rust_decimal::Decimal;
use uuid::Uuid;

use crate::db::schema::{contract_amendments, contract_orders};
use crate::domain::codes::CommitmentSource;
use crate::domain::life::{AmendmentFields, OrderFields};
use crate::domain::standing::{self, Signed, Standing};
use crate::error::{ApiError, ApiResult};
use crate::paging::{Page, PageRequest};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = contract_amendments)]
pub struct AmendmentRow {
    pub id: Uuid,
    pub contract_id: Uuid,
    pub reference: String,
    pub signed_on: NaiveDate,
    pub reason: Option<String>,
    pub amount_excl_tax: Option<Decimal>,
    pub end_date: Option<NaiveDate>,
    pub commitment_hours: Option<Decimal>,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl AmendmentRow {
    pub fn rule(&self) -> standing::Amendment {
        standing::Amendment {
            signed_on: self.signed_on,
            amount_excl_tax: self.amount_excl_tax,
            end_date: self.end_date,
            commitment_hours: self.commitment_hours,
        }
    }
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = contract_orders)]
pub struct OrderRow {
    pub id: Uuid,
    pub contract_id: Uuid,
    pub reference: String,
    pub ordered_on: NaiveDate,
    pub start_date: NaiveDate,
    pub end_date: NaiveDate,
    pub amount_excl_tax: Decimal,
    pub commitment_hours: Decimal,
    pub commitment_source: CommitmentSource,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl OrderRow {
    pub fn rule(&self) -> standing::Order {
        standing::Order {
            ordered_on: self.ordered_on,
            start_date: self.start_date,
            end_date: self.end_date,
            amount_excl_tax: self.amount_excl_tax,
            commitment_hours: self.commitment_hours,
        }
    }
}

crate::paging::timestamped!(AmendmentRow, OrderRow);

/// A contract's amendments in signing order and its orders in order of
/// placing.
#[derive(Debug, Clone, Default)]
pub struct Life {
    pub amendments: Vec<AmendmentRow>,
    pub orders: Vec<OrderRow>,
}

impl Life {
    pub fn is_empty(&self) -> bool {
        self.amendments.is_empty() && self.orders.is_empty()
    }

    /// The contract signed as `signed`, as it stood on `on`.
    pub fn as_of(&self, signed: &Signed, on: NaiveDate) -> Standing {
        let amendments: Vec<_> = self.amendments.iter().map(AmendmentRow::rule).collect();
        let orders: Vec<_> = self.orders.iter().map(OrderRow::rule).collect();
        standing::as_of(signed, &amendments, &orders, on)
    }
}

/// The lives of these contracts (two queries, whatever their number); a
/// contract with neither amendment nor order is absent.
pub fn of(conn: &mut PgConnection, ids: &[Uuid]) -> ApiResult<HashMap<Uuid, Life>> {
    let mut lives: HashMap<Uuid, Life> = HashMap::new();
    let amendments = contract_amendments::table
        .filter(contract_amendments::contract_id.eq_any(ids))
        .order((
            contract_amendments::signed_on.asc(),
            contract_amendments::seq.asc(),
        ))
        .select(AmendmentRow::as_select())
        .load(conn)?;
    for a in amendments {
        lives.entry(a.contract_id).or_default().amendments.push(a);
    }
    let orders = contract_orders::table
        .filter(contract_orders::contract_id.eq_any(ids))
        .order((contract_orders::ordered_on.asc(), contract_orders::id.asc()))
        .select(OrderRow::as_select())
        .load(conn)?;
    for o in orders {
        lives.entry(o.contract_id).or_default().orders.push(o);
    }
    Ok(lives)
}

/// One contract's life.
pub fn of_one(conn: &mut PgConnection, id: Uuid) -> ApiResult<Life> {
    Ok(of(conn, &[id])?.remove(&id).unwrap_or_default())
}

pub fn amendments(
    conn: &mut PgConnection,
    contract_id: Uuid,
    page: PageRequest,
) -> ApiResult<Page<AmendmentRow>> {
    let mut q = contract_amendments::table
        .filter(contract_amendments::contract_id.eq(contract_id))
        .into_boxed();
    super::keyset_page!(q, contract_amendments, page);
    let rows = q.select(AmendmentRow::as_select()).load(conn)?;
    Ok(Page::cut(rows, &page))
}

pub fn amendment(conn: &mut PgConnection, contract_id: Uuid, id: Uuid) -> ApiResult<AmendmentRow> {
    contract_amendments::table
        .filter(contract_amendments::contract_id.eq(contract_id))
        .filter(contract_amendments::id.eq(id))
        .select(AmendmentRow::as_select())
        .first(conn)
        .optional()?
        .ok_or_else(|| ApiError::not_found("amendment"))
}

/// Whether the contract has an amendment with this reference.
pub fn has_amendment(
    conn: &mut PgConnection,
    contract_id: Uuid,
    reference: &str,
) -> ApiResult<bool> {
    Ok(diesel::select(diesel::dsl::exists(
        contract_amendments::table
            .filter(contract_amendments::contract_id.eq(contract_id))
            .filter(contract_amendments::reference.eq(reference)),
    ))
    .get_result(conn)?)
}

#[derive(Insertable)]
#[diesel(table_name = contract_amendments)]
struct AmendmentColumns<'a> {
    reference: &'a str,
    signed_on: NaiveDate,
    reason: Option<&'a str>,
    amount_excl_tax: Option<Decimal>,
    end_date: Option<NaiveDate>,
    commitment_hours: Option<Decimal>,
}

pub fn insert_amendment(
    conn: &mut PgConnection,
    contract_id: Uuid,
    a: &AmendmentFields,
) -> ApiResult<AmendmentRow> {
    Ok(diesel::insert_into(contract_amendments::table)
        .values((
            contract_amendments::id.eq(Uuid::now_v7()),
            contract_amendments::contract_id.eq(contract_id),
            AmendmentColumns {
                reference: &a.reference,
                signed_on: a.signed_on,
                reason: a.reason.as_deref(),
                amount_excl_tax: a.amount_excl_tax,
                end_date: a.end_date,
                commitment_hours: a.commitment_hours,
            },
        ))
        .returning(AmendmentRow::as_returning())
        .get_result(conn)?)
}

pub fn orders(
    conn: &mut PgConnection,
    contract_id: Uuid,
    page: PageRequest,
) -> ApiResult<Page<OrderRow>> {
    let mut q = contract_orders::table
        .filter(contract_orders::contract_id.eq(contract_id))
        .into_boxed();
    super::keyset_page!(q, contract_orders, page);
    let rows = q.select(OrderRow::as_select()).load(conn)?;
    Ok(Page::cut(rows, &page))
}

pub fn order(conn: &mut PgConnection, contract_id: Uuid, id: Uuid) -> ApiResult<OrderRow> {
    contract_orders::table
        .filter(contract_orders::contract_id.eq(contract_id))
        .filter(contract_orders::id.eq(id))
        .select(OrderRow::as_select())
        .first(conn)
        .optional()?
        .ok_or_else(|| ApiError::not_found("order"))
}

impl OrderRow {
    pub fn fields(&self) -> OrderFields {
        OrderFields {
            reference: self.reference.clone(),
            ordered_on: self.ordered_on,
            start_date: self.start_date,
            end_date: self.end_date,
            amount_excl_tax: self.amount_excl_tax,
            commitment_hours: self.commitment_hours,
            commitment_source: self.commitment_source,
        }
    }
}

#[derive(Insertable, AsChangeset)]
#[diesel(table_name = contract_orders)]
struct OrderColumns<'a> {
    reference: &'a str,
    ordered_on: NaiveDate,
    start_date: NaiveDate,
    end_date: NaiveDate,
    amount_excl_tax: Decimal,
    commitment_hours: Decimal,
    commitment_source: &'a str,
}

impl<'a> From<&'a OrderFields> for OrderColumns<'a> {
    fn from(f: &'a OrderFields) -> Self {
        OrderColumns {
            reference: &f.reference,
            ordered_on: f.ordered_on,
            start_date: f.start_date,
            end_date: f.end_date,
            amount_excl_tax: f.amount_excl_tax,
            commitment_hours: f.commitment_hours,
            commitment_source: f.commitment_source.as_str(),
        }
    }
}

pub fn insert_order(
    conn: &mut PgConnection,
    contract_id: Uuid,
    f: &OrderFields,
) -> ApiResult<OrderRow> {
    Ok(diesel::insert_into(contract_orders::table)
        .values((
            contract_orders::id.eq(Uuid::now_v7()),
            contract_orders::contract_id.eq(contract_id),
            OrderColumns::from(f),
        ))
        .returning(OrderRow::as_returning())
        .get_result(conn)?)
}

/// The order locked for a change.
pub fn lock_order(conn: &mut PgConnection, contract_id: Uuid, id: Uuid) -> ApiResult<OrderRow> {
    contract_orders::table
        .filter(contract_orders::contract_id.eq(contract_id))
        .filter(contract_orders::id.eq(id))
        .for_update()
        .select(OrderRow::as_select())
        .first(conn)
        .optional()?
        .ok_or_else(|| ApiError::not_found("order"))
}

pub fn save_order(conn: &mut PgConnection, id: Uuid, f: &OrderFields) -> ApiResult<OrderRow> {
    Ok(diesel::update(contract_orders::table.find(id))
        .set((
            OrderColumns::from(f),
            contract_orders::version.eq(contract_orders::version + 1),
            contract_orders::updated_at.eq(diesel::dsl::now),
        ))
        .returning(OrderRow::as_returning())
        .get_result(conn)?)
}
