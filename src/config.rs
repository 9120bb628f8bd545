//! Configuration from the environment, exactly the variables of API.md.

use std::env;
use std::time::Duration;

#[derive(Debug, Clone)]
pub struct Config {
    pub database_url: String,
    /// `DATABASE_MIGRATION_URL`: where migrations run, a direct connection
    /// (a transaction-mode pooler would take the migration lock on one
    /// server connection and release it on another).
    pub database_migration_url: String,
    /// `DATABASE_REPLICA_URL`: a streaming replica for figures and lists.
    pub database_replica_url: Option<String>,
    /// `REPLICA_MAX_LAG_SECONDS`: the replica serves while it replays no
    /// later than this.
    pub replica_max_lag: Duration,
    /// `DATABASE_PREPARED_STATEMENTS`: false behind a transaction-mode
    /// pooler (PgBouncer).
    pub prepared_statements: bool,
    pub bind_addr: String,
    pub jwt_secret: Option<String>,
    pub jwt_public_key_file: Option<String>,
    pub jwt_issuer: Option<String>,
    pub jwt_audience: Option<String>,
    /// `JWT_MAX_LIFETIME_SECONDS`: the longest a token may live (`exp - iat`).
    pub jwt_max_lifetime_seconds: i64,
    pub database_pool_size: u32,
    /// How long a request waits for a pooled connection before it is told
    /// 503: short, so an outage answers fast instead of hanging callers.
    pub database_connect_timeout: Duration,
    /// Longest a statement may run before PostgreSQL cancels it (answered
    /// 503), so one slow query cannot pin a pooled connection.
    pub statement_timeout: Duration,
    /// How long in-flight requests may run after SIGTERM before the process
    /// exits anyway.
    pub shutdown_grace: Duration,
    /// Origins of browser front ends allowed by CORS (none by default).
    pub cors_allowed_origins: Vec<String>,
    /// HTTP worker threads, each with its pipelined connection; `None`:
    /// actix's default, one per physical core.
    pub http_workers: Option<usize>,
    /// How commitments of imported contract data are estimated.
    pub decp: crate::domain::decp::Estimation,
    /// `WEBHOOK_*` and `WEBHOOKS`.
    pub webhooks: crate::webhooks::Settings,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ConfigError {
    #[error("{0} is required (e.g. {0}=postgres://user@localhost/clauses)")]
    Missing(&'static str),
    #[error("{name} is not valid: {reason}")]
    Invalid { name: &'static str, reason: String },
    #[error("no JWT key is configured: set JWT_SECRET (HS256 shared secret) or JWT_PUBLIC_KEY_FILE (PEM public key or JWKS file of your identity provider)")]
    NoJwtKey,
}

fn var(name: &str) -> Option<String> {
    env::var(name).ok().filter(|v| !v.trim().is_empty())
}

/// A whole number variable within `range`, `default` when unset.
fn whole_number(
    name: &'static str,
    default: u64,
    range: std::ops::RangeInclusive<u64>,
) -> Result<u64, ConfigError> {
    match var(name) {
        None => Ok(default),
        Some(v) => match v.trim().parse::<u64>() {
            Ok(n) if range.contains(&n) => Ok(n),
            _ => Err(ConfigError::Invalid {
                name,
                reason: format!(
                    "{v:?} is not a whole number from {} to {}",
                    range.start(),
                    range.end()
                ),
            }),
        },
    }
}

/// `true` or `false` (also `1`/`0`, `yes`/`no`), `default` when unset.
fn flag(name: &'static str, default: bool) -> Result<bool, ConfigError> {
    match var(name).map(|v| v.trim().to_ascii_lowercase()).as_deref() {
        None => Ok(default),
        Some("true" | "1" | "yes" | "on") => Ok(true),
        Some("false" | "0" | "no" | "off") => Ok(false),
        Some(other) => Err(ConfigError::Invalid {
            name,
            reason: format!("{other:?} is neither true nor false"),
        }),
    }
}

/// `127.0.0.0/8,::1/128`: CIDRs (a bare address is its own network).
pub fn networks(list: &str) -> Result<Vec<ipnet::IpNet>, String> {
    list.split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|item| {
            item.parse::<ipnet::IpNet>()
                .or_else(|_| item.parse::<std::net::IpAddr>().map(ipnet::IpNet::from))
                .map_err(|_| format!("{item:?} is not a CIDR network (e.g. 10.1.0.0/16)"))
        })
        .collect()
}

/// `1,1,2`: whole seconds between attempts, at least one.
pub fn schedule(list: &str) -> Result<Vec<Duration>, String> {
    let out: Vec<Duration> = list
        .split(',')
        .map(str::trim)
        .map(|item| {
            item.parse::<u64>()
                .ok()
                .filter(|s| *s <= 7 * 24 * 3600)
                .map(Duration::from_secs)
                .ok_or_else(|| format!("{item:?} is not a number of seconds (at most a week)"))
        })
        .collect::<Result<_, _>>()?;
    if out.is_empty() {
        return Err("names no delay".into());
    }
    Ok(out)
}

/// `https://a.example,https://b.example:8443`: each an origin as browsers
/// send it (scheme, host, optional port; no path, no trailing slash).
pub fn cors_origins(list: &str) -> Result<Vec<String>, String> {
    let mut origins = Vec::new();
    for item in list.split(',').map(str::trim).filter(|s| !s.is_empty()) {
        let rest = item
            .strip_prefix("https://")
            .or_else(|| item.strip_prefix("http://"))
            .ok_or_else(|| {
                format!("{item:?} is not an origin: it must start with https:// or http://")
            })?;
        let host_ok = !rest.is_empty()
            && rest.bytes().all(|b| {
                b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b':' | b'[' | b']')
            });
        if !host_ok {
            return Err(format!(
                "{item:?} is not an origin: scheme://host[:port], with no path or trailing slash"
            ));
        }
        origins.push(item.to_ascii_lowercase());
    }
    Ok(origins)
}

impl Config {
    /// The database part only: what `migrate` and `demo-data` need.
    pub fn database_url() -> Result<String, ConfigError> {
        var("DATABASE_URL").ok_or(ConfigError::Missing("DATABASE_URL"))
    }

