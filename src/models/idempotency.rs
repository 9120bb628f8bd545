//! `Idempotency-Key`: the first answer to a key is stored with a hash of
//! the request, in the same transaction as the work it describes; the same
//! key and body get that answer again, another body is refused.

use diesel::prelude::*;
use diesel::sql_types::{Binary, Text};

use crate::auth::Principal;
use crate::error::{ApiError, ApiResult};

#[derive(QueryableByName)]
struct Stored {
    #[diesel(sql_type = Text)]
    request_hash: String,
    #[diesel(sql_type = diesel::sql_types::Nullable<Text>)]
    response: Option<String>,
}

/// Runs `work` once per (caller, key); returns its answer, or the stored
/// one on a retry. Call inside a transaction: a concurrent retry waits on
/// the key's row until the first attempt commits or rolls back.
pub fn once(
    conn: &mut PgConnection,
    p: &Principal,
    key: &str,
    body: &[u8],
    work: impl FnOnce(&mut PgConnection) -> ApiResult<String>,
) -> ApiResult<String> {
    let principal = format!(
        "{}|{}|{}",
        p.role,
        p.org.map(|o| o.to_string()).unwrap_or_default(),
        p.sub
    );
    let inserted = diesel::sql_query(
        "INSERT INTO idempotency_keys (principal, key, request_hash)
         VALUES ($1, $2, encode(sha256($3), 'hex'))
         ON CONFLICT (principal, key) DO NOTHING",
    )
    .bind::<Text, _>(&principal)
    .bind::<Text, _>(key)
    .bind::<Binary, _>(body)
    .execute(conn)?;
    if inserted == 0 {
        let stored: Stored = diesel::sql_query(
            "SELECT request_hash, response FROM idempotency_keys WHERE principal = $1 AND key = $2",
        )
        .bind::<Text, _>(&principal)
        .bind::<Text, _>(key)
        .get_result(conn)?;
        let same: bool = diesel::select(
            diesel::dsl::sql::<diesel::sql_types::Bool>("encode(sha256(")
                .bind::<Binary, _>(body)
                .sql("), 'hex') = ")
                .bind::<Text, _>(&stored.request_hash),
        )
        .get_result(conn)?;
        return match (same, stored.response) {
            (true, Some(response)) => Ok(response),
            (true, None) => Err(ApiError::conflict(
                "Idempotency-Key",
                "a request with this key is still being processed; retry shortly",
            )),
            (false, _) => Err(ApiError::validation(
                "Idempotency-Key",
                "was already used with another request body: use a new key for a new request",
            )),
        };
    }
    let response = work(conn)?;
    diesel::sql_query(
        "UPDATE idempotency_keys SET response = $3 WHERE principal = $1 AND key = $2",
    )
    .bind::<Text, _>(&principal)
    .bind::<Text, _>(key)
    .bind::<Text, _>(&response)
    .execute(conn)?;
    Ok(response)
}

/// A usable key: 1 to 255 visible ASCII characters.
pub fn check_key(key: &str) -> bool {
    !key.is_empty() && key.len() <= 255 && key.bytes().all(|b| b.is_ascii_graphic())
}
