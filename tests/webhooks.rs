//! Webhook subscriptions (API.md, "Webhooks"): owned, checked, their
//! secret shown once and stored sealed.

use base64::Engine;
use clauses::auth::Role;
use serde_json::{json, Value};

use crate::common::*;

fn secret_bytes(secret: &Value) -> Vec<u8> {
    let s = secret.as_str().expect("a secret");
    let raw = s.strip_prefix("whsec_").expect("whsec_ prefix");
    base64::engine::general_purpose::STANDARD
        .decode(raw)
        .expect("base64")
}

#[actix_web::test]
async fn a_subscription_is_its_owners_and_its_secret_is_shown_once() {
    let app = spawn().await;
    let a = app.org("company", "Bâtisseurs d'Essonne").await;
    let b = app.org("company", "Routes du Sud").await;
    let (ta, tb) = (token(Role::Company, Some(a)), token(Role::Company, Some(b)));
    let res = app
        .post(
            "/api/v1/webhooks",
            &ta,
            &json!({"url": "http://127.0.0.1:9/hooks", "events": ["placement", "contract"],
                    "description": "SIRH"}),
        )
        .await;
    assert_eq!(res.status, 201, "{}", String::from_utf8_lossy(&res.body));
    let created = res.json();
    let id = created["id"].as_str().unwrap().to_string();
    assert_eq!(secret_bytes(&created["secret"]).len(), 32);
    assert_eq!(created["events"], json!(["contract", "placement"]));
    assert_eq!(created["enabled"], json!(true));
    assert_eq!(created["disabled_reason"], Value::Null);
    assert_eq!(
        res.headers.get("location").unwrap().to_str().unwrap(),
        format!("/api/v1/webhooks/{id}")
    );
    let path = format!("/api/v1/webhooks/{id}");

    // Read back without its secret; another company finds nothing.
    let read = app.get(&path, &ta).await;
    assert_eq!(read.status, 200);
    assert!(read.json().get("secret").is_none(), "{}", read.json());
    for (method, res) in [
        ("GET", app.get(&path, &tb).await),
        (
            "PATCH",
            app.patch(&path, &tb, &json!({"enabled": false}), None)
                .await,
        ),
        (
            "rotate",
            app.post(&format!("{path}/rotate-secret"), &tb, &json!({}))
                .await,
        ),
        ("DELETE", app.delete(&path, &tb).await),
    ] {
        assert_eq!(res.status, 404, "{method} by another company");
    }
    let listed = |t: String| {
        let app = &app;
        async move {
            let res = app.get("/api/v1/webhooks", &t).await;
            assert_eq!(res.status, 200);
            res.json()["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|w| w["id"].as_str().unwrap().to_string())
                .collect::<Vec<_>>()
        }
    };
    assert_eq!(listed(ta.clone()).await, std::slice::from_ref(&id));
    assert!(listed(tb.clone()).await.is_empty());
    assert!(
        listed(fac()).await.is_empty(),
        "the facilitator's are its own"
    );

    // Turned off by its owner, then on again.
    let res = app
        .patch(
            &path,
            &ta,
            &json!({"enabled": false, "description": null}),
            None,
        )
        .await;
    assert_eq!(res.status, 200, "{}", String::from_utf8_lossy(&res.body));
    let off = res.json();
    assert_eq!(off["enabled"], json!(false));
    assert_eq!(off["disabled_reason"], json!("disabled by its owner"));
    assert_eq!(off["description"], Value::Null);
    let on = app
        .patch(&path, &ta, &json!({"enabled": true, "events": null}), None)
        .await;
    assert_eq!(on.status, 200);
    assert_eq!(on.json()["disabled_reason"], Value::Null);
    assert_eq!(on.json()["events"], json!([]));

    // A new secret, shown once; the old one is kept (sealed) to sign
    // beside it for a day.
    let res = app
        .post(&format!("{path}/rotate-secret"), &ta, &json!({}))
        .await;
    assert_eq!(res.status, 200, "{}", String::from_utf8_lossy(&res.body));
    let rotated = res.json();
    assert_ne!(rotated["secret"], created["secret"]);
    assert_eq!(secret_bytes(&rotated["secret"]).len(), 32);
    assert!(rotated["version"].as_i64() > on.json()["version"].as_i64());

    // The database alone holds no secret in the clear.
    use diesel::RunQueryDsl;
    #[derive(diesel::QueryableByName)]
    struct Count {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    let mut conn = app.db.conn();
    let clear: Count = diesel::sql_query(
        "SELECT count(*) AS n FROM webhooks
         WHERE position('whsec_'::bytea IN secret) > 0
            OR position('whsec_'::bytea IN coalesce(previous_secret, ''::bytea)) > 0
            OR previous_secret IS NULL",
    )
    .get_result(&mut conn)
    .unwrap();
    assert_eq!(clear.n, 0);

    assert_eq!(app.delete(&path, &ta).await.status, 204);
    assert_eq!(app.get(&path, &ta).await.status, 404);
}

#[actix_web::test]
async fn a_bad_subscription_is_refused_on_its_field() {
    let app = spawn().await;
    let refused = |body: Value| {
        let app = &app;
        async move { app.post("/api/v1/webhooks", &fac(), &body).await.fields() }
    };
    assert_eq!(
        refused(json!({"url": "https://127.0.0.1:9/", "events": ["contract", "contract.create"]}))
            .await,
        ["events"]
    );
    assert_eq!(refused(json!({"events": []})).await, ["url"]);
    for url in [
        "ftp://127.0.0.1/",
        "not a url",
        "https://user:pw@127.0.0.1/",
        // Not in the tests' allowed network (127.0.0.0/8).
        "https://10.0.0.1/",
        "https://169.254.169.254/latest/meta-data/",
        "https://[::1]/",
        "https://[::ffff:10.0.0.1]/",
        "https://192.168.1.10/",
        "https://100.64.0.1/",
    ] {
        assert_eq!(refused(json!({"url": url})).await, ["url"], "{url}");
    }
    let res = app
        .post(
            "/api/v1/webhooks",
            &fac(),
            &json!({"url": "https://127.0.0.1/", "secret": "x"}),
        )
        .await;
    assert_eq!(res.status, 422, "an unknown field");
}

#[actix_web::test]
async fn by_default_every_address_inside_and_plain_http_are_refused() {
    let mut settings = webhook_settings();
    settings.destinations = clauses::webhooks::Destinations::default();
    let app = spawn_full(Keys::default(), settings).await;
    for url in [
        "https://localhost/",
        "https://127.0.0.1/",
        "https://10.0.0.1/",
        "https://169.254.169.254/",
        "https://[::1]/",
        "https://[::ffff:127.0.0.1]/",
        "http://hooks.example.org/",
    ] {
        let res = app
            .post("/api/v1/webhooks", &fac(), &json!({"url": url}))
            .await;
        assert_eq!(res.fields(), ["url"], "{url}");
    }
}

#[actix_web::test]
async fn without_a_sealing_key_webhooks_are_off() {
    let app = spawn_full(Keys::default(), clauses::webhooks::Settings::default()).await;
    let res = app.get("/api/v1/webhooks", &fac()).await;
    let problem = res.problem(503);
    assert!(
        problem["detail"]
            .as_str()
            .unwrap()
            .contains("WEBHOOK_SECRET_KEY"),
        "{problem}"
    );
    let res = app
        .post(
            "/api/v1/webhooks",
            &fac(),
            &json!({"url": "https://127.0.0.1/"}),
        )
        .await;
    res.problem(503);
    let id = "00000000-0000-7000-8000-000000000001";
    let one = format!("/api/v1/webhooks/{id}");
    app.get(&one, &fac()).await.problem(503);
    app.patch(&one, &fac(), &json!({"enabled": false}), Some("\"1\""))
        .await
        .problem(503);
    app.delete(&one, &fac()).await.problem(503);
    app.post(&format!("{one}/rotate-secret"), &fac(), &json!({}))
        .await
        .problem(503);
    app.get(&format!("{one}/deliveries"), &fac())
        .await
        .problem(503);
    app.post(&format!("{one}/replay"), &fac(), &json!({"after": "x"}))
        .await
        .problem(503);
}
