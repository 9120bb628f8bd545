//! The edge of the service's errors: an [`ApiError`] rendered as an RFC
//! 9457 problem document, with its status and headers. Every answer that
//! is not a success goes out through here (the handlers' errors, actix's
//! own, the 431 of the server).

use actix_web::http::{header, StatusCode};
use actix_web::{HttpResponse, ResponseError};
use serde::Serialize;
use utoipa::ToSchema;

use crate::error::{ApiError, FieldError};

pub const PROBLEM_JSON: &str = "application/problem+json";

/// An RFC 9457 problem document.
#[derive(Debug, Serialize, ToSchema)]
pub struct Problem {
    /// A URI naming the kind of problem.
    #[schema(example = "https://clauses.example/problems/validation")]
    pub r#type: String,
    /// A short summary of the kind of problem.
    pub title: String,
    /// The HTTP status code.
    pub status: u16,
    /// What went wrong in this occurrence.
    pub detail: String,
    /// This occurrence: the request's id (`X-Request-Id`), to quote when
    /// reporting the problem; every log line of the request carries it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub instance: Option<String>,
    /// Every field at fault: for validation errors, a field a role may not set, a conflict on a
    /// value; empty for the other problems.
    pub errors: Vec<FieldError>,
}

trait Render {
    fn slug(&self) -> &'static str;
    fn problem(&self) -> Problem;
}

impl Render for ApiError {
    fn slug(&self) -> &'static str {
        match self {
            ApiError::BadRequest(_) => "bad-request",
            ApiError::Unauthorized(_) => "unauthorized",
            ApiError::Forbidden(_) | ApiError::ForbiddenField { .. } => "forbidden",
            ApiError::NotFound(_) => "not-found",
            ApiError::MethodNotAllowed(_) => "method-not-allowed",
            ApiError::Conflict { .. } => "conflict",
            ApiError::PreconditionFailed(_) => "precondition-failed",
            ApiError::PayloadTooLarge(_) => "payload-too-large",
            ApiError::UnsupportedMediaType(_) => "unsupported-media-type",
            ApiError::UriTooLong(_) => "uri-too-long",
            ApiError::Validation(_) => "validation",
            ApiError::Unavailable(_) | ApiError::Unreachable(_) => "unavailable",
            ApiError::Internal { .. } => "internal",
        }
    }

    fn problem(&self) -> Problem {
        let status = self.status_code();
        let detail = match self {
            ApiError::Validation(errors) => {
                let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
                format!("invalid values in: {}", fields.join(", "))
            }
            // The cause of an internal error is logged, never shown.
            ApiError::Internal { .. } => "an unexpected error occurred; it has been logged".into(),
            other => other.to_string(),
        };
        let errors = match self {
            ApiError::Validation(errors)
            | ApiError::Conflict { errors, .. }
            | ApiError::ForbiddenField { errors, .. } => errors.clone(),
            _ => Vec::new(),
        };
        Problem {
            r#type: problem_type(self.slug()),
            title: status.canonical_reason().unwrap_or("Error").to_string(),
            status: status.as_u16(),
            detail,
            instance: crate::request_id::current(),
            errors,
        }
    }
}

pub fn problem_type(slug: &str) -> String {
    format!("https://clauses.example/problems/{slug}")
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        match self {
            ApiError::BadRequest(_) => StatusCode::BAD_REQUEST,
            ApiError::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            ApiError::Forbidden(_) | ApiError::ForbiddenField { .. } => StatusCode::FORBIDDEN,
            ApiError::NotFound(_) => StatusCode::NOT_FOUND,
            ApiError::MethodNotAllowed(_) => StatusCode::METHOD_NOT_ALLOWED,
            ApiError::Conflict { .. } => StatusCode::CONFLICT,
            ApiError::PreconditionFailed(_) => StatusCode::PRECONDITION_FAILED,
            ApiError::PayloadTooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::UnsupportedMediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ApiError::UriTooLong(_) => StatusCode::URI_TOO_LONG,
            ApiError::Validation(_) => StatusCode::UNPROCESSABLE_ENTITY,
            ApiError::Unavailable(_) | ApiError::Unreachable(_) => StatusCode::SERVICE_UNAVAILABLE,
            ApiError::Internal { .. } => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        if let ApiError::Internal { context, source } = self {
            // The whole chain of causes: the first is rarely the whole story.
            let mut cause = String::new();
            let mut next = source
                .as_deref()
                .map(|e| e as &(dyn std::error::Error + 'static));
            while let Some(e) = next {
                cause.push_str(": ");
                cause.push_str(&e.to_string());
                next = e.source();
            }
            log::error!("internal error while {context}{cause}");
        }
        let mut builder = HttpResponse::build(self.status_code());
        builder.insert_header((header::CONTENT_TYPE, PROBLEM_JSON));
        match self {
            ApiError::Unauthorized(_) => {
                builder.insert_header((
                    header::WWW_AUTHENTICATE,
                    "Bearer realm=\"clauses\", error=\"invalid_token\"",
                ));
            }
            ApiError::Unavailable(_) | ApiError::Unreachable(_) => {
                builder.insert_header((header::RETRY_AFTER, "2"));
            }
            _ => {}
        }
        builder.body(serde_json::to_string(&self.problem()).unwrap_or_default())
    }
}
