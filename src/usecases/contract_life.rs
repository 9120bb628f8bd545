//! A contract's orders and amendments written, each in one transaction
//! with the contract locked: checked against the contract as it stands
//! (`domain::life`), written, and the contract's current values derived
//! again (`models::contract::save`) from the life already read.

use diesel::{Connection, PgConnection};
use rust_decimal::Decimal;
use uuid::Uuid;

use crate::access;
use crate::auth::Principal;
use crate::domain::life::{self, AmendmentDraft, Frame, OrderDraft};
use crate::domain::patch::Merge;
use crate::domain::standing::{Pricing, Signed};
use crate::error::{ApiError, ApiResult, Violations};
use crate::models::contract::{self as contracts, ContractRow};
use crate::models::contract_life::{self as model, AmendmentRow, OrderRow};
use crate::models::{check_version, Precondition};
use crate::paging::{Page, PageRequest};

/// The contract locked for a change to its orders: 409 on a `lump_sum` one.
fn lock_for_orders(c: &mut PgConnection, p: &Principal, id: Uuid) -> ApiResult<ContractRow> {
    let row = contracts::lock(c, p, id)?;
    if row.pricing != Pricing::Orders {
        return Err(ApiError::conflict(
            "pricing",
            "the contract is lump_sum: only an orders contract (pricing: orders) has orders",
        ));
    }
    Ok(row)
}

/// The contract an order is checked against: as signed, to its end with
/// every amendment, under its ceiling.
fn frame<'a>(row: &ContractRow, signed: &'a Signed) -> Frame<'a> {
    Frame {
        signed,
        end_date: row.end_date,
        max_amount_excl_tax: row.max_amount_excl_tax,
    }
}

/// What the contract's other orders total.
fn others_total(orders: &[OrderRow], but: Option<Uuid>) -> Decimal {
    orders
        .iter()
        .filter(|o| Some(o.id) != but)
        .map(|o| o.amount_excl_tax)
        .sum()
}

pub fn create_order(
    conn: &mut PgConnection,
    p: &Principal,
    contract_id: Uuid,
    draft: OrderDraft,
    mut v: Violations,
) -> ApiResult<OrderRow> {
    conn.transaction(|c| {
        let row = lock_for_orders(c, p, contract_id)?;
        let signed = row.signed();
        let mut lived = model::of_one(c, contract_id)?;
        let frame = frame(&row, &signed);
        let others = others_total(&lived.orders, None);
        let fields = life::check_order(draft, frame, others, &mut v);
        let fields = v.finish_with(fields)?;
        let order = model::insert_order(c, contract_id, &fields)?;
        lived.orders.push(order.clone());
        contracts::save(c, contract_id, &row.fields(), &lived)?;
        Ok(order)
    })
}

/// An order's change: the merged draft checked again as a new one.
pub fn update_order(
    conn: &mut PgConnection,
    p: &Principal,
    contract_id: Uuid,
    order_id: Uuid,
    precondition: &Precondition,
    patch: impl Merge<OrderDraft>,
    mut v: Violations,
) -> ApiResult<OrderRow> {
    conn.transaction(|c| {
        let row = lock_for_orders(c, p, contract_id)?;
        let current = model::lock_order(c, contract_id, order_id)?;
        check_version(precondition, "order", current.version)?;
        let mut draft = OrderDraft {
            reference: Some(current.reference.clone()),
            ordered_on: Some(current.ordered_on),
            amount_excl_tax: Some(current.amount_excl_tax),
            start_date: Some(current.start_date),
            end_date: Some(current.end_date),
            commitment_hours: (current.commitment_source
                == crate::domain::codes::CommitmentSource::Given)
                .then_some(current.commitment_hours),
        };
        patch.merge(&mut draft, &mut v);
        let signed = row.signed();
        let mut lived = model::of_one(c, contract_id)?;
        let frame = frame(&row, &signed);
        let others = others_total(&lived.orders, Some(order_id));
        let fields = life::check_order(draft, frame, others, &mut v);
        let fields = v.finish_with(fields)?;
        if fields == current.fields() {
            return Ok(current);
        }
        let order = model::save_order(c, order_id, &fields)?;
        for o in lived.orders.iter_mut().filter(|o| o.id == order_id) {
            *o = order.clone();
        }
        contracts::save(c, contract_id, &row.fields(), &lived)?;
        Ok(order)
    })
}

