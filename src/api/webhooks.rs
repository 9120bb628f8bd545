//! Webhook subscriptions (API.md, "Webhooks"): partners told of the change
//! feed's changes instead of polling it.

use actix_web::web;
use actix_web::HttpResponse;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use super::input::{double_option, json_body, list_query, paged_query};
use crate::auth::Principal;
use crate::db;
use crate::domain::patch::{set, set_nullable, Merge};
use crate::domain::webhook::{self as rules, WebhookFields};
use crate::error::{ApiResult, Violations};
use crate::models::change::FeedCursor;
use crate::models::delivery::{self as deliveries_model, AttemptRow};
use crate::models::webhook::{self as model, WebhookRow};
use crate::paging::{PageKey, SeqKey};
use crate::state::AppState;
use crate::usecases::webhooks as usecase;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        gated("/webhooks")
            .route(web::get().to(list))
            .route(web::post().to(create)),
    )
    .service(
        gated("/webhooks/{id}")
            .route(web::get().to(get))
            .route(web::patch().to(patch))
            .route(web::delete().to(delete)),
    )
    .service(gated("/webhooks/{id}/rotate-secret").route(web::post().to(rotate)))
    .service(gated("/webhooks/{id}/deliveries").route(web::get().to(deliveries)))
    .service(gated("/webhooks/{id}/replay").route(web::post().to(replay)));
}

/// A webhooks path: 503 on every method while webhooks are off, before
/// the token or the body is read (the one place that says so).
fn gated(
    path: &str,
) -> actix_web::Resource<
    impl actix_web::dev::ServiceFactory<
        actix_web::dev::ServiceRequest,
        Config = (),
        Response = actix_web::dev::ServiceResponse<impl actix_web::body::MessageBody>,
        Error = actix_web::Error,
        InitError = (),
    >,
> {
    super::http::resource(path).wrap(actix_web::middleware::from_fn(webhooks_on))
}

async fn webhooks_on(
    req: actix_web::dev::ServiceRequest,
    next: actix_web::middleware::Next<impl actix_web::body::MessageBody + 'static>,
) -> Result<
    actix_web::dev::ServiceResponse<actix_web::body::EitherBody<impl actix_web::body::MessageBody>>,
    actix_web::Error,
> {
    let on = req
        .app_data::<web::Data<AppState>>()
        .map(|state| usecase::sealing_key(&state.webhooks).map(|_| ()));
    match on {
        Some(Err(off)) => Ok(req.error_response(off).map_into_right_body()),
        _ => Ok(next.call(req).await?.map_into_left_body()),
    }
}

/// A webhook subscription: the change feed's changes its owner may read, sent to `url`.
#[derive(Debug, Serialize, ToSchema)]
pub struct Webhook {
    pub id: Uuid,
    /// Where each change is `POST`ed.
    #[schema(example = "https://partner.example.org/clauses/webhooks")]
    pub url: String,
    /// Entity types of the change feed sent; empty: all.
    #[schema(example = json!(["contract", "placement"]))]
    pub events: Vec<String>,
    #[schema(required = true)]
    pub description: Option<String>,
    /// False once disabled, by its owner or after the last retry or a 410.
    pub enabled: bool,
    /// Why it is disabled; null while enabled.
    #[schema(required = true)]
    pub disabled_reason: Option<String>,
    pub version: i32,
    #[serde(serialize_with = "super::json::instant")]
    pub created_at: DateTime<Utc>,
    #[serde(serialize_with = "super::json::instant")]
    pub updated_at: DateTime<Utc>,
}

impl From<WebhookRow> for Webhook {
    fn from(r: WebhookRow) -> Self {
        Webhook {
            id: r.id,
            url: r.url,
            events: r.events,
            description: r.description,
            enabled: r.enabled,
            disabled_reason: r.disabled_reason,
            version: r.version,
            created_at: r.created_at,
            updated_at: r.updated_at,
        }
    }
}

/// A subscription with its signing secret, shown this once.
#[derive(Debug, Serialize, ToSchema)]
pub struct WebhookWithSecret {
    #[serde(flatten)]
    pub webhook: Webhook,
    /// `whsec_` and the base64 of 32 random bytes: the key (decoded) of the Standard Webhooks
    /// HMAC-SHA256 signatures. Shown once; the service keeps it sealed.
    #[schema(example = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSwAbCdEfGhIjk=")]
    pub secret: String,
}

