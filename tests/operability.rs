//! What an operator relies on, checked on the real binary: the access log,
//! request ids, metrics, statement timeout, CORS, limits, graceful stop.

use std::io::Read;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::common::*;
use clauses::auth::Role;
use diesel::connection::SimpleConnection;
use serde_json::json;

/// `clauses serve` on its own test database, its log captured; a
/// `TestApp` for the requests.
pub(crate) struct Served {
    app: TestApp,
    child: Child,
    log: std::path::PathBuf,
}

impl std::ops::Deref for Served {
    type Target = TestApp;
    fn deref(&self) -> &TestApp {
        &self.app
    }
}

pub(crate) async fn serve(env: &[(&str, &str)]) -> Served {
    let db = TestDb::new();
    let port = free_port();
    let log = std::env::temp_dir().join(format!("clauses-serve-{}-{port}.log", std::process::id()));
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_clauses"));
    cmd.arg("serve")
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("DATABASE_URL", &db.url)
        .env("JWT_SECRET", SECRET)
        .env("BIND_ADDR", format!("127.0.0.1:{port}"))
        .env("RUST_LOG", "info")
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(&log).unwrap());
    for (k, v) in env {
        cmd.env(k, v.replace("{database_url}", &db.url));
    }
    let child = cmd.spawn().unwrap();
    let served = Served {
        app: TestApp::at(db, format!("http://127.0.0.1:{port}")),
        child,
        log,
    };
    let start = Instant::now();
    loop {
        if let Ok(res) = served
            .client()
            .get(format!("{}/health", served.addr))
            .send()
            .await
        {
            if res.status() == 200 {
                return served;
            }
        }
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "serve did not start"
        );
        actix_web::rt::time::sleep(Duration::from_millis(50)).await;
    }
}

impl Served {
    fn terminate(&self) {
        let status = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .unwrap();
        assert!(status.success());
    }

    /// Waits for the process to end and gives its exit code and log.
    fn wait(mut self, patience: Duration) -> (Option<i32>, String) {
        let start = Instant::now();
        let code = loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                break status.code();
            }
            if start.elapsed() > patience {
                let _ = self.child.kill();
                break None;
            }
            std::thread::sleep(Duration::from_millis(20));
        };
        let mut log = String::new();
        std::fs::File::open(&self.log)
            .unwrap()
            .read_to_string(&mut log)
            .unwrap();
        let _ = std::fs::remove_file(&self.log);
        (code, log)
    }
}

impl Served {
    /// Stops the process at once; its log, which must hold no internal
    /// error.
    fn stop_clean(mut self) -> String {
        let _ = self.child.kill();
        let (_, log) = self.wait(Duration::from_secs(5));
        assert!(!log.contains("internal error"), "{log}");
        log
    }

