//! Beyond one machine (API.md): reads a replica may serve go there while
//! it is within the lag allowed, and to the primary when it is not there;
//! the service runs without prepared statements or session state for a
//! transaction-mode pooler. Real `clauses serve` processes, so that each
//! has its own metrics. A streaming replica and PgBouncer themselves are
//! in `tests/replica.sh`.

use std::time::{Duration, Instant};

use serde_json::json;

use crate::common::*;

/// The value of an unlabelled metric in a Prometheus text page.
fn metric(page: &str, name: &str) -> f64 {
    page.lines()
        .find_map(|line| line.strip_prefix(name)?.strip_prefix(' '))
        .unwrap_or_else(|| panic!("{name} not in {page}"))
        .trim()
        .parse()
        .unwrap()
}

/// Key figures that count the one month of 35 hours, to the hundredth.
fn assert_hours(res: &Res) {
    let text = String::from_utf8_lossy(&res.body);
    assert!(text.contains("\"hours\":35,"), "{text}");
}

async fn metrics(app: &TestApp) -> String {
    String::from_utf8(app.send("GET", "/metrics", None, &[], None).await.body).unwrap()
}

/// A service process on a database of its own, with `env`.
async fn serve(env: &[(&str, &str)]) -> (TestApp, Killed) {
    let db = TestDb::new();
    let port = free_port();
    let process = Killed(serve_process_with(&db.url, port, env));
    until_ready(port).await;
    (TestApp::at(db, format!("http://127.0.0.1:{port}")), process)
}

/// A contract with a person placed and a month of hours, as the facilitator.
async fn some_work(app: &TestApp) -> (uuid::Uuid, uuid::Uuid) {
    let buyer = app.org("buyer", "Département de l'Essonne").await;
    let company = app.org("company", "BTP Sud").await;
    let contract = app.contract(buyer, company, "R-2019-1").await;
    let person = app.person(None, "Martin", "F", "1990-05-01").await;
    let placement = app
        .placement(person, contract, company, "2019-01-01", Some("2019-12-31"))
        .await;
    assert_eq!(app.hours(placement, "2019-03", "35").await.status, 201);
    (contract, placement)
}

#[actix_web::test]
async fn figures_and_lists_read_on_the_replica_writes_and_reads_by_id_on_the_primary() {
    // A "replica" that is the primary itself (not in recovery: no lag), so
    // that what goes where is told by the metrics.
    let db = TestDb::new();
    let port = free_port();
    let _process = Killed(serve_process_with(
        &db.url,
        port,
        &[("DATABASE_REPLICA_URL", db.url.as_str())],
    ));
    until_ready(port).await;
    let app = TestApp::at(db, format!("http://127.0.0.1:{port}"));
    let (contract, _) = some_work(&app).await;
    // The first lag measurement comes within a second of the start.
    let start = Instant::now();
    loop {
        assert_eq!(app.get("/api/v1/contracts", &fac()).await.status, 200);
        if metric(&metrics(&app).await, "db_replica_reads_total") >= 1.0 {
            break;
        }
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "the replica never served"
        );
        actix_web::rt::time::sleep(Duration::from_millis(100)).await;
    }

    let before = metrics(&app).await;
    let reads = metric(&before, "db_replica_reads_total");
    let res = app
        .get(&format!("/api/v1/contracts/{contract}"), &fac())
        .await;
    assert_eq!(res.status, 200);
    let res = app
        .patch(
            &format!("/api/v1/contracts/{contract}"),
            &fac(),
            &json!({"title": "Collège Camille Claudel"}),
            res.header("etag").as_deref(),
        )
        .await;
    assert_eq!(res.status, 200, "{}", String::from_utf8_lossy(&res.body));
    let after = metrics(&app).await;
    assert_eq!(
        metric(&after, "db_replica_reads_total"),
        reads,
        "a read by id or a write went to the replica"
    );

    let res = app.get("/api/v1/stats/key-figures?year=2019", &fac()).await;
    assert_eq!(res.status, 200, "{}", String::from_utf8_lossy(&res.body));
    assert_hours(&res);
    for list in [
        "/api/v1/contracts",
        "/api/v1/placements",
        "/api/v1/organisations",
    ] {
        assert_eq!(app.get(list, &fac()).await.status, 200, "{list}");
    }
    let after = metrics(&app).await;
    assert_eq!(metric(&after, "db_replica_reads_total"), reads + 4.0);
    assert_eq!(metric(&after, "db_replica_lag_seconds"), 0.0);
}

