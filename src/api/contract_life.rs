//! A contract's orders (bons de commande) and amendments (avenants).

use actix_web::web::{self, Bytes};
use actix_web::{HttpRequest, HttpResponse};
use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use super::http::path_id;
use super::input::{double_option, json_body, list_query, paged_query};
use crate::auth::Principal;
use crate::db;
use crate::domain::codes::CommitmentSource;
use crate::domain::life::{AmendmentDraft, OrderDraft};
use crate::domain::patch::{set, Merge};
use crate::error::{ApiResult, Violations};
use crate::models::contract_life::{AmendmentRow, OrderRow};
use crate::state::AppState;
use crate::usecases::contract_life as usecase;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        super::http::resource("/contracts/{id}/orders")
            .route(web::get().to(list_orders))
            .route(web::post().to(create_order)),
    )
    .service(
        super::http::resource("/contracts/{id}/orders/{order_id}")
            .route(web::get().to(get_order))
            .route(web::patch().to(update_order)),
    )
    .service(
        super::http::resource("/contracts/{id}/amendments")
            .route(web::get().to(list_amendments))
            .route(web::post().to(create_amendment)),
    )
    .service(
        super::http::resource("/contracts/{id}/amendments/{amendment_id}")
            .route(web::get().to(get_amendment)),
    );
}

/// An order (bon de commande) under an `orders` contract.
#[derive(Debug, Serialize, ToSchema)]
pub struct Order {
    pub id: Uuid,
    pub contract_id: Uuid,
    /// Unique in its contract.
    pub reference: String,
    #[serde(serialize_with = "super::json::day")]
    pub ordered_on: NaiveDate,
    #[serde(serialize_with = "super::json::day")]
    pub start_date: NaiveDate,
    #[serde(serialize_with = "super::json::day")]
    pub end_date: NaiveDate,
    /// Euros excluding tax.
    pub amount_excl_tax: Decimal,
    /// The hours this order commits: given, or the contract's formula on the order's amount.
    pub commitment_hours: Decimal,
    /// `given` or `computed`.
    pub commitment_source: CommitmentSource,
    pub version: i32,
    #[serde(serialize_with = "super::json::instant")]
    pub created_at: DateTime<Utc>,
    #[serde(serialize_with = "super::json::instant")]
    pub updated_at: DateTime<Utc>,
}

impl From<OrderRow> for Order {
    fn from(r: OrderRow) -> Self {
        Order {
            id: r.id,
            contract_id: r.contract_id,
            reference: r.reference,
            ordered_on: r.ordered_on,
            start_date: r.start_date,
            end_date: r.end_date,
            amount_excl_tax: r.amount_excl_tax.normalize(),
            commitment_hours: r.commitment_hours.normalize(),
            commitment_source: r.commitment_source,
            version: r.version,
            created_at: r.created_at,
            updated_at: r.updated_at,
        }
    }
}

/// One page of a contract's orders, oldest first.
#[derive(Debug, Serialize, ToSchema)]
pub struct OrderPage {
    pub items: Vec<Order>,
    /// Pass as `cursor` for the next page; null on the page holding the last item.
    #[schema(required = true)]
    pub next_cursor: Option<String>,
}

super::http::page_view!(OrderPage, Order);

/// A new order. Without `commitment_hours`, the order's commitment is the contract's formula on
/// its amount: `amount_excl_tax × labour_share × insertion_rate ÷ hourly_cost`, half-up to the
/// hundredth.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewOrder {
    #[schema(required = true, nullable = false, min_length = 1)]
    pub reference: Option<String>,
    #[schema(required = true, nullable = false)]
    #[serde(default, deserialize_with = "super::input::date")]
    pub ordered_on: Option<NaiveDate>,
    #[schema(required = true, nullable = false)]
    #[serde(default, deserialize_with = "super::input::number")]
    pub amount_excl_tax: Option<Decimal>,
    /// Default: `ordered_on`.
    #[serde(default, deserialize_with = "super::input::date")]
    pub start_date: Option<NaiveDate>,
    /// Default: the contract's end date.
    #[serde(default, deserialize_with = "super::input::date")]
    pub end_date: Option<NaiveDate>,
    #[serde(default, deserialize_with = "super::input::number")]
    pub commitment_hours: Option<Decimal>,
}

