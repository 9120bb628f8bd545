use actix_web::web::{self};
use actix_web::HttpResponse;
use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use super::http::path_id;
use super::input::{double_option, json_body, list_query, paged_query};
use crate::access::{self, PlacementView};
use crate::db;
use crate::domain::codes::Modality;
use crate::domain::patch::{set, set_nullable, Merge};
use crate::domain::placement::{PlacementDraft, PlacementFields};
use crate::error::{ApiError, Violations};
use crate::models::placement::{self as model, PlacementRow};
use crate::usecases;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        super::http::resource("/placements")
            .route(web::get().to(list))
            .route(web::post().to(create)),
    )
    .service(
        super::http::resource("/placements/{id}")
            .route(web::get().to(get))
            .route(web::patch().to(patch)),
    );
}

/// One employment contract of one person on one clause contract.
#[derive(Debug, Serialize, ToSchema)]
pub struct Placement {
    pub id: Uuid,
    pub beneficiary_id: Uuid,
    pub contract_id: Uuid,
    /// Who signs the employment contract: the holder, or an ETT/ETTI/AI/GEIQ/SIAE.
    pub employer_id: Uuid,
    pub modality: Modality,
    pub job_title: String,
    #[serde(serialize_with = "super::json::day")]
    pub start_date: NaiveDate,
    /// Null while the placement is open.
    #[schema(required = true)]
    #[serde(serialize_with = "super::json::opt_day")]
    pub end_date: Option<NaiveDate>,
    #[schema(required = true)]
    pub weekly_hours: Option<Decimal>,
    pub version: i32,
    #[serde(serialize_with = "super::json::instant")]
    pub created_at: DateTime<Utc>,
    #[serde(serialize_with = "super::json::instant")]
    pub updated_at: DateTime<Utc>,
}

/// A placement as a buyer sees it on its contracts: nothing about the person.
#[derive(Debug, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PlacementForBuyer {
    pub id: Uuid,
    pub contract_id: Uuid,
    pub employer_id: Uuid,
    pub modality: Modality,
    pub job_title: String,
    #[serde(serialize_with = "super::json::day")]
    pub start_date: NaiveDate,
    #[schema(required = true)]
    #[serde(serialize_with = "super::json::opt_day")]
    pub end_date: Option<NaiveDate>,
    #[schema(required = true)]
    pub weekly_hours: Option<Decimal>,
    pub version: i32,
    #[serde(serialize_with = "super::json::instant")]
    pub created_at: DateTime<Utc>,
    #[serde(serialize_with = "super::json::instant")]
    pub updated_at: DateTime<Utc>,
}

/// The full placement, or a buyer's view of it: only the full one has `beneficiary_id` (a buyer's
/// view admits no other member), which is how a client tells them apart.
#[derive(Debug, Serialize, ToSchema)]
#[serde(untagged)]
pub enum PlacementOut {
    Full(Placement),
    ForBuyer(PlacementForBuyer),
}