#[actix_web::test]
async fn a_replica_that_does_not_answer_leaves_every_read_to_the_primary() {
    let nobody = format!("postgres://postgres@127.0.0.1:{}/clauses", free_port());
    let (app, _process) = serve(&[("DATABASE_REPLICA_URL", nobody.as_str())]).await;
    some_work(&app).await;
    for _ in 0..3 {
        let res = app.get("/api/v1/stats/key-figures?year=2019", &fac()).await;
        assert_eq!(res.status, 200, "{}", String::from_utf8_lossy(&res.body));
        assert_hours(&res);
        assert_eq!(app.get("/api/v1/placements", &fac()).await.status, 200);
        actix_web::rt::time::sleep(Duration::from_millis(400)).await;
    }
    let page = metrics(&app).await;
    assert_eq!(metric(&page, "db_replica_reads_total"), 0.0);
    assert!(metric(&page, "db_replica_fallbacks_total") >= 6.0, "{page}");
}

#[actix_web::test]
async fn without_prepared_statements_the_whole_flow_passes() {
    let (app, _process) = serve(&[("DATABASE_PREPARED_STATEMENTS", "false")]).await;
    let (contract, placement) = some_work(&app).await;
    // Reads by id go through the pool, not a pipelined connection.
    for _ in 0..3 {
        let res = app
            .get(&format!("/api/v1/placements/{placement}"), &fac())
            .await;
        assert_eq!(res.status, 200, "{}", String::from_utf8_lossy(&res.body));
        let res = app
            .get(&format!("/api/v1/contracts/{contract}"), &fac())
            .await;
        assert_eq!(res.status, 200, "{}", String::from_utf8_lossy(&res.body));
    }
    let page = metrics(&app).await;
    assert_eq!(metric(&page, "db_pipelined_connections_opened_total"), 0.0);
    let res = app
        .get(
            &format!("/api/v1/placements?contract_id={contract}"),
            &fac(),
        )
        .await;
    assert_eq!(res.json()["items"].as_array().unwrap().len(), 1);
    let res = app
        .post(
            "/api/v1/hours/validations",
            &fac(),
            &json!({"decisions": [{"placement_id": placement, "month": "2019-03", "decision": "validated"}]}),
        )
        .await;
    assert_eq!(res.status, 200, "{}", String::from_utf8_lossy(&res.body));
    let res = app.get("/api/v1/stats/key-figures?year=2019", &fac()).await;
    assert_eq!(res.status, 200, "{}", String::from_utf8_lossy(&res.body));
    assert_hours(&res);
}

#[actix_web::test]
async fn the_replicas_sessions_are_read_only() {
    use diesel::RunQueryDsl;
    #[derive(diesel::QueryableByName)]
    struct Setting {
        #[diesel(sql_type = diesel::sql_types::Text)]
        default_transaction_read_only: String,
    }
    let db = TestDb::new();
    let sessions = clauses::db::Sessions {
        read_only: true,
        ..clauses::db::Sessions::new(Duration::from_secs(30))
    };
    let pool = clauses::db::pool_with(&db.url, 1, Duration::from_secs(2), sessions);
    let setting = clauses::db::run(&pool, |c| {
        Ok(diesel::sql_query("SHOW default_transaction_read_only")
            .get_result::<Setting>(&mut ***c)?)
    })
    .await
    .unwrap();
    assert_eq!(setting.default_transaction_read_only, "on");
    let write = clauses::db::run(&pool, |c| {
        Ok(
            diesel::sql_query("INSERT INTO territories (id, name) VALUES (gen_random_uuid(), 'x')")
                .execute(&mut ***c)?,
        )
    })
    .await;
    assert!(write.is_err(), "a write passed on a read-only session");
}

