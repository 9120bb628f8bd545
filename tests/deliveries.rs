//! Webhook deliveries (API.md, "Webhooks"): a receiver on the loopback
//! verifies each Standard Webhooks signature and answers as each test
//! scripts it; the service delivers in the feed's order, retries, gives
//! up, logs, replays, and keeps to its owner's scope.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use actix_web::{web, App, HttpRequest, HttpResponse, HttpServer};
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use clauses::auth::Role;
use serde_json::{json, Value};

use crate::common::*;

/// How a receiver answers one request.
#[derive(Debug, Clone)]
enum Reply {
    Status(u16),
    /// 302 to another path of the receiver, which would answer 200.
    Redirect,
    /// 200, after this long.
    Slow(Duration),
}

/// One request a receiver got.
#[derive(Debug, Clone)]
struct Got {
    path: String,
    id: String,
    timestamp: String,
    signature: String,
    content_type: String,
    body: Vec<u8>,
}

impl Got {
    fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap()
    }

    /// The Standard Webhooks check, written here from the specification
    /// rather than taken from the service: HMAC-SHA256 with the secret's
    /// decoded bytes over `id.timestamp.body`, one of the space-separated
    /// `v1,` signatures matching, the timestamp within five minutes.
    fn verifies_with(&self, secret: &str) -> bool {
        let key_bytes = STANDARD
            .decode(secret.strip_prefix("whsec_").unwrap())
            .unwrap();
        let key = ring::hmac::Key::new(ring::hmac::HMAC_SHA256, &key_bytes);
        let mut signed = format!("{}.{}.", self.id, self.timestamp).into_bytes();
        signed.extend_from_slice(&self.body);
        let expected = STANDARD.encode(ring::hmac::sign(&key, &signed).as_ref());
        let ts: i64 = self.timestamp.parse().unwrap();
        (chrono::Utc::now().timestamp() - ts).abs() < 300
            && self
                .signature
                .split(' ')
                .any(|s| s.strip_prefix("v1,") == Some(expected.as_str()))
    }
}

struct Inner {
    script: VecDeque<Reply>,
    /// The answer once the script is spent.
    then: Reply,
    got: Vec<Got>,
    in_flight: usize,
    most_in_flight: usize,
}

/// A partner's endpoint: answers its script in order, then 200.
#[derive(Clone)]
struct Receiver {
    url: String,
    inner: Arc<Mutex<Inner>>,
}

/// Counts a request out of flight however its handler ends (a client
/// that gives up drops it).
struct InFlight(Arc<Mutex<Inner>>);

impl Drop for InFlight {
    fn drop(&mut self) {
        self.0.lock().unwrap().in_flight -= 1;
    }
}

async fn receive(req: HttpRequest, body: web::Bytes, rx: web::Data<Receiver>) -> HttpResponse {
    let header = |name: &str| {
        req.headers()
            .get(name)
            .map(|v| v.to_str().unwrap().to_string())
            .unwrap_or_default()
    };
    let reply = {
        let mut inner = rx.inner.lock().unwrap();
        inner.in_flight += 1;
        inner.most_in_flight = inner.most_in_flight.max(inner.in_flight);
        inner.got.push(Got {
            path: req.path().to_string(),
            id: header("webhook-id"),
            timestamp: header("webhook-timestamp"),
            signature: header("webhook-signature"),
            content_type: header("content-type"),
            body: body.to_vec(),
        });
        let then = inner.then.clone();
        inner.script.pop_front().unwrap_or(then)
    };
    let _flight = InFlight(rx.inner.clone());
    match reply {
        Reply::Status(s) => {
            HttpResponse::build(actix_web::http::StatusCode::from_u16(s).unwrap()).finish()
        }
        Reply::Redirect => HttpResponse::Found()
            .insert_header(("location", "/elsewhere"))
            .finish(),
        Reply::Slow(d) => {
            actix_web::rt::time::sleep(d).await;
            HttpResponse::Ok().finish()
        }
    }
}

impl Receiver {
    async fn start(script: Vec<Reply>) -> Receiver {
        Receiver::start_then(script, Reply::Status(200)).await
    }

