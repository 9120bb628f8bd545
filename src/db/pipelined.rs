//! Reads of one record by its id, and of one page of a plain list,
//! pipelined.
//!
//! Each worker thread keeps one asynchronous connection, and every read by
//! id the worker serves goes down it without waiting for the one before:
//! the queries travel together, PostgreSQL answers them in turn, and
//! neither a blocking thread nor a pooled connection is taken per request.
//! On the 2-core bench machine this took `GET /api/v1/placements/{id}` from
//! 12,900 to 26,000 requests a second and more (one worker; bench/README.md):
//! the thread hand-offs of the blocking pool, not PostgreSQL, were where the
//! time went.
//!
//! Only statements that cannot wait on a lock in normal running belong
//! here: a plain `SELECT` by primary key, or a page of a list that an index
//! answers in its order (the placements: from 0.26 to 0.4 and more of
//! pgbench's rate). One slow answer holds back the ones behind it on the
//! same connection, so a read that takes longer than the statement timeout
//! gives up on the connection (every read queued on it answers 503) and the
//! next read opens a fresh one. Everything else (lists that write the
//! access trail, writes, transactions) keeps to the pool of `db::run`.
//!
//! The connection holds nothing that changes an answer: it is a socket and
//! a cache of prepared statements.

use std::cell::RefCell;
use std::collections::HashMap;
use std::future::Future;
use std::rc::Rc;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use diesel::dsl::Limit;
use diesel::pg::PgConnection;
use diesel::query_dsl::methods::LimitDsl;
use diesel::result::{DatabaseErrorKind, Error as DieselError, QueryResult};
use diesel_async::methods::LoadQuery;
use diesel_async::{AsyncConnection, AsyncPgConnection, SimpleAsyncConnection};
use prometheus::{IntCounter, IntGauge};
use tokio::sync::Mutex;

use super::DbPool;
use crate::error::{ApiError, ApiResult};

/// A worker's connection for one pool (tests run several pools on one
/// thread, one per database).
type Slot = Rc<Mutex<Worker>>;

#[derive(Default)]
struct Worker {
    conn: Option<Rc<Pipelined>>,
    /// After a connection could not be opened, reads go through the pool
    /// until then.
    retry_at: Option<Instant>,
}

/// How long reads by id go through the pool after a pipelined connection
/// could not be opened.
const BACKOFF: Duration = Duration::from_secs(5);

/// An open pipelined connection, counted for metrics while it lives.
struct Pipelined(AsyncPgConnection);

impl Drop for Pipelined {
    fn drop(&mut self) {
        metrics().0.dec();
    }
}

/// Pipelined connections of this process open now, and opened since start
/// (more than the workers: reconnections), for `GET /metrics`.
pub fn metrics() -> &'static (IntGauge, IntCounter) {
    static METRICS: OnceLock<(IntGauge, IntCounter)> = OnceLock::new();
    METRICS.get_or_init(|| {
        (
            IntGauge::new(
                "db_pipelined_connections",
                "Open connections of the workers for reads by id (one per worker when up)",
            )
            .expect("valid metric"),
            IntCounter::new(
                "db_pipelined_connections_opened_total",
                "Connections for reads by id opened since start (more than the workers: reconnections)",
            )
            .expect("valid metric"),
        )
    })
}

thread_local! {
    static SLOTS: RefCell<HashMap<u64, Slot>> = RefCell::new(HashMap::new());
}

fn slot(pool: &DbPool) -> Slot {
    SLOTS.with(|slots| slots.borrow_mut().entry(pool.id).or_default().clone())
}

/// The first row of the query `make` builds (a read by primary key, its
/// scope from `access`), if any.
///
/// On the worker's pipelined connection, opened first if needed; through
/// the pool when it cannot be opened: PostgreSQL is down (the pool then
/// answers 503 too), or the URL holds what only libpq understands (TLS
/// with `sslmode=verify-full`, `sslrootcert`, `gssencmode`...). A
/// connection found lost (PostgreSQL restarted since its last read) is
/// replaced and the read made once more, so the first read after an
/// outage is answered rather than refused. Within the pool's patience in
/// all.
pub async fn first<Q, U>(pool: &DbPool, make: impl Fn() -> ApiResult<Q>) -> ApiResult<Option<U>>
where
    Q: LimitDsl,
    Limit<Q>: Pipelinable<U>,
    U: Send + 'static,
{
    let rows = load(pool, || Ok(make()?.limit(1))).await?;
    Ok(rows.into_iter().next())
}

/// A query both drivers run: the asynchronous one on a pipelined
/// connection, diesel's own through the pool.
pub trait Pipelinable<U>:
    for<'c> LoadQuery<'static, &'c AsyncPgConnection, U>
    + diesel::query_dsl::LoadQuery<'static, PgConnection, U>
    + Send
    + 'static
{
}

impl<Q, U> Pipelinable<U> for Q where
    Q: for<'c> LoadQuery<'static, &'c AsyncPgConnection, U>
        + diesel::query_dsl::LoadQuery<'static, PgConnection, U>
        + Send
        + 'static
{
}

