//! Test support: each test gets its own database, cloned from a template
//! that holds the migrations (built once per migration set), and a real
//! HTTP server on a free port.
#![allow(dead_code)]

use std::collections::hash_map::DefaultHasher;
use std::hash::{Hash, Hasher};
use std::net::TcpListener;
use std::path::Path;

use actix_web::web;
use diesel::prelude::*;
use diesel::sql_types::BigInt;
use serde_json::Value;
use uuid::Uuid;

use clauses::auth::{jwt, Role, Verifier};
use clauses::state::AppState;

pub const SECRET: &str = "test-secret-that-is-long-enough-for-hs256";

fn server_url() -> String {
    let url = std::env::var("DATABASE_URL")
        .expect("DATABASE_URL must point at a PostgreSQL server (make test sets it)");
    // Keep the server part; the database name is ours to choose.
    match url.rfind('/') {
        Some(i) if url[..i].contains("://") && !url[..i].ends_with('/') => url[..i].to_string(),
        _ => url,
    }
}

fn migrations_hash() -> String {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations");
    let mut files: Vec<_> = walk(&dir);
    files.sort();
    let mut h = DefaultHasher::new();
    for f in files {
        f.to_string_lossy().hash(&mut h);
        std::fs::read(&f).unwrap().hash(&mut h);
    }
    format!("{:016x}", h.finish())
}

fn walk(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut out = vec![];
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p);
        }
    }
    out
}

/// Creates (once, under an advisory lock shared by every test process) the
/// migrated template database; returns its name.
fn template() -> &'static str {
    static NAME: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    NAME.get_or_init(|| {
        let hash = migrations_hash();
        let name = format!("clauses_tpl_{hash}");
        let mut admin = PgConnection::establish(&format!("{}/postgres", server_url()))
            .expect("connect to the test PostgreSQL server");
        diesel::sql_query("SELECT pg_advisory_lock($1)")
            .bind::<BigInt, _>(0x7e57_7e57_i64)
            .execute(&mut admin)
            .unwrap();
        let exists: bool = diesel::select(diesel::dsl::sql::<diesel::sql_types::Bool>(&format!(
            "EXISTS (SELECT 1 FROM pg_database WHERE datname = '{name}')"
        )))
        .get_result(&mut admin)
        .unwrap();
        if !exists {
            let building = format!("{name}_building");
            diesel::sql_query(format!("DROP DATABASE IF EXISTS {building} WITH (FORCE)"))
                .execute(&mut admin)
                .unwrap();
            diesel::sql_query(format!("CREATE DATABASE {building}"))
                .execute(&mut admin)
                .unwrap();
            {
                let mut conn =
                    PgConnection::establish(&format!("{}/{building}", server_url())).unwrap();
                clauses::db::migrate(&mut conn).expect("migrations apply");
            }
            diesel::sql_query(format!("ALTER DATABASE {building} RENAME TO {name}"))
                .execute(&mut admin)
                .unwrap();
        }
        diesel::sql_query("SELECT pg_advisory_unlock($1)")
            .bind::<BigInt, _>(0x7e57_7e57_i64)
            .execute(&mut admin)
            .unwrap();
        name
    })
}

/// A database of one's own, dropped with the handle.
pub struct TestDb {
    pub name: String,
    pub url: String,
}

impl TestDb {
    pub fn new() -> TestDb {
        let template = template();
        let name = format!("clauses_test_{}", Uuid::new_v4().simple());
        let mut admin = PgConnection::establish(&format!("{}/postgres", server_url())).unwrap();
        diesel::sql_query(format!("CREATE DATABASE {name} TEMPLATE {template}"))
            .execute(&mut admin)
            .expect("create the test database from the template");
        let url = format!("{}/{name}", server_url());
        TestDb { name, url }
    }