/// Changes to an order (JSON Merge Patch); `commitment_hours: null` sizes it by the formula again.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OrderPatch {
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>, nullable = false)]
    pub reference: Option<Option<String>>,
    #[serde(default, deserialize_with = "super::input::patch_date")]
    #[schema(value_type = Option<NaiveDate>, nullable = false)]
    pub ordered_on: Option<Option<NaiveDate>>,
    #[serde(default, deserialize_with = "super::input::patch_number")]
    #[schema(value_type = Option<f64>, nullable = false)]
    pub amount_excl_tax: Option<Option<Decimal>>,
    #[serde(default, deserialize_with = "super::input::patch_date")]
    #[schema(value_type = Option<NaiveDate>, nullable = false)]
    pub start_date: Option<Option<NaiveDate>>,
    #[serde(default, deserialize_with = "super::input::patch_date")]
    #[schema(value_type = Option<NaiveDate>, nullable = false)]
    pub end_date: Option<Option<NaiveDate>>,
    #[serde(default, deserialize_with = "super::input::patch_number")]
    #[schema(value_type = Option<f64>)]
    pub commitment_hours: Option<Option<Decimal>>,
}

impl Merge<OrderDraft> for OrderPatch {
    fn merge(self, d: &mut OrderDraft, v: &mut Violations) {
        v.not_null("reference", &self.reference);
        v.not_null("ordered_on", &self.ordered_on);
        v.not_null("amount_excl_tax", &self.amount_excl_tax);
        v.not_null("start_date", &self.start_date);
        v.not_null("end_date", &self.end_date);
        set(&mut d.reference, self.reference.map(|r| r.map(Some)));
        set(&mut d.ordered_on, self.ordered_on.map(|r| r.map(Some)));
        set(
            &mut d.amount_excl_tax,
            self.amount_excl_tax.map(|r| r.map(Some)),
        );
        set(&mut d.start_date, self.start_date.map(|r| r.map(Some)));
        set(&mut d.end_date, self.end_date.map(|r| r.map(Some)));
        if let Some(hours) = self.commitment_hours {
            d.commitment_hours = hours;
        }
    }
}

paged_query! {
    pub struct LifeQuery {}
    updated_since
}

/// An amendment (avenant): from `signed_on` on, the contract has the values it gives.
#[derive(Debug, Serialize, ToSchema)]
pub struct Amendment {
    pub id: Uuid,
    pub contract_id: Uuid,
    pub reference: String,
    #[serde(serialize_with = "super::json::day")]
    pub signed_on: NaiveDate,
    #[schema(required = true)]
    pub reason: Option<String>,
    /// The new amount, euros excluding tax.
    #[schema(required = true)]
    pub amount_excl_tax: Option<Decimal>,
    /// The new end date.
    #[schema(required = true)]
    #[serde(serialize_with = "super::json::opt_day")]
    pub end_date: Option<NaiveDate>,
    /// The new commitment.
    #[schema(required = true)]
    pub commitment_hours: Option<Decimal>,
    /// Always 1: an amendment is never changed.
    pub version: i32,
    #[serde(serialize_with = "super::json::instant")]
    pub created_at: DateTime<Utc>,
}

impl From<AmendmentRow> for Amendment {
    fn from(r: AmendmentRow) -> Self {
        Amendment {
            id: r.id,
            contract_id: r.contract_id,
            reference: r.reference,
            signed_on: r.signed_on,
            reason: r.reason,
            amount_excl_tax: r.amount_excl_tax.map(|d| d.normalize()),
            end_date: r.end_date,
            commitment_hours: r.commitment_hours.map(|d| d.normalize()),
            version: r.version,
            created_at: r.created_at,
        }
    }
}

/// One page of a contract's amendments, oldest first.
#[derive(Debug, Serialize, ToSchema)]
pub struct AmendmentPage {
    pub items: Vec<Amendment>,
    /// Pass as `cursor` for the next page; null on the page holding the last item.
    #[schema(required = true)]
    pub next_cursor: Option<String>,
}

super::http::page_view!(AmendmentPage, Amendment);

/// A new amendment: at least one of `amount_excl_tax`, `end_date` and `commitment_hours`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewAmendment {
    #[schema(required = true, nullable = false, min_length = 1)]
    pub reference: Option<String>,
    /// Within the contract's dates as they stood; not before the previous amendment's.
    #[schema(required = true, nullable = false)]
    #[serde(default, deserialize_with = "super::input::date")]
    pub signed_on: Option<NaiveDate>,
    pub reason: Option<String>,
    #[serde(default, deserialize_with = "super::input::number")]
    pub amount_excl_tax: Option<Decimal>,
    #[serde(default, deserialize_with = "super::input::date")]
    pub end_date: Option<NaiveDate>,
    /// A `given`, `estimated` or `confirmed` commitment changes only when this is given; a
    /// `computed` one is computed again on the new amount.
    #[serde(default, deserialize_with = "super::input::number")]
    pub commitment_hours: Option<Decimal>,
}

fn two_ids(path: &(String, String), what: &str) -> ApiResult<(Uuid, Uuid)> {
    Ok((path_id(&path.0, "contract")?, path_id(&path.1, what)?))
}

