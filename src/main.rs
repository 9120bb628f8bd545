//! The `clauses` command line: serve, migrate, token, demo-data, openapi.

use std::process::ExitCode;
use std::time::{Duration, Instant};

use actix_web::web;
use clap::{Parser, Subcommand};
use diesel::{Connection, PgConnection};
use uuid::Uuid;

use clauses::auth::{jwt, Role, Verifier};
use clauses::config::Config;
use clauses::state::AppState;
use clauses::{db, openapi, usecases};

#[derive(Parser)]
#[command(
    name = "clauses",
    version,
    about = "The clause sociale d'insertion API"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Migrate the database, then serve the API on BIND_ADDR.
    Serve,
    /// Apply pending migrations and exit.
    Migrate,
    /// Print a token signed with JWT_SECRET (for development and scripts).
    Token {
        /// facilitator, plie, company, buyer, department or state.
        #[arg(long)]
        role: String,
        /// The caller's organisation (required for plie, company, buyer, department).
        #[arg(long)]
        org: Option<Uuid>,
        /// Who the caller is.
        #[arg(long, default_value = "dev")]
        sub: String,
        /// Lifetime in seconds.
        #[arg(long, default_value_t = 3600)]
        ttl: i64,
    },
    /// Load a realistic demo territory (idempotent).
    DemoData,
    /// Print the OpenAPI document (what openapi/openapi.json holds).
    Openapi,
    /// Import a territory's history (an XLSX workbook or one sheet's CSV) of
    /// any size, as the facilitator: a dry run unless --commit.
    ImportHistory {
        /// The workbook (.xlsx) or the CSV file (.csv) of one sheet.
        file: std::path::PathBuf,
        /// The sheet a CSV file holds (default: the file's name, e.g. hours.csv);
        /// with a workbook, read only that sheet.
        #[arg(long)]
        sheet: Option<String>,
        /// Write everything in one transaction when no row is refused.
        #[arg(long)]
        commit: bool,
        /// The territory the history lands in (required when there are several).
        #[arg(long)]
        territory: Option<Uuid>,
    },
    /// Erase everyone past the retention period (RETENTION_YEARS, default 5);
    /// safe to run every night.
    Retention {
        /// Count who would be erased, erase nobody.
        #[arg(long)]
        dry_run: bool,
    },
    /// Import a DECP JSON file of any size, record by record, as the facilitator.
    ImportDecp {
        /// The DECP document (2019 format or the format in force since 2024).
        file: std::path::PathBuf,
        /// Also import records that say nothing of social considerations.
        #[arg(long)]
        include_all: bool,
        /// The territory new contracts land in (required when there are several).
        #[arg(long)]
        territory: Option<Uuid>,
    },
}

fn main() -> ExitCode {
    clauses::telemetry::init_logging();
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Serve => serve(),
        Command::Migrate => migrate_only(),
        Command::Token {
            role,
            org,
            sub,
            ttl,
        } => token(&role, org, &sub, ttl),
        Command::DemoData => demo_data(),
        Command::ImportDecp {
            file,
            include_all,
            territory,
        } => import_decp(&file, include_all, territory),
        Command::ImportHistory {
            file,
            sheet,
            commit,
            territory,
        } => import_history(&file, sheet.as_deref(), commit, territory),
        Command::Retention { dry_run } => retention(dry_run),
        Command::Openapi => {
            print!("{}", openapi::document());
            Ok(())
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("clauses: {message}");
            ExitCode::from(2)
        }
    }
}

/// Connects, waiting up to `patience` for PostgreSQL to come up (as it
/// may, started beside us by docker compose).
fn connect(url: &str, patience: Duration) -> Result<PgConnection, String> {
    let prepared = Config::prepared_statements().map_err(|e| e.to_string())?;
    let start = Instant::now();
    loop {
        match PgConnection::establish(url) {
            Ok(mut conn) => {
                if !prepared {
                    conn.set_prepared_statement_cache_size(diesel::connection::CacheSize::Disabled);
                }
                return Ok(conn);
            }
            Err(e) if start.elapsed() < patience => {
                log::warn!("database not reachable yet ({e}); retrying");
                std::thread::sleep(Duration::from_secs(1));
            }
            Err(e) => return Err(format!("cannot connect to DATABASE_URL: {e}")),
        }
    }
}

/// `DATABASE_MIGRATION_URL`, else `DATABASE_URL`.
fn migration_url() -> Result<String, String> {
    Config::migration_url().map_err(|e| e.to_string())
}