    pub fn conn(&self) -> PgConnection {
        PgConnection::establish(&self.url).unwrap()
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let Ok(mut admin) = PgConnection::establish(&format!("{}/postgres", server_url())) {
            let _ = diesel::sql_query(format!(
                "DROP DATABASE IF EXISTS {} WITH (FORCE)",
                self.name
            ))
            .execute(&mut admin);
        }
    }
}

/// Key settings of a test server.
pub struct Keys {
    pub secret: Option<&'static str>,
    pub public_key: Option<String>,
    pub issuer: Option<String>,
    pub audience: Option<String>,
}

impl Default for Keys {
    fn default() -> Self {
        Keys {
            secret: Some(SECRET),
            public_key: None,
            issuer: None,
            audience: None,
        }
    }
}

pub struct TestApp {
    pub db: TestDb,
    pub addr: String,
    client: awc::Client,
}

pub struct Res {
    pub status: u16,
    pub headers: actix_web::http::header::HeaderMap,
    pub body: Vec<u8>,
}

impl Res {
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&self.body)))
    }

    pub fn header(&self, name: &str) -> Option<String> {
        self.headers
            .get(name)
            .map(|v| v.to_str().unwrap().to_string())
    }

    pub fn content_type(&self) -> String {
        self.header("content-type").unwrap_or_default()
    }

    /// Asserts an RFC 9457 problem with this status; returns the body.
    pub fn problem(&self, status: u16) -> Value {
        assert_eq!(
            self.status,
            status,
            "body: {}",
            String::from_utf8_lossy(&self.body)
        );
        assert!(
            self.content_type().starts_with("application/problem+json"),
            "content-type {}",
            self.content_type()
        );
        let body = self.json();
        assert_eq!(body["status"], status);
        assert!(
            body["type"].is_string() && body["title"].is_string() && body["detail"].is_string()
        );
        // Always there, an empty list when no field is at fault, so a
        // generated client reads it without a check.
        assert!(body["errors"].is_array(), "errors: {}", body["errors"]);
        body
    }

    /// The fields named in a validation problem.
    pub fn fields(&self) -> Vec<String> {
        let body = self.problem(422);
        body["errors"]
            .as_array()
            .expect("errors")
            .iter()
            .map(|e| e["field"].as_str().unwrap().to_string())
            .collect()
    }
}

pub async fn spawn() -> TestApp {
    spawn_with(Keys::default()).await
}

pub async fn spawn_with(keys: Keys) -> TestApp {
    spawn_full(keys, webhook_settings()).await
}

/// A server with these webhook settings (e.g. none: webhooks off).
pub async fn spawn_full(keys: Keys, webhooks: clauses::webhooks::Settings) -> TestApp {
    spawn_on(TestDb::new(), keys, webhooks).await
}

/// A second server on `app`'s database (another process of the same
/// deployment, or of one configured otherwise); the database goes when
/// the first of the two is dropped.
pub async fn spawn_beside(
    app: &TestApp,
    keys: Keys,
    webhooks: clauses::webhooks::Settings,
) -> TestApp {
    let db = TestDb {
        name: app.db.name.clone(),
        url: app.db.url.clone(),
    };
    spawn_on(db, keys, webhooks).await
}

async fn spawn_on(db: TestDb, keys: Keys, webhooks: clauses::webhooks::Settings) -> TestApp {
    let _ = env_logger::builder().is_test(true).try_init();
    let verifier = Verifier::new(
        keys.secret,
        keys.public_key.as_deref(),
        keys.issuer,
        keys.audience,
    )
    .unwrap();
    // The database is its own "replica" too, through read-only sessions:
    // every read routed to a replica runs in one in every test, so a
    // routed read that writes fails.
    let replica = clauses::db::pool_with(
        &db.url,
        2,
        std::time::Duration::from_secs(2),
        clauses::db::Sessions {
            read_only: true,
            ..clauses::db::Sessions::new(std::time::Duration::from_secs(30))
        },
    );
    let state = web::Data::new(AppState {
        pool: clauses::db::pool(
            &db.url,
            4,
            std::time::Duration::from_secs(2),
            std::time::Duration::from_secs(30),
        )
        .with_replica(replica, std::time::Duration::from_secs(5)),
        verifier,
        openapi_json: clauses::openapi::document(),
        decp: clauses::domain::decp::Estimation::default(),
        metrics: Default::default(),
        cors_allowed_origins: Vec::new(),
        webhooks,
    });
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = format!("http://{}", listener.local_addr().unwrap());
    let options = clauses::server::Options {
        workers: Some(1),
        shutdown_grace: std::time::Duration::from_secs(1),
        disable_signals: true,
    };
    let server = clauses::server::serve(listener, state, options).unwrap();
    actix_web::rt::spawn(server);
    TestApp::at(db, addr)
}