    async fn start_then(script: Vec<Reply>, then: Reply) -> Receiver {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let rx = Receiver {
            url: format!("http://{}/hooks", listener.local_addr().unwrap()),
            inner: Arc::new(Mutex::new(Inner {
                script: script.into(),
                then,
                got: Vec::new(),
                in_flight: 0,
                most_in_flight: 0,
            })),
        };
        let data = web::Data::new(rx.clone());
        let server = HttpServer::new(move || {
            App::new()
                .app_data(data.clone())
                .default_service(web::to(receive))
        })
        .workers(1)
        .disable_signals()
        .listen(listener)
        .unwrap()
        .run();
        actix_web::rt::spawn(server);
        rx
    }

    fn got(&self) -> Vec<Got> {
        self.inner.lock().unwrap().got.clone()
    }

    fn most_in_flight(&self) -> usize {
        self.inner.lock().unwrap().most_in_flight
    }

    /// The messages received, each once, in the order first received.
    fn messages(&self) -> Vec<Got> {
        let mut seen = std::collections::HashSet::new();
        self.got()
            .into_iter()
            .filter(|g| seen.insert(g.id.clone()))
            .collect()
    }
}

/// Waits until `done` holds, for at most `patience`.
async fn until(what: &str, patience: Duration, mut done: impl FnMut() -> bool) {
    let start = Instant::now();
    while !done() {
        assert!(start.elapsed() < patience, "waited {patience:?} for {what}");
        actix_web::rt::time::sleep(Duration::from_millis(50)).await;
    }
}

fn delivering() -> clauses::webhooks::Settings {
    clauses::webhooks::Settings {
        deliver: true,
        ..webhook_settings()
    }
}

/// The end of the feed as `token` sees it now.
async fn feed_end(app: &TestApp, token: &str) -> String {
    let mut after = String::new();
    loop {
        let page = app
            .get(&format!("/api/v1/changes?limit=500&after={after}"), token)
            .await
            .json();
        let next = page["next_cursor"].as_str().unwrap().to_string();
        if page["items"].as_array().unwrap().is_empty() {
            return next;
        }
        after = next;
    }
}

/// The changes `token` may read after `after`.
async fn feed_after(app: &TestApp, token: &str, after: &str) -> Vec<Value> {
    let mut items = Vec::new();
    let mut after = after.to_string();
    loop {
        let page = app
            .get(&format!("/api/v1/changes?limit=500&after={after}"), token)
            .await
            .json();
        let batch = page["items"].as_array().unwrap().clone();
        if batch.is_empty() {
            return items;
        }
        items.extend(batch);
        after = page["next_cursor"].as_str().unwrap().to_string();
    }
}

/// A subscription of `token` to `url`; its id and secret.
async fn subscribe(app: &TestApp, token: &str, body: Value) -> (String, String) {
    let res = app.post("/api/v1/webhooks", token, &body).await;
    assert_eq!(res.status, 201, "{}", String::from_utf8_lossy(&res.body));
    let w = res.json();
    (
        w["id"].as_str().unwrap().to_string(),
        w["secret"].as_str().unwrap().to_string(),
    )
}

async fn attempts(app: &TestApp, token: &str, webhook: &str) -> Vec<Value> {
    let res = app
        .get(
            &format!("/api/v1/webhooks/{webhook}/deliveries?limit=500"),
            token,
        )
        .await;
    assert_eq!(res.status, 200, "{}", String::from_utf8_lossy(&res.body));
    res.json()["items"].as_array().unwrap().clone()
}

/// Polls until the log holds `n` attempts.
async fn until_logged(app: &TestApp, token: &str, webhook: &str, n: usize) -> Vec<Value> {
    let start = Instant::now();
    loop {
        let log = attempts(app, token, webhook).await;
        if log.len() >= n {
            return log;
        }
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "waited for {n} attempts, have {log:?}"
        );
        actix_web::rt::time::sleep(Duration::from_millis(100)).await;
    }
}

/// One change of the feed: a contract.
async fn one_change(app: &TestApp) {
    let company = app.org("company", "Bâtisseurs d'Essonne").await;
    let buyer = app.org("buyer", "Ville d'Évry").await;
    app.contract(buyer, company, "2026-EV-01").await;
}

