//! What every request can reach. Nothing here changes after start-up: all
//! state that changes an answer lives in PostgreSQL.

use crate::auth::Verifier;
use crate::db::DbPool;

pub struct AppState {
    pub pool: DbPool,
    pub verifier: Verifier,
    /// The OpenAPI document, rendered once.
    pub openapi_json: String,
    pub max_body_bytes: usize,
    pub decp: crate::domain::decp::Estimation,
}