    /// `GET /metrics`, as text.
    async fn metrics(&self) -> String {
        String::from_utf8(self.send("GET", "/metrics", None, &[], None).await.body).unwrap()
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Holds an exclusive lock on a table for `hold`, from another session, so
/// that any request touching it waits.
fn lock_table(url: &str, table: &'static str, hold: Duration) -> std::thread::JoinHandle<()> {
    use diesel::Connection;
    let mut conn = diesel::PgConnection::establish(url).unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    let handle = std::thread::spawn(move || {
        conn.batch_execute(&format!(
            "BEGIN; LOCK TABLE {table} IN ACCESS EXCLUSIVE MODE"
        ))
        .unwrap();
        tx.send(()).unwrap();
        std::thread::sleep(hold);
        conn.batch_execute("COMMIT").unwrap();
    });
    rx.recv().unwrap();
    handle
}

#[actix_web::test]
async fn access_log_has_one_line_per_request_and_no_personal_value() {
    let app = serve(&[]).await;
    let token = clauses::auth::jwt::mint_hs256(
        SECRET,
        &clauses::auth::jwt::dev_claims(Role::Facilitator, None, "agent-7", 600, None, None),
    )
    .unwrap();
    let res = app
        .send(
            "GET",
            "/api/v1/beneficiaries?last_name=Dupont",
            Some(&token),
            &[("X-Request-Id", "trace-42")],
            None,
        )
        .await;
    assert_eq!(res.status, 200);
    assert_eq!(res.headers.get("x-request-id").unwrap(), "trace-42");

    // A problem carries the request's id as its `instance`, and so does the
    // log line of the error behind it.
    let res = app
        .send(
            "POST",
            "/api/v1/organisations",
            Some(&token),
            &[
                ("X-Request-Id", "trace-43"),
                ("Content-Type", "application/json"),
            ],
            Some(
                json!({"kind": "company", "name": "Martin BTP", "siret": "123"})
                    .to_string()
                    .into_bytes(),
            ),
        )
        .await;
    let body = res.problem(422);
    assert_eq!(body["instance"], "trace-43");

    // An id that is not well-formed is replaced by a UUID.
    let res = app
        .send(
            "GET",
            "/api/v1/nowhere",
            None,
            &[("X-Request-Id", "bad id with spaces")],
            None,
        )
        .await;
    let id = res
        .headers
        .get("x-request-id")
        .unwrap()
        .to_str()
        .unwrap()
        .to_string();
    assert!(uuid::Uuid::parse_str(&id).is_ok(), "{id}");
    assert_eq!(res.problem(404)["instance"], id.as_str());

    app.terminate();
    let (code, log) = app.wait(Duration::from_secs(10));
    assert_eq!(code, Some(0), "{log}");
    let access: Vec<&str> = log
        .lines()
        .filter(|l| l.contains("clauses::access"))
        .collect();
    assert!(
        access
            .iter()
            .any(|l| l.contains("GET /api/v1/beneficiaries 200")
                && l.contains("sub=\"agent-7\" role=facilitator")
                && l.ends_with("request_id=trace-42")),
        "{log}"
    );
    assert!(
        access
            .iter()
            .any(|l| l.contains("POST /api/v1/organisations 422")
                && l.ends_with("request_id=trace-43")),
        "{log}"
    );
    assert!(
        access.iter().any(|l| l.contains("GET unmatched 404 ")
            && l.contains("sub=\"-\" role=-")
            && l.ends_with(&format!("request_id={id}"))),
        "{log}"
    );
    // One line per request: three requests, three lines (and the health
    // checks made while starting).
    let counted = access.iter().filter(|l| !l.contains("/health")).count();
    assert_eq!(counted, 3, "{log}");
    assert!(!log.contains("Dupont"), "{log}");
    assert!(!log.contains(&token), "{log}");
    assert!(!log.contains("Martin"), "{log}");
}

#[actix_web::test]
async fn metrics_count_requests_by_route_pattern() {
    let app = spawn().await;
    let f = fac();
    let org = app.org("company", "Martin BTP").await;
    app.get(&format!("/api/v1/organisations/{org}"), &f).await;
    app.get(
        &format!("/api/v1/organisations/{}", uuid::Uuid::new_v4()),
        &f,
    )
    .await;
    let res = app.send("GET", "/metrics", None, &[], None).await;
    assert_eq!(res.status, 200);
    assert!(res
        .headers
        .get("content-type")
        .unwrap()
        .to_str()
        .unwrap()
        .starts_with("text/plain"));
    let text = String::from_utf8(res.body).unwrap();
    for expected in [
        r#"http_requests_total{method="GET",route="/api/v1/organisations/{id}",status="200"} 1"#,
        r#"http_requests_total{method="GET",route="/api/v1/organisations/{id}",status="404"} 1"#,
        r#"http_requests_total{method="POST",route="/api/v1/organisations",status="201"} 1"#,
        r#"http_request_duration_seconds_bucket{method="GET",route="/api/v1/organisations/{id}",le="+Inf"} 2"#,
        r#"db_pool_connections{state="in_use"}"#,
        r#"db_pool_connections{state="idle"}"#,
        "db_pool_waiting 0",
        "db_pool_max_connections 4",
    ] {
        assert!(text.contains(expected), "{expected} not in\n{text}");
    }
    assert!(
        !text.contains(&org.to_string()),
        "raw paths leak into labels"
    );
}

#[actix_web::test]
async fn a_slow_statement_is_cancelled_and_answered_503() {
    let app = serve(&[("DATABASE_STATEMENT_TIMEOUT_MS", "300")]).await;
    let f = fac();
    assert_eq!(
        app.send("GET", "/api/v1/organisations", Some(&f), &[], None)
            .await
            .status,
        200
    );
    let lock = lock_table(&app.db.url, "organisations", Duration::from_secs(3));
    let start = Instant::now();
    let res = app
        .send("GET", "/api/v1/organisations", Some(&f), &[], None)
        .await;
    let took = start.elapsed();
    let body = res.problem(503);
    assert_eq!(res.headers.get("retry-after").unwrap(), "2");
    assert!(took < Duration::from_secs(2), "{took:?}");
    assert!(
        body["detail"].as_str().unwrap().contains("too long"),
        "{body}"
    );
    lock.join().unwrap();
    // The connection was not lost: the next request is served.
    assert_eq!(
        app.send("GET", "/api/v1/organisations", Some(&f), &[], None)
            .await
            .status,
        200
    );
}

#[actix_web::test]
async fn reads_by_id_stuck_behind_a_lock_answer_503_together_then_are_served() {
    // One worker, so every read below shares one pipelined connection.
    let app = serve(&[
        ("DATABASE_STATEMENT_TIMEOUT_MS", "300"),
        ("HTTP_WORKERS", "1"),
    ])
    .await;
    let f = fac();
    let org = app.org("company", "Martin BTP").await;
    let path = format!("/api/v1/organisations/{org}");
    assert_eq!(app.get(&path, &f).await.status, 200);
    let lock = lock_table(&app.db.url, "organisations", Duration::from_secs(4));
    // Five reads queue on the connection behind the first: none waits for
    // the lock, each is told 503 within the statement timeout and the
    // connect patience.
    let start = Instant::now();
    let reads = (0..5).map(|_| {
        let (client, url, token) = (
            app.client().clone(),
            format!("{}{path}", app.addr),
            f.clone(),
        );
        actix_web::rt::spawn(async move {
            let mut res = client
                .get(url)
                .insert_header(("Authorization", format!("Bearer {token}")))
                .send()
                .await
                .unwrap();
            let body = res.body().await.unwrap();
            let retry = res
                .headers()
                .get("retry-after")
                .map(|v| v.to_str().unwrap().to_string());
            (res.status().as_u16(), retry, start.elapsed(), body)
        })
    });
    for read in reads.collect::<Vec<_>>() {
        let (status, retry, took, body) = read.await.unwrap();
        assert_eq!(status, 503, "{body:?}");
        assert_eq!(retry.as_deref(), Some("2"));
        assert!(took < Duration::from_secs(2), "{took:?}");
    }
    lock.join().unwrap();
    let res = app.get(&path, &f).await;
    assert_eq!(res.status, 200);
    app.stop_clean();
}

#[actix_web::test]
async fn a_lost_pipelined_connection_is_replaced_and_the_read_made_again() {
    let app = serve(&[("HTTP_WORKERS", "1")]).await;
    let f = fac();
    let org = app.org("company", "Martin BTP").await;
    let path = format!("/api/v1/organisations/{org}");
    assert_eq!(app.get(&path, &f).await.status, 200);
    // What a restart of PostgreSQL or a proxy dropping idle sessions does.
    let mut conn = <diesel::PgConnection as diesel::Connection>::establish(&app.db.url).unwrap();
    conn.batch_execute(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
         WHERE datname = current_database() AND pid <> pg_backend_pid()",
    )
    .unwrap();
    // The first read finds the connection gone, opens another and asks
    // again: the caller sees none of it.
    let res = app.get(&path, &f).await;
    assert_eq!(res.status, 200, "{}", String::from_utf8_lossy(&res.body));
    assert_eq!(res.json()["id"], org.to_string());
    for _ in 0..3 {
        assert_eq!(app.get(&path, &f).await.status, 200);
    }
    let text = app.metrics().await;
    assert!(text.contains("\ndb_pipelined_connections 1\n"), "{text}");
    assert!(
        text.contains("\ndb_pipelined_connections_opened_total 2\n"),
        "{text}"
    );
    app.stop_clean();
}

#[actix_web::test]
async fn pooled_connections_that_died_at_rest_are_replaced_unseen() {
    let app = serve(&[("HTTP_WORKERS", "1")]).await;
    let f = fac();
    // Several requests at once, so the pool holds several connections.
    let lists: Vec<_> = (0..4)
        .map(|_| app.get("/api/v1/organisations", &f))
        .collect();
    for res in futures_util::future::join_all(lists).await {
        assert_eq!(res.status, 200);
    }
    let mut conn = <diesel::PgConnection as diesel::Connection>::establish(&app.db.url).unwrap();
    conn.batch_execute(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
         WHERE datname = current_database() AND pid <> pg_backend_pid()",
    )
    .unwrap();
    // Past the rest after which a checkout tests its connection.
    actix_web::rt::time::sleep(Duration::from_millis(600)).await;
    for _ in 0..4 {
        let res = app.get("/api/v1/organisations", &f).await;
        assert_eq!(res.status, 200, "{}", String::from_utf8_lossy(&res.body));
        let res = app
            .post(
                "/api/v1/organisations",
                &f,
                &json!({"kind": "company", "name": "Après la coupure"}),
            )
            .await;
        assert_eq!(res.status, 201, "{}", String::from_utf8_lossy(&res.body));
    }
    app.stop_clean();
}

#[actix_web::test]
async fn reads_by_id_go_through_the_pool_when_the_url_is_for_libpq_only() {
    // `gssencmode` is understood by libpq (the pool) but not by the
    // asynchronous driver, as `sslmode=verify-full` or `sslrootcert` are not.
    let app = serve(&[
        ("DATABASE_URL", "{database_url}?gssencmode=disable"),
        ("HTTP_WORKERS", "1"),
    ])
    .await;
    let f = fac();
    let org = app.org("company", "Martin BTP").await;
    for _ in 0..3 {
        let res = app.get(&format!("/api/v1/organisations/{org}"), &f).await;
        assert_eq!(res.status, 200);
    }
    let text = app.metrics().await;
    assert!(
        text.contains("\ndb_pipelined_connections_opened_total 0\n"),
        "{text}"
    );
    let log = app.stop_clean();
    assert_eq!(
        log.matches("reads by id use the pool").count(),
        1,
        "one attempt, then the pool for a while: {log}"
    );
}

#[actix_web::test]
async fn a_request_that_cannot_have_a_connection_gets_503_within_a_second() {
    let app = serve(&[
        ("DATABASE_POOL_SIZE", "1"),
        ("DATABASE_STATEMENT_TIMEOUT_MS", "5000"),
    ])
    .await;
    let f = fac();
    let lock = lock_table(&app.db.url, "organisations", Duration::from_secs(3));
    // The only connection waits on the lock...
    let addr = app.addr.clone();
    let client = app.client().clone();
    let token = f.clone();
    let holder = actix_web::rt::spawn(async move {
        client
            .get(format!("{addr}/api/v1/organisations"))
            .insert_header(("Authorization", format!("Bearer {token}")))
            .send()
            .await
            .unwrap()
            .status()
            .as_u16()
    });
    actix_web::rt::time::sleep(Duration::from_millis(300)).await;
    // ...so the next request queues, and is told to retry after a second.
    let start = Instant::now();
    let res = app
        .send("GET", "/api/v1/contracts", Some(&f), &[], None)
        .await;
    let took = start.elapsed();
    res.problem(503);
    assert_eq!(res.headers.get("retry-after").unwrap(), "2");
    assert!(took < Duration::from_millis(1800), "{took:?}");
    lock.join().unwrap();
    assert_eq!(holder.await.unwrap(), 200);
    let text = app.metrics().await;
    assert!(text.contains("db_pool_max_connections 1"), "{text}");
}

#[actix_web::test]
async fn sigterm_finishes_requests_in_flight_then_exits_0() {
    let app = serve(&[("SHUTDOWN_GRACE_SECONDS", "10")]).await;
    let f = fac();
    let lock = lock_table(&app.db.url, "organisations", Duration::from_millis(1500));
    let addr = app.addr.clone();
    let client = app.client().clone();
    let token = f.clone();
    // A write that waits on the lock while the process is told to stop.
    let in_flight = actix_web::rt::spawn(async move {
        let mut res = client
            .post(format!("{addr}/api/v1/organisations"))
            .insert_header(("Authorization", format!("Bearer {token}")))
            .send_json(&json!({"kind": "company", "name": "Entreprise en vol"}))
            .await
            .expect("the request in flight is answered");
        (res.status().as_u16(), res.body().await.unwrap())
    });
    actix_web::rt::time::sleep(Duration::from_millis(400)).await;
    app.terminate();
    actix_web::rt::time::sleep(Duration::from_millis(300)).await;
    // No new connection is accepted once stopping.
    let port = app.addr.rsplit(':').next().unwrap().to_string();
    assert!(
        std::net::TcpStream::connect(format!("127.0.0.1:{port}")).is_err(),
        "still accepting after SIGTERM"
    );
    let (status, body) = in_flight.await.unwrap();
    assert_eq!(status, 201, "{body:?}");
    lock.join().unwrap();
    // The answered write is there.
    use diesel::prelude::*;
    let mut conn = diesel::PgConnection::establish(&app.db.url).unwrap();
    let n: i64 = diesel::sql_query(
        "SELECT count(*) AS n FROM organisations WHERE name = 'Entreprise en vol'",
    )
    .get_result::<Count>(&mut conn)
    .unwrap()
    .n;
    assert_eq!(n, 1);
    drop(conn);
    let (code, log) = app.wait(Duration::from_secs(15));
    assert_eq!(code, Some(0), "{log}");
    assert!(log.contains("stopped"), "{log}");
}

#[derive(diesel::QueryableByName)]
struct Count {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    n: i64,
}

async fn preflight(app: &Served, origin: &str) -> Res {
    app.send(
        "OPTIONS",
        "/api/v1/organisations",
        None,
        &[
            ("Origin", origin),
            ("Access-Control-Request-Method", "POST"),
            (
                "Access-Control-Request-Headers",
                "authorization, content-type, if-match",
            ),
        ],
        None,
    )
    .await
}

#[actix_web::test]
async fn cors_allows_only_the_configured_origins_without_credentials() {
    let app = serve(&[(
        "CORS_ALLOWED_ORIGINS",
        "https://front.inclusiv-essonne.example, http://localhost:5173",
    )])
    .await;
    let res = preflight(&app, "https://front.inclusiv-essonne.example").await;
    assert_eq!(res.status, 200);
    assert_eq!(
        res.headers.get("access-control-allow-origin").unwrap(),
        "https://front.inclusiv-essonne.example"
    );
    let methods = res
        .headers
        .get("access-control-allow-methods")
        .unwrap()
        .to_str()
        .unwrap();
    assert!(
        methods.contains("POST") && methods.contains("PATCH"),
        "{methods}"
    );
    assert!(res
        .headers
        .get("access-control-allow-credentials")
        .is_none());

    let res = preflight(&app, "https://evil.example").await;
    let problem = res.problem(400);
    assert_eq!(
        problem["detail"],
        "CORS preflight refused: Origin is not allowed to make this request"
    );
    assert!(res.headers.get("access-control-allow-origin").is_none());

    // A simple request from an allowed origin gets the header (and may read
    // the request id); from another origin, none.
    let f = fac();
    let res = app
        .send(
            "GET",
            "/api/v1/organisations",
            Some(&f),
            &[("Origin", "http://localhost:5173")],
            None,
        )
        .await;
    assert_eq!(res.status, 200);
    assert_eq!(
        res.headers.get("access-control-allow-origin").unwrap(),
        "http://localhost:5173"
    );
    let exposed = res
        .headers
        .get("access-control-expose-headers")
        .unwrap()
        .to_str()
        .unwrap();
    assert!(
        exposed.to_ascii_lowercase().contains("x-request-id"),
        "{exposed}"
    );
    let res = app
        .send(
            "GET",
            "/api/v1/organisations",
            Some(&f),
            &[("Origin", "https://evil.example")],
            None,
        )
        .await;
    assert!(res.headers.get("access-control-allow-origin").is_none());
}

#[actix_web::test]
async fn cors_is_off_by_default() {
    let app = spawn().await;
    let res = app
        .send(
            "OPTIONS",
            "/api/v1/organisations",
            None,
            &[
                ("Origin", "http://localhost:5173"),
                ("Access-Control-Request-Method", "GET"),
            ],
            None,
        )
        .await;
    res.problem(400);
    assert!(res.headers.get("access-control-allow-origin").is_none());
}

#[actix_web::test]
async fn limits_are_refused_with_problems() {
    let app = spawn().await;
    let f = fac();
    let json_ct = [("Content-Type", "application/json")];

    // Body limits per endpoint, stated in the 413 body.
    let big =
        |n: usize| format!("{{\"kind\":\"company\",\"name\":\"{}\"}}", "x".repeat(n)).into_bytes();
    let res = app
        .send(
            "POST",
            "/api/v1/organisations",
            Some(&f),
            &json_ct,
            Some(big(70 * 1024)),
        )
        .await;
    assert!(res.problem(413)["detail"]
        .as_str()
        .unwrap()
        .contains("65536"));
    // A statement of hours may be far larger than one object...
    let res = app
        .send(
            "POST",
            "/api/v1/hours/batch",
            Some(&f),
            &json_ct,
            Some(big(200 * 1024)),
        )
        .await;
    assert_eq!(res.status, 422, "{}", String::from_utf8_lossy(&res.body));
    // ...up to its own limit.
    let res = app
        .send(
            "POST",
            "/api/v1/hours/batch",
            Some(&f),
            &json_ct,
            Some(big(5 * 1024 * 1024)),
        )
        .await;
    assert!(res.problem(413)["detail"]
        .as_str()
        .unwrap()
        .contains("4194304"));

    // Query length.
    let res = app
        .get(
            &format!("/api/v1/beneficiaries?last_name={}", "a".repeat(3000)),
            &f,
        )
        .await;
    assert!(res.problem(414)["detail"]
        .as_str()
        .unwrap()
        .contains("2048"));

    // `limit` caps.
    for bad in ["0", "501", "-1", "x", "99999999999999999999"] {
        let res = app
            .get(&format!("/api/v1/organisations?limit={bad}"), &f)
            .await;
        assert_eq!(res.fields(), vec!["limit"], "limit={bad}");
    }

    // Deep JSON nesting.
    let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
    let res = app
        .send(
            "POST",
            "/api/v1/organisations",
            Some(&f),
            &json_ct,
            Some(deep.into_bytes()),
        )
        .await;
    assert!(res.status == 400 || res.status == 413, "{}", res.status);
    res.problem(res.status);
    let deep = format!("{{\"kind\":{}1{}}}", "[".repeat(1000), "]".repeat(1000));
    let res = app
        .send(
            "POST",
            "/api/v1/organisations",
            Some(&f),
            &json_ct,
            Some(deep.into_bytes()),
        )
        .await;
    res.problem(400);
}

/// Found by fuzzing: PostgreSQL text cannot hold U+0000, so a NUL in a
/// filter or a field is the caller's error (422 naming it), not a 500.
#[actix_web::test]
async fn nul_characters_are_refused_where_they_are() {
    let app = spawn().await;
    let f = fac();
    let res = app
        .get("/api/v1/stats/key-figures?year=2019&operation=a%00b", &f)
        .await;
    assert_eq!(res.fields(), vec!["operation"]);
    let res = app
        .post(
            "/api/v1/organisations",
            &f,
            &json!({"kind": "company", "name": "Martin\u{0}BTP", "extra": {"x\u{0}": ["1"]}}),
        )
        .await;
    let mut fields = res.fields();
    fields.sort();
    assert_eq!(fields, vec!["extra.x\\u0000", "name"]);
    // Huge numbers are field errors too, never an overflow in SQL.
    let res = app
        .post(
            "/api/v1/contracts",
            &f,
            &json!({"amount_excl_tax": 1e16, "hourly_cost": 1e9, "commitment_hours": 1.0594407132003424e16}),
        )
        .await;
    let fields = res.fields();
    for field in ["amount_excl_tax", "hourly_cost", "commitment_hours"] {
        assert!(
            fields.contains(&field.to_string()),
            "{field} not in {fields:?}"
        );
    }
}