/// One page of the caller's subscriptions, oldest first.
#[derive(Debug, Serialize, ToSchema)]
pub struct WebhookPage {
    pub items: Vec<Webhook>,
    /// Pass as `cursor` for the next page; null on the page holding the last item.
    #[schema(required = true)]
    pub next_cursor: Option<String>,
}

super::http::page_view!(WebhookPage, Webhook);

/// A new subscription.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewWebhook {
    /// `https://` (or `http://` where `WEBHOOK_ALLOW_HTTP=true`); a host that resolves to an
    /// address deliveries may not reach is refused (422).
    #[schema(required = true, nullable = false, max_length = 2048)]
    pub url: Option<String>,
    /// Entity types of the change feed (`contract`, `beneficiary`, `placement`, `hours`,
    /// `outcome`, `operation`, `offer`, `proposal`, `order`, `amendment`, `report`); empty or
    /// absent: all.
    pub events: Option<Vec<String>>,
    #[schema(max_length = 1000)]
    pub description: Option<String>,
    /// Default true.
    pub enabled: Option<bool>,
}

/// Changes to a subscription (JSON Merge Patch): absent fields stay, `null` clears.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WebhookPatch {
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>, nullable = false)]
    pub url: Option<Option<String>>,
    /// `null` or `[]`: every event.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<Vec<String>>)]
    pub events: Option<Option<Vec<String>>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>)]
    pub description: Option<Option<String>>,
    /// `true` turns a disabled subscription on again (from its next change); `false` turns it off.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<bool>, nullable = false)]
    pub enabled: Option<Option<bool>>,
}

impl Merge<WebhookFields> for WebhookPatch {
    fn merge(self, f: &mut WebhookFields, _: &mut Violations) {
        set(&mut f.url, self.url);
        if let Some(events) = self.events {
            f.events = events.unwrap_or_default();
        }
        set_nullable(&mut f.description, self.description);
        set(&mut f.enabled, self.enabled);
    }
}

paged_query! {
    pub struct WebhookQuery {}
    updated_since
}

super::endpoint::list! {
    path = "/api/v1/webhooks", tag = "webhooks", operation_id = "list_webhooks", params(WebhookQuery),
    ok = (WebhookPage, "A page of the caller's subscriptions"), errors = Query;
    /// List your webhook subscriptions
    ///
    /// Every role with a token: the subscriptions of the caller's organisation (a facilitator
    /// without `org`: the facilitator's). 503 while webhooks are off (no `WEBHOOK_SECRET_KEY`).
    pub async fn list(state, p, req) {
        let (_q, page, v) = list_query::<WebhookQuery, _>(&req);
        v.finish()?;
        let page = db::run(&state.pool, move |c| model::list(c, &p, page)).await?;
        Ok(HttpResponse::Ok().json(WebhookPage::from(page.map(Webhook::from))))
    }
}

super::endpoint::create! {
    path = "/api/v1/webhooks", tag = "webhooks", operation_id = "create_webhook",
    body = NewWebhook, created = (WebhookWithSecret, "Created, with its secret (shown this once)"), errors = Creating;
    /// Subscribe to the change feed
    ///
    /// Every role with a token; the subscription belongs to the caller's organisation. Each
    /// change of `/api/v1/changes` its owner may read, from now on, is `POST`ed to `url` with
    /// the Standard Webhooks headers (`webhook-id`, `webhook-timestamp`, `webhook-signature`).
    /// The answer holds the `secret`, shown this once. 422 on `url` (not `https://`, or its
    /// host resolves to an address that is not public) and on `events` (not an entity type of
    /// the feed). 503 while webhooks are off.
    pub async fn create(state, p, req, body) {
        let (input, mut v) = json_body::<NewWebhook>(&req, &body)?;
        let url = v.require("url", input.url);
        let checked = url.and_then(|url| {
            rules::check(
                WebhookFields {
                    url,
                    events: input.events.unwrap_or_default(),
                    description: input.description,
                    enabled: input.enabled.unwrap_or(true),
                },
                &state.webhooks.destinations,
                &mut v,
            )
        });
        let (fields, _) = v.finish_with(checked)?;
        reachable(&state, fields.url.clone()).await?;
        let settings = state.webhooks.clone();
        let (row, secret) =
            db::run(&state.pool, move |c| usecase::create(c, &p, &settings, &fields)).await?;
        let view = WebhookWithSecret { webhook: Webhook::from(row), secret };
        Ok(super::http::created(format!("/api/v1/webhooks/{}", view.webhook.id), view.webhook.version, &view))
    }
}

