//! The deliverers' side of webhook subscriptions: a lease on a
//! subscription, its next change, the attempts' log, and where it stands
//! after each attempt. Every write after the claim is fenced on the lease
//! (`locked_until` as it was set): a deliverer whose lease ran out, or
//! was taken back by a replay, changes nothing.

use std::time::Duration;

use chrono::{DateTime, Utc};
use diesel::dsl::sql;
use diesel::prelude::*;
use diesel::sql_types::{Array, BigInt, Bytea, Double, Integer, Nullable, Text, Timestamptz};
use uuid::Uuid;

use super::change::{self, ChangeRow, FeedCursor};
use crate::access;
use crate::auth::Principal;
use crate::db::schema::{webhook_deliveries, webhooks};
use crate::error::ApiResult;
use crate::paging::{Keyed, Order, Page, PageRequest, SeqKey};

/// How long a claim holds a subscription: past one attempt (its
/// resolution and a 15 s timeout), short enough that a dead process's
/// subscriptions are taken over well within a minute.
pub const LEASE: Duration = Duration::from_secs(30);

/// How long the attempts' log is kept.
pub const KEPT_DAYS: i32 = 30;

/// A subscription claimed by this process until `lease`.
#[derive(Debug, Clone, QueryableByName)]
pub struct Claimed {
    #[diesel(sql_type = diesel::sql_types::Uuid)]
    pub id: Uuid,
    #[diesel(sql_type = Text)]
    pub owner_role: String,
    #[diesel(sql_type = Nullable<diesel::sql_types::Uuid>)]
    pub owner_org: Option<Uuid>,
    #[diesel(sql_type = Text)]
    pub url: String,
    #[diesel(sql_type = Array<Text>)]
    pub events: Vec<String>,
    #[diesel(sql_type = Bytea)]
    pub secret: Vec<u8>,
    /// The secret before a rotation, while it still signs.
    #[diesel(sql_type = Nullable<Bytea>)]
    pub previous_secret: Option<Vec<u8>>,
    #[diesel(sql_type = BigInt)]
    pub cursor_xid: i64,
    #[diesel(sql_type = BigInt)]
    pub cursor_seq: i64,
    #[diesel(sql_type = Integer)]
    pub attempts: i32,
    /// The subscription's version when claimed: an owner's write (a
    /// change, a rotation, a replay) ends the claim.
    #[diesel(sql_type = Integer)]
    pub version: i32,
    #[diesel(sql_type = Timestamptz)]
    pub lease: DateTime<Utc>,
}

impl Claimed {
    pub fn cursor(&self) -> FeedCursor {
        FeedCursor {
            xid: u64::try_from(self.cursor_xid).unwrap_or_default(),
            seq: self.cursor_seq,
        }
    }
}

/// Claims up to `n` subscriptions that are due and have a settled change
/// past their cursor, oldest due first, skipping those another process
/// holds. Autocommitted: the claim is visible before any call is made.
pub fn claim(conn: &mut PgConnection, n: i64) -> ApiResult<Vec<Claimed>> {
    // `feed_end` orders by the table's columns (`c.`), not by the output's
    // `xid` alias: the alias sorted the whole feed (270 ms a claim on
    // 1.2 million changes, half a core at two claims a second).
    Ok(diesel::sql_query(
        "WITH feed_end AS (
             SELECT c.xid::text::bigint AS xid, c.seq FROM changes c
             WHERE c.xid < pg_snapshot_xmin(pg_current_snapshot())
             ORDER BY c.xid DESC, c.seq DESC LIMIT 1
         ), due AS (
             SELECT w.id FROM webhooks w, feed_end e
             WHERE w.enabled AND w.next_attempt_at <= now()
               AND (w.locked_until IS NULL OR w.locked_until < now())
               AND (w.cursor_xid, w.cursor_seq) < (e.xid, e.seq)
             ORDER BY w.next_attempt_at
             LIMIT $1
             FOR UPDATE OF w SKIP LOCKED
         )
         UPDATE webhooks w
         SET locked_until = clock_timestamp() + make_interval(secs => $2)
         FROM due WHERE w.id = due.id
         RETURNING w.id, w.owner_role, w.owner_org, w.url, w.events, w.secret,
             CASE WHEN w.previous_secret_until > now() THEN w.previous_secret END
                 AS previous_secret,
             w.cursor_xid, w.cursor_seq, w.attempts, w.version, w.locked_until AS lease",
    )
    .bind::<BigInt, _>(n)
    .bind::<Double, _>(LEASE.as_secs_f64())
    .load(conn)?)
}

/// What a subscription has to send next.
#[derive(Debug, Clone)]
pub enum Next {
    /// The next changes, in the feed's order.
    Changes(Vec<ChangeRow>),
    /// Nothing it may read up to this settled position (none: the feed is
    /// empty); it resumes after it.
    Caught(Option<FeedCursor>),
}