#[actix_web::test]
async fn changes_are_delivered_signed_in_the_feeds_order_retried_and_logged() {
    let app = spawn_full(Keys::default(), delivering()).await;
    let rx = Receiver::start(vec![Reply::Status(500)]).await;
    let fac = fac();
    let start = feed_end(&app, &fac).await;
    let (id, secret) = subscribe(&app, &fac, json!({"url": rx.url})).await;

    let company = app.org("company", "Bâtisseurs d'Essonne").await;
    let buyer = app.org("buyer", "Ville d'Évry").await;
    let contract = app.contract(buyer, company, "2026-EV-01").await;
    let person = app.person(None, "Martin", "F", "1990-04-02").await;
    let placement = app
        .placement(person, contract, company, "2019-03-04", None)
        .await;
    app.hours(placement, "2019-03", "35").await;
    app.hours(placement, "2019-04", "70.5").await;
    let expected = feed_after(&app, &fac, &start).await;
    assert!(expected.len() >= 5, "{expected:?}");

    until("every change", Duration::from_secs(60), || {
        rx.messages().len() >= expected.len()
    })
    .await;
    let got = rx.got();
    let messages = rx.messages();
    assert_eq!(messages.len(), expected.len());
    for (m, change) in messages.iter().zip(&expected) {
        let body = m.json();
        assert_eq!(body["data"], *change, "thin: the feed's item");
        assert_eq!(
            body["type"],
            json!(format!(
                "{}.{}",
                change["entity"].as_str().unwrap(),
                change["op"].as_str().unwrap()
            ))
        );
        assert!(body["timestamp"].as_str().unwrap().ends_with('Z'));
        assert!(m.id.starts_with("msg_"));
        assert_eq!(m.path, "/hooks");
        assert_eq!(m.content_type, "application/json");
    }
    for g in &got {
        assert!(g.verifies_with(&secret), "signature of {g:?}");
    }
    // The first answer was a 500: the same message again, the same id.
    assert_eq!(got[0].id, got[1].id);
    assert_eq!(got.len(), expected.len() + 1);
    assert_eq!(rx.most_in_flight(), 1, "one at a time");

    let log = until_logged(&app, &fac, &id, expected.len() + 1).await;
    assert_eq!(log[0]["message_id"], json!(got[0].id));
    assert_eq!(log[0]["attempt"], json!(1));
    assert_eq!(log[0]["status_code"], json!(500));
    assert_eq!(log[0]["error"], json!("HTTP 500"));
    assert_eq!(log[0]["cursor"], expected[0]["cursor"]);
    assert_eq!(
        log[0]["type"],
        json!(format!(
            "{}.create",
            expected[0]["entity"].as_str().unwrap()
        ))
    );
    assert_eq!(log[1]["attempt"], json!(2));
    assert_eq!(log[1]["status_code"], json!(200));
    assert_eq!(log[1]["error"], Value::Null);
    for (entry, change) in log[1..].iter().zip(&expected) {
        assert_eq!(entry["cursor"], change["cursor"]);
        assert_eq!(entry["status_code"], json!(200));
    }
    let paged = app
        .get(&format!("/api/v1/webhooks/{id}/deliveries?limit=2"), &fac)
        .await
        .json();
    assert_eq!(paged["items"].as_array().unwrap().len(), 2);
    let next = paged["next_cursor"].as_str().unwrap();
    let rest = app
        .get(
            &format!("/api/v1/webhooks/{id}/deliveries?limit=500&cursor={next}"),
            &fac,
        )
        .await
        .json();
    assert_eq!(rest["items"][0], log[2]);

    // Operators see the outcomes; nothing waits any more.
    let metrics =
        String::from_utf8(app.send("GET", "/metrics", None, &[], None).await.body).unwrap();
    assert!(
        metrics.contains(&format!(
            "webhook_deliveries_total{{outcome=\"delivered\"}} {}",
            expected.len()
        )),
        "{metrics}"
    );
    assert!(metrics.contains("webhook_deliveries_total{outcome=\"failed\"} 1"));
    assert!(
        metrics.contains("webhook_oldest_undelivered_seconds 0\n"),
        "{metrics}"
    );
    assert!(metrics.contains("webhooks_disabled 0\n"));

    // Another company's token finds neither the subscription nor its log.
    let other = token(Role::Company, Some(company));
    assert_eq!(
        app.get(&format!("/api/v1/webhooks/{id}/deliveries"), &other)
            .await
            .status,
        404
    );
}