/// Refuses a URL whose host resolves inside (422 on `url`): resolved on a
/// blocking thread, before any pooled connection is taken, so a slow
/// resolver holds none.
async fn reachable(state: &AppState, url: String) -> ApiResult<()> {
    let settings = state.webhooks.clone();
    web::block(move || usecase::check_reachable(&url, &settings))
        .await
        .map_err(|e| crate::error::ApiError::bug(format!("resolving a webhook's host: {e}")))?
}

/// A subscription, read by its owner.
pub async fn read(state: &AppState, p: &Principal, id: Uuid) -> ApiResult<WebhookRow> {
    let p = p.clone();
    db::run(&state.pool, move |c| model::get(c, &p, id)).await
}

super::endpoint::get_one! {
    path = "/api/v1/webhooks/{id}", tag = "webhooks", operation_id = "get_webhook", id = "Webhook id",
    ok = (Webhook, "The subscription (without its secret)"), errors = One;
    /// Read a webhook subscription
    ///
    /// Its owner only (another's answers 404). Sends `ETag`; 304 on a matching `If-None-Match`.
    pub async fn get(state, p, req, id) {
        let id = super::http::path_id(&id, "webhook")?;
        let row = read(&state, &p, id).await?;
        Ok(super::http::one(&req, row.version, &Webhook::from(row)))
    }
}

super::endpoint::patch! {
    path = "/api/v1/webhooks/{id}", tag = "webhooks", operation_id = "update_webhook", id = "Webhook id",
    body = WebhookPatch, changed = (Webhook, "The subscription as changed");
    /// Change a webhook subscription
    ///
    /// Its owner only. A JSON merge patch under `If-Match` (412 when the version moved).
    /// `enabled: true` turns a disabled subscription on again, from the change it stopped at.
    pub async fn patch(state, p, req, id, body) {
        let (id, precondition, patch, mut v) =
            super::endpoint::patch_request::<WebhookPatch>(&req, &id, "webhook", &body)?;
        v.not_null("url", &patch.url);
        v.not_null("enabled", &patch.enabled);
        if let Some(Some(url)) = &patch.url {
            reachable(&state, url.clone()).await?;
        }
        let settings = state.webhooks.clone();
        let row = db::run(&state.pool, move |c| {
            usecase::update(c, &p, &settings, id, &precondition, patch, v)
        })
        .await?;
        Ok(super::http::changed(row.version, &Webhook::from(row)))
    }
}

/// Delete a webhook subscription
///
/// Its owner only; its log of attempts goes with it. 204; 404 when it is not the caller's.
#[utoipa::path(
    delete, path = "/api/v1/webhooks/{id}", tag = "webhooks", operation_id = "delete_webhook",
    params(("id" = Uuid, Path, description = "Webhook id")),
    responses(
        (status = 204, description = "Deleted"),
        crate::api::responses::One,
    ),
    security(("bearer" = []))
)]
pub async fn delete(
    state: web::Data<AppState>,
    p: Principal,
    id: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let id = super::http::path_id(&id, "webhook")?;
    db::run(&state.pool, move |c| usecase::delete(c, &p, id)).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Rotate a webhook's secret
///
/// Its owner only. Answers the subscription with its new `secret`, shown this once; for 24
/// hours deliveries carry both signatures (the new one's and the old one's), space-separated.
#[utoipa::path(
    post, path = "/api/v1/webhooks/{id}/rotate-secret", tag = "webhooks", operation_id = "rotate_webhook_secret",
    params(("id" = Uuid, Path, description = "Webhook id")),
    responses(
        (status = 200, description = "The subscription with its new secret", body = WebhookWithSecret,
         headers(("ETag" = String, description = "The new version, quoted"))),
        crate::api::responses::One,
    ),
    security(("bearer" = []))
)]
pub async fn rotate(
    state: web::Data<AppState>,
    p: Principal,
    id: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let id = super::http::path_id(&id, "webhook")?;
    let settings = state.webhooks.clone();
    let (row, secret) =
        db::run(&state.pool, move |c| usecase::rotate(c, &p, &settings, id)).await?;
    let view = WebhookWithSecret {
        webhook: Webhook::from(row),
        secret,
    };
    Ok(super::http::changed(view.webhook.version, &view))
}

