//! The database: pool, the bridge from async handlers to blocking diesel
//! calls, embedded migrations; reads by id and plain list pages in
//! `pipelined`; reads a replica may serve in `replica`; codes read back
//! loudly in `codes`.

pub mod codes;
pub mod pipelined;
pub mod replica;
pub mod schema;

use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::sync::Semaphore;

use diesel::pg::PgConnection;
use diesel::r2d2::{ConnectionManager, ManageConnection, Pool, PooledConnection};
use diesel::sql_types::BigInt;
use diesel::RunQueryDsl;
use diesel_migrations::{embed_migrations, EmbeddedMigrations, MigrationHarness};

use crate::error::{ApiError, ApiResult};

pub type DbConn = PooledConnection<Manager>;

/// The connection pool, behind a fair gate: requests queue for one of the
/// pool's connections in arrival order (an async FIFO semaphore) instead of
/// parking blocking threads on r2d2's condition variable, whose wake-ups
/// favour no one and left some requests waiting hundreds of milliseconds
/// under load. A request that cannot have a connection within
/// `connect_timeout` in all (queue and connect) is answered 503.
#[derive(Clone)]
pub struct DbPool {
    inner: Pool<Manager>,
    gate: Arc<Semaphore>,
    patience: Duration,
    /// Tells apart the pipelined connections a worker keeps per pool.
    id: u64,
    url: Arc<str>,
    sessions: Sessions,
    /// Where figures and lists may be read instead (`DATABASE_REPLICA_URL`).
    replica: Option<Arc<replica::Replica>>,
}

/// How the sessions of a pool are set up.
#[derive(Debug, Clone, Copy)]
pub struct Sessions {
    pub statement_timeout: Duration,
    /// Named prepared statements and session settings (`SET`): off
    /// (`DATABASE_PREPARED_STATEMENTS=false`) behind a transaction-mode
    /// pooler, which hands each transaction whichever server connection is
    /// free, so that a statement prepared or a setting made on one is
    /// missing or leaks on another.
    pub prepared_statements: bool,
    /// Every transaction read-only (`default_transaction_read_only`): the
    /// replica's sessions, so that a write routed there by mistake fails
    /// instead of landing on whatever server the URL reaches.
    pub read_only: bool,
}

impl Sessions {
    pub fn new(statement_timeout: Duration) -> Sessions {
        Sessions {
            statement_timeout,
            prepared_statements: true,
            read_only: false,
        }
    }
}

impl DbPool {
    pub fn r2d2(&self) -> &Pool<Manager> {
        &self.inner
    }

    pub fn max_size(&self) -> u32 {
        self.inner.max_size()
    }

    /// This pool, with `replica` serving the reads of [`read`] while its
    /// lag is within `max_lag`.
    pub fn with_replica(mut self, replica: DbPool, max_lag: Duration) -> DbPool {
        self.replica = Some(replica::Replica::start(replica, max_lag));
        self
    }
}

pub const MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations");

/// Any number that identifies our migration lock among other advisory locks.
const MIGRATION_LOCK: i64 = 0x0063_6c61_7573_6573;

/// A pool that does not connect at build time, so the service starts (and
/// answers `/ready` with 503) while PostgreSQL is still down; each checkout
/// waits at most `connect_timeout`; every statement is cancelled after
/// `statement_timeout`.
pub fn pool(
    url: &str,
    size: u32,
    connect_timeout: Duration,
    statement_timeout: Duration,
) -> DbPool {
    pool_with(url, size, connect_timeout, Sessions::new(statement_timeout))
}

/// [`pool`] with its sessions set up as `sessions` says.
pub fn pool_with(url: &str, size: u32, connect_timeout: Duration, sessions: Sessions) -> DbPool {
    // A connection is tested on checkout only after a rest (see `Manager`).
    let inner = Pool::builder()
        .max_size(size)
        .min_idle(Some(0))
        .connection_timeout(connect_timeout)
        .test_on_check_out(true)
        .connection_customizer(Box::new(SessionSettings(sessions)))
        .error_handler(Box::new(ConnectFailures))
        .build_unchecked(Manager(ConnectionManager::new(url)));
    static POOLS: AtomicU64 = AtomicU64::new(0);
    DbPool {
        inner,
        gate: Arc::new(Semaphore::new(size as usize)),
        patience: connect_timeout,
        id: POOLS.fetch_add(1, Ordering::Relaxed),
        url: url.into(),
        sessions,
        replica: None,
    }
}