pub fn orders(
    conn: &mut PgConnection,
    p: &Principal,
    contract_id: Uuid,
    page: PageRequest,
) -> ApiResult<Page<OrderRow>> {
    contracts::get_in(conn, p, contract_id)?;
    model::orders(conn, contract_id, page)
}

pub fn order(
    conn: &mut PgConnection,
    p: &Principal,
    contract_id: Uuid,
    order_id: Uuid,
) -> ApiResult<OrderRow> {
    contracts::get_in(conn, p, contract_id)?;
    model::order(conn, contract_id, order_id)
}

/// An amendment: checked against the contract as it stood on its day,
/// written, and the contract's values derived again; a shortened end may
/// not leave placements, months or orders outside (409).
pub fn create_amendment(
    conn: &mut PgConnection,
    p: &Principal,
    contract_id: Uuid,
    draft: AmendmentDraft,
    mut v: Violations,
) -> ApiResult<AmendmentRow> {
    conn.transaction(|c| {
        let row = contracts::lock(c, p, contract_id)?;
        let (amendment, _) = amend(c, &row, draft, &mut v)?;
        Ok(amendment)
    })
}

/// Writes an amendment of a locked contract; the contract as it is then.
/// Shared with the DECP import, which reports a refused modification
/// instead of failing its record.
pub fn amend(
    c: &mut PgConnection,
    row: &ContractRow,
    draft: AmendmentDraft,
    v: &mut Violations,
) -> ApiResult<(AmendmentRow, ContractRow)> {
    let signed = row.signed();
    let lived = model::of_one(c, row.id)?;
    let last = lived.amendments.last().map(|a| a.signed_on);
    let fields = life::check_amendment(draft, &signed, |day| lived.as_of(&signed, day), last, v);
    let fields = std::mem::take(v).finish_with(fields)?;
    let amendment = model::insert_amendment(c, row.id, &fields)?;
    let mut after = lived;
    after.amendments.push(amendment.clone());
    let end = after
        .as_of(&signed, crate::domain::contract::LAST_DAY)
        .end_date;
    if end != row.end_date {
        contracts::dates_hold(c, row.id, row.start_date, end)?;
    }
    let row = contracts::save(c, row.id, &row.fields(), &after)?;
    Ok((amendment, row))
}

/// An amendment from imported data, to a contract the import may change:
/// none when one with its reference is already recorded.
pub fn amend_once(
    c: &mut PgConnection,
    contract_id: Uuid,
    draft: AmendmentDraft,
) -> ApiResult<Option<AmendmentRow>> {
    let row = contracts::lock_id(c, contract_id)?;
    let reference = draft.reference.clone().unwrap_or_default();
    if model::has_amendment(c, contract_id, &reference)? {
        return Ok(None);
    }
    let mut v = Violations::default();
    Ok(Some(amend(c, &row, draft, &mut v)?.0))
}

pub fn amendments(
    conn: &mut PgConnection,
    p: &Principal,
    contract_id: Uuid,
    page: PageRequest,
) -> ApiResult<Page<AmendmentRow>> {
    let allowed = access::contracts::amendments(p)?;
    contracts::within(
        conn,
        p,
        contract_id,
        allowed,
        "read this contract's amendments",
        false,
    )?;
    model::amendments(conn, contract_id, page)
}

pub fn amendment(
    conn: &mut PgConnection,
    p: &Principal,
    contract_id: Uuid,
    amendment_id: Uuid,
) -> ApiResult<AmendmentRow> {
    let allowed = access::contracts::amendments(p)?;
    contracts::within(
        conn,
        p,
        contract_id,
        allowed,
        "read this contract's amendments",
        false,
    )?;
    model::amendment(conn, contract_id, amendment_id)
}
