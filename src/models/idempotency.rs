//! `Idempotency-Key`: the first answer to a key is stored with a hash of
//! the request, in the same transaction as the work it describes; the same
//! key and body get that answer again, another body is refused. The answer
//! kept is the use case's typed result serialised, not the HTTP body, so a
//! replay renders through the same view as the first call.

use diesel::prelude::*;
use diesel::sql_types::{Binary, Text};

use serde::{de::DeserializeOwned, Serialize};

use crate::auth::Principal;
use crate::error::{ApiError, ApiResult};

#[derive(QueryableByName)]
struct Stored {
    #[diesel(sql_type = Text)]
    request_hash: String,
    #[diesel(sql_type = diesel::sql_types::Nullable<Text>)]
    response: Option<String>,
}

/// Runs `work` once per (caller, key); returns its result, or the stored
/// one on a retry. Call inside a transaction: a concurrent retry waits on
/// the key's row until the first attempt commits or rolls back.
pub fn once<T: Serialize + DeserializeOwned>(
    conn: &mut PgConnection,
    p: &Principal,
    key: &str,
    body: &[u8],
    work: impl FnOnce(&mut PgConnection) -> ApiResult<T>,
) -> ApiResult<T> {
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
            (true, Some(response)) => serde_json::from_str(&response)
                .map_err(|e| ApiError::internal("reading a stored answer", e)),
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
    let result = work(conn)?;
    let response =
        serde_json::to_string(&result).map_err(|e| ApiError::internal("storing an answer", e))?;
    diesel::sql_query(
        "UPDATE idempotency_keys SET response = $3 WHERE principal = $1 AND key = $2",
    )
    .bind::<Text, _>(&principal)
    .bind::<Text, _>(key)
    .bind::<Text, _>(&response)
    .execute(conn)?;
    Ok(result)
}

/// A usable key: 1 to 255 visible ASCII characters.
pub fn check_key(key: &str) -> bool {
    !key.is_empty() && key.len() <= 255 && key.bytes().all(|b| b.is_ascii_graphic())
}
