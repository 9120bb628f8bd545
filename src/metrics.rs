//! Prometheus metrics at `GET /metrics`: requests by method, route pattern
//! and status, their latency, and the pool's connections.

use prometheus::{
    Encoder, Gauge, HistogramOpts, HistogramVec, IntCounterVec, IntGauge, IntGaugeVec, Opts,
    Registry, TextEncoder,
};

use crate::db::DbPool;

/// The service's metrics, in their own registry (one per application, so
/// tests running several servers in one process do not mix counts).
pub struct Metrics {
    registry: Registry,
    requests: IntCounterVec,
    latency: HistogramVec,
    pool_connections: IntGaugeVec,
    pool_waiting: IntGauge,
    pool_max: IntGauge,
    webhook_deliveries: IntCounterVec,
    webhooks_disabled: IntGauge,
    webhook_lag: Gauge,
}

/// What the webhooks' gauges read from the database at scrape time.
#[derive(Debug, Clone, Copy)]
pub struct WebhookGauges {
    pub disabled: i64,
    pub oldest_undelivered_seconds: f64,
}

impl Metrics {
    pub fn new() -> Metrics {
        let registry = Registry::new();
        let requests = IntCounterVec::new(
            Opts::new(
                "http_requests_total",
                "HTTP requests answered, by method, route pattern and status",
            ),
            &["method", "route", "status"],
        )
        .expect("valid metric");
        let latency = HistogramVec::new(
            HistogramOpts::new(
                "http_request_duration_seconds",
                "Time to answer an HTTP request (until the response head), by method and route pattern",
            )
            .buckets(vec![
                0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
            ]),
            &["method", "route"],
        )
        .expect("valid metric");
        let pool_connections = IntGaugeVec::new(
            Opts::new(
                "db_pool_connections",
                "Database connections of this process, by state (in_use, idle)",
            ),
            &["state"],
        )
        .expect("valid metric");
        let pool_waiting = IntGauge::new(
            "db_pool_waiting",
            "Requests waiting for a database connection",
        )
        .expect("valid metric");
        let pool_max =
            IntGauge::new("db_pool_max_connections", "DATABASE_POOL_SIZE").expect("valid metric");
        let webhook_deliveries = IntCounterVec::new(
            Opts::new(
                "webhook_deliveries_total",
                "Webhook delivery attempts of this process, by outcome (delivered, failed, gone, unreachable, refused)",
            ),
            &["outcome"],
        )
        .expect("valid metric");
        let webhooks_disabled = IntGauge::new(
            "webhooks_disabled",
            "Webhook subscriptions disabled (by their owner, a 410 or spent retries)",
        )
        .expect("valid metric");
        let webhook_lag = Gauge::new(
            "webhook_oldest_undelivered_seconds",
            "Over every enabled subscription, how long the oldest change not yet delivered has waited",
        )
        .expect("valid metric");
        for c in [
            Box::new(requests.clone()) as Box<dyn prometheus::core::Collector>,
            Box::new(webhook_deliveries.clone()),
            Box::new(webhooks_disabled.clone()),
            Box::new(webhook_lag.clone()),
            Box::new(latency.clone()),
            Box::new(pool_connections.clone()),
            Box::new(pool_waiting.clone()),
            Box::new(pool_max.clone()),
            Box::new(crate::db::pipelined::metrics().0.clone()),
            Box::new(crate::db::pipelined::metrics().1.clone()),
            Box::new(crate::db::replica::metrics().reads.clone()),
            Box::new(crate::db::replica::metrics().fallbacks.clone()),
            Box::new(crate::db::replica::metrics().lag.clone()),
        ] {
            registry.register(c).expect("metric names are distinct");
        }
        Metrics {
            registry,
            requests,
            latency,
            pool_connections,
            pool_waiting,
            pool_max,
            webhook_deliveries,
            webhooks_disabled,
            webhook_lag,
        }
    }

    /// The deliverer's counter of attempts by outcome (shared: a clone
    /// counts into this registry).
    pub fn webhook_deliveries(&self) -> IntCounterVec {
        self.webhook_deliveries.clone()
    }

    pub fn observe(&self, method: &str, route: &str, status: u16, seconds: f64) {
        self.requests
            .with_label_values(&[method, route, status.to_string().as_str()])
            .inc();
        self.latency
            .with_label_values(&[method, route])
            .observe(seconds);
    }

    /// The Prometheus text exposition, with the pool read at scrape time
    /// and the webhooks' gauges when the database answered them.
    pub fn render(&self, pool: &DbPool, webhooks: Option<WebhookGauges>) -> String {
        if let Some(g) = webhooks {
            self.webhooks_disabled.set(g.disabled);
            self.webhook_lag.set(g.oldest_undelivered_seconds);
        }
        let state = pool.r2d2().state();
        let idle = i64::from(state.idle_connections);
        let open = i64::from(state.connections);
        self.pool_connections
            .with_label_values(&["in_use"])
            .set(open - idle);
        self.pool_connections.with_label_values(&["idle"]).set(idle);
        self.pool_waiting.set(crate::db::waiting());
        self.pool_max.set(i64::from(pool.max_size()));
        let mut out = Vec::new();
        // Encoding our own well-formed families into a Vec cannot fail.
        let _ = TextEncoder::new().encode(&self.registry.gather(), &mut out);
        String::from_utf8(out).unwrap_or_default()
    }
}

impl Default for Metrics {
    fn default() -> Self {
        Metrics::new()
    }
}