super::endpoint::list! {
    path = "/api/v1/contracts/{id}/orders", tag = "contracts", operation_id = "list_contract_orders",
    params(("id" = Uuid, Path, description = "Contract id"), LifeQuery),
    ok = (OrderPage, "A page of the contract's orders"), errors = OneQuery;
    /// List a contract's orders
    ///
    /// The orders (bons de commande) placed under an `orders` contract, oldest first. Whoever
    /// reads the contract reads its orders; 404 when you may not see the contract.
    pub async fn list_orders(state, p, req, id) {
        let id = path_id(&id, "contract")?;
        let (_q, page, v) = list_query::<LifeQuery, _>(&req);
        v.finish()?;
        let page = db::read(&state.pool, move |c| usecase::orders(c, &p, id, page)).await?;
        Ok(HttpResponse::Ok().json(OrderPage::from(page.map(Order::from))))
    }
}

super::endpoint::create! {
    path = "/api/v1/contracts/{id}/orders", tag = "contracts", operation_id = "create_contract_order",
    params(("id" = Uuid, Path, description = "Contract id")),
    body = NewOrder, created = (Order, "The order placed"), errors = CreatingUnder,
    conflict = "The contract is lump_sum (it has no orders), or it already has an order with this reference";
    /// Place an order under a contract
    ///
    /// The facilitator, or the contract's buyer. The contract must be `pricing: orders` (409
    /// otherwise). The order's dates lie within the contract's (`start_date` defaults to
    /// `ordered_on`, `end_date` to the contract's end); an order taking the ordered total past
    /// `max_amount_excl_tax` is refused (422 on `amount_excl_tax`). Its commitment is the given
    /// `commitment_hours`, else the contract's formula on its amount; the contract's commitment
    /// becomes the sum of its orders'.
    pub async fn create_order(state, p, req, id, body) {
        let id = path_id(&id, "contract")?;
        let (input, v) = json_body::<NewOrder>(&req, &body)?;
        let draft = OrderDraft {
            reference: input.reference,
            ordered_on: input.ordered_on,
            amount_excl_tax: input.amount_excl_tax,
            start_date: input.start_date,
            end_date: input.end_date,
            commitment_hours: input.commitment_hours,
        };
        let row = db::run(&state.pool, move |c| usecase::create_order(c, &p, id, draft, v)).await?;
        Ok(super::http::created(
            format!("/api/v1/contracts/{}/orders/{}", row.contract_id, row.id),
            row.version,
            &Order::from(row),
        ))
    }
}

/// Read an order
///
/// Whoever reads the contract reads its orders. Sends `ETag`; 304 on a matching `If-None-Match`.
#[utoipa::path(
    get, path = "/api/v1/contracts/{id}/orders/{order_id}", tag = "contracts", operation_id = "get_contract_order",
    params(
        ("id" = Uuid, Path, description = "Contract id"),
        ("order_id" = Uuid, Path, description = "Order id"),
        ("If-None-Match" = Option<String>, Header, nullable = false, description = "The `ETag` you hold: 304 while it is current"),
    ),
    responses(
        (status = 200, description = "The order", body = Order,
         headers(("ETag" = String, description = "The version, quoted"))),
        (status = 304, description = "Not modified since the `If-None-Match` version"),
        crate::api::responses::One,
    ),
    security(("bearer" = []))
)]
pub async fn get_order(
    state: web::Data<AppState>,
    p: Principal,
    req: HttpRequest,
    path: web::Path<(String, String)>,
) -> ApiResult<HttpResponse> {
    let (id, order_id) = two_ids(&path, "order")?;
    let row = db::run(&state.pool, move |c| usecase::order(c, &p, id, order_id)).await?;
    Ok(super::http::one(&req, row.version, &Order::from(row)))
}

