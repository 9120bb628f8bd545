//! Hour statements: up to 10,000 months in one transaction, replayed from
//! their first answer under an `Idempotency-Key`.

use diesel::{Connection, PgConnection};
use serde::Serialize;

use crate::access::placements::Declaring;
use crate::auth::Principal;
use crate::error::{ApiError, ApiResult, FieldError};
use crate::models::hours::{self as model, LineOutcome, StatementLine};
use crate::models::idempotency;

/// A statement line as read from the request: well formed, or what is
/// wrong with it.
pub type ReadLine = Result<StatementLine, Vec<FieldError>>;

/// Declares a statement's well-formed lines in one transaction and returns
/// the answer `render` makes of the outcomes, serialised. With `key`, the
/// answer is stored with a hash of `body` in the same transaction, and a
/// replay of the same body gets that first answer, byte for byte.
pub fn declare_statement<R: Serialize>(
    conn: &mut PgConnection,
    p: &Principal,
    leave: Declaring,
    key: Option<&str>,
    body: &[u8],
    lines: &[ReadLine],
    render: impl FnOnce(&[ReadLine], Vec<Option<LineOutcome>>) -> R,
) -> ApiResult<String> {
    conn.transaction(|c| {
        let work = |c: &mut PgConnection| -> ApiResult<String> {
            let well_formed: Vec<Option<StatementLine>> =
                lines.iter().map(|r| r.as_ref().ok().cloned()).collect();
            let outcomes = model::declare_statement(c, p, leave, &well_formed)?;
            serde_json::to_string(&render(lines, outcomes))
                .map_err(|e| ApiError::internal("an hour statement's answer", e))
        };
        match key {
            Some(k) => idempotency::once(c, p, k, body, work),
            None => work(c),
        }
    })
}