#[actix_web::test]
async fn a_410_disables_at_once_and_spent_retries_disable_after_the_schedule() {
    let app = spawn_full(Keys::default(), delivering()).await;
    let gone = Receiver::start(vec![Reply::Status(410)]).await;
    let failing = Receiver::start(vec![Reply::Status(503); 4]).await;
    let fac = fac();
    let (gone_id, _) = subscribe(&app, &fac, json!({"url": gone.url})).await;
    let (failing_id, secret) = subscribe(&app, &fac, json!({"url": failing.url})).await;
    one_change(&app).await;

    let disabled = |id: String| {
        let app = &app;
        let fac = fac.clone();
        async move {
            let start = Instant::now();
            loop {
                let w = app
                    .get(&format!("/api/v1/webhooks/{id}"), &fac)
                    .await
                    .json();
                if w["enabled"] == json!(false) {
                    return w;
                }
                assert!(start.elapsed() < Duration::from_secs(60), "{w}");
                actix_web::rt::time::sleep(Duration::from_millis(100)).await;
            }
        }
    };
    let w = disabled(gone_id.clone()).await;
    assert!(
        w["disabled_reason"].as_str().unwrap().contains("410"),
        "{w}"
    );
    assert_eq!(attempts(&app, &fac, &gone_id).await.len(), 1);

    // The tests' schedule is three retries of a second: four attempts.
    let w = disabled(failing_id.clone()).await;
    let reason = w["disabled_reason"].as_str().unwrap();
    assert!(
        reason.contains("4 attempts") && reason.contains("HTTP 503"),
        "{reason}"
    );
    let log = attempts(&app, &fac, &failing_id).await;
    assert_eq!(
        log.iter().map(|a| a["attempt"].clone()).collect::<Vec<_>>(),
        [json!(1), json!(2), json!(3), json!(4)]
    );
    assert!(log.iter().all(|a| a["status_code"] == json!(503)));
    let ids: std::collections::HashSet<_> = failing.got().iter().map(|g| g.id.clone()).collect();
    assert_eq!(ids.len(), 1, "the same message each time");
    let metrics =
        String::from_utf8(app.send("GET", "/metrics", None, &[], None).await.body).unwrap();
    assert!(metrics.contains("webhooks_disabled 2\n"), "{metrics}");
    assert!(metrics.contains("webhook_deliveries_total{outcome=\"gone\"} 1"));

    // Turned on again, it starts over from the change it stopped at.
    let on = app
        .patch(
            &format!("/api/v1/webhooks/{failing_id}"),
            &fac,
            &json!({"enabled": true}),
            None,
        )
        .await;
    assert_eq!(on.status, 200);
    let log = until_logged(&app, &fac, &failing_id, 5).await;
    assert_eq!(log[4]["attempt"], json!(1));
    assert_eq!(log[4]["status_code"], json!(200));
    assert_eq!(log[4]["message_id"], log[0]["message_id"]);
    assert!(failing.got().iter().all(|g| g.verifies_with(&secret)));
}

#[actix_web::test]
async fn a_redirect_is_not_followed_and_a_slow_answer_times_out() {
    let app = spawn_full(Keys::default(), delivering()).await;
    let rx = Receiver::start(vec![Reply::Redirect, Reply::Slow(Duration::from_secs(20))]).await;
    let fac = fac();
    let (id, _) = subscribe(&app, &fac, json!({"url": rx.url})).await;
    one_change(&app).await;

    let log = until_logged(&app, &fac, &id, 3).await;
    assert_eq!(log[0]["status_code"], json!(302));
    assert_eq!(log[1]["status_code"], Value::Null);
    assert_eq!(log[1]["error"], json!("no answer within 15 s"));
    assert!(log[1]["duration_ms"].as_i64().unwrap() >= 15_000);
    assert_eq!(log[2]["status_code"], json!(200));
    assert!(
        rx.got().iter().all(|g| g.path == "/hooks"),
        "the redirect was followed"
    );
}

