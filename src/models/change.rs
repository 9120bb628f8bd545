//! The change feed: see the migration `change_feed` for why it is read
//! below the snapshot's xmin, in (xid, seq) order.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use chrono::{DateTime, Utc};
use diesel::dsl::sql;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Bool, Text};
use uuid::Uuid;

use crate::access;
use crate::auth::Principal;
use crate::db::schema::changes;
use crate::error::ApiResult;
use crate::paging::PageKey;

/// A position in the feed: after the change `(xid, seq)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FeedCursor {
    pub xid: u64,
    pub seq: i64,
}

impl FeedCursor {
    pub const START: FeedCursor = FeedCursor { xid: 0, seq: 0 };
}

impl PageKey for FeedCursor {
    const REFUSAL: &'static str =
        "is not a cursor of this feed: pass a `cursor` or `next_cursor` unchanged";

    fn encode(&self) -> String {
        URL_SAFE_NO_PAD.encode(format!("x{}_{}", self.xid, self.seq))
    }

    fn decode(s: &str) -> Option<FeedCursor> {
        let raw = String::from_utf8(URL_SAFE_NO_PAD.decode(s).ok()?).ok()?;
        let (xid, seq) = raw.strip_prefix('x')?.split_once('_')?;
        Some(FeedCursor {
            xid: xid.parse().ok()?,
            seq: seq.parse().ok()?,
        })
    }
}

#[derive(Debug, Clone, Queryable)]
pub struct ChangeRow {
    pub seq: i64,
    pub xid: String,
    pub entity: String,
    pub entity_id: Uuid,
    pub op: String,
    pub version: i32,
    pub changed_at: DateTime<Utc>,
}

impl ChangeRow {
    pub fn cursor(&self) -> FeedCursor {
        FeedCursor {
            xid: self.xid.parse().unwrap_or_default(),
            seq: self.seq,
        }
    }
}

/// The caller's changes after `after`, committed and settled; returns them
/// and where to resume (the last one's cursor, or `after` when none).
pub fn list(
    conn: &mut PgConnection,
    p: &Principal,
    after: FeedCursor,
    limit: i64,
) -> ApiResult<(Vec<ChangeRow>, FeedCursor)> {
    list_of(conn, p, after, &[], limit)
}

/// Changes are settled below the snapshot's xmin: every transaction older
/// has ended, so no change can appear there later.
const SETTLED: &str = "changes.xid < pg_snapshot_xmin(pg_current_snapshot())";

/// [`list`] of these entity types only (empty: all).
pub fn list_of(
    conn: &mut PgConnection,
    p: &Principal,
    after: FeedCursor,
    entities: &[String],
    limit: i64,
) -> ApiResult<(Vec<ChangeRow>, FeedCursor)> {
    let settled = sql::<Bool>(SETTLED);
    let of_entities = sql::<Bool>("(cardinality(")
        .bind::<diesel::sql_types::Array<Text>, _>(entities)
        .sql(") = 0 OR changes.entity = ANY(")
        .bind::<diesel::sql_types::Array<Text>, _>(entities)
        .sql("))");
    let past = sql::<Bool>("(changes.xid, changes.seq) > (")
        .bind::<Text, _>(after.xid.to_string())
        .sql("::xid8, ")
        .bind::<BigInt, _>(after.seq)
        .sql(")");
    let rows: Vec<ChangeRow> = changes::table
        .filter(access::changes::read(p))
        .filter(settled)
        .filter(past)
        .filter(of_entities)
        .order(sql::<Text>("changes.xid, changes.seq"))
        .limit(limit)
        .select((
            changes::seq,
            sql::<Text>("changes.xid::text"),
            changes::entity,
            changes::entity_id,
            changes::op,
            changes::version,
            changes::changed_at,
        ))
        .load(conn)?;
    let next = rows.last().map(ChangeRow::cursor).unwrap_or(after);
    Ok((rows, next))
}

/// The last settled change of the whole feed, whoever may read it: a
/// reader that found nothing for it up to there resumes after it.
pub fn settled_end(conn: &mut PgConnection) -> ApiResult<Option<FeedCursor>> {
    let row: Option<(String, i64)> = changes::table
        .filter(sql::<Bool>(SETTLED))
        .order(sql::<Text>("changes.xid DESC, changes.seq DESC"))
        .select((sql::<Text>("changes.xid::text"), changes::seq))
        .first(conn)
        .optional()?;
    Ok(row.map(|(xid, seq)| FeedCursor {
        xid: xid.parse().unwrap_or_default(),
        seq,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_refuse_garbage() {
        let c = FeedCursor {
            xid: 123456,
            seq: 42,
        };
        assert_eq!(FeedCursor::decode(&c.encode()), Some(c));
        assert_eq!(FeedCursor::decode("nope"), None);
        assert_eq!(FeedCursor::decode(&URL_SAFE_NO_PAD.encode("x1_a")), None);
        assert_eq!(
            FeedCursor::decode(&FeedCursor::START.encode()),
            Some(FeedCursor::START)
        );
    }
}
