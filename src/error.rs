//! One error type for the whole service: what went wrong, in the
//! service's terms, with the cause kept. It knows nothing of HTTP: the edge
//! (`api::problem`) renders it as RFC 9457 `application/problem+json`.
//! The database's errors are converted here and nowhere else.

pub use crate::domain::violations::{FieldError, Invalid, Violations};

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
    /// The database server could not serve the request at all: not
    /// reachable, the connection lost under it, or (on a replica) the
    /// query cancelled by recovery. Answered 503 like `Unavailable`; a read
    /// meant for a replica is made again on the primary instead.
    #[error("{0}")]
    Unreachable(String),
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
}

/// Which request field a unique constraint protects, for 409 answers that
/// name the field.
fn constraint_field(constraint: &str) -> &'static str {
    match constraint {
        "organisations_siret_key" => "siret",
        "contracts_buyer_reference_key" => "reference",
        "monthly_hours_placement_month_key" => "month",
        "operations_name_key" => "name",
        "proposals_offer_person_key" => "beneficiary_id",
        "contract_orders_reference_key" | "contract_amendments_reference_key" => "reference",
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
            Error::DatabaseError(
                DatabaseErrorKind::ClosedConnection | DatabaseErrorKind::UnableToSendCommand,
                _,
            ) => ApiError::Unreachable("the database connection was lost".into()),
            // A server shutting down (SQLSTATE 57P01 to 57P03, which the
            // drivers pass on by their message only), and a replica
            // cancelling a query whose rows its recovery removes.
            Error::DatabaseError(_, ref info)
                if info.message().starts_with("terminating connection")
                    || info.message().starts_with("the database system is")
                    || info.message().contains("conflict with recovery") =>
            {
                ApiError::Unreachable(format!(
                    "the database server cannot answer now: {}",
                    info.message()
                ))
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
        ApiError::Unreachable("the database is not reachable; retry shortly".into())
    }
}

pub type ApiResult<T> = Result<T, ApiError>;

impl From<Invalid> for ApiError {
    fn from(Invalid(errors): Invalid) -> Self {
        ApiError::Validation(errors)
    }
}
