//! The database: pool, the bridge from async handlers to blocking diesel
//! calls, embedded migrations.

pub mod schema;

use std::sync::atomic::{AtomicI64, Ordering};
use std::time::Duration;

use diesel::pg::PgConnection;
use diesel::r2d2::{ConnectionManager, Pool, PooledConnection};
use diesel::sql_types::BigInt;
use diesel::RunQueryDsl;
use diesel_migrations::{embed_migrations, EmbeddedMigrations, MigrationHarness};

use crate::error::ApiResult;

pub type DbPool = Pool<ConnectionManager<PgConnection>>;
pub type DbConn = PooledConnection<ConnectionManager<PgConnection>>;

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
    Pool::builder()
        .max_size(size)
        .min_idle(Some(0))
        .connection_timeout(connect_timeout)
        .test_on_check_out(true)
        .connection_customizer(Box::new(SessionSettings { statement_timeout }))
        .build_unchecked(ConnectionManager::new(url))
}

/// Settings of every pooled session. JIT compilation costs tens of
/// milliseconds per query and pays off only for long analytical runs,
/// which this service does not make. The statement timeout (and its twin
/// for a transaction left idle) frees a connection a slow query or a stuck
/// lock would otherwise hold.
#[derive(Debug)]
struct SessionSettings {
    statement_timeout: Duration,
}

impl diesel::r2d2::CustomizeConnection<PgConnection, diesel::r2d2::Error> for SessionSettings {
    fn on_acquire(&self, conn: &mut PgConnection) -> Result<(), diesel::r2d2::Error> {
        use diesel::connection::SimpleConnection;
        let ms = self.statement_timeout.as_millis();
        conn.batch_execute(&format!(
            "SET jit = off; SET statement_timeout = {ms}; \
             SET idle_in_transaction_session_timeout = {}",
            ms.saturating_mul(2)
        ))
        .map_err(diesel::r2d2::Error::QueryError)
    }
}

/// Applies pending migrations. Replicas starting together take turns on an
/// advisory lock instead of racing on the same DDL.
pub fn migrate(conn: &mut PgConnection) -> Result<Vec<String>, String> {
    diesel::sql_query("SELECT pg_advisory_lock($1)")
        .bind::<BigInt, _>(MIGRATION_LOCK)
        .execute(conn)
        .map_err(|e| e.to_string())?;
    let result = conn
        .run_pending_migrations(MIGRATIONS)
        .map(|applied| applied.iter().map(|m| m.to_string()).collect())
        .map_err(|e| e.to_string());
    let _ = diesel::sql_query("SELECT pg_advisory_unlock($1)")
        .bind::<BigInt, _>(MIGRATION_LOCK)
        .execute(conn);
    result
}

/// Requests of this process waiting for a pooled connection, for metrics.
static WAITING: AtomicI64 = AtomicI64::new(0);

pub fn waiting() -> i64 {
    WAITING.load(Ordering::Relaxed)
}

/// Runs blocking diesel work off the async workers (actix's blocking pool).
pub async fn run<T, F>(pool: &DbPool, f: F) -> ApiResult<T>
where
    F: FnOnce(&mut DbConn) -> ApiResult<T> + Send + 'static,
    T: Send + 'static,
{
    let pool = pool.clone();
    let request = crate::request_id::current();
    actix_web::web::block(move || {
        crate::request_id::on_thread(request, || {
            WAITING.fetch_add(1, Ordering::Relaxed);
            let conn = pool.get();
            WAITING.fetch_sub(1, Ordering::Relaxed);
            f(&mut conn?)
        })
    })
    .await?
}

/// Which request field a unique or check constraint protects, for 409/422
/// answers that name the field.
pub fn constraint_field(constraint: &str) -> &'static str {
    match constraint {
        "organisations_siret_key" => "siret",
        "contracts_buyer_reference_key" => "reference",
        "monthly_hours_placement_month_key" => "month",
        _ => "id",
    }
}