    /// `DATABASE_MIGRATION_URL`, `DATABASE_URL` when unset.
    pub fn migration_url() -> Result<String, ConfigError> {
        match var("DATABASE_MIGRATION_URL") {
            Some(url) => Ok(url),
            None => Self::database_url(),
        }
    }

    /// `DATABASE_PREPARED_STATEMENTS` (true unless set to false).
    pub fn prepared_statements() -> Result<bool, ConfigError> {
        flag("DATABASE_PREPARED_STATEMENTS", true)
    }

    /// Everything `serve` needs; refuses to start without a JWT key.
    pub fn from_env() -> Result<Config, ConfigError> {
        let database_url = Self::database_url()?;
        let jwt_secret = var("JWT_SECRET");
        let jwt_public_key_file = var("JWT_PUBLIC_KEY_FILE");
        if jwt_secret.is_none() && jwt_public_key_file.is_none() {
            return Err(ConfigError::NoJwtKey);
        }
        let database_pool_size = whole_number("DATABASE_POOL_SIZE", 10, 1..=1000)? as u32;
        let bind_addr = var("BIND_ADDR").unwrap_or_else(|| "127.0.0.1:8080".to_string());
        if bind_addr.parse::<std::net::SocketAddr>().is_err() && !bind_addr.contains(':') {
            return Err(ConfigError::Invalid {
                name: "BIND_ADDR",
                reason: format!("{bind_addr:?} is not HOST:PORT"),
            });
        }
        let statement_timeout = Duration::from_millis(whole_number(
            "DATABASE_STATEMENT_TIMEOUT_MS",
            10_000,
            100..=3_600_000,
        )?);
        let shutdown_grace =
            Duration::from_secs(whole_number("SHUTDOWN_GRACE_SECONDS", 30, 0..=3600)?);
        let cors_allowed_origins = match var("CORS_ALLOWED_ORIGINS") {
            None => Vec::new(),
            Some(list) => cors_origins(&list).map_err(|reason| ConfigError::Invalid {
                name: "CORS_ALLOWED_ORIGINS",
                reason,
            })?,
        };
        let http_workers = var("HTTP_WORKERS")
            .map(|_| whole_number("HTTP_WORKERS", 0, 1..=256).map(|n| n as usize))
            .transpose()?;
        Ok(Config {
            database_url,
            database_migration_url: Self::migration_url()?,
            database_replica_url: var("DATABASE_REPLICA_URL"),
            replica_max_lag: Duration::from_secs(whole_number(
                "REPLICA_MAX_LAG_SECONDS",
                5,
                1..=86_400,
            )?),
            prepared_statements: Self::prepared_statements()?,
            http_workers,
            statement_timeout,
            shutdown_grace,
            cors_allowed_origins,
            bind_addr,
            jwt_secret,
            jwt_public_key_file,
            jwt_issuer: var("JWT_ISSUER"),
            jwt_audience: var("JWT_AUDIENCE"),
            jwt_max_lifetime_seconds: Self::jwt_max_lifetime_seconds()?,
            database_pool_size,
            database_connect_timeout: Duration::from_secs(1),
            decp: Self::decp_estimation()?,
            webhooks: Self::webhooks()?,
        })
    }

