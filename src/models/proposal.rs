//! Proposals: a person proposed on an offer, and the transitions that end
//! in a hire (a placement, in the same transaction).

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use uuid::Uuid;

use super::offer::{self, OfferRow};
use super::trail::{self, TrailAction};
use super::{check_version, Precondition};
use crate::access;
use crate::auth::Principal;
use crate::db::schema::{beneficiaries, contracts, offers, proposals};
use crate::domain::offer::{self as rules, OfferStatus, ProposalStatus, Refusal};
use crate::domain::placement::PlacementDraft;
use crate::error::{ApiError, ApiResult, FieldError, Violations};
use crate::paging::{Page, PageRequest};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = proposals)]
pub struct ProposalRow {
    pub id: Uuid,
    pub offer_id: Uuid,
    pub beneficiary_id: Uuid,
    pub note: Option<String>,
    pub status: ProposalStatus,
    pub reason: Option<String>,
    pub proposed_by: String,
    pub proposer_role: String,
    pub proposer_org: Option<Uuid>,
    pub placement_id: Option<Uuid>,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

crate::paging::timestamped!(ProposalRow);

/// A proposal with its person's names (null once the person is erased).
#[derive(Debug, Clone, Queryable)]
pub struct Proposal {
    pub row: ProposalRow,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
}

impl crate::paging::Timestamped for Proposal {
    fn id(&self) -> Uuid {
        self.row.id
    }
    fn created_at(&self) -> DateTime<Utc> {
        self.row.created_at
    }
    fn updated_at(&self) -> DateTime<Utc> {
        self.row.updated_at
    }
}

fn names() -> (beneficiaries::first_name, beneficiaries::last_name) {
    (beneficiaries::first_name, beneficiaries::last_name)
}

fn with_names(conn: &mut PgConnection, row: ProposalRow) -> ApiResult<Proposal> {
    let (first_name, last_name): (Option<String>, Option<String>) = beneficiaries::table
        .find(row.beneficiary_id)
        .select(names())
        .first(conn)?;
    Ok(Proposal {
        row,
        first_name,
        last_name,
    })
}

/// Proposes a person on an offer the caller sees: 404 for an offer out of
/// sight, 422 on `beneficiary_id` for a person the caller may not propose
/// (as for one that does not exist), 409 when the offer is not open or the
/// person is already proposed on it.
pub fn create(
    conn: &mut PgConnection,
    p: &Principal,
    leave: access::offers::Proposing,
    offer_id: Uuid,
    beneficiary_id: Uuid,
    note: Option<String>,
) -> ApiResult<Proposal> {
    let offer = offer::get_shared_in(conn, p, offer_id)?;
    let status = offer.status;
    // A person of another territory than the offer's reads as unknown: they
    // could never be placed on its contract.
    let person: Option<Uuid> = beneficiaries::table
        .filter(leave.people())
        .filter(beneficiaries::id.eq(beneficiary_id))
        .filter(beneficiaries::territory_id.eq(offer.territory_id))
        .filter(beneficiaries::erased_at.is_null())
        .select(beneficiaries::id)
        .first(conn)
        .optional()?;
    if person.is_none() {
        return Err(ApiError::validation(
            "beneficiary_id",
            "no beneficiary has this id",
        ));
    }
    if status != OfferStatus::Open {
        return Err(ApiError::conflict(
            "offer_id",
            format!("the offer is {status}: it takes no more proposals"),
        ));
    }
    let row: ProposalRow = diesel::insert_into(proposals::table)
        .values((
            proposals::id.eq(Uuid::now_v7()),
            proposals::offer_id.eq(offer_id),
            proposals::beneficiary_id.eq(beneficiary_id),
            proposals::note.eq(note),
            proposals::proposed_by.eq(&p.sub),
            proposals::proposer_role.eq(p.role.as_str()),
            proposals::proposer_org.eq(p.org),
        ))
        .returning(ProposalRow::as_returning())
        .get_result(conn)?;
    trail::record(conn, p, TrailAction::Create, &[beneficiary_id])?;
    with_names(conn, row)
}

/// The proposals of an offer the caller sees, as far as it may read them.
pub fn list(
    conn: &mut PgConnection,
    p: &Principal,
    offer_id: Uuid,
    page: PageRequest,
) -> ApiResult<Page<Proposal>> {
    let readable = access::offers::read_proposals(p)?;
    offer::get_in(conn, p, offer_id)?;
    let mut q = proposals::table
        .filter(readable)
        .filter(proposals::offer_id.eq(offer_id))
        .into_boxed();
    super::keyset_page!(q, proposals, page);
    let found: Vec<ProposalRow> = q.select(ProposalRow::as_select()).load(conn)?;
    let ids: Vec<Uuid> = found.iter().map(|r| r.beneficiary_id).collect();
    let named: Vec<(Uuid, Option<String>, Option<String>)> = beneficiaries::table
        .filter(beneficiaries::id.eq_any(&ids))
        .select((
            beneficiaries::id,
            beneficiaries::first_name,
            beneficiaries::last_name,
        ))
        .load(conn)?;
    let rows: Vec<Proposal> = found
        .into_iter()
        .map(|row| {
            let (first_name, last_name) = named
                .iter()
                .find(|(id, _, _)| *id == row.beneficiary_id)
                .map(|(_, f, l)| (f.clone(), l.clone()))
                .unwrap_or_default();
            Proposal {
                row,
                first_name,
                last_name,
            }
        })
        .collect();
    let people: Vec<Uuid> = rows.iter().map(|r| r.row.beneficiary_id).collect();
    trail::record(conn, p, TrailAction::Read, &people)?;
    Ok(Page::cut(rows, &page))
}

fn readable_row(conn: &mut PgConnection, p: &Principal, id: Uuid) -> ApiResult<ProposalRow> {
    proposals::table
        .filter(access::offers::read_proposals(p)?)
        .filter(proposals::id.eq(id))
        .select(ProposalRow::as_select())
        .first(conn)
        .optional()?
        .ok_or_else(|| ApiError::not_found("proposal"))
}

pub fn get(conn: &mut PgConnection, p: &Principal, id: Uuid) -> ApiResult<Proposal> {
    let row = readable_row(conn, p, id)?;
    trail::record(conn, p, TrailAction::Read, &[row.beneficiary_id])?;
    with_names(conn, row)
}

/// What a PATCH asks of a proposal.
#[derive(Debug, Clone)]
pub struct Transition {
    pub to: ProposalStatus,
    pub reason: Option<String>,
    /// For `hired`: the placement to create, its person, contract and
    /// employer filled from the offer.
    pub placement: Option<PlacementDraft>,
}

/// Moves a proposal on: 404 out of sight, 403 for a caller who may never
/// make this transition, 409 from a status that does not allow it (or a
/// hire with no position left), 422 for a reason or placement at fault.
/// A hire creates the placement by the placements' own rules, counts the
/// hire on the offer (filled at the last position) and moves the proposal,
/// all in one transaction: any failure writes nothing.
pub fn transition(
    conn: &mut PgConnection,
    p: &Principal,
    id: Uuid,
    precondition: &Precondition,
    t: Transition,
) -> ApiResult<Proposal> {
    readable_row(conn, p, id)?;
    let current: ProposalRow = proposals::table
        .find(id)
        .for_update()
        .select(ProposalRow::as_select())
        .first(conn)?;
    check_version(precondition, "proposal", current.version)?;
    let offer: OfferRow = offers::table
        .find(current.offer_id)
        .select(OfferRow::as_select())
        .first(conn)?;
    let holder: Uuid = contracts::table
        .find(offer.contract_id)
        .select(contracts::holder_id)
        .first(conn)?;
    let who = access::offers::actor(
        p,
        offer.employer_id,
        holder,
        &current.proposer_role,
        current.proposer_org,
    );
    match rules::transition(current.status, t.to, who) {
        Ok(()) => {}
        Err(Refusal::NotYours) => {
            return Err(ApiError::Forbidden(format!(
                "you may not move a proposal to {}",
                t.to
            )))
        }
        Err(Refusal::NotFromHere) => {
            return Err(ApiError::conflict(
                "status",
                format!("a proposal cannot go from {} to {}", current.status, t.to),
            ))
        }
    }
    let mut v = Violations::default();
    let reason = t
        .reason
        .map(|r| r.trim().to_string())
        .filter(|r| !r.is_empty());
    crate::domain::numbers::at_most(
        &mut v,
        "reason",
        reason.as_deref(),
        crate::domain::placement::REASON_MAX,
    );
    if t.to == ProposalStatus::Declined && reason.is_none() {
        v.add("reason", "is required to decline");
    }
    if t.to == ProposalStatus::Hired && t.placement.is_none() {
        v.add(
            "placement",
            "is required to hire: modality, start_date, end_date, weekly_hours",
        );
    }
    v.finish()?;
    let mut placement_id = None;
    if t.to == ProposalStatus::Hired {
        // The offer's row lock orders racing hires: the second sees the
        // first's count.
        let counted: Option<(i32, i32)> = diesel::update(
            offers::table
                .filter(offers::id.eq(offer.id))
                .filter(offers::status.eq(OfferStatus::Open.as_str()))
                .filter(offers::hired.lt(offers::positions)),
        )
        .set((
            offers::hired.eq(offers::hired + 1),
            offers::version.eq(offers::version + 1),
            offers::updated_at.eq(diesel::dsl::now),
        ))
        .returning((offers::hired, offers::positions))
        .get_result(conn)
        .optional()?;
        let Some((hired, positions)) = counted else {
            return Err(ApiError::conflict(
                "status",
                "the offer has no open position left",
            ));
        };
        if hired == positions {
            diesel::update(offers::table.find(offer.id))
                .set(offers::status.eq(OfferStatus::Filled.as_str()))
                .execute(conn)?;
        }
        let mut draft = t.placement.expect("checked above");
        draft.beneficiary_id = current.beneficiary_id;
        draft.contract_id = offer.contract_id;
        draft.employer_id = offer.employer_id;
        if draft.job_title.is_none() {
            draft.job_title = Some(offer.job_title.clone());
        }
        let leave = access::placements::hire(offer.contract_id, current.beneficiary_id);
        let placement = super::placement::create(conn, leave, draft, Violations::default())
            .map_err(in_placement)?;
        placement_id = Some(placement.id);
    }
    let row: ProposalRow = diesel::update(proposals::table.find(id))
        .set((
            proposals::status.eq(t.to.as_str()),
            proposals::reason.eq(reason),
            proposals::placement_id.eq(placement_id),
            proposals::version.eq(proposals::version + 1),
            proposals::updated_at.eq(diesel::dsl::now),
        ))
        .returning(ProposalRow::as_returning())
        .get_result(conn)?;
    trail::record(conn, p, TrailAction::Update, &[row.beneficiary_id])?;
    with_names(conn, row)
}

/// The placement's fields at fault, named as the request gave them.
fn in_placement(e: ApiError) -> ApiError {
    match e {
        ApiError::Validation(errors) => ApiError::Validation(
            errors
                .into_iter()
                .map(|f| FieldError::new(format!("placement.{}", f.field), f.message))
                .collect(),
        ),
        other => other,
    }
}