/// A port free now on the loopback, for a process the test starts.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

pub fn token(role: Role, org: Option<Uuid>) -> String {
    jwt::mint_hs256(
        SECRET,
        &jwt::dev_claims(role, org, "tester", 3600, None, None),
    )
    .unwrap()
}

impl TestApp {
    /// A client of a service already listening at `addr` on `db`.
    pub fn at(db: TestDb, addr: String) -> TestApp {
        TestApp {
            db,
            addr,
            client: awc::Client::builder()
                .timeout(std::time::Duration::from_secs(30))
                .finish(),
        }
    }

    pub fn client(&self) -> &awc::Client {
        &self.client
    }

    pub async fn send(
        &self,
        method: &str,
        path: &str,
        token: Option<&str>,
        headers: &[(&str, &str)],
        body: Option<Vec<u8>>,
    ) -> Res {
        let method = actix_web::http::Method::from_bytes(method.as_bytes()).unwrap();
        let mut req = self
            .client
            .request(method, format!("{}{}", self.addr, path));
        if let Some(t) = token {
            req = req.insert_header(("Authorization", format!("Bearer {t}")));
        }
        for (k, v) in headers {
            req = req.insert_header((*k, *v));
        }
        let mut res = match body {
            Some(b) => req.send_body(b).await,
            None => req.send().await,
        }
        .expect("request sent");
        let body = res.body().limit(16 * 1024 * 1024).await.unwrap().to_vec();
        Res {
            status: res.status().as_u16(),
            headers: res.headers().clone(),
            body,
        }
    }

    pub async fn get(&self, path: &str, token: &str) -> Res {
        self.send("GET", path, Some(token), &[], None).await
    }

    pub async fn post(&self, path: &str, token: &str, body: &Value) -> Res {
        self.send(
            "POST",
            path,
            Some(token),
            &[("Content-Type", "application/json")],
            Some(serde_json::to_vec(body).unwrap()),
        )
        .await
    }

    pub async fn patch(
        &self,
        path: &str,
        token: &str,
        body: &Value,
        if_match: Option<&str>,
    ) -> Res {
        let mut headers = vec![("Content-Type", "application/merge-patch+json")];
        if let Some(m) = if_match {
            headers.push(("If-Match", m));
        }
        self.send(
            "PATCH",
            path,
            Some(token),
            &headers,
            Some(serde_json::to_vec(body).unwrap()),
        )
        .await
    }

    /// Creates an organisation as the facilitator; returns its id.
    pub async fn org(&self, kind: &str, name: &str) -> Uuid {
        let res = self
            .post(
                "/api/v1/organisations",
                &token(Role::Facilitator, None),
                &serde_json::json!({"kind": kind, "name": name}),
            )
            .await;
        assert_eq!(res.status, 201, "{}", String::from_utf8_lossy(&res.body));
        Uuid::parse_str(res.json()["id"].as_str().unwrap()).unwrap()
    }
}

