//! Proposals: people proposed on an offer, interviewed, hired or not.

use actix_web::web::{self};
use actix_web::HttpResponse;
use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use super::http::path_id;
use super::input::{json_body, list_query, paged_query};
use crate::access;
use crate::db;
use crate::domain::codes::Modality;
use crate::domain::offer::ProposalStatus;
use crate::domain::placement::PlacementDraft;
use crate::models::proposal::{self as model, Proposal as ProposalModel};
use crate::usecases;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        super::http::resource("/offers/{id}/proposals")
            .route(web::get().to(list))
            .route(web::post().to(create)),
    )
    .service(
        super::http::resource("/proposals/{id}")
            .route(web::get().to(get))
            .route(web::patch().to(patch)),
    );
}

/// The proposed person, as far as a proposal shows them: their id and names (null once erased).
#[derive(Debug, Serialize, ToSchema)]
pub struct ProposedPerson {
    pub id: Uuid,
    #[schema(required = true)]
    pub first_name: Option<String>,
    #[schema(required = true)]
    pub last_name: Option<String>,
}

/// A person proposed on an offer.
#[derive(Debug, Serialize, ToSchema)]
pub struct Proposal {
    pub id: Uuid,
    pub offer_id: Uuid,
    pub person: ProposedPerson,
    /// What the proposer tells the employer.
    #[schema(required = true)]
    pub note: Option<String>,
    pub status: ProposalStatus,
    /// Why the person was declined.
    #[schema(required = true)]
    pub reason: Option<String>,
    /// The role and organisation that proposed.
    pub proposer_role: String,
    #[schema(required = true)]
    pub proposer_org: Option<Uuid>,
    /// The placement the hire created.
    #[schema(required = true)]
    pub placement_id: Option<Uuid>,
    pub version: i32,
    #[serde(serialize_with = "super::json::instant")]
    pub created_at: DateTime<Utc>,
    #[serde(serialize_with = "super::json::instant")]
    pub updated_at: DateTime<Utc>,
}

impl From<ProposalModel> for Proposal {
    fn from(m: ProposalModel) -> Self {
        let r = m.row;
        Proposal {
            id: r.id,
            offer_id: r.offer_id,
            person: ProposedPerson {
                id: r.beneficiary_id,
                first_name: m.first_name,
                last_name: m.last_name,
            },
            note: r.note,
            status: r.status,
            reason: r.reason,
            proposer_role: r.proposer_role,
            proposer_org: r.proposer_org,
            placement_id: r.placement_id,
            version: r.version,
            created_at: r.created_at,
            updated_at: r.updated_at,
        }
    }
}

/// One page of an offer's proposals, oldest first.
#[derive(Debug, Serialize, ToSchema)]
pub struct ProposalPage {
    pub items: Vec<Proposal>,
    /// Pass as `cursor` for the next page; null on the page holding the last item.
    #[schema(required = true)]
    pub next_cursor: Option<String>,
}

super::http::page_view!(ProposalPage, Proposal);

/// A person to propose on the offer.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewProposal {
    #[schema(required = true, nullable = false)]
    pub beneficiary_id: Option<Uuid>,
    pub note: Option<String>,
}

/// The placement a hire creates: the person, contract and employer come from the offer.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct HirePlacement {
    #[schema(required = true, nullable = false)]
    pub modality: Option<Modality>,
    /// The offer's job title by default.
    pub job_title: Option<String>,
    #[schema(required = true, nullable = false)]
    #[serde(default, deserialize_with = "super::input::date")]
    pub start_date: Option<NaiveDate>,
    #[serde(default, deserialize_with = "super::input::date")]
    pub end_date: Option<NaiveDate>,
    #[serde(default, deserialize_with = "super::input::number")]
    pub weekly_hours: Option<Decimal>,
}

/// A move of the proposal: `interview`, `hired` (with `placement`), `declined` (with `reason`)
/// or `withdrawn`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProposalPatch {
    #[schema(required = true, nullable = false)]
    pub status: Option<ProposalStatus>,
    /// Required to decline.
    pub reason: Option<String>,
    /// Required to hire.
    pub placement: Option<HirePlacement>,
}

paged_query! {
    pub struct ProposalQuery {

    }
    updated_since
}