/// The rows of a read-only query that `make` builds (a page of a list, in
/// keyset order and with its limit), the same way as [`first`]. Only for a
/// plain `SELECT` that an index answers: it shares the connection with
/// every read by id of the worker.
pub async fn load<Q, U>(pool: &DbPool, make: impl Fn() -> ApiResult<Q>) -> ApiResult<Vec<U>>
where
    Q: Pipelinable<U>,
    U: Send + 'static,
{
    let start = Instant::now();
    let slot = slot(pool);
    // A lost connection is replaced and the read made once more; lost
    // again, PostgreSQL is not there to answer.
    for _ in 0..2 {
        let query = make()?;
        let Some(conn) = connection(pool, &slot, start).await else {
            let left = pool.patience.saturating_sub(start.elapsed());
            return super::run_within(pool, left, move |c| {
                Ok(diesel::RunQueryDsl::load(query, c)?)
            })
            .await;
        };
        let read = read(pool, &slot, conn, move |c| async move {
            diesel_async::RunQueryDsl::load(query, &mut &c.0).await
        })
        .await;
        match read {
            Ok(rows) => return Ok(rows),
            Err(Failure::Other(e)) => return Err(e),
            Err(Failure::Lost(e)) => log::warn!("pipelined connection lost: {e}"),
        }
    }
    Err(ApiError::Unreachable(
        "the database connection was lost".into(),
    ))
}

/// [`load`] of a list a replica may serve (API.md, "Beyond one machine").
pub async fn load_read<Q, U>(pool: &DbPool, make: impl Fn() -> ApiResult<Q>) -> ApiResult<Vec<U>>
where
    Q: Pipelinable<U>,
    U: Send + 'static,
{
    super::replica::route(pool, |p| {
        let make = &make;
        async move { load(&p, make).await }
    })
    .await
}

/// Why a pipelined read failed: the connection is gone (worth one more try
/// on a new one), or anything else (an answer in itself).
enum Failure {
    Lost(DieselError),
    Other(ApiError),
}

/// Runs `query` on `conn`; whatever fails, the next read starts on a
/// fresh connection. 503 when the read outlasts the statement timeout.
async fn read<T, F, Fut>(
    pool: &DbPool,
    slot: &Slot,
    conn: Rc<Pipelined>,
    query: F,
) -> Result<T, Failure>
where
    F: FnOnce(Rc<Pipelined>) -> Fut,
    Fut: Future<Output = QueryResult<T>>,
{
    // The server cancels the statement at the statement timeout; this
    // deadline is for a connection that no longer answers at all.
    let deadline = pool.sessions.statement_timeout + pool.patience;
    match actix_web::rt::time::timeout(deadline, query(conn.clone())).await {
        Ok(Ok(value)) => Ok(value),
        Ok(Err(DieselError::NotFound)) => Err(Failure::Other(DieselError::NotFound.into())),
        Ok(Err(e)) => {
            // Reopening costs a few milliseconds; keeping a broken
            // connection fails every read queued behind.
            forget(slot, &conn).await;
            if lost(&e) {
                Err(Failure::Lost(e))
            } else {
                Err(Failure::Other(e.into()))
            }
        }
        Err(_) => {
            log::warn!("a pipelined read outlasted {deadline:?}; reconnecting");
            forget(slot, &conn).await;
            Err(Failure::Other(ApiError::Unavailable(
                "the database took too long to answer".into(),
            )))
        }
    }
}

/// The worker's connection, opened if needed; `None` to go through the pool
/// instead.
async fn connection(pool: &DbPool, slot: &Slot, start: Instant) -> Option<Rc<Pipelined>> {
    if !pool.sessions.prepared_statements {
        // The driver names every statement it prepares: not behind a
        // transaction-mode pooler.
        return None;
    }
    // Requests arriving while the connection opens wait for it rather than
    // each opening their own.
    let mut worker =
        actix_web::rt::time::timeout(pool.patience.saturating_sub(start.elapsed()), slot.lock())
            .await
            .ok()?;
    if let Some(conn) = worker.conn.as_ref() {
        return Some(conn.clone());
    }
    if worker.retry_at.is_some_and(|at| Instant::now() < at) {
        return None;
    }
    let left = pool.patience.saturating_sub(start.elapsed());
    let opened = actix_web::rt::time::timeout(left, open(&pool.url, pool.sessions)).await;
    let failure = match opened {
        Ok(Ok(conn)) => {
            metrics().0.inc();
            metrics().1.inc();
            let conn = Rc::new(Pipelined(conn));
            worker.conn = Some(conn.clone());
            worker.retry_at = None;
            return Some(conn);
        }
        Ok(Err(e)) => e,
        Err(_) => format!("no answer within {left:?}"),
    };
    log::warn!("pipelined connection: {failure}; reads by id use the pool for {BACKOFF:?}");
    worker.retry_at = Some(Instant::now() + BACKOFF);
    None
}

async fn open(url: &str, sessions: super::Sessions) -> Result<AsyncPgConnection, String> {
    let mut conn = AsyncPgConnection::establish(url)
        .await
        .map_err(|e| e.to_string())?;
    conn.batch_execute(&super::session_settings(sessions))
        .await
        .map_err(|e| e.to_string())?;
    Ok(conn)
}

/// Drops the connection `conn` from the slot, unless another request has
/// already put a new one there.
async fn forget(slot: &Slot, conn: &Rc<Pipelined>) {
    let mut worker = slot.lock().await;
    if worker
        .conn
        .as_ref()
        .is_some_and(|current| Rc::ptr_eq(current, conn))
    {
        worker.conn = None;
    }
}

/// Whether an error says the connection itself is gone (rather than the
/// statement having failed on a live one). The asynchronous driver tells a
/// server shutting down only by its message (SQLSTATE 57P01 to 57P03 are
/// not passed on), and a dead socket as a command it could not send.
fn lost(e: &DieselError) -> bool {
    match e {
        DieselError::DatabaseError(
            DatabaseErrorKind::UnableToSendCommand | DatabaseErrorKind::ClosedConnection,
            _,
        ) => true,
        DieselError::DatabaseError(DatabaseErrorKind::Unknown, info) => {
            let m = info.message();
            m.starts_with("terminating connection") || m.starts_with("the database system is")
        }
        _ => false,
    }
}