#[actix_web::test]
async fn a_replay_sends_again_after_a_cursor_with_the_same_ids() {
    let app = spawn_full(Keys::default(), delivering()).await;
    let rx = Receiver::start(vec![]).await;
    let fac = fac();
    let company = app.org("company", "Bâtisseurs d'Essonne").await;
    let buyer = app.org("buyer", "Ville d'Évry").await;
    let start = feed_end(&app, &fac).await;
    let (id, _) = subscribe(&app, &fac, json!({"url": rx.url})).await;
    for reference in ["2026-A", "2026-B", "2026-C"] {
        app.contract(buyer, company, reference).await;
    }
    let expected = feed_after(&app, &fac, &start).await;
    assert_eq!(expected.len(), 3);
    until("three messages", Duration::from_secs(30), || {
        rx.got().len() == 3
    })
    .await;
    let first = rx.got();

    let bad = app
        .post(
            &format!("/api/v1/webhooks/{id}/replay"),
            &fac,
            &json!({"after": "nope"}),
        )
        .await;
    assert_eq!(bad.fields(), ["after"]);
    let res = app
        .post(
            &format!("/api/v1/webhooks/{id}/replay"),
            &fac,
            &json!({"after": expected[0]["cursor"]}),
        )
        .await;
    assert_eq!(res.status, 200, "{}", String::from_utf8_lossy(&res.body));
    assert_eq!(res.json()["enabled"], json!(true));
    until("the replay", Duration::from_secs(30), || {
        rx.got().len() == 5
    })
    .await;
    let again = &rx.got()[3..];
    assert_eq!(again[0].id, first[1].id);
    assert_eq!(again[1].id, first[2].id);
    assert_eq!(again[0].json()["data"], expected[1]);
    let plie = app.org("plie", "PLIE Cœur Essonne").await;
    assert_eq!(
        app.post(
            &format!("/api/v1/webhooks/{id}/replay"),
            &token(Role::Plie, Some(plie)),
            &json!({"after": expected[0]["cursor"]}),
        )
        .await
        .status,
        404
    );
}

#[actix_web::test]
async fn each_subscription_receives_what_its_owner_may_read_and_nothing_else() {
    let app = spawn_full(Keys::default(), delivering()).await;
    let fac = fac();
    let a = app.org("company", "Bâtisseurs d'Essonne").await;
    let b = app.org("company", "Routes du Sud").await;
    let buyer = app.org("buyer", "Ville d'Évry").await;
    let plie = app.org("plie", "PLIE Cœur Essonne").await;
    let owners = [
        ("facilitator", fac.clone()),
        ("company A", token(Role::Company, Some(a))),
        ("company B", token(Role::Company, Some(b))),
        ("buyer", token(Role::Buyer, Some(buyer))),
    ];
    let start = feed_end(&app, &fac).await;
    let mut subs = Vec::new();
    for (who, t) in &owners {
        let rx = Receiver::start(vec![]).await;
        subscribe(&app, t, json!({"url": rx.url})).await;
        subs.push((*who, t.clone(), rx));
    }

    let ca = app.contract(buyer, a, "2026-A").await;
    let cb = app.contract(buyer, b, "2026-B").await;
    let person = app.person(Some(plie), "Martin", "F", "1990-04-02").await;
    let pa = app.placement(person, ca, a, "2019-03-04", None).await;
    app.hours(pa, "2019-03", "35").await;

    for (who, t, rx) in &subs {
        let expected = feed_after(&app, t, &start).await;
        until(who, Duration::from_secs(60), || {
            rx.messages().len() >= expected.len()
        })
        .await;
        // Let anything the rule would wrongly let through arrive too.
        actix_web::rt::time::sleep(Duration::from_millis(600)).await;
        let data: Vec<Value> = rx
            .messages()
            .iter()
            .map(|m| m.json()["data"].clone())
            .collect();
        assert_eq!(data, expected, "{who}");
    }
    let ids = |who: &str| -> Vec<(String, String)> {
        let (_, _, rx) = subs.iter().find(|(w, _, _)| *w == who).unwrap();
        rx.messages()
            .iter()
            .map(|m| {
                let d = m.json()["data"].clone();
                (
                    d["entity"].as_str().unwrap().to_string(),
                    d["id"].as_str().unwrap().to_string(),
                )
            })
            .collect()
    };
    let of_a = ids("company A");
    assert!(of_a.contains(&("contract".into(), ca.to_string())));
    assert!(
        !of_a.iter().any(|(_, id)| *id == cb.to_string()),
        "{of_a:?}"
    );
    assert!(!ids("company B").iter().any(|(_, id)| *id == ca.to_string()));
    assert!(
        !ids("buyer").iter().any(|(e, _)| e == "beneficiary"),
        "a buyer is never sent a person"
    );
    assert!(ids("facilitator").contains(&("beneficiary".into(), person.to_string())));
}

