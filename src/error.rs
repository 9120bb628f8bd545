//! One error type for the whole service, rendered as RFC 9457
//! `application/problem+json`. Foreign errors (diesel, r2d2, actix) are
//! converted here and nowhere else, so a handler only ever returns `ApiError`.

use actix_web::http::{header, StatusCode};
use actix_web::{HttpResponse, ResponseError};
use serde::Serialize;
use utoipa::ToSchema;

pub use crate::domain::violations::{FieldError, Invalid, Violations};

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
    /// Every field at fault, for validation errors.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub errors: Option<Vec<FieldError>>,
}

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("{0}")]
    BadRequest(String),
    #[error("{0}")]
    Unauthorized(String),
    #[error("{0}")]
    Forbidden(String),
    /// A role that may do the operation but not set this field (a step
    /// reserved to the facilitator).
    #[error("{detail}")]
    ForbiddenField {
        detail: String,
        errors: Vec<FieldError>,
    },
    #[error("{0}")]
    NotFound(String),
    #[error("{0}")]
    MethodNotAllowed(String),
    #[error("{detail}")]
    Conflict {
        detail: String,
        errors: Vec<FieldError>,
    },
    #[error("{0}")]
    PreconditionFailed(String),
    #[error("{0}")]
    PayloadTooLarge(String),
    #[error("{0}")]
    UnsupportedMediaType(String),
    #[error("{0}")]
    UriTooLong(String),
    #[error("invalid values")]
    Validation(Vec<FieldError>),
    #[error("{0}")]
    Unavailable(String),
    /// A bug or a failure of what the service stands on: `context` says
    /// what was being done, `source` keeps the cause. Both are logged
    /// (with the request's id, as every log line), never shown.
    #[error("internal error: {context}")]
    Internal {
        context: String,
        #[source]
        source: Option<Box<dyn std::error::Error + Send + Sync>>,
    },
}

impl ApiError {
    pub fn validation(field: impl Into<String>, message: impl Into<String>) -> Self {
        ApiError::Validation(vec![FieldError::new(field, message)])
    }

    pub fn conflict(field: impl Into<String>, message: impl Into<String>) -> Self {
        let message = message.into();
        ApiError::Conflict {
            detail: message.clone(),
            errors: vec![FieldError::new(field, message)],
        }
    }

    pub fn forbidden_field(field: impl Into<String>, message: impl Into<String>) -> Self {
        let message = message.into();
        ApiError::ForbiddenField {
            detail: message.clone(),
            errors: vec![FieldError::new(field, message)],
        }
    }

    /// An internal error caused by `source` while doing `context`.
    pub fn internal(
        context: impl Into<String>,
        source: impl std::error::Error + Send + Sync + 'static,
    ) -> Self {
        ApiError::Internal {
            context: context.into(),
            source: Some(Box::new(source)),
        }
    }

    /// An internal error with no cause but itself: a bug.
    pub fn bug(context: impl Into<String>) -> Self {
        ApiError::Internal {
            context: context.into(),
            source: None,
        }
    }

    pub fn not_found(what: &str) -> Self {
        ApiError::NotFound(format!("no {what} with this id is visible to you"))
    }

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
            ApiError::Unavailable(_) => "unavailable",
            ApiError::Internal { .. } => "internal",
        }
    }

    pub fn problem(&self) -> Problem {
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
            ApiError::Validation(errors) => Some(errors.clone()),
            ApiError::Conflict { errors, .. } | ApiError::ForbiddenField { errors, .. }
                if !errors.is_empty() =>
            {
                Some(errors.clone())
            }
            _ => None,
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
            ApiError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
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
            ApiError::Unavailable(_) => {
                builder.insert_header((header::RETRY_AFTER, "2"));
            }
            _ => {}
        }
        builder.body(serde_json::to_string(&self.problem()).unwrap_or_default())
    }
}

/// Which request field a unique constraint protects, for 409 answers that
/// name the field.
fn constraint_field(constraint: &str) -> &'static str {
    match constraint {
        "organisations_siret_key" => "siret",
        "contracts_buyer_reference_key" => "reference",
        "monthly_hours_placement_month_key" => "month",
        _ => "id",
    }
}

impl From<diesel::result::Error> for ApiError {
    fn from(e: diesel::result::Error) -> Self {
        use diesel::result::{DatabaseErrorKind, Error};
        match e {
            Error::NotFound => ApiError::NotFound("not found".into()),
            Error::DatabaseError(DatabaseErrorKind::UniqueViolation, info) => {
                let field = info.constraint_name().map(constraint_field).unwrap_or("id");
                ApiError::conflict(field, "this value is already used by another record")
            }
            Error::DatabaseError(DatabaseErrorKind::ClosedConnection, _) => {
                ApiError::Unavailable("the database connection was lost".into())
            }
            // A number over what a column holds should have been refused
            // by the rules of its field; if one slips through it is still
            // the caller's value at fault, not the service.
            Error::DatabaseError(DatabaseErrorKind::Unknown, ref info)
                if info.message().contains("numeric field overflow")
                    || info.message().contains("out of range") =>
            {
                log::warn!("a value overflowed its column: {}", info.message());
                ApiError::validation("body", "a number is larger than this service can hold")
            }
            Error::DatabaseError(DatabaseErrorKind::Unknown, ref info)
                if info.message().contains("statement timeout") =>
            {
                ApiError::Unavailable("the database took too long to answer".into())
            }
            other => ApiError::internal("querying the database", other),
        }
    }
}

impl From<diesel::r2d2::PoolError> for ApiError {
    fn from(e: diesel::r2d2::PoolError) -> Self {
        log::warn!("database pool: {e}");
        ApiError::Unavailable("the database is not reachable; retry shortly".into())
    }
}

impl From<actix_web::error::BlockingError> for ApiError {
    fn from(_: actix_web::error::BlockingError) -> Self {
        ApiError::Unavailable("the service is shutting down".into())
    }
}

pub type ApiResult<T> = Result<T, ApiError>;

impl From<Invalid> for ApiError {
    fn from(Invalid(errors): Invalid) -> Self {
        ApiError::Validation(errors)
    }
}
