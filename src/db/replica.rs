//! Reads that may go to a streaming replica (API.md, "Beyond one machine").
//!
//! A replica serves while its replay delay is within
//! `REPLICA_MAX_LAG_SECONDS`. The delay is measured on the replica by one
//! thread of this process, once a second, never per request: a request
//! only reads two atomics. Down, late, or not measured lately, reads go
//! to the primary, and a warning is logged once per episode. A read the
//! replica fails for want of a connection is made again on the primary,
//! so a replica going away costs a caller some milliseconds, never a 503.
//!
//! The replica's state is a cache of a measurement, not something that
//! changes an answer: either server gives the same answer, up to the lag
//! allowed.

use std::future::Future;
use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};
use std::sync::{Arc, OnceLock, Weak};
use std::time::{Duration, Instant};

use diesel::connection::SimpleConnection;
use diesel::pg::PgConnection;
use diesel::sql_types::Double;
use diesel::{Connection, QueryableByName, RunQueryDsl};
use prometheus::{Gauge, IntCounter};

use super::{DbPool, Sessions};
use crate::error::{ApiError, ApiResult};

/// How often the lag is measured.
const PROBE_EVERY: Duration = Duration::from_secs(1);

/// How long one measurement vouches for the replica: a probe that hangs
/// (a host gone silent) stops the reads there within this.
const TRUSTED_FOR: Duration = Duration::from_millis(2500);

/// The replay delay of the server asked, in seconds.
///
/// A primary (or a server out of recovery) has none. A replica has none
/// while it has replayed all it received: `pg_last_xact_replay_timestamp`
/// alone would count an idle primary's silence as lag. After a replica's
/// restart on an idle primary the received position can start behind the
/// replayed one: nothing is waiting there either. Otherwise the delay is
/// the age of the last transaction replayed; unknown (nothing replayed
/// yet while WAL waits) is taken as infinite.
const LAG: &str = "SELECT CASE
       WHEN NOT pg_is_in_recovery() THEN 0
       WHEN pg_last_wal_receive_lsn() IS NOT NULL
            AND pg_last_wal_receive_lsn() <= pg_last_wal_replay_lsn() THEN 0
       ELSE COALESCE(GREATEST(EXTRACT(EPOCH FROM clock_timestamp()
                                     - pg_last_xact_replay_timestamp()), 0),
                     'Infinity')
   END::float8 AS lag";

#[derive(QueryableByName)]
struct Lag {
    #[diesel(sql_type = Double)]
    lag: f64,
}

/// The replica's metrics, for `GET /metrics`.
pub struct Metrics {
    pub reads: IntCounter,
    pub fallbacks: IntCounter,
    pub lag: Gauge,
}

pub fn metrics() -> &'static Metrics {
    static METRICS: OnceLock<Metrics> = OnceLock::new();
    METRICS.get_or_init(|| Metrics {
        reads: IntCounter::new(
            "db_replica_reads_total",
            "Reads answered by the read replica",
        )
        .expect("valid metric"),
        fallbacks: IntCounter::new(
            "db_replica_fallbacks_total",
            "Reads meant for the read replica answered by the primary (replica down, late or failing)",
        )
        .expect("valid metric"),
        lag: Gauge::new(
            "db_replica_lag_seconds",
            "The read replica's replay delay, as last measured (0 when it has replayed all it received)",
        )
        .expect("valid metric"),
    })
}

/// A replica, its pool, and what the last measurement said.
pub struct Replica {
    pool: DbPool,
    max_lag: Duration,
    epoch: Instant,
    /// When (milliseconds after `epoch`) a measurement last found the
    /// replica within the lag allowed; `i64::MIN`: not since it failed.
    fresh_at: AtomicI64,
    /// Reads are on the primary and the warning has been logged.
    away: AtomicBool,
}