/// A bulk decision under one idempotency key.
async fn decide(app: &TestApp, body: &serde_json::Value) -> Res {
    app.send(
        "POST",
        "/api/v1/hours/validations",
        Some(&fac()),
        &[
            ("Content-Type", "application/json"),
            ("Idempotency-Key", "decisions-2019-03"),
        ],
        Some(body.to_string().into_bytes()),
    )
    .await
}

#[actix_web::test]
async fn two_processes_on_one_database_answer_the_same() {
    let db = TestDb::new();
    let (first_port, second_port) = (free_port(), free_port());
    let _first = Killed(serve_process_with(&db.url, first_port, &[]));
    let _second = Killed(serve_process_with(&db.url, second_port, &[]));
    until_ready(first_port).await;
    until_ready(second_port).await;
    let twin = TestDb {
        name: db.name.clone(),
        url: db.url.clone(),
    };
    let one = TestApp::at(db, format!("http://127.0.0.1:{first_port}"));
    let two = TestApp::at(twin, format!("http://127.0.0.1:{second_port}"));
    let (contract, placement) = some_work(&one).await;

    // A retry that lands on the other process gets the first answer.
    let body = json!({"decisions": [{"placement_id": placement, "month": "2019-03", "decision": "validated"}]});
    let first = decide(&one, &body).await;
    assert_eq!(
        first.status,
        200,
        "{}",
        String::from_utf8_lossy(&first.body)
    );
    let again = decide(&two, &body).await;
    assert_eq!((again.status, &again.body), (first.status, &first.body));

    // Published on one, the public card on the other.
    let res = one
        .post("/api/v1/stats/publications", &fac(), &json!({"year": 2019}))
        .await;
    assert_eq!(res.status, 201, "{}", String::from_utf8_lossy(&res.body));
    let card = two
        .send("GET", "/public/key-figures/2019.json", None, &[], None)
        .await;
    assert_eq!(card.status, 200);
    assert_eq!(card.json()["hours"], json!(35));
    let same = one
        .send("GET", "/public/key-figures/2019.json", None, &[], None)
        .await;
    assert_eq!(same.body, card.body);

    // Reports issued on either process take the next number of one
    // sequence, and each reads the same on the other.
    let issue = format!("/api/v1/contracts/{contract}/report");
    let first = one.post(&issue, &fac(), &json!({})).await;
    assert_eq!(
        first.status,
        201,
        "{}",
        String::from_utf8_lossy(&first.body)
    );
    let second = two.post(&issue, &fac(), &json!({})).await;
    assert_eq!(second.status, 201);
    let number = |res: &Res| res.json()["number"].as_str().unwrap().to_owned();
    let (n1, n2) = (number(&first), number(&second));
    assert_eq!((&n1[5..], &n2[5..]), ("0001", "0002"));
    for (res, n) in [(&first, &n1), (&second, &n2)] {
        let path = format!("/api/v1/contracts/{contract}/reports/{n}");
        let (a, b) = (one.get(&path, &fac()).await, two.get(&path, &fac()).await);
        assert_eq!((a.status, &a.body), (200, &b.body));
        assert_eq!(a.json(), res.json());
    }

    // The same contract, and the same change feed, from both.
    let path = format!("/api/v1/contracts/{contract}");
    assert_eq!(
        one.get(&path, &fac()).await.body,
        two.get(&path, &fac()).await.body
    );
    let feed = one.changes_at_least(&fac(), 4).await;
    assert_eq!(two.changes_at_least(&fac(), 4).await, feed);
}