fn migrate(url: &str) -> Result<(), String> {
    let mut conn = connect(url, Duration::from_secs(30))?;
    let applied = db::migrate(&mut conn).map_err(|e| format!("migration failed: {e}"))?;
    for m in &applied {
        log::info!("applied migration {m}");
    }
    // The rollups reach next year, so that reading a year never writes.
    let next_year = chrono::Datelike::year(&chrono::Utc::now().date_naive()) + 1;
    clauses::models::stats::extend_rollups(&mut conn, next_year)
        .map_err(|e| format!("extending the rollups to {next_year}: {e}"))?;
    Ok(())
}

fn migrate_only() -> Result<(), String> {
    migrate(&migration_url()?)
}

fn demo_data() -> Result<(), String> {
    let url = Config::database_url().map_err(|e| e.to_string())?;
    migrate(&migration_url()?)?;
    let mut conn = connect(&url, Duration::from_secs(5))?;
    let added = usecases::demo::load(&mut conn).map_err(|e| format!("demo data: {e}"))?;
    println!("demo territory loaded ({added} new organisations; loading it again changes nothing)");
    Ok(())
}

fn import_decp(
    file: &std::path::Path,
    include_all: bool,
    territory: Option<Uuid>,
) -> Result<(), String> {
    let url = Config::database_url().map_err(|e| e.to_string())?;
    let estimation = Config::decp_estimation().map_err(|e| e.to_string())?;
    migrate(&migration_url()?)?;
    let mut conn = connect(&url, Duration::from_secs(5))?;
    let reader = std::fs::File::open(file).map_err(|e| format!("{}: {e}", file.display()))?;
    let p = clauses::auth::Principal {
        sub: "import-decp".into(),
        role: Role::Facilitator,
        org: None,
        request_id: "import-decp".into(),
    };
    let (summary, total) = clauses::usecases::imports::stream(
        &mut conn,
        &p,
        reader,
        &estimation,
        include_all,
        territory,
    )?;
    log::info!("{total} records read");
    println!(
        "{}",
        serde_json::to_string_pretty(&summary).map_err(|e| e.to_string())?
    );
    Ok(())
}

fn import_history(
    file: &std::path::Path,
    sheet: Option<&str>,
    commit: bool,
    territory: Option<Uuid>,
) -> Result<(), String> {
    use clauses::domain::history::Sheet;
    use clauses::usecases::history::{self, File};
    let named = |name: &str| {
        Sheet::parse(name).ok_or_else(|| {
            format!(
                "{name:?} is not a sheet of the import: {}",
                Sheet::ALL.map(Sheet::name).join(", ")
            )
        })
    };
    let only = sheet.map(named).transpose()?;
    let csv = file
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("csv"));
    let url = Config::database_url().map_err(|e| e.to_string())?;
    migrate(&migration_url()?)?;
    let mut conn = connect(&url, Duration::from_secs(5))?;
    let reader = std::io::BufReader::new(
        std::fs::File::open(file).map_err(|e| format!("{}: {e}", file.display()))?,
    );
    let file = if csv {
        let sheet = match only {
            Some(s) => s,
            None => named(
                &file
                    .file_stem()
                    .map(|s| s.to_string_lossy().into_owned())
                    .unwrap_or_default(),
            )
            .map_err(|e| format!("{e} (name the sheet with --sheet)"))?,
        };
        File::Csv(reader, sheet)
    } else {
        File::Xlsx(reader)
    };
    let p = clauses::auth::Principal {
        sub: "import-history".into(),
        role: Role::Facilitator,
        org: None,
        request_id: format!("import-history-{}", Uuid::now_v7()),
    };
    let summary =
        history::import(&mut conn, &p, file, only, commit, territory).map_err(|e| match e {
            clauses::error::ApiError::Validation(errors) => errors
                .iter()
                .map(|e| format!("{}: {}", e.field, e.message))
                .collect::<Vec<_>>()
                .join("\n"),
            other => other.to_string(),
        })?;
    println!(
        "{}",
        serde_json::to_string_pretty(&summary).map_err(|e| e.to_string())?
    );
    if commit && !summary.clean() {
        return Err(format!(
            "{} errors: nothing was written",
            summary.errors_total
        ));
    }
    Ok(())
}