/// One attempt to deliver a change.
#[derive(Debug, Serialize, ToSchema)]
pub struct Delivery {
    /// The message's `webhook-id`: the same on every attempt of one change.
    #[schema(example = "msg_3f2a9c0d1e4b5a6978c0d1e2f3a4b5c6")]
    pub message_id: String,
    /// The change's cursor in `/api/v1/changes` (pass it as `after` to replay from there).
    pub cursor: String,
    /// `<entity>.<op>`, as the body's `type`.
    #[serde(rename = "type")]
    #[schema(example = "contract.update")]
    pub kind: String,
    /// 1 for the first attempt of a change.
    pub attempt: i32,
    /// The receiver's status; null when there was no answer.
    #[schema(required = true)]
    pub status_code: Option<i32>,
    /// Why it failed (`refused: ...` when the address may not be reached); null when delivered.
    #[schema(required = true)]
    pub error: Option<String>,
    pub duration_ms: i32,
    #[serde(serialize_with = "super::json::instant")]
    pub at: DateTime<Utc>,
}

impl From<AttemptRow> for Delivery {
    fn from(r: AttemptRow) -> Self {
        Delivery {
            message_id: r.message_id,
            cursor: r.cursor,
            kind: r.type_,
            attempt: r.attempt,
            status_code: r.status_code,
            error: r.error,
            duration_ms: r.duration_ms,
            at: r.at,
        }
    }
}

/// One page of a subscription's attempts, oldest first.
#[derive(Debug, Serialize, ToSchema)]
pub struct DeliveryPage {
    pub items: Vec<Delivery>,
    /// Pass as `cursor` for the next page; null on the page holding the last item.
    #[schema(required = true)]
    pub next_cursor: Option<String>,
}

super::http::page_view!(DeliveryPage, Delivery);

paged_query! {
    pub struct DeliveryQuery {}
}

super::endpoint::list! {
    path = "/api/v1/webhooks/{id}/deliveries", tag = "webhooks", operation_id = "list_webhook_deliveries",
    params(("id" = Uuid, Path, description = "Webhook id"), DeliveryQuery),
    ok = (DeliveryPage, "A page of the subscription's attempts"), errors = OneQuery;
    /// A webhook's attempts
    ///
    /// Its owner only. Every attempt of the last 30 days, oldest first: the message, the
    /// change's cursor, the receiver's status or why there was none, how long it took.
    pub async fn deliveries(state, p, req, id) {
        let id = super::http::path_id(&id, "webhook")?;
        let (_, page, v) = list_query::<DeliveryQuery, SeqKey>(&req);
        v.finish()?;
        let page = db::run(&state.pool, move |c| deliveries_model::attempts(c, &p, id, page)).await?;
        Ok(HttpResponse::Ok().json(DeliveryPage::from(page.map(Delivery::from))))
    }
}

/// Where a replay starts.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WebhookReplay {
    /// A cursor of `/api/v1/changes` (an item's `cursor`, a `next_cursor`, or a delivery's
    /// `cursor`): every change after it is sent again.
    #[schema(
        required = true,
        nullable = false,
        max_length = 100,
        example = "eDc1NF8xMg"
    )]
    pub after: Option<String>,
}

/// Send a webhook's changes again
///
/// Its owner only. Every change after `after` (exclusive) that the owner may read is sent
/// again, in order, with the `webhook-id` it had; the subscription is enabled again. Answers
/// the subscription. 422 on `after` when it is not a cursor of the change feed.
#[utoipa::path(
    post, path = "/api/v1/webhooks/{id}/replay", tag = "webhooks", operation_id = "replay_webhook",
    params(("id" = Uuid, Path, description = "Webhook id")),
    request_body = WebhookReplay,
    responses(
        (status = 200, description = "The subscription, enabled, sending again after `after`", body = Webhook,
         headers(("ETag" = String, description = "The new version, quoted"))),
        crate::api::responses::CreatingUnder,
    ),
    security(("bearer" = []))
)]
pub async fn replay(
    state: web::Data<AppState>,
    p: Principal,
    req: actix_web::HttpRequest,
    id: web::Path<String>,
    body: web::Bytes,
) -> ApiResult<HttpResponse> {
    let id = super::http::path_id(&id, "webhook")?;
    let (input, mut v) = json_body::<WebhookReplay>(&req, &body)?;
    let after = v.require("after", input.after).and_then(|text| {
        let cursor = FeedCursor::decode(&text);
        if cursor.is_none() {
            v.add("after", FeedCursor::REFUSAL);
        }
        cursor
    });
    let after = v.finish_with(after)?;
    let row = db::run(&state.pool, move |c| usecase::replay(c, &p, id, after)).await?;
    Ok(super::http::changed(row.version, &Webhook::from(row)))
}