/// `clauses serve` on `db_url`, as a deployment runs it, delivering or not.
fn serve_process(db_url: &str, port: u16, deliver: bool) -> std::process::Child {
    serve_process_with(
        db_url,
        port,
        &[
            (
                "WEBHOOK_SECRET_KEY",
                "dGVzdHMtc2VhbGluZy1rZXktMzItYnl0ZXMtbG9uZyE=",
            ),
            ("WEBHOOK_ALLOW_HTTP", "true"),
            ("WEBHOOK_ALLOWED_NETWORKS", "127.0.0.0/8"),
            ("WEBHOOK_RETRY_SCHEDULE", "1,1,1"),
            ("WEBHOOKS", if deliver { "on" } else { "off" }),
        ],
    )
}

#[actix_web::test]
async fn two_processes_deliver_every_change_once_at_a_time_and_one_killed_the_other_finishes() {
    let db = TestDb::new();
    let url = db.url.clone();
    // One process answers the API and does not deliver; two deliver.
    let api_port = free_port();
    let _api = Killed(serve_process(&url, api_port, false));
    until_ready(api_port).await;
    let app = TestApp::at(db, format!("http://127.0.0.1:{api_port}"));
    let rx = Receiver::start_then(vec![], Reply::Slow(Duration::from_millis(25))).await;
    let fac = fac();
    let company = app.org("company", "Bâtisseurs d'Essonne").await;
    let buyer = app.org("buyer", "Ville d'Évry").await;
    let start = feed_end(&app, &fac).await;
    let (_, secret) = subscribe(&app, &fac, json!({"url": rx.url})).await;
    for i in 0..200 {
        app.contract(buyer, company, &format!("2026-{i:03}")).await;
    }
    let expected = feed_after(&app, &fac, &start).await;
    assert_eq!(expected.len(), 200);

    // The first deliverer takes the subscription; the second starts
    // while the first holds it, then the first is killed mid-run.
    let first_port = free_port();
    let mut first = Killed(serve_process(&url, first_port, true));
    until_ready(first_port).await;
    until("the first deliveries", Duration::from_secs(30), || {
        rx.got().len() >= 40
    })
    .await;
    let second_port = free_port();
    let _second = Killed(serve_process(&url, second_port, true));
    until_ready(second_port).await;
    actix_web::rt::time::sleep(Duration::from_millis(600)).await;
    first.0.kill().unwrap(); // SIGKILL
    first.0.wait().unwrap();
    let at_kill = rx.messages().len();
    assert!(at_kill < 200, "the run ended before the kill");

    until("every change", Duration::from_secs(90), || {
        rx.messages().len() == 200
    })
    .await;
    let position = |g: &Got| {
        expected
            .iter()
            .position(|c| c["cursor"] == g.json()["data"]["cursor"])
            .expect("a change of the feed")
    };
    // Never a change before the one it follows: each message is one
    // already received (sent again after the kill: at least once) or the
    // next of the feed.
    let mut next = 0;
    for g in rx.got() {
        let p = position(&g);
        assert!(p <= next, "change {p} came before change {next}");
        next = next.max(p + 1);
    }
    assert_eq!(
        rx.messages().iter().map(position).collect::<Vec<_>>(),
        (0..200).collect::<Vec<_>>()
    );
    assert_eq!(rx.most_in_flight(), 1, "two processes sent at once");
    assert!(rx.got().iter().all(|g| g.verifies_with(&secret)));
}

#[actix_web::test]
async fn an_address_refused_at_delivery_is_logged_as_refused() {
    // Created where the loopback is allowed; delivered by a process of a
    // deployment that does not allow it.
    let app = spawn().await;
    let rx = Receiver::start(vec![]).await;
    let fac = fac();
    let (id, _) = subscribe(&app, &fac, json!({"url": rx.url})).await;
    let strict = clauses::webhooks::Settings {
        destinations: clauses::webhooks::Destinations {
            allow_http: true,
            allowed_networks: Vec::new(),
        },
        ..delivering()
    };
    let _deliverer = spawn_beside(&app, Keys::default(), strict).await;
    one_change(&app).await;
    let log = until_logged(&app, &fac, &id, 1).await;
    assert_eq!(log[0]["status_code"], Value::Null);
    let error = log[0]["error"].as_str().unwrap();
    assert!(
        error.starts_with("refused: 127.0.0.1 resolves to 127.0.0.1"),
        "{error}"
    );
    assert!(rx.got().is_empty());
}