super::endpoint::list! {
    path = "/api/v1/offers/{id}/proposals", tag = "offers", operation_id = "list_proposals", params(("id" = Uuid, Path, description = "Offer id"), ProposalQuery),
    ok = (ProposalPage, "The offer's proposals you may read"), errors = RestrictedOneQuery;
    /// The people proposed on an offer
    ///
    /// Read by the facilitator, the offer's employer and holder, and a PLIE for the proposals
    /// it made; a company sees the person as a name only; a buyer, the Département and the
    /// State get 403.
    pub async fn list(state, p, req, id) {
        access::offers::read_proposals(&p)?;
        let id = path_id(&id, "offer")?;
        let (_q, page, v) = list_query::<ProposalQuery, _>(&req);
        v.finish()?;
        let page = db::run(&state.pool, move |c| {
            usecases::offers::proposals(c, &p, id, page)
        })
        .await?;
        Ok(HttpResponse::Ok().json(ProposalPage::from(page.map(Proposal::from))))
    }
}

super::endpoint::create! {
    path = "/api/v1/offers/{id}/proposals", tag = "offers", operation_id = "create_proposal",
    params(("id" = Uuid, Path, description = "Offer id")),
    body = NewProposal, created = (Proposal, "Proposed"), errors = CreatingUnder,
    conflict = "The offer is not open, or the person is already proposed on it";
    /// Propose a person on an offer
    ///
    /// The facilitator, or a PLIE for a person it follows. 409 when the offer is not open or
    /// the person is already proposed on it.
    pub async fn create(state, p, req, id, body) {
        let leave = access::offers::propose(&p)?;
        let offer = path_id(&id, "offer")?;
        let (input, mut v) = json_body::<NewProposal>(&req, &body)?;
        let person = v.require("beneficiary_id", input.beneficiary_id);
        let note = input
            .note
            .map(|n| n.trim().to_string())
            .filter(|n| !n.is_empty());
        crate::domain::numbers::at_most(
            &mut v,
            "note",
            note.as_deref(),
            crate::domain::offer::NOTE_MAX,
        );
        let person = v.finish_with(person)?;
        let proposal = db::run(&state.pool, move |c| {
            usecases::offers::propose(c, &p, leave, offer, person, note)
        })
        .await?;
        Ok(super::http::created(
            format!("/api/v1/proposals/{}", proposal.row.id),
            proposal.row.version,
            &Proposal::from(proposal),
        ))
    }
}

super::endpoint::get_one! {
    path = "/api/v1/proposals/{id}", tag = "offers", operation_id = "get_proposal", id = "Proposal id",
    ok = (Proposal, "The proposal"), errors = RestrictedOne;
    /// Read a proposal
    ///
    /// Whoever lists an offer's proposals reads one, in the same scope. Sends `ETag`; 304 on a matching `If-None-Match`.
    pub async fn get(state, p, req, id) {
        access::offers::read_proposals(&p)?;
        let id = path_id(&id, "proposal")?;
        let proposal = db::run(&state.pool, move |c| usecases::offers::proposal(c, &p, id)).await?;
        Ok(super::http::one(&req, proposal.row.version, &Proposal::from(proposal)))
    }
}

super::endpoint::patch! {
    path = "/api/v1/proposals/{id}", tag = "offers", operation_id = "update_proposal", id = "Proposal id",
    body = ProposalPatch, changed = (Proposal, "The proposal as moved; a hire carries `placement_id`"),
    conflict = "The status does not allow this move, or no position is left";
    /// Move a proposal on
    ///
    /// `proposed → interview → hired | declined`, `proposed → hired | declined`, and
    /// `withdrawn` from `proposed` or `interview`. The offer's employer or holder and the
    /// facilitator set `interview`, `hired`, `declined` (a `reason` for declined); whoever
    /// proposed withdraws. `hired` takes the placement's terms and creates it in the same
    /// transaction (the answer carries `placement_id`); when the hires reach `positions` the
    /// offer is `filled`. Any other move answers 409.
    pub async fn patch(state, p, req, id, body) {
        access::offers::read_proposals(&p)?;
        let (id, precondition, patch, mut v) =
            super::endpoint::patch_request::<ProposalPatch>(&req, &id, "proposal", &body)?;
        let to = v.require("status", patch.status);
        let placement = patch.placement.map(|h| {
            if h.modality.is_none() {
                v.add("placement.modality", "is required");
            }
            if h.start_date.is_none() {
                v.add("placement.start_date", "is required");
            }
            PlacementDraft {
                beneficiary_id: Uuid::nil(),
                contract_id: Uuid::nil(),
                employer_id: Uuid::nil(),
                modality: h.modality,
                job_title: h.job_title,
                start_date: h.start_date,
                end_date: h.end_date,
                weekly_hours: h.weekly_hours,
            }
        });
        let to = v.finish_with(to)?;
        let t = model::Transition {
            to,
            reason: patch.reason,
            placement,
        };
        let proposal = db::run(&state.pool, move |c| {
            usecases::offers::transition(c, &p, id, &precondition, t)
        })
        .await?;
        Ok(super::http::changed(proposal.row.version, &Proposal::from(proposal)))
    }
}
