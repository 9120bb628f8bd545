//! `clauses`: the HTTP API of the clause sociale d'insertion.

pub mod access;
pub mod api;
pub mod auth;
pub mod config;
pub mod db;
pub mod demo;
pub mod domain;
pub mod error;
pub mod models;
pub mod openapi;
pub mod paging;
pub mod request_id;
pub mod state;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceFactory, ServiceRequest, ServiceResponse};
use actix_web::http::header;
use actix_web::middleware::{ErrorHandlerResponse, ErrorHandlers, Logger};
use actix_web::{web, App, HttpResponse, ResponseError};

use error::{ApiError, PROBLEM_JSON};
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
    let limit = state.max_body_bytes;
    App::new()
        .app_data(state)
        .app_data(web::PayloadConfig::new(limit))
        .wrap(ErrorHandlers::new().default_handler(as_problem))
        .wrap(actix_web::middleware::from_fn(request_id::middleware))
        // The path only: a query string may carry a person's name.
        .wrap(
            Logger::new("%{route}xi %s %Dms")
                .custom_request_replace("route", |req| format!("{} {}", req.method(), req.path())),
        )
        .configure(api::routes)
        .default_service(web::to(not_found))
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
        .app_data::<web::Data<AppState>>()
        .map(|s| s.max_body_bytes)
        .unwrap_or(0);
    let problem = match status.as_u16() {
        400 => ApiError::BadRequest("the request could not be read".into()).error_response(),
        404 => ApiError::NotFound("no such path; see /docs".into()).error_response(),
        405 => ApiError::MethodNotAllowed("this method is not allowed on this path".into())
            .error_response(),
        413 => ApiError::PayloadTooLarge(format!(
            "the request body exceeds the limit of {limit} bytes"
        ))
        .error_response(),
        s if s >= 500 => {
            ApiError::Internal(format!("unhandled error response {status}")).error_response()
        }
        _ => {
            let reason = status.canonical_reason().unwrap_or("Error");
            let body = error::Problem {
                r#type: error::problem_type(&format!("http-{}", status.as_u16())),
                title: reason.to_string(),
                status: status.as_u16(),
                detail: reason.to_string(),
                errors: None,
            };
            HttpResponse::build(status)
                .content_type(PROBLEM_JSON)
                .body(serde_json::to_string(&body).unwrap_or_default())
        }
    };
    let (req, _) = res.into_parts();
    let res = ServiceResponse::new(req, problem).map_into_right_body();
    Ok(ErrorHandlerResponse::Response(res))
}