/// How long a pooled connection may rest before its next checkout tests it.
const REST_BEFORE_TEST: Duration = Duration::from_millis(500);

/// diesel's connection manager, testing a connection on checkout (one
/// `SELECT 1`) only when it has rested since its last use. Testing every
/// checkout doubled the round trips of each request and cost a third of
/// the throughput under load, where connections rest microseconds; not
/// testing at all let a connection that died while idle (PostgreSQL
/// restarted, a proxy dropped it) fail the first request after an outage
/// with 503. A connection in steady use has been seen alive a moment ago.
#[derive(Debug)]
pub struct Manager(ConnectionManager<PgConnection>);

/// A pooled connection and when it was last given back.
pub struct Rested {
    conn: PgConnection,
    returned: Instant,
}

impl std::ops::Deref for Rested {
    type Target = PgConnection;
    fn deref(&self) -> &PgConnection {
        &self.conn
    }
}

impl std::ops::DerefMut for Rested {
    fn deref_mut(&mut self) -> &mut PgConnection {
        &mut self.conn
    }
}

impl ManageConnection for Manager {
    type Connection = Rested;
    type Error = diesel::r2d2::Error;

    fn connect(&self) -> Result<Rested, Self::Error> {
        Ok(Rested {
            conn: self.0.connect()?,
            returned: Instant::now(),
        })
    }

    fn is_valid(&self, c: &mut Rested) -> Result<(), Self::Error> {
        if c.returned.elapsed() < REST_BEFORE_TEST {
            return Ok(());
        }
        self.0.is_valid(&mut c.conn)
    }

    /// Called as the connection goes back to the pool: its rest starts.
    fn has_broken(&self, c: &mut Rested) -> bool {
        c.returned = Instant::now();
        self.0.has_broken(&mut c.conn)
    }
}

/// r2d2 logs each failed connection attempt at ERROR; during an outage that
/// is expected, and every request it fails is logged (with its request id)
/// already, so a warning is enough.
#[derive(Debug)]
struct ConnectFailures;

impl diesel::r2d2::HandleError<diesel::r2d2::Error> for ConnectFailures {
    fn handle_error(&self, e: diesel::r2d2::Error) {
        log::warn!("a database connection could not be opened: {e}");
    }
}

/// Settings of every pooled session. JIT compilation costs tens of
/// milliseconds per query and pays off only for long analytical runs,
/// which this service does not make. The statement timeout (and its twin
/// for a transaction left idle) frees a connection a slow query or a stuck
/// lock would otherwise hold.
///
/// Behind a transaction-mode pooler no session is ours: nothing is set,
/// and statements go unnamed (diesel's statement cache off). The same
/// settings then belong to the role (README, "Behind a pooler").
#[derive(Debug)]
struct SessionSettings(Sessions);

impl diesel::r2d2::CustomizeConnection<Rested, diesel::r2d2::Error> for SessionSettings {
    fn on_acquire(&self, conn: &mut Rested) -> Result<(), diesel::r2d2::Error> {
        use diesel::connection::SimpleConnection;
        if !self.0.prepared_statements {
            use diesel::Connection;
            conn.set_prepared_statement_cache_size(diesel::connection::CacheSize::Disabled);
            return Ok(());
        }
        conn.batch_execute(&session_settings(self.0))
            .map_err(diesel::r2d2::Error::QueryError)
    }
}

/// The settings every session of the service runs with, pooled or
/// pipelined, when its sessions are its own.
fn session_settings(sessions: Sessions) -> String {
    let ms = sessions.statement_timeout.as_millis();
    let mut settings = format!(
        "SET jit = off; SET statement_timeout = {ms}; \
         SET idle_in_transaction_session_timeout = {}",
        ms.saturating_mul(2)
    );
    if sessions.read_only {
        settings.push_str("; SET default_transaction_read_only = on");
    }
    settings
}