fn retention(dry_run: bool) -> Result<(), String> {
    let url = Config::database_url().map_err(|e| e.to_string())?;
    let years = Config::retention_years().map_err(|e| e.to_string())?;
    migrate(&migration_url()?)?;
    let mut conn = connect(&url, Duration::from_secs(5))?;
    let today = chrono::Utc::now().date_naive();
    let due = clauses::models::beneficiary::past_retention(&mut conn, years, today)
        .map_err(|e| e.to_string())?;
    if dry_run {
        println!(
            "retention of {years} years: {} people would be erased (dry run: nothing changed)",
            due.len()
        );
        return Ok(());
    }
    let p = clauses::auth::Principal {
        sub: "retention".into(),
        role: Role::Facilitator,
        org: None,
        request_id: format!("retention-{today}"),
    };
    for id in &due {
        clauses::usecases::people::erase(&mut conn, &p, *id).map_err(|e| e.to_string())?;
    }
    println!("retention of {years} years: {} people erased", due.len());
    Ok(())
}

fn token(role: &str, org: Option<Uuid>, sub: &str, ttl: i64) -> Result<(), String> {
    let role = Role::parse(role).ok_or_else(|| {
        format!("unknown role {role:?}: use facilitator, plie, company, buyer, department or state")
    })?;
    if role.needs_org() && org.is_none() {
        return Err(format!("a {role} token needs --org UUID"));
    }
    if ttl <= 0 {
        return Err("--ttl must be a positive number of seconds".into());
    }
    let max = Config::jwt_max_lifetime_seconds().map_err(|e| e.to_string())?;
    if ttl > max {
        return Err(format!(
            "--ttl {ttl} is longer than JWT_MAX_LIFETIME_SECONDS ({max}): the service would refuse the token"
        ));
    }
    let secret = std::env::var("JWT_SECRET")
        .ok()
        .filter(|s| !s.is_empty())
        .ok_or("JWT_SECRET is required to sign a token")?;
    let claims = jwt::dev_claims(
        role,
        org,
        sub,
        ttl,
        std::env::var("JWT_ISSUER").ok().filter(|s| !s.is_empty()),
        std::env::var("JWT_AUDIENCE").ok().filter(|s| !s.is_empty()),
    );
    println!("{}", jwt::mint_hs256(&secret, &claims)?);
    Ok(())
}

fn serve() -> Result<(), String> {
    let config = Config::from_env().map_err(|e| e.to_string())?;
    let public_key = match &config.jwt_public_key_file {
        None => None,
        Some(path) => Some(
            std::fs::read_to_string(path)
                .map_err(|e| format!("JWT_PUBLIC_KEY_FILE {path}: {e}"))?,
        ),
    };
    let verifier = Verifier::new(
        config.jwt_secret.as_deref(),
        public_key.as_deref(),
        config.jwt_issuer.clone(),
        config.jwt_audience.clone(),
    )?
    .with_max_lifetime(config.jwt_max_lifetime_seconds);
    if config.webhooks.sealing_key.is_none() {
        log::warn!(
            "WEBHOOK_SECRET_KEY is not set: webhooks are off (/api/v1/webhooks answers 503)"
        );
    }
    migrate(&config.database_migration_url)?;
    let sessions = db::Sessions {
        statement_timeout: config.statement_timeout,
        prepared_statements: config.prepared_statements,
        read_only: false,
    };
    let mut pool = db::pool_with(
        &config.database_url,
        config.database_pool_size,
        config.database_connect_timeout,
        sessions,
    );
    if let Some(url) = &config.database_replica_url {
        let replica = db::pool_with(
            url,
            config.database_pool_size,
            config.database_connect_timeout,
            db::Sessions {
                read_only: true,
                ..sessions
            },
        );
        pool = pool.with_replica(replica, config.replica_max_lag);
        log::info!(
            "figures and lists read on the replica while it lags at most {} s",
            config.replica_max_lag.as_secs()
        );
    }
    let state = web::Data::new(AppState {
        pool,
        verifier,
        openapi_json: openapi::document(),
        decp: config.decp.clone(),
        metrics: Default::default(),
        cors_allowed_origins: config.cors_allowed_origins.clone(),
        webhooks: config.webhooks.clone(),
    });
    let addr = config.bind_addr.clone();
    let grace = config.shutdown_grace;
    let workers = config.http_workers;
    actix_web::rt::System::new().block_on(async move {
        // The server stops accepting on SIGTERM/SIGINT and lets requests in
        // flight finish for up to the grace period before exiting.
        let listener = std::net::TcpListener::bind(&addr)
            .map_err(|e| format!("cannot listen on {addr}: {e}"))?;
        let options = clauses::server::Options {
            workers,
            shutdown_grace: grace,
            disable_signals: false,
        };
        let server = clauses::server::serve(listener, state, options)
            .map_err(|e| format!("cannot listen on {addr}: {e}"))?;
        log::info!("serving on http://{addr} (reference: http://{addr}/docs)");
        server.await.map_err(|e| e.to_string())?;
        log::info!("stopped");
        Ok(())
    })
}
