//! Contracts created and changed, each in one transaction: the parties
//! and the operation checked, the row written, and a change of dates held
//! against the contract's placements and months.

use diesel::{Connection, PgConnection};
use uuid::Uuid;

use crate::access;
use crate::auth::Principal;
use crate::domain::codes::CommitmentSource;
use crate::domain::contract::{self as rules, CommitmentChange, ContractFields, LAST_DAY};
use crate::domain::patch::Merge;
use crate::domain::standing::Pricing;
use crate::error::{ApiError, ApiResult, Violations};
use crate::models::contract::{self as model, ContractRow};
use crate::models::contract_life;
use crate::models::{check_version, Precondition};

pub fn create(
    conn: &mut PgConnection,
    p: &Principal,
    fields: &ContractFields,
    territory: Option<Uuid>,
) -> ApiResult<ContractRow> {
    conn.transaction(|c| model::create(c, p, fields, territory))
}

/// A contract changed: locked, merged, checked by the contract's rules,
/// its parties, operation and dates held against what hangs on them, saved.
#[allow(clippy::too_many_arguments)]
pub fn update(
    conn: &mut PgConnection,
    p: &Principal,
    id: Uuid,
    precondition: &Precondition,
    patch: impl Merge<ContractFields>,
    commitment: CommitmentChange,
    operation_asked: Option<String>,
    mut v: Violations,
) -> ApiResult<ContractRow> {
    conn.transaction(|c| {
        let current = model::lock(c, p, id)?;
        check_version(precondition, "contract", current.version)?;
        let old = current.fields();
        let mut new = old.clone();
        patch.merge(&mut new, &mut v);
        let r = rules::revise(&mut new, commitment);
        let new = rules::check(new.into(), r.commitment_given, r.sizing_changed, &mut v);
        let mut new = v.finish_with(new)?;
        model::link_operation(
            c,
            &mut new,
            operation_asked.as_deref(),
            current.territory_id,
        )?;
        if new == old {
            return Ok(current);
        }
        if new.holder_id != old.holder_id {
            access::contracts::change_holder(p)?;
        }
        // A figure another role gives over an estimate is its own, not the
        // facilitator's confirmation.
        if new.commitment_source == CommitmentSource::Confirmed
            && old.commitment_source != CommitmentSource::Confirmed
            && access::contracts::confirm_commitment(p).is_err()
        {
            new.commitment_source = CommitmentSource::Given;
        }
        access::contracts::may_buy_for(p, new.buyer_id)?;
        model::check_parties(c, &new)?;
        let life = contract_life::of_one(c, id)?;
        if new.pricing == Pricing::LumpSum && !life.orders.is_empty() {
            return Err(ApiError::conflict(
                "pricing",
                format!(
                    "the contract has {} orders: a lump_sum contract has none",
                    life.orders.len()
                ),
            ));
        }
        // The dates that hold placements, months and orders are the
        // contract's with its amendments.
        let end = life.as_of(&new.signed(), LAST_DAY).end_date;
        if (new.start_date, end) != (current.start_date, current.end_date) {
            model::dates_hold(c, id, new.start_date, end)?;
        }
        model::save(c, id, &new, &life)
    })
}