/// The first `n` changes after `after` that `w`'s owner may read now, of
/// its event types, or where the feed's settled end is when none. Run in
/// one snapshot (the caller's transaction), so that nothing settles
/// between "none found" and "the end is here".
pub fn next(
    conn: &mut PgConnection,
    owner: &Principal,
    w: &Claimed,
    after: FeedCursor,
    n: i64,
) -> ApiResult<Next> {
    let (rows, _) = change::list_of(conn, owner, after, &w.events, n)?;
    if rows.is_empty() {
        Ok(Next::Caught(change::settled_end(conn)?))
    } else {
        Ok(Next::Changes(rows))
    }
}

/// Where a subscription stands after attempts, or after finding nothing:
/// each says up to which change it has delivered (or found nothing to
/// send).
#[derive(Debug, Clone)]
pub enum Standing {
    /// Delivered up to here; the lease is renewed for the next changes.
    Delivered(FeedCursor),
    /// Delivered, or nothing to send, up to here; the lease is given back.
    Released(FeedCursor),
    /// The change after `at` again after `after`, the `attempts` so far.
    Retry {
        at: FeedCursor,
        attempts: i32,
        after: Duration,
    },
    /// Disabled for this reason; the cursor stays before the change that
    /// failed, so that enabling it again tries that change first.
    Disabled { at: FeedCursor, reason: String },
}

impl Standing {
    fn at(&self) -> FeedCursor {
        match self {
            Standing::Delivered(at)
            | Standing::Released(at)
            | Standing::Retry { at, .. }
            | Standing::Disabled { at, .. } => *at,
        }
    }
}

/// Writes `standing` if `w`'s lease is still this process's and its owner
/// has not changed it since the claim; returns the renewed lease (for
/// [`Standing::Delivered`]), or `None` once it is lost or given back.
pub fn stand(
    conn: &mut PgConnection,
    w: &Claimed,
    standing: &Standing,
) -> ApiResult<Option<DateTime<Utc>>> {
    let mine = webhooks::table
        .find(w.id)
        .filter(webhooks::locked_until.eq(w.lease))
        .filter(webhooks::version.eq(w.version));
    let at = standing.at();
    let cursor = (
        webhooks::cursor_xid.eq(i64::try_from(at.xid).unwrap_or(i64::MAX)),
        webhooks::cursor_seq.eq(at.seq),
    );
    let no_lease = webhooks::locked_until.eq(None::<DateTime<Utc>>);
    let written: Option<Option<DateTime<Utc>>> = match standing {
        Standing::Delivered(_) => diesel::update(mine)
            .set((
                cursor,
                webhooks::attempts.eq(0),
                webhooks::locked_until.eq(sql::<Nullable<Timestamptz>>(
                    "clock_timestamp() + make_interval(secs => ",
                )
                .bind::<Double, _>(LEASE.as_secs_f64())
                .sql(")")),
            ))
            .returning(webhooks::locked_until)
            .get_result(conn)
            .optional()?,
        Standing::Released(_) => diesel::update(mine)
            .set((cursor, webhooks::attempts.eq(0), no_lease))
            .returning(webhooks::locked_until)
            .get_result(conn)
            .optional()?,
        Standing::Retry {
            attempts, after, ..
        } => diesel::update(mine)
            .set((
                cursor,
                webhooks::attempts.eq(attempts),
                webhooks::next_attempt_at.eq(sql::<Timestamptz>("now() + make_interval(secs => ")
                    .bind::<Double, _>(after.as_secs_f64())
                    .sql(")")),
                no_lease,
            ))
            .returning(webhooks::locked_until)
            .get_result(conn)
            .optional()?,
        Standing::Disabled { reason, .. } => diesel::update(mine)
            .set((
                cursor,
                webhooks::enabled.eq(false),
                webhooks::disabled_reason.eq(reason),
                webhooks::attempts.eq(0),
                no_lease,
                webhooks::version.eq(webhooks::version + 1),
                webhooks::updated_at.eq(diesel::dsl::now),
            ))
            .returning(webhooks::locked_until)
            .get_result(conn)
            .optional()?,
    };
    Ok(written.flatten())
}

/// One attempt, for the log.
#[derive(Debug, Clone)]
pub struct NewAttempt<'a> {
    pub webhook: Uuid,
    pub message_id: &'a str,
    pub cursor: &'a str,
    pub kind: &'a str,
    pub attempt: i32,
    pub status_code: Option<i32>,
    pub error: Option<&'a str>,
    pub duration_ms: i32,
}

/// Logs attempts, in one statement.
pub fn log(conn: &mut PgConnection, attempts: &[NewAttempt]) -> ApiResult<()> {
    if attempts.is_empty() {
        return Ok(());
    }
    let rows: Vec<_> = attempts
        .iter()
        .map(|a| {
            (
                webhook_deliveries::webhook_id.eq(a.webhook),
                webhook_deliveries::message_id.eq(a.message_id),
                webhook_deliveries::cursor.eq(a.cursor),
                webhook_deliveries::type_.eq(a.kind),
                webhook_deliveries::attempt.eq(a.attempt),
                webhook_deliveries::status_code.eq(a.status_code),
                webhook_deliveries::error.eq(a.error),
                webhook_deliveries::duration_ms.eq(a.duration_ms),
            )
        })
        .collect();
    diesel::insert_into(webhook_deliveries::table)
        .values(&rows)
        .execute(conn)?;
    Ok(())
}

