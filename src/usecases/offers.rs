//! Offers and the people proposed on them. A hire is one transaction:
//! the proposal's transition, the hire counted against the positions under
//! the offer's lock, and the placement created by the placements' rules.

use diesel::{Connection, PgConnection};
use uuid::Uuid;

use crate::access;
use crate::auth::Principal;
use crate::domain::offer::{self as rules, OfferDraft, OfferFields, OfferStatus};
use crate::domain::patch::Merge;
use crate::error::{ApiError, ApiResult, Violations};
use crate::models::offer::{self, OfferRow};
use crate::models::proposal::{self, Proposal, Transition};
use crate::models::{check_version, Precondition};
use crate::paging::{Page, PageRequest};

pub fn create(
    conn: &mut PgConnection,
    p: &Principal,
    draft: OfferDraft,
    v: Violations,
) -> ApiResult<OfferRow> {
    conn.transaction(|c| offer::create(c, p, draft, v))
}

/// An offer changed: locked, merged, held to its contract and employer,
/// its status following the hires against the positions, saved.
pub fn update(
    conn: &mut PgConnection,
    p: &Principal,
    id: Uuid,
    precondition: &Precondition,
    patch: impl Merge<OfferFields>,
    mut v: Violations,
) -> ApiResult<OfferRow> {
    conn.transaction(|c| {
        let current = offer::lock(c, p, id)?;
        check_version(precondition, "offer", current.version)?;
        let old = current.fields();
        let mut merged = old.clone();
        patch.merge(&mut merged, &mut v);
        let draft = OfferDraft::from(merged);
        if draft.employer_id.is_some_and(|e| e != old.employer_id) {
            let holder = offer::holder_of(c, old.contract_id)?
                .ok_or_else(|| ApiError::bug("an offer without its contract"))?;
            access::offers::change_employer(p, holder)?;
        }
        let ctx = offer::context(
            c,
            None,
            draft.contract_id,
            draft.employer_id,
            current.hired,
            &mut v,
        )?;
        let mut new = rules::check(draft, ctx.as_ref(), &mut v);
        // Open and filled follow the hires against the positions; closed
        // is the writer's.
        if let Some(n) = new.as_mut() {
            if n.status != OfferStatus::Closed {
                n.status = if current.hired >= n.positions {
                    OfferStatus::Filled
                } else {
                    OfferStatus::Open
                };
            }
        }
        let new = v.finish_with(new)?;
        if new == old {
            return Ok(current);
        }
        offer::save(c, id, &new)
    })
}

pub fn propose(
    conn: &mut PgConnection,
    p: &Principal,
    leave: access::offers::Proposing,
    offer_id: Uuid,
    beneficiary_id: Uuid,
    note: Option<String>,
) -> ApiResult<Proposal> {
    conn.transaction(|c| proposal::create(c, p, leave, offer_id, beneficiary_id, note))
}

/// An offer's proposals, each read in the access trail.
pub fn proposals(
    conn: &mut PgConnection,
    p: &Principal,
    offer_id: Uuid,
    page: PageRequest,
) -> ApiResult<Page<Proposal>> {
    conn.transaction(|c| proposal::list(c, p, offer_id, page))
}

pub fn proposal(conn: &mut PgConnection, p: &Principal, id: Uuid) -> ApiResult<Proposal> {
    conn.transaction(|c| proposal::get(c, p, id))
}

pub fn transition(
    conn: &mut PgConnection,
    p: &Principal,
    id: Uuid,
    precondition: &Precondition,
    t: Transition,
) -> ApiResult<Proposal> {
    conn.transaction(|c| proposal::transition(c, p, id, precondition, t))
}
