//! Offers: jobs to fill on a contract with an insertion clause.

use actix_web::web::{self};
use actix_web::HttpResponse;
use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use super::input::{double_option, json_body, list_query, paged_query};
use crate::access;
use crate::db;
use crate::domain::offer::{ContractType, OfferDraft, OfferFields, OfferStatus};
use crate::domain::patch::{set, set_nullable, Merge};
use crate::error::Violations;
use crate::models::offer::{self as model, OfferRow};
use crate::usecases;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        super::http::resource("/offers")
            .route(web::get().to(list))
            .route(web::post().to(create)),
    )
    .service(
        super::http::resource("/offers/{id}")
            .route(web::get().to(get))
            .route(web::patch().to(patch)),
    );
}

/// A job to fill on a contract.
#[derive(Debug, Serialize, ToSchema)]
pub struct Offer {
    pub id: Uuid,
    pub contract_id: Uuid,
    /// The company that hires (the contract's holder unless told otherwise).
    pub employer_id: Uuid,
    pub job_title: String,
    pub contract_type: ContractType,
    pub hours_per_week: Decimal,
    pub positions: i32,
    #[serde(serialize_with = "super::json::day")]
    pub start_date: NaiveDate,
    #[schema(required = true)]
    pub end_date: Option<NaiveDate>,
    /// Where the work is.
    #[schema(example = "91100")]
    pub postal_code: String,
    #[schema(required = true)]
    pub description: Option<String>,
    /// Residents of priority neighbourhoods come first.
    pub qpv_priority: bool,
    #[schema(required = true)]
    pub external_url: Option<String>,
    /// `open` takes proposals; `filled` once `hired` reaches `positions`; `closed` by its writer.
    pub status: OfferStatus,
    /// People hired through the offer's proposals.
    pub hired: i32,
    pub version: i32,
    #[serde(serialize_with = "super::json::instant")]
    pub created_at: DateTime<Utc>,
    #[serde(serialize_with = "super::json::instant")]
    pub updated_at: DateTime<Utc>,
    /// Its contract's territory.
    pub territory_id: Uuid,
}

impl From<OfferRow> for Offer {
    fn from(r: OfferRow) -> Self {
        Offer {
            id: r.id,
            contract_id: r.contract_id,
            employer_id: r.employer_id,
            job_title: r.job_title,
            contract_type: r.contract_type,
            hours_per_week: r.hours_per_week.normalize(),
            positions: r.positions,
            start_date: r.start_date,
            end_date: r.end_date,
            postal_code: r.postal_code,
            description: r.description,
            qpv_priority: r.qpv_priority,
            external_url: r.external_url,
            status: r.status,
            hired: r.hired,
            version: r.version,
            created_at: r.created_at,
            updated_at: r.updated_at,
            territory_id: r.territory_id,
        }
    }
}

/// One page of offers, oldest first.
#[derive(Debug, Serialize, ToSchema)]
pub struct OfferPage {
    pub items: Vec<Offer>,
    /// Pass as `cursor` for the next page; null on the page holding the last item.
    #[schema(required = true)]
    pub next_cursor: Option<String>,
}

super::http::page_view!(OfferPage, Offer);

/// A new offer.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewOffer {
    #[schema(required = true, nullable = false)]
    pub contract_id: Option<Uuid>,
    /// A company; the contract's holder by default.
    pub employer_id: Option<Uuid>,
    #[schema(required = true, nullable = false, min_length = 1)]
    pub job_title: Option<String>,
    #[schema(required = true, nullable = false)]
    pub contract_type: Option<ContractType>,
    #[schema(required = true, nullable = false)]
    #[serde(default, deserialize_with = "super::input::number")]
    pub hours_per_week: Option<Decimal>,
    /// 1 by default.
    pub positions: Option<i32>,
    /// Within the contract's dates.
    #[schema(required = true, nullable = false)]
    #[serde(default, deserialize_with = "super::input::date")]
    pub start_date: Option<NaiveDate>,
    #[serde(default, deserialize_with = "super::input::date")]
    pub end_date: Option<NaiveDate>,
    #[schema(required = true, nullable = false, pattern = "^[0-9]{5}$")]
    pub postal_code: Option<String>,
    pub description: Option<String>,
    /// False by default.
    pub qpv_priority: Option<bool>,
    /// An `https://` address.
    #[schema(pattern = "^https://")]
    pub external_url: Option<String>,
    /// `open` (default) or `closed`.
    pub status: Option<OfferStatus>,
}

/// Changes to an offer (JSON Merge Patch): absent fields stay, `null` clears. `status` takes
/// `open` or `closed`; `filled` follows the hires.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OfferPatch {
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<Uuid>, nullable = false)]
    pub employer_id: Option<Option<Uuid>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>, nullable = false)]
    pub job_title: Option<Option<String>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<ContractType>, nullable = false)]
    pub contract_type: Option<Option<ContractType>>,
    #[serde(default, deserialize_with = "super::input::patch_number")]
    #[schema(value_type = Option<f64>, nullable = false)]
    pub hours_per_week: Option<Option<Decimal>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<i32>, nullable = false)]
    pub positions: Option<Option<i32>>,
    #[serde(default, deserialize_with = "super::input::patch_date")]
    #[schema(value_type = Option<NaiveDate>, nullable = false)]
    pub start_date: Option<Option<NaiveDate>>,
    #[serde(default, deserialize_with = "super::input::patch_date")]
    #[schema(value_type = Option<NaiveDate>)]
    pub end_date: Option<Option<NaiveDate>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>, nullable = false)]
    pub postal_code: Option<Option<String>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>)]
    pub description: Option<Option<String>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<bool>, nullable = false)]
    pub qpv_priority: Option<Option<bool>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>)]
    pub external_url: Option<Option<String>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<OfferStatus>, nullable = false)]
    pub status: Option<Option<OfferStatus>>,
}