impl PlacementOut {
    pub fn of(r: PlacementRow, view: PlacementView) -> PlacementOut {
        let f = r.fields();
        let weekly_hours = f.weekly_hours.map(|w| w.normalize());
        match view {
            PlacementView::Full => PlacementOut::Full(Placement {
                id: r.id,
                beneficiary_id: f.beneficiary_id,
                contract_id: f.contract_id,
                employer_id: f.employer_id,
                modality: f.modality,
                job_title: f.job_title,
                start_date: f.start_date,
                end_date: f.end_date,
                weekly_hours,
                version: r.version,
                created_at: r.created_at,
                updated_at: r.updated_at,
            }),
            PlacementView::ForBuyer => PlacementOut::ForBuyer(PlacementForBuyer {
                id: r.id,
                contract_id: f.contract_id,
                employer_id: f.employer_id,
                modality: f.modality,
                job_title: f.job_title,
                start_date: f.start_date,
                end_date: f.end_date,
                weekly_hours,
                version: r.version,
                created_at: r.created_at,
                updated_at: r.updated_at,
            }),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PlacementPage {
    pub items: Vec<PlacementOut>,
    /// Pass as `cursor` for the next page; null on the page holding the last item.
    #[schema(required = true)]
    pub next_cursor: Option<String>,
}

super::http::page_view!(PlacementPage, PlacementOut);

/// A new placement, by the contract's holder or the facilitator.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewPlacement {
    #[schema(required = true, nullable = false)]
    pub beneficiary_id: Option<Uuid>,
    #[schema(required = true, nullable = false)]
    pub contract_id: Option<Uuid>,
    /// Who signs the employment contract (an organisation of kind company).
    #[schema(required = true, nullable = false)]
    pub employer_id: Option<Uuid>,
    #[schema(required = true, nullable = false)]
    pub modality: Option<Modality>,
    #[schema(required = true, nullable = false, min_length = 1)]
    pub job_title: Option<String>,
    /// Within the contract's dates; the person is at least 16 that day.
    #[schema(required = true, nullable = false)]
    #[serde(default, deserialize_with = "super::input::date")]
    pub start_date: Option<NaiveDate>,
    /// On or after `start_date`; null while open.
    #[serde(default, deserialize_with = "super::input::date")]
    pub end_date: Option<NaiveDate>,
    #[serde(default, deserialize_with = "super::input::number")]
    pub weekly_hours: Option<Decimal>,
}

/// Changes to a placement (JSON Merge Patch). Its person and contract do not change.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PlacementPatch {
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<Uuid>, nullable = false)]
    pub employer_id: Option<Option<Uuid>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<Modality>, nullable = false)]
    pub modality: Option<Option<Modality>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>, nullable = false)]
    pub job_title: Option<Option<String>>,
    #[serde(default, deserialize_with = "super::input::patch_date")]
    #[schema(value_type = Option<NaiveDate>, nullable = false)]
    pub start_date: Option<Option<NaiveDate>>,
    #[serde(default, deserialize_with = "super::input::patch_date")]
    #[schema(value_type = Option<NaiveDate>)]
    pub end_date: Option<Option<NaiveDate>>,
    #[serde(default, deserialize_with = "super::input::patch_number")]
    #[schema(value_type = Option<f64>)]
    pub weekly_hours: Option<Option<Decimal>>,
    /// Cannot change: create another placement.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<Uuid>)]
    pub beneficiary_id: Option<Option<Uuid>>,
    /// Cannot change: create another placement.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<Uuid>)]
    pub contract_id: Option<Option<Uuid>>,
}

paged_query! {
    pub struct PlacementQuery {
        pub contract_id: Option<Uuid>,
        pub beneficiary_id: Option<Uuid>,
        pub employer_id: Option<Uuid>,
        /// Only placements starting on or after this day.
        #[serde(default, deserialize_with = "super::input::date")]
        pub started_from: Option<NaiveDate>,
        /// Only placements starting on or before this day.
        #[serde(default, deserialize_with = "super::input::date")]
        pub started_to: Option<NaiveDate>,
    }
    updated_since
}

super::endpoint::list! {
    path = "/api/v1/placements", tag = "placements", operation_id = "list_placements", params(PlacementQuery),
    ok = (PlacementPage, "A page of the placements you may see (no person field for a buyer)"), errors = RestrictedQuery;
    /// List placements
    ///
    /// Employment contracts of people on clause contracts. The facilitator reads all; a PLIE
    /// those of its people; a company those where it is the employer or holds the contract; a
    /// buyer (and the Département) those on its own contracts, without the person; the State
    /// gets 403. Filters: `contract_id`, `beneficiary_id`, `employer_id`, `started_from`,
    /// `started_to`, `updated_since`.
    pub async fn list(state, p, req) {
        access::placements::read(&p)?;
        let (q, page, v) = list_query::<PlacementQuery, _>(&req);
        v.finish()?;
        let filter = model::Filter {
            contract_id: q.contract_id,
            beneficiary_id: q.beneficiary_id,
            employer_id: q.employer_id,
            started_from: q.started_from,
            started_to: q.started_to,
        };
        let (page, view) = model::list(&state.pool, &p, filter, page).await?;
        Ok(HttpResponse::Ok().json(PlacementPage::from(page.map(|r| PlacementOut::of(r, view)))))
    }
}