/// Applies pending migrations. Replicas starting together take turns on an
/// advisory lock instead of racing on the same DDL.
pub fn migrate(conn: &mut PgConnection) -> Result<Vec<String>, String> {
    diesel::sql_query("SELECT pg_advisory_lock($1)")
        .bind::<BigInt, _>(MIGRATION_LOCK)
        .execute(conn)
        .map_err(|e| e.to_string())?;
    let result = refuse_foreign_history(conn).and_then(|()| {
        conn.run_pending_migrations(MIGRATIONS)
            .map(|applied| applied.iter().map(|m| m.to_string()).collect())
            .map_err(|e| e.to_string())
    });
    let _ = diesel::sql_query("SELECT pg_advisory_unlock($1)")
        .bind::<BigInt, _>(MIGRATION_LOCK)
        .execute(conn);
    result
}

/// A database that holds migrations this build does not have, while some
/// of ours are still pending, was built by another migration set (the early
/// migrations were squashed, twice, before any production database
/// existed): running ours on top would fail half-way on existing tables, so
/// refuse up front and say what to do. A database merely ahead of this
/// build (all of ours applied, newer ones too) is a rolling deploy: fine.
fn refuse_foreign_history(conn: &mut PgConnection) -> Result<(), String> {
    use diesel::migration::MigrationSource;
    let ours: std::collections::HashSet<String> =
        MigrationSource::<diesel::pg::Pg>::migrations(&MIGRATIONS)
            .map_err(|e| e.to_string())?
            .iter()
            .map(|m| m.name().version().to_string())
            .collect();
    let applied = conn.applied_migrations().map_err(|e| e.to_string())?;
    let foreign: Vec<String> = applied
        .iter()
        .map(|v| v.to_string())
        .filter(|v| !ours.contains(v))
        .collect();
    let pending = ours.len() > applied.len() - foreign.len();
    if foreign.is_empty() || !pending {
        return Ok(());
    }
    Err(format!(
        "this database holds migrations this build does not know ({}); it was built by an \
         earlier migration set: migrate a new, empty database (make's private clusters start afresh \
         after `make clean-data`)",
        foreign.join(", ")
    ))
}

impl From<actix_web::error::BlockingError> for ApiError {
    fn from(_: actix_web::error::BlockingError) -> Self {
        ApiError::Unavailable("the service is shutting down".into())
    }
}

/// Requests of this process waiting for a pooled connection, for metrics.
static WAITING: AtomicI64 = AtomicI64::new(0);

pub fn waiting() -> i64 {
    WAITING.load(Ordering::Relaxed)
}

/// Runs a read that a replica may serve (figures, reports, lists): on the
/// replica while it is usable, else on the primary. `f` may run twice (the
/// replica failing it, then the primary): it must only read.
pub async fn read<T, F>(pool: &DbPool, f: F) -> ApiResult<T>
where
    F: FnOnce(&mut DbConn) -> ApiResult<T> + Clone + Send + 'static,
    T: Send + 'static,
{
    replica::route(pool, |p| {
        let f = f.clone();
        async move { run(&p, f).await }
    })
    .await
}

/// Runs blocking diesel work off the async workers (actix's blocking pool).
pub async fn run<T, F>(pool: &DbPool, f: F) -> ApiResult<T>
where
    F: FnOnce(&mut DbConn) -> ApiResult<T> + Send + 'static,
    T: Send + 'static,
{
    run_within(pool, pool.patience, f).await
}

/// `run`, waiting at most `patience` for a connection.
async fn run_within<T, F>(pool: &DbPool, patience: Duration, f: F) -> ApiResult<T>
where
    F: FnOnce(&mut DbConn) -> ApiResult<T> + Send + 'static,
    T: Send + 'static,
{
    let start = Instant::now();
    WAITING.fetch_add(1, Ordering::Relaxed);
    let permit = actix_web::rt::time::timeout(patience, pool.gate.clone().acquire_owned()).await;
    WAITING.fetch_sub(1, Ordering::Relaxed);
    let Ok(Ok(permit)) = permit else {
        log::warn!("no database connection free within {patience:?}");
        return Err(ApiError::Unavailable(
            "the database is busy; retry shortly".into(),
        ));
    };
    let left = patience
        .saturating_sub(start.elapsed())
        .max(Duration::from_millis(10));
    let inner = pool.inner.clone();
    let request = crate::request_id::current();
    actix_web::web::block(move || {
        let _permit = permit;
        crate::request_id::on_thread(request, || {
            let mut conn = inner.get_timeout(left)?;
            f(&mut conn)
        })
    })
    .await?
}