/// Change an order
///
/// The facilitator, or the contract's buyer. A JSON merge patch under `If-Match` (412 when the
/// version moved); the order is checked again as a new one (dates, ceiling) and the contract's
/// commitment follows. `commitment_hours: null` sizes the order by the formula again.
#[utoipa::path(
    patch, path = "/api/v1/contracts/{id}/orders/{order_id}", tag = "contracts", operation_id = "update_contract_order",
    params(
        ("id" = Uuid, Path, description = "Contract id"),
        ("order_id" = Uuid, Path, description = "Order id"),
        ("If-Match" = Option<String>, Header, nullable = false, description = "The `ETag` you read; 412 if it is no longer current"),
    ),
    request_body(content = OrderPatch, content_type = "application/merge-patch+json"),
    responses(
        (status = 200, description = "The order as changed", body = Order,
         headers(("ETag" = String, description = "The new version, quoted"))),
        crate::api::responses::Changing,
        (status = 409, description = "The contract is lump_sum, or another order has this reference", body = crate::api::problem::Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub async fn update_order(
    state: web::Data<AppState>,
    p: Principal,
    req: HttpRequest,
    path: web::Path<(String, String)>,
    body: Bytes,
) -> ApiResult<HttpResponse> {
    let (id, order_id) = two_ids(&path, "order")?;
    let precondition = super::http::if_match(&req)?;
    let (patch, v) = json_body::<OrderPatch>(&req, &body)?;
    let row = db::run(&state.pool, move |c| {
        usecase::update_order(c, &p, id, order_id, &precondition, patch, v)
    })
    .await?;
    Ok(super::http::changed(row.version, &Order::from(row)))
}

super::endpoint::list! {
    path = "/api/v1/contracts/{id}/amendments", tag = "contracts", operation_id = "list_contract_amendments",
    params(("id" = Uuid, Path, description = "Contract id"), LifeQuery),
    ok = (AmendmentPage, "A page of the contract's amendments"), errors = RestrictedOneQuery;
    /// List a contract's amendments
    ///
    /// The facilitator and the contract's buyer read its amendments, oldest first; other roles
    /// get 403, and 404 when they may not see the contract at all.
    pub async fn list_amendments(state, p, req, id) {
        let id = path_id(&id, "contract")?;
        let (_q, page, v) = list_query::<LifeQuery, _>(&req);
        v.finish()?;
        let page = db::read(&state.pool, move |c| usecase::amendments(c, &p, id, page)).await?;
        Ok(HttpResponse::Ok().json(AmendmentPage::from(page.map(Amendment::from))))
    }
}

super::endpoint::create! {
    path = "/api/v1/contracts/{id}/amendments", tag = "contracts", operation_id = "create_contract_amendment",
    params(("id" = Uuid, Path, description = "Contract id")),
    body = NewAmendment, created = (Amendment, "The amendment recorded"), errors = CreatingUnder,
    conflict = "The contract already has an amendment with this reference, or a new end date would leave placements, months or orders outside";
    /// Record an amendment to a contract
    ///
    /// The facilitator, or the contract's buyer. From `signed_on` on, the contract has the values
    /// the amendment gives (at least one of `amount_excl_tax`, `end_date`, `commitment_hours`):
    /// a `computed` commitment is computed again on the new amount; a `given`, `estimated` or
    /// `confirmed` one changes only with `commitment_hours`. `signed_on` lies within the
    /// contract's dates as they stood and not before the previous amendment's. An amendment is
    /// never changed (PATCH answers 405): record another to correct it.
    pub async fn create_amendment(state, p, req, id, body) {
        let id = path_id(&id, "contract")?;
        let (input, v) = json_body::<NewAmendment>(&req, &body)?;
        let draft = AmendmentDraft {
            reference: input.reference,
            signed_on: input.signed_on,
            reason: input.reason,
            amount_excl_tax: input.amount_excl_tax,
            end_date: input.end_date,
            commitment_hours: input.commitment_hours,
        };
        let row = db::run(&state.pool, move |c| usecase::create_amendment(c, &p, id, draft, v)).await?;
        Ok(super::http::created(
            format!("/api/v1/contracts/{}/amendments/{}", row.contract_id, row.id),
            row.version,
            &Amendment::from(row),
        ))
    }
}

/// Read an amendment
///
/// The facilitator and the contract's buyer. Sends `ETag`; 304 on a matching `If-None-Match`.
#[utoipa::path(
    get, path = "/api/v1/contracts/{id}/amendments/{amendment_id}", tag = "contracts", operation_id = "get_contract_amendment",
    params(
        ("id" = Uuid, Path, description = "Contract id"),
        ("amendment_id" = Uuid, Path, description = "Amendment id"),
        ("If-None-Match" = Option<String>, Header, nullable = false, description = "The `ETag` you hold: 304 while it is current"),
    ),
    responses(
        (status = 200, description = "The amendment", body = Amendment,
         headers(("ETag" = String, description = "The version, quoted"))),
        (status = 304, description = "Not modified since the `If-None-Match` version"),
        crate::api::responses::RestrictedOne,
    ),
    security(("bearer" = []))
)]
pub async fn get_amendment(
    state: web::Data<AppState>,
    p: Principal,
    req: HttpRequest,
    path: web::Path<(String, String)>,
) -> ApiResult<HttpResponse> {
    let (id, amendment_id) = two_ids(&path, "amendment")?;
    let row = db::run(&state.pool, move |c| {
        usecase::amendment(c, &p, id, amendment_id)
    })
    .await?;
    Ok(super::http::one(&req, row.version, &Amendment::from(row)))
}