impl Replica {
    /// A replica measured from now on by a thread that ends when the
    /// replica is dropped. Until the first measurement, the primary reads.
    pub fn start(pool: DbPool, max_lag: Duration) -> Arc<Replica> {
        let replica = Arc::new(Replica {
            pool,
            max_lag,
            epoch: Instant::now(),
            fresh_at: AtomicI64::new(i64::MIN),
            away: AtomicBool::new(false),
        });
        let weak = Arc::downgrade(&replica);
        let url = replica.pool.url.clone();
        let sessions = replica.pool.sessions;
        let spawned = std::thread::Builder::new()
            .name("replica-lag".into())
            .spawn(move || measure(&weak, &url, sessions));
        if let Err(e) = spawned {
            log::warn!("the replica's lag cannot be measured ({e}): the primary serves every read");
        }
        replica
    }

    /// The replica's pool, when it may serve a read now.
    pub fn usable(&self) -> Option<&DbPool> {
        let fresh_at = self.fresh_at.load(Ordering::Relaxed);
        if fresh_at == i64::MIN {
            return None;
        }
        let age = self.now_ms().saturating_sub(fresh_at);
        if age > TRUSTED_FOR.as_millis() as i64 {
            self.fail(&format!("has not answered its lag probe for {age} ms"));
            return None;
        }
        Some(&self.pool)
    }

    /// Reads go to the primary until the next good measurement.
    pub fn fail(&self, why: &str) {
        self.fresh_at.store(i64::MIN, Ordering::Relaxed);
        if !self.away.swap(true, Ordering::Relaxed) {
            log::warn!("reads go to the primary: the replica {why}");
        }
    }

    fn measured(&self, lag: f64) {
        metrics().lag.set(lag);
        if lag > self.max_lag.as_secs_f64() {
            self.fail(&format!(
                "replays {lag:.1} s behind, over REPLICA_MAX_LAG_SECONDS ({} s)",
                self.max_lag.as_secs()
            ));
            return;
        }
        self.fresh_at.store(self.now_ms(), Ordering::Relaxed);
        if self.away.swap(false, Ordering::Relaxed) {
            log::info!("reads go to the replica again (it replays {lag:.1} s behind)");
        }
    }

    fn now_ms(&self) -> i64 {
        i64::try_from(self.epoch.elapsed().as_millis()).unwrap_or(i64::MAX)
    }
}

/// Measures the replica's lag every second, on a connection of its own
/// (never one a read waits for), until the replica is dropped.
fn measure(replica: &Weak<Replica>, url: &str, sessions: Sessions) {
    let mut conn: Option<PgConnection> = None;
    loop {
        let Some(r) = replica.upgrade() else {
            return;
        };
        match probe(&mut conn, url, sessions) {
            Ok(lag) => r.measured(lag),
            Err(e) => {
                conn = None;
                r.fail(&format!("does not answer ({e})"));
            }
        }
        drop(r);
        std::thread::sleep(PROBE_EVERY);
    }
}

fn probe(conn: &mut Option<PgConnection>, url: &str, sessions: Sessions) -> Result<f64, String> {
    if conn.is_none() {
        let mut opened = PgConnection::establish(url).map_err(|e| e.to_string())?;
        if sessions.prepared_statements {
            opened
                .batch_execute(&super::session_settings(sessions))
                .map_err(|e| e.to_string())?;
        } else {
            opened.set_prepared_statement_cache_size(diesel::connection::CacheSize::Disabled);
        }
        *conn = Some(opened);
    }
    let c = conn.as_mut().expect("opened above");
    diesel::sql_query(LAG)
        .get_result::<Lag>(c)
        .map(|row| row.lag)
        .map_err(|e| e.to_string())
}

/// Runs `read` on the replica while it is usable, else (or when the
/// replica cannot serve it) on the primary.
pub async fn route<T, Fut>(primary: &DbPool, read: impl Fn(DbPool) -> Fut) -> ApiResult<T>
where
    Fut: Future<Output = ApiResult<T>>,
{
    let Some(replica) = primary.replica.as_deref() else {
        return read(primary.clone()).await;
    };
    if let Some(pool) = replica.usable() {
        match read(pool.clone()).await {
            Err(ApiError::Unreachable(why)) => replica.fail(&format!("failed a read ({why})")),
            done => {
                metrics().reads.inc();
                return done;
            }
        }
    }
    metrics().fallbacks.inc();
    read(primary.clone()).await
}
