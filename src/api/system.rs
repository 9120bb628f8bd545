//! Unauthenticated endpoints: liveness, readiness, the API description.

use std::time::Duration;

use actix_web::http::header;
use actix_web::{web, HttpResponse};
use diesel::RunQueryDsl;
use serde::Serialize;
use utoipa::ToSchema;

use crate::error::ApiError;
use crate::state::AppState;

const REDOC_JS: &[u8] = include_bytes!("../../assets/redoc.standalone.js");

pub fn routes(cfg: &mut web::ServiceConfig) {
    use super::http::resource;
    cfg.service(resource("/health").route(web::get().to(health)))
        .service(resource("/ready").route(web::get().to(ready)))
        .service(resource("/metrics").route(web::get().to(metrics)))
        .service(resource("/openapi.json").route(web::get().to(openapi_json)))
        .service(resource("/docs").route(web::get().to(docs)))
        .service(resource("/docs/").route(web::get().to(docs)))
        .service(resource("/docs/redoc.standalone.js").route(web::get().to(redoc_js)));
}

#[derive(Serialize, ToSchema)]
pub struct Status {
    #[schema(example = "ok")]
    pub status: String,
}

/// Liveness
///
/// Answers 200 while the process serves, without touching the database. No token.
#[utoipa::path(
    get, path = "/health", tag = "system", operation_id = "health",
    responses((status = 200, description = "The process runs", body = Status))
)]
pub async fn health() -> HttpResponse {
    HttpResponse::Ok().json(Status {
        status: "ok".into(),
    })
}

/// Readiness
///
/// 200 when the database answers, 503 (a problem) while it does not: take the replica out of
/// the load balancer until it recovers. No token.
#[utoipa::path(
    get, path = "/ready", tag = "system", operation_id = "ready",
    responses(
        (status = 200, description = "The database answers", body = Status),
        (status = 503, response = crate::api::responses::Unavailable),
    )
)]
pub async fn ready(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let pool = state.pool.r2d2().clone();
    web::block(move || {
        let mut conn = pool.get_timeout(Duration::from_secs(1))?;
        diesel::sql_query("SELECT 1").execute(&mut **conn)?;
        Ok::<_, ApiError>(())
    })
    .await?
    .map_err(|e| {
        log::warn!("not ready: {e}");
        ApiError::Unavailable("the database does not answer".into())
    })?;
    Ok(HttpResponse::Ok().json(Status {
        status: "ready".into(),
    }))
}

/// Prometheus metrics
///
/// This process's requests by route pattern and status, a latency histogram,
/// the database pool's connections in use, idle and waiting, its webhook
/// attempts by outcome, and over every subscription the disabled ones and
/// the oldest change not yet delivered, in the Prometheus text format. No
/// token: keep this path off the public proxy.
#[utoipa::path(
    get, path = "/metrics", tag = "system", operation_id = "metrics",
    responses((status = 200, description = "Prometheus text exposition format 0.0.4",
        content_type = "text/plain", body = String))
)]
pub async fn metrics(state: web::Data<AppState>) -> HttpResponse {
    // A database that does not answer leaves the last gauges: the
    // process's own metrics still come out.
    let webhooks = crate::db::run(&state.pool, |c| crate::models::delivery::gauges(c))
        .await
        .ok()
        .map(
            |(disabled, oldest_undelivered_seconds)| crate::metrics::WebhookGauges {
                disabled,
                oldest_undelivered_seconds,
            },
        );
    HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4; charset=utf-8")
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .body(state.metrics.render(&state.pool, webhooks))
}

pub async fn openapi_json(state: web::Data<AppState>) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("application/json")
        .body(state.openapi_json.clone())
}

/// A reference page rendered by Redoc, whose script the binary carries:
/// the page works with no internet access.
pub async fn docs() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .body(
            r#"<!DOCTYPE html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>clauses API reference</title>
  <style>body { margin: 0; padding: 0; }</style>
</head>
<body>
  <redoc spec-url="/openapi.json" hide-download-button="false"></redoc>
  <script src="/docs/redoc.standalone.js"></script>
</body>
</html>
"#,
        )
}

pub async fn redoc_js() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("application/javascript; charset=utf-8")
        .insert_header((header::CACHE_CONTROL, "public, max-age=86400"))
        .body(REDOC_JS)
}
