//! Offers and the people proposed on them. A hire is one transaction:
//! the proposal's transition, the hire counted against the positions under
//! the offer's lock, and the placement created by the placements' rules.

use diesel::{Connection, PgConnection};
use uuid::Uuid;

use crate::access;
use crate::auth::Principal;
use crate::domain::offer::{OfferDraft, OfferFields};
use crate::error::{ApiResult, Violations};
use crate::models::offer::{self, OfferRow};
use crate::models::proposal::{self, Proposal, Transition};
use crate::models::Precondition;
use crate::paging::{Page, PageRequest};

pub fn create(
    conn: &mut PgConnection,
    p: &Principal,
    draft: OfferDraft,
    v: Violations,
) -> ApiResult<OfferRow> {
    conn.transaction(|c| offer::create(c, p, draft, v))
}

pub fn update(
    conn: &mut PgConnection,
    p: &Principal,
    id: Uuid,
    precondition: &Precondition,
    change: impl FnOnce(OfferFields, &mut Violations) -> OfferDraft,
) -> ApiResult<OfferRow> {
    conn.transaction(|c| offer::update(c, p, id, precondition, change))
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