impl TestApp {
    /// A territory made by the platform's team from `body` (its name at
    /// least), and a facilitator organisation bound to it, named `name`:
    /// (territory, organisation).
    pub async fn territory_with_facilitator(&self, body: &Value, name: &str) -> (Uuid, Uuid) {
        let territory = id_of(&self.post("/api/v1/territories", &fac(), body).await);
        let org = id_of(
            &self
                .post(
                    "/api/v1/organisations",
                    &fac(),
                    &serde_json::json!({"kind": "facilitator", "name": name, "territory_id": territory}),
                )
                .await,
        );
        (territory, org)
    }
}

/// Ids out of a 201 answer.
pub fn id_of(res: &Res) -> Uuid {
    assert_eq!(res.status, 201, "{}", String::from_utf8_lossy(&res.body));
    Uuid::parse_str(res.json()["id"].as_str().unwrap()).unwrap()
}

pub fn fac() -> String {
    token(Role::Facilitator, None)
}

impl TestApp {
    pub async fn delete(&self, path: &str, token: &str) -> Res {
        self.send("DELETE", path, Some(token), &[], None).await
    }

    pub async fn put(&self, path: &str, token: &str, body: &Value) -> Res {
        self.send(
            "PUT",
            path,
            Some(token),
            &[("Content-Type", "application/json")],
            Some(serde_json::to_vec(body).unwrap()),
        )
        .await
    }

    /// A contract from 2019-01-01 to 2020-12-31 committing 800 hours (computed).
    pub async fn contract(&self, buyer: Uuid, holder: Uuid, reference: &str) -> Uuid {
        let res = self
            .post(
                "/api/v1/contracts",
                &fac(),
                &serde_json::json!({
                    "buyer_id": buyer, "holder_id": holder, "reference": reference,
                    "title": "Réhabilitation de 120 logements", "clause_type": "execution_condition",
                    "start_date": "2019-01-01", "end_date": "2020-12-31",
                    "amount_excl_tax": 1000000, "labour_share": 0.40, "insertion_rate": 0.05, "hourly_cost": 25
                }),
            )
            .await;
        id_of(&res)
    }

    pub async fn person(
        &self,
        referent: Option<Uuid>,
        last_name: &str,
        sex: &str,
        birth: &str,
    ) -> Uuid {
        let res = self
            .post(
                "/api/v1/beneficiaries",
                &fac(),
                &serde_json::json!({
                    "last_name": last_name, "first_name": "Camille", "sex": sex, "birth_date": birth,
                    "postal_code": "91100", "eligibility": ["rsa"], "referent_id": referent
                }),
            )
            .await;
        id_of(&res)
    }

    pub async fn placement(
        &self,
        person: Uuid,
        contract: Uuid,
        employer: Uuid,
        start: &str,
        end: Option<&str>,
    ) -> Uuid {
        let res = self
            .post(
                "/api/v1/placements",
                &fac(),
                &serde_json::json!({
                    "beneficiary_id": person, "contract_id": contract, "employer_id": employer,
                    "modality": "direct_fixed_term", "job_title": "Maçon", "start_date": start, "end_date": end
                }),
            )
            .await;
        id_of(&res)
    }

    /// Declares a month as the facilitator (validated at once).
    pub async fn hours(&self, placement: Uuid, month: &str, worked: &str) -> Res {
        let body: Value = serde_json::from_str(&format!("{{\"worked_hours\": {worked}}}")).unwrap();
        self.put(
            &format!("/api/v1/placements/{placement}/hours/{month}"),
            &fac(),
            &body,
        )
        .await
    }
}

