//! `clauses`: the HTTP API of the clause sociale d'insertion.

pub mod access;
pub mod api;
pub mod auth;
pub mod config;
pub mod db;
pub mod delivery;
pub mod domain;
pub mod error;
pub mod metrics;
pub mod models;
pub mod openapi;
pub mod paging;
pub mod request_id;
pub mod server;
pub mod sheets;
pub mod state;
pub mod telemetry;
pub mod usecases;
pub mod webhooks;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceFactory, ServiceRequest, ServiceResponse};
use actix_web::http::header;
use actix_web::middleware::{ErrorHandlerResponse, ErrorHandlers};
use actix_web::{web, App, HttpResponse, ResponseError};

use api::problem::PROBLEM_JSON;
use error::ApiError;
use state::AppState;

/// The whole application for a state: the server and the tests build it
/// the same way.
pub fn app(
    state: web::Data<AppState>,
) -> App<
    impl ServiceFactory<
        ServiceRequest,
        Config = (),
        Response = ServiceResponse<impl MessageBody>,
        Error = actix_web::Error,
        InitError = (),
    >,
> {
    let (payload, limit) = api::limits::body(api::limits::DEFAULT_BODY_BYTES);
    let cors = cors(&state.cors_allowed_origins);
    App::new()
        .app_data(state)
        .app_data(payload)
        .app_data(limit)
        .wrap(actix_web::middleware::from_fn(api::limits::query_length))
        .wrap(cors)
        .wrap(ErrorHandlers::new().default_handler(as_problem))
        .wrap(actix_web::middleware::from_fn(telemetry::observe))
        .configure(api::routes)
        .default_service(web::to(not_found))
}

/// CORS for the network's front ends: only the configured origins, no
/// credentials (tokens travel in `Authorization`, never in cookies). A
/// request from another origin is served without CORS headers, so the
/// browser keeps its answer from the page.
fn cors(origins: &[String]) -> actix_cors::Cors {
    use actix_web::http::Method;
    let mut cors = actix_cors::Cors::default()
        .allowed_methods([
            Method::GET,
            Method::POST,
            Method::PUT,
            Method::PATCH,
            Method::DELETE,
        ])
        .allowed_headers([
            header::AUTHORIZATION,
            header::ACCEPT,
            header::CONTENT_TYPE,
            header::IF_MATCH,
            header::IF_NONE_MATCH,
            header::HeaderName::from_static(request_id::HEADER),
            header::HeaderName::from_static("idempotency-key"),
        ])
        .expose_headers([
            header::ETAG,
            header::LOCATION,
            header::RETRY_AFTER,
            header::CONTENT_DISPOSITION,
            header::HeaderName::from_static(request_id::HEADER),
        ])
        .max_age(3600)
        .block_on_origin_mismatch(false);
    for origin in origins {
        cors = cors.allowed_origin(origin);
    }
    cors
}

async fn not_found() -> Result<HttpResponse, ApiError> {
    Err(ApiError::NotFound("no such path; see /docs".into()))
}

/// Turns every error response that is not already problem+json (actix's
/// own: body too large, unreadable payload...) into one, so no plain-text
/// error ever leaves the service.
fn as_problem<B: MessageBody + 'static>(
    res: ServiceResponse<B>,
) -> actix_web::Result<ErrorHandlerResponse<B>> {
    let is_problem = res
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with(PROBLEM_JSON));
    if is_problem {
        return Ok(ErrorHandlerResponse::Response(res.map_into_left_body()));
    }
    let status = res.status();
    let limit = res
        .request()
        .app_data::<api::limits::BodyLimit>()
        .map(|l| l.0)
        .unwrap_or(api::limits::DEFAULT_BODY_BYTES);
    let problem = match status.as_u16() {
        400 => {
            // A refused preflight says what was refused (the origin, a
            // method, a header); actix's other 400s carry nothing a caller
            // can act on, or echo the input.
            let detail = res
                .response()
                .error()
                .and_then(|e| e.as_error::<actix_cors::CorsError>())
                .map(|e| format!("CORS preflight refused: {e}"))
                .unwrap_or_else(|| "the request could not be read".into());
            ApiError::BadRequest(detail).error_response()
        }
        404 => ApiError::NotFound("no such path; see /docs".into()).error_response(),
        405 => ApiError::MethodNotAllowed("this method is not allowed on this path".into())
            .error_response(),
        413 => ApiError::PayloadTooLarge(format!(
            "the request body exceeds the limit of {limit} bytes"
        ))
        .error_response(),
        s if s >= 500 => ApiError::bug(format!("answering: an unhandled error response {status}"))
            .error_response(),
        _ => {
            let reason = status.canonical_reason().unwrap_or("Error");
            let body = api::problem::Problem {
                r#type: api::problem::problem_type(&format!("http-{}", status.as_u16())),
                title: reason.to_string(),
                status: status.as_u16(),
                detail: reason.to_string(),
                instance: request_id::current(),
                errors: Vec::new(),
            };
            HttpResponse::build(status)
                .content_type(PROBLEM_JSON)
                .body(serde_json::to_string(&body).unwrap_or_default())
        }
    };
    // The CORS headers of the answer it replaces, so an allowed front end
    // can read this one too.
    let mut problem = problem;
    for (name, value) in res.headers() {
        if name.as_str().starts_with("access-control-") || name == header::VARY {
            problem.headers_mut().append(name.clone(), value.clone());
        }
    }
    let (req, _) = res.into_parts();
    let res = ServiceResponse::new(req, problem).map_into_right_body();
    Ok(ErrorHandlerResponse::Response(res))
}
