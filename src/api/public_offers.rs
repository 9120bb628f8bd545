//! The open offers, without a token, for the network's web sites: what a
//! job seeker reads, nothing about anyone.

use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};
use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use super::input::{list_query, paged_query};
use crate::db;
use crate::domain::offer::ContractType;
use crate::error::ApiResult;
use crate::models::offer::{self as model, PublicOfferRow};
use crate::state::AppState;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(super::http::resource("/public/offers").route(web::get().to(list)));
}

/// An open offer as the public reads it.
#[derive(Debug, Serialize, ToSchema)]
pub struct PublicOffer {
    pub id: Uuid,
    pub job_title: String,
    pub contract_type: ContractType,
    pub hours_per_week: Decimal,
    pub positions: i32,
    #[serde(serialize_with = "super::json::day")]
    pub start_date: NaiveDate,
    #[schema(required = true)]
    pub end_date: Option<NaiveDate>,
    pub postal_code: String,
    #[schema(required = true)]
    pub description: Option<String>,
    pub qpv_priority: bool,
    #[schema(required = true)]
    pub external_url: Option<String>,
    pub employer_name: String,
    pub buyer_name: String,
    pub contract_title: String,
}

impl From<PublicOfferRow> for PublicOffer {
    fn from(r: PublicOfferRow) -> Self {
        PublicOffer {
            id: r.id,
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
            employer_name: r.employer_name,
            buyer_name: r.buyer_name,
            contract_title: r.contract_title,
        }
    }
}

/// One page of open offers, oldest first.
#[derive(Debug, Serialize, ToSchema)]
pub struct PublicOfferPage {
    pub items: Vec<PublicOffer>,
    /// Pass as `cursor` for the next page; null on the page holding the last item.
    #[schema(required = true)]
    pub next_cursor: Option<String>,
}

super::http::page_view!(PublicOfferPage, PublicOffer);

paged_query! {
    pub struct PublicOfferQuery {
        /// Only offers whose postal code starts with these 1 to 5 digits (`91` for the Essonne).
        #[param(pattern = "^[0-9]{1,5}$", example = "91")]
        pub postal_code: Option<String>,
        pub contract_type: Option<ContractType>,
    }
}

/// FNV-1a over the body: the same page gives the same tag on every
/// replica, and any change to it another.
fn tag(body: &[u8]) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in body {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    format!("\"{h:016x}\"")
}

/// Open job offers, public
///
/// No token. The open offers with only what a job seeker needs: job, hours, dates, place,
/// employer, buyer and contract titles.
#[utoipa::path(
    get, path = "/public/offers", tag = "public", operation_id = "list_public_offers",
    params(PublicOfferQuery, ("If-None-Match" = Option<String>, Header, nullable = false, description = "The `ETag` of a page you hold")),
    responses(
        (status = 200, description = "Open offers", body = PublicOfferPage,
         headers(("ETag" = String, description = "The page's tag"), ("Cache-Control" = String))),
        (status = 304, description = "The page has not changed"),
        (status = 422, response = crate::api::responses::Invalid),
    )
)]
pub async fn list(state: web::Data<AppState>, req: HttpRequest) -> ApiResult<HttpResponse> {
    let (q, page, mut v) = list_query::<PublicOfferQuery, _>(&req);
    if let Some(code) = &q.postal_code {
        if code.is_empty() || code.len() > 5 || !code.bytes().all(|b| b.is_ascii_digit()) {
            v.add(
                "postal_code",
                "must be 1 to 5 digits, the start of a postal code",
            );
        }
    }
    v.finish()?;
    let filter = model::PublicFilter {
        postal_code: q.postal_code,
        contract_type: q.contract_type,
    };
    let page = db::read(&state.pool, move |c| model::public(c, filter, page)).await?;
    let body = serde_json::to_vec(&PublicOfferPage::from(page.map(PublicOffer::from)))
        .map_err(|e| crate::error::ApiError::internal("rendering the public offers", e))?;
    let etag = tag(&body);
    let cache = (header::CACHE_CONTROL, "public, max-age=60");
    if super::http::holds_tag(&req, &etag) {
        return Ok(HttpResponse::NotModified()
            .insert_header((header::ETAG, etag))
            .insert_header(cache)
            .finish());
    }
    Ok(HttpResponse::Ok()
        .insert_header((header::ETAG, etag))
        .insert_header(cache)
        .insert_header((header::ACCESS_CONTROL_ALLOW_ORIGIN, "*"))
        .content_type("application/json")
        .body(body))
}

#[cfg(test)]
mod tests {
    #[test]
    fn tags_follow_the_bytes() {
        assert_eq!(super::tag(b"{}"), super::tag(b"{}"));
        assert_ne!(super::tag(b"{}"), super::tag(b"[]"));
    }
}