impl TestApp {
    /// The caller's change feed from the start, once every change this
    /// test's database holds is settled, and holding at least `n`.
    /// Changes are served after every older transaction of the cluster has
    /// ended, and tests run side by side on one cluster: a count alone
    /// would pass as soon as the first few settle (a flaky read of a feed
    /// that is only partly there), so wait for all of them.
    pub async fn changes_at_least(&self, token: &str, n: usize) -> Vec<Value> {
        #[derive(QueryableByName)]
        struct Unsettled {
            #[diesel(sql_type = BigInt)]
            n: i64,
        }
        let mut items = vec![];
        for _ in 0..600 {
            let unsettled = diesel::sql_query(
                "SELECT count(*) AS n FROM changes \
                 WHERE xid >= pg_snapshot_xmin(pg_current_snapshot())",
            )
            .get_result::<Unsettled>(&mut self.db.conn())
            .unwrap()
            .n;
            if unsettled == 0 {
                let page = self.get("/api/v1/changes?limit=500", token).await.json();
                items = page["items"].as_array().unwrap().clone();
                if items.len() >= n {
                    break;
                }
            }
            actix_web::rt::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        items
    }
}

/// A buyer's contract held by a company that employs exactly one person,
/// through a temp agency as well: the review's scenario.
pub struct One {
    pub app: TestApp,
    pub buyer: Uuid,
    pub holder: Uuid,
    pub agency: Uuid,
    pub contract: Uuid,
    /// Employed by the agency on the holder's contract: the holder sees
    /// the placement, never employed her.
    pub stranger: Uuid,
    pub placement: Uuid,
}

pub async fn one_person() -> One {
    let app = spawn().await;
    let buyer = app.org("buyer", "Ville de Corbeil-Essonnes").await;
    let holder = app.org("company", "Bâtiments du Val").await;
    let agency = app.org("company", "Essonne Intérim Insertion").await;
    let contract = app.contract(buyer, holder, "K-1").await;
    let res = app
        .post(
            "/api/v1/beneficiaries",
            &fac(),
            &serde_json::json!({"last_name": "Diallo", "first_name": "Awa", "sex": "F",
                    "birth_date": "1990-03-14", "postal_code": "91100",
                    "qpv_code": "QN09103M", "eligibility": ["aah", "disabled_worker"]}),
        )
        .await;
    let stranger = id_of(&res);
    let placement = app
        .placement(stranger, contract, agency, "2019-02-04", Some("2019-06-28"))
        .await;
    assert_eq!(app.hours(placement, "2019-03", "120").await.status, 201);
    One {
        app,
        buyer,
        holder,
        agency,
        contract,
        stranger,
        placement,
    }
}

/// The tests' webhooks: a fixed sealing key, plain HTTP to the loopback
/// receivers the tests run, and a schedule of a second.
pub fn webhook_settings() -> clauses::webhooks::Settings {
    clauses::webhooks::Settings {
        sealing_key: Some(
            clauses::webhooks::secret::SealingKey::from_base64(
                "dGVzdHMtc2VhbGluZy1rZXktMzItYnl0ZXMtbG9uZyE=",
            )
            .unwrap(),
        ),
        destinations: clauses::webhooks::Destinations {
            allow_http: true,
            allowed_networks: vec!["127.0.0.0/8".parse().unwrap()],
        },
        retry_schedule: vec![std::time::Duration::from_secs(1); 3],
        deliver: false,
    }
}

/// A `clauses serve` process on `db_url`, listening on `port`, with only
/// the variables of API.md it needs and `env`.
pub fn serve_process_with(db_url: &str, port: u16, env: &[(&str, &str)]) -> std::process::Child {
    let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_clauses"));
    command
        .arg("serve")
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("DATABASE_URL", db_url)
        .env("JWT_SECRET", SECRET)
        .env("BIND_ADDR", format!("127.0.0.1:{port}"))
        .env("RUST_LOG", "warn")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null());
    for (name, value) in env {
        command.env(name, value);
    }
    command.spawn().unwrap()
}

/// Waits (30 s at most) for the process on `port` to answer `/ready`.
pub async fn until_ready(port: u16) {
    let client = awc::Client::default();
    let start = std::time::Instant::now();
    while !matches!(
        client.get(format!("http://127.0.0.1:{port}/ready")).send().await,
        Ok(res) if res.status() == 200
    ) {
        assert!(
            start.elapsed() < std::time::Duration::from_secs(30),
            "serve did not start"
        );
        actix_web::rt::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}

/// Kills its process however the test ends.
pub struct Killed(pub std::process::Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}