/// Drops attempts older than the log keeps; returns how many.
pub fn purge(conn: &mut PgConnection) -> ApiResult<usize> {
    Ok(diesel::delete(
        webhook_deliveries::table.filter(
            webhook_deliveries::at.lt(sql::<Timestamptz>("now() - make_interval(days => ")
                .bind::<Integer, _>(KEPT_DAYS)
                .sql(")")),
        ),
    )
    .execute(conn)?)
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = webhook_deliveries)]
pub struct AttemptRow {
    pub id: i64,
    pub message_id: String,
    pub cursor: String,
    pub type_: String,
    pub attempt: i32,
    pub status_code: Option<i32>,
    pub error: Option<String>,
    pub duration_ms: i32,
    pub at: DateTime<Utc>,
}

impl Keyed for AttemptRow {
    type Key = SeqKey;

    fn key(&self, _: Order) -> SeqKey {
        SeqKey(self.id)
    }
}

/// A page of the caller's subscription's attempts of the last
/// [`KEPT_DAYS`] days, oldest first.
pub fn attempts(
    conn: &mut PgConnection,
    p: &Principal,
    webhook: Uuid,
    page: PageRequest<SeqKey>,
) -> ApiResult<Page<AttemptRow>> {
    super::webhook::get(conn, p, webhook)?;
    let rows = webhook_deliveries::table
        .filter(webhook_deliveries::webhook_id.eq(webhook))
        .filter(
            webhook_deliveries::at.ge(sql::<Timestamptz>("now() - make_interval(days => ")
                .bind::<Integer, _>(KEPT_DAYS)
                .sql(")")),
        )
        .filter(webhook_deliveries::id.gt(page.after.map_or(0, |k| k.0)))
        .order(webhook_deliveries::id.asc())
        .limit(page.fetch())
        .select(AttemptRow::as_select())
        .load(conn)?;
    Ok(Page::cut(rows, &page))
}

/// Moves a locked subscription's cursor to `after` and enables it: every
/// change after it is sent again. The version moves, so a deliverer
/// holding it loses its claim and cannot move the cursor past the replay.
pub fn replay(
    conn: &mut PgConnection,
    webhook: Uuid,
    after: FeedCursor,
) -> ApiResult<super::webhook::WebhookRow> {
    Ok(diesel::update(webhooks::table.find(webhook))
        .set((
            webhooks::cursor_xid.eq(i64::try_from(after.xid).unwrap_or(i64::MAX)),
            webhooks::cursor_seq.eq(after.seq),
            webhooks::enabled.eq(true),
            webhooks::disabled_reason.eq(None::<String>),
            webhooks::attempts.eq(0),
            webhooks::next_attempt_at.eq(diesel::dsl::now),
            webhooks::locked_until.eq(None::<DateTime<Utc>>),
            webhooks::version.eq(webhooks::version + 1),
            webhooks::updated_at.eq(diesel::dsl::now),
        ))
        .returning(super::webhook::WebhookRow::as_returning())
        .get_result(conn)?)
}

/// What operators watch, over every subscription: how many are disabled,
/// and how long the oldest change not yet delivered has waited (0 when
/// none waits).
pub fn gauges(conn: &mut PgConnection) -> ApiResult<(i64, f64)> {
    let disabled: i64 = webhooks::table
        .filter(webhooks::enabled.eq(false))
        .count()
        .get_result(conn)?;
    // The first change past each enabled subscription's cursor (of any
    // type: an estimate that errs on the late side).
    let lag: Option<f64> = diesel::sql_query(
        "SELECT max(extract(epoch FROM now() - first.changed_at))::float8 AS lag
         FROM webhooks w
         CROSS JOIN LATERAL (
             SELECT c.changed_at FROM changes c
             WHERE (c.xid, c.seq) > (w.cursor_xid::text::xid8, w.cursor_seq)
               AND c.xid < pg_snapshot_xmin(pg_current_snapshot())
             ORDER BY c.xid, c.seq LIMIT 1
         ) first
         WHERE w.enabled",
    )
    .get_result::<Lag>(conn)?
    .lag;
    Ok((disabled, lag.unwrap_or(0.0).max(0.0)))
}

#[derive(QueryableByName)]
struct Lag {
    #[diesel(sql_type = Nullable<Double>)]
    lag: Option<f64>,
}

/// Whose deliveries these are: the subscription's owner, or `None` for a
/// role this build does not know.
pub fn owner(w: &Claimed) -> Option<Principal> {
    access::webhooks::deliver_as(&w.owner_role, w.owner_org, w.id)
}
