//! What every request can reach. Nothing here changes after start-up: all
//! state that changes an answer lives in PostgreSQL.

use crate::auth::jwt::Verifier;
use crate::db::DbPool;

pub struct AppState {
    pub pool: DbPool,
    pub verifier: Verifier,
    /// The OpenAPI document, rendered once.
    pub openapi_json: String,
    pub decp: crate::domain::decp::Estimation,
    /// `CORS_ALLOWED_ORIGINS`.
    pub cors_allowed_origins: Vec<String>,
    /// Counters of this process for `GET /metrics`; they never change an
    /// answer of the API.
    pub metrics: crate::metrics::Metrics,
    /// `WEBHOOK_*`: the sealing key, where deliveries may go.
    pub webhooks: crate::webhooks::Settings,
}
