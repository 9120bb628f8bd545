//! The deliverer's steps that take more than one statement (see
//! `crate::delivery`), each in its transaction.

use chrono::{DateTime, Utc};
use diesel::PgConnection;

use crate::auth::Principal;
use crate::error::ApiResult;
use crate::models::change::FeedCursor;
use crate::models::delivery::{self as model, Claimed, NewAttempt, Next, Standing};

/// The next changes of a claimed subscription, read in one snapshot.
pub fn next(
    conn: &mut PgConnection,
    owner: &Principal,
    w: &Claimed,
    after: FeedCursor,
    n: i64,
) -> ApiResult<Next> {
    conn.build_transaction()
        .repeatable_read()
        .read_only()
        .run(|c| model::next(c, owner, w, after, n))
}

/// Logs attempts and writes where the subscription stands, together; the
/// renewed lease, or `None` once the claim has ended.
pub fn record(
    conn: &mut PgConnection,
    w: &Claimed,
    attempts: &[NewAttempt],
    standing: &Standing,
) -> ApiResult<Option<DateTime<Utc>>> {
    conn.build_transaction().run(|c| {
        model::log(c, attempts)?;
        model::stand(c, w, standing)
    })
}