paged_query! {
    pub struct OfferQuery {
        /// Only offers on this contract.
        pub contract_id: Option<Uuid>,
        /// Only offers of this employer.
        pub employer_id: Option<Uuid>,
        /// Only offers in this status.
        pub status: Option<OfferStatus>,
        /// Only offers of this territory.
        pub territory_id: Option<Uuid>,
    }
    updated_since
}

super::endpoint::list! {
    path = "/api/v1/offers", tag = "offers", operation_id = "list_offers", params(OfferQuery),
    ok = (OfferPage, "A page of the offers you may see"), errors = Query;
    /// List job offers
    ///
    /// Jobs to fill on contracts. The facilitator and every PLIE read all; the other roles
    /// those on the contracts they may see. Filters: `contract_id`, `employer_id`, `status`,
    /// `updated_since`.
    pub async fn list(state, p, req) {
        let (q, page, v) = list_query::<OfferQuery, _>(&req);
        v.finish()?;
        let filter = model::Filter {
            contract_id: q.contract_id,
            employer_id: q.employer_id,
            status: q.status,
            territory_id: q.territory_id,
        };
        let page = db::read(&state.pool, move |c| model::list(c, &p, filter, page)).await?;
        Ok(HttpResponse::Ok().json(OfferPage::from(page.map(Offer::from))))
    }
}

super::endpoint::create! {
    path = "/api/v1/offers", tag = "offers", operation_id = "create_offer",
    body = NewOffer, created = (Offer, "Created"), errors = Creating;
    /// Publish a job offer
    ///
    /// The facilitator, or a company that holds the contract or is the employer. `employer_id`
    /// defaults to the contract's holder; `start_date` within the contract's dates.
    pub async fn create(state, p, req, body) {
        access::offers::write(&p)?;
        let (input, mut v) = json_body::<NewOffer>(&req, &body)?;
        if input.status == Some(OfferStatus::Filled) {
            v.add("status", "is set by the hires: give open or closed");
        }
        let draft = OfferDraft {
            contract_id: input.contract_id,
            employer_id: input.employer_id,
            job_title: input.job_title,
            contract_type: input.contract_type,
            hours_per_week: input.hours_per_week,
            positions: input.positions,
            start_date: input.start_date,
            end_date: input.end_date,
            postal_code: input.postal_code,
            description: input.description,
            qpv_priority: input.qpv_priority,
            external_url: input.external_url,
            status: input.status,
        };
        let row = db::run(&state.pool, move |c| {
            usecases::offers::create(c, &p, draft, v)
        })
        .await?;
        Ok(super::http::created(format!("/api/v1/offers/{}", row.id), row.version, &Offer::from(row)))
    }
}

super::endpoint::get_by_id!(
    /// Read a job offer
    ///
    /// Whoever lists job offers reads one, in the same scope. Sends `ETag`; 304 on a matching `If-None-Match`.
    "/api/v1/offers/{id}",
    "offers",
    "get_offer",
    "offer",
    "Offer id",
    "The offer",
    Offer,
    model::get
);

impl Merge<OfferFields> for OfferPatch {
    // An offer stays on its contract: the patch has no `contract_id`.
    fn merge(self, f: &mut OfferFields, _: &mut Violations) {
        set(&mut f.employer_id, self.employer_id);
        set(&mut f.job_title, self.job_title);
        set(&mut f.contract_type, self.contract_type);
        set(&mut f.hours_per_week, self.hours_per_week);
        set(&mut f.positions, self.positions);
        set(&mut f.start_date, self.start_date);
        set_nullable(&mut f.end_date, self.end_date);
        set(&mut f.postal_code, self.postal_code);
        set_nullable(&mut f.description, self.description);
        set(&mut f.qpv_priority, self.qpv_priority);
        set_nullable(&mut f.external_url, self.external_url);
        set(&mut f.status, self.status);
    }
}

super::endpoint::patch! {
    path = "/api/v1/offers/{id}", tag = "offers", operation_id = "update_offer", id = "Offer id",
    body = OfferPatch, changed = (Offer, "The offer as changed");
    /// Change a job offer
    ///
    /// The facilitator, or the offer's employer or holder. A JSON merge patch under `If-Match`
    /// (412 when the version moved). `filled` is set by the hires: give `open` or `closed`.
    pub async fn patch(state, p, req, id, body) {
        access::offers::write(&p)?;
        let (id, precondition, patch, mut first) =
            super::endpoint::patch_request::<OfferPatch>(&req, &id, "offer", &body)?;
        first.not_null("employer_id", &patch.employer_id);
        first.not_null("job_title", &patch.job_title);
        first.not_null("contract_type", &patch.contract_type);
        first.not_null("hours_per_week", &patch.hours_per_week);
        first.not_null("positions", &patch.positions);
        first.not_null("start_date", &patch.start_date);
        first.not_null("postal_code", &patch.postal_code);
        first.not_null("qpv_priority", &patch.qpv_priority);
        first.not_null("status", &patch.status);
        if matches!(patch.status, Some(Some(OfferStatus::Filled))) {
            first.add("status", "is set by the hires: give open or closed");
        }
        let row = db::run(&state.pool, move |c| {
            usecases::offers::update(c, &p, id, &precondition, patch, first)
        })
        .await?;
        Ok(super::http::changed(row.version, &Offer::from(row)))
    }
}