super::endpoint::create! {
    path = "/api/v1/placements", tag = "placements", operation_id = "create_placement",
    body = NewPlacement, created = (Placement, "Created"), errors = Creating;
    /// Record a placement
    ///
    /// The facilitator, or a company for a person it employs or employed, or who has a proposal
    /// on one of its offers (any other person answers 422 on `beneficiary_id`, as one that does
    /// not exist). Dates within the contract's.
    pub async fn create(state, p, req, body) {
        let leave = access::placements::place(&p)?;
        let (input, mut v) = json_body::<NewPlacement>(&req, &body)?;
        let beneficiary_id = v.require("beneficiary_id", input.beneficiary_id);
        let contract_id = v.require("contract_id", input.contract_id);
        let employer_id = v.require("employer_id", input.employer_id);
        // Without the ids, the rules that need the database cannot run.
        let (Some(beneficiary_id), Some(contract_id), Some(employer_id)) =
            (beneficiary_id, contract_id, employer_id)
        else {
            for (field, absent) in [
                ("modality", input.modality.is_none()),
                ("job_title", input.job_title.is_none()),
                ("start_date", input.start_date.is_none()),
            ] {
                if absent && !v.has(field) {
                    v.add(field, "is required");
                }
            }
            return Err(ApiError::Validation(std::mem::take(v.list())));
        };
        let draft = PlacementDraft {
            beneficiary_id,
            contract_id,
            employer_id,
            modality: input.modality,
            job_title: input.job_title,
            start_date: input.start_date,
            end_date: input.end_date,
            weekly_hours: input.weekly_hours,
        };
        let row = db::run(&state.pool, move |c| {
            usecases::placements::create(c, leave, draft, v)
        })
        .await?;
        Ok(super::http::created(format!("/api/v1/placements/{}", row.id), row.version, &PlacementOut::of(row, PlacementView::Full)))
    }
}

super::endpoint::get_one! {
    path = "/api/v1/placements/{id}", tag = "placements", operation_id = "get_placement", id = "Placement id",
    ok = (PlacementOut, "The placement (no person field for a buyer)"), errors = RestrictedOne;
    /// Read a placement
    ///
    /// Whoever lists placements reads one, in the same scope (no person field for a buyer). Sends `ETag`; 304 on a matching
    /// `If-None-Match`.
    pub async fn get(state, p, req, id) {
        access::placements::read(&p)?;
        let id = path_id(&id, "placement")?;
        let (row, view) = model::get(&state.pool, &p, id).await?;
        Ok(super::http::one(&req,
            row.version, &PlacementOut::of(row, view),))
    }
}

impl Merge<PlacementFields> for PlacementPatch {
    fn merge(self, f: &mut PlacementFields, v: &mut Violations) {
        if self
            .beneficiary_id
            .is_some_and(|b| b != Some(f.beneficiary_id))
        {
            v.add("beneficiary_id", "cannot change: create another placement");
        }
        if self.contract_id.is_some_and(|c| c != Some(f.contract_id)) {
            v.add("contract_id", "cannot change: create another placement");
        }
        set(&mut f.employer_id, self.employer_id);
        set(&mut f.modality, self.modality);
        set(&mut f.job_title, self.job_title);
        set(&mut f.start_date, self.start_date);
        set_nullable(&mut f.end_date, self.end_date);
        set_nullable(&mut f.weekly_hours, self.weekly_hours);
    }
}

super::endpoint::patch! {
    path = "/api/v1/placements/{id}", tag = "placements", operation_id = "update_placement", id = "Placement id",
    body = PlacementPatch, changed = (Placement, "The placement as changed");
    /// Change a placement
    ///
    /// The facilitator, or the company that employs or holds. A JSON merge patch under
    /// `If-Match` (412 when the version moved). The person and the contract cannot change:
    /// create another placement.
    pub async fn patch(state, p, req, id, body) {
        access::placements::write(&p)?;
        let (id, precondition, patch, mut v) =
            super::endpoint::patch_request::<PlacementPatch>(&req, &id, "placement", &body)?;
        v.not_null("employer_id", &patch.employer_id);
        v.not_null("modality", &patch.modality);
        v.not_null("job_title", &patch.job_title);
        v.not_null("start_date", &patch.start_date);
        let row = db::run(&state.pool, move |c| {
            usecases::placements::update(c, &p, id, &precondition, patch, v)
        })
        .await?;
        Ok(super::http::changed(row.version, &PlacementOut::of(row, PlacementView::Full),))
    }
}