    /// `WEBHOOK_SECRET_KEY` (32 bytes, base64; webhooks are off without
    /// it), `WEBHOOK_ALLOW_HTTP`, `WEBHOOK_ALLOWED_NETWORKS` (CIDRs),
    /// `WEBHOOK_RETRY_SCHEDULE` (seconds), `WEBHOOKS=off`.
    pub fn webhooks() -> Result<crate::webhooks::Settings, ConfigError> {
        let invalid =
            |name: &'static str| move |reason: String| ConfigError::Invalid { name, reason };
        let sealing_key = var("WEBHOOK_SECRET_KEY")
            .map(|k| crate::webhooks::secret::SealingKey::from_base64(&k))
            .transpose()
            .map_err(invalid("WEBHOOK_SECRET_KEY"))?;
        let allowed_networks = match var("WEBHOOK_ALLOWED_NETWORKS") {
            None => Vec::new(),
            Some(list) => networks(&list).map_err(invalid("WEBHOOK_ALLOWED_NETWORKS"))?,
        };
        let retry_schedule = match var("WEBHOOK_RETRY_SCHEDULE") {
            None => crate::webhooks::RETRY_SCHEDULE
                .iter()
                .map(|s| Duration::from_secs(*s))
                .collect(),
            Some(list) => schedule(&list).map_err(invalid("WEBHOOK_RETRY_SCHEDULE"))?,
        };
        Ok(crate::webhooks::Settings {
            sealing_key,
            destinations: crate::webhooks::Destinations {
                allow_http: flag("WEBHOOK_ALLOW_HTTP", false)?,
                allowed_networks,
            },
            retry_schedule,
            deliver: match var("WEBHOOKS").as_deref().map(str::trim) {
                None | Some("on") => true,
                Some("off") => false,
                Some(other) => {
                    return Err(ConfigError::Invalid {
                        name: "WEBHOOKS",
                        reason: format!("{other:?} is neither on nor off"),
                    })
                }
            },
        })
    }

    /// `JWT_MAX_LIFETIME_SECONDS`: the longest a token may live, a minute
    /// to a year (default a day).
    pub fn jwt_max_lifetime_seconds() -> Result<i64, ConfigError> {
        Ok(whole_number(
            "JWT_MAX_LIFETIME_SECONDS",
            crate::auth::jwt::DEFAULT_MAX_LIFETIME_SECONDS as u64,
            60..=31_622_400,
        )? as i64)
    }

    /// `RETENTION_YEARS`: the retention period of personal data, in years
    /// (default 5).
    pub fn retention_years() -> Result<u32, ConfigError> {
        Ok(whole_number("RETENTION_YEARS", 5, 1..=100)? as u32)
    }

    /// `DECP_LABOUR_SHARES` (`45:0.40,90:0.80,*:0.30`), `DECP_INSERTION_RATE`,
    /// `DECP_HOURLY_COST`; DOMAIN.md's defaults otherwise.
    pub fn decp_estimation() -> Result<crate::domain::decp::Estimation, ConfigError> {
        let mut e = crate::domain::decp::Estimation::default();
        if let Some(spec) = var("DECP_LABOUR_SHARES") {
            e = e
                .with_labour_shares(&spec)
                .map_err(|reason| ConfigError::Invalid {
                    name: "DECP_LABOUR_SHARES",
                    reason,
                })?;
        }
        let number = |name: &'static str| -> Result<Option<rust_decimal::Decimal>, ConfigError> {
            match var(name) {
                None => Ok(None),
                Some(v) => match v.trim().parse::<rust_decimal::Decimal>() {
                    Ok(d) if d > rust_decimal::Decimal::ZERO => Ok(Some(d)),
                    _ => Err(ConfigError::Invalid {
                        name,
                        reason: format!("{v:?} is not a positive number"),
                    }),
                },
            }
        };
        if let Some(rate) = number("DECP_INSERTION_RATE")? {
            e.insertion_rate = rate;
        }
        if let Some(cost) = number("DECP_HOURLY_COST")? {
            e.hourly_cost = cost;
        }
        Ok(e)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cors_origins_are_origins() {
        assert_eq!(
            cors_origins(" https://a.example, http://LOCALHOST:5173 ,").unwrap(),
            vec!["https://a.example", "http://localhost:5173"]
        );
        assert!(cors_origins("a.example").is_err());
        assert!(cors_origins("https://a.example/").is_err());
        assert!(cors_origins("https://a.example/app").is_err());
        assert!(cors_origins("*").is_err());
        assert_eq!(cors_origins("").unwrap(), Vec::<String>::new());
    }
}
