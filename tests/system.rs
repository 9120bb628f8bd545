//! Health, readiness, the API description, and errors for malformed
//! requests: always problem+json.

use crate::common::*;
use serde_json::{json, Value};

use clauses::auth::Role;

#[actix_web::test]
async fn health_and_ready() {
    let app = spawn().await;
    let res = app.send("GET", "/health", None, &[], None).await;
    assert_eq!(res.status, 200);
    assert_eq!(res.json(), json!({"status": "ok"}));
    let res = app.send("GET", "/ready", None, &[], None).await;
    assert_eq!(res.status, 200);
}

#[actix_web::test]
async fn ready_follows_the_database_without_a_restart() {
    use actix_web::{web, HttpServer};
    use diesel::prelude::*;

    // A server whose database does not exist yet: 503, then 200 once it does.
    let db = TestDb::new();
    let missing = format!("{}_later", db.name);
    let url = db.url.replace(&db.name, &missing);
    let state = web::Data::new(clauses::state::AppState {
        pool: clauses::db::pool(
            &url,
            2,
            std::time::Duration::from_secs(1),
            std::time::Duration::from_secs(30),
        ),
        verifier: clauses::auth::Verifier::new(Some(SECRET), None, None, None).unwrap(),
        openapi_json: String::new(),
        decp: clauses::domain::decp::Estimation::default(),
        metrics: Default::default(),
        cors_allowed_origins: Vec::new(),
        webhooks: Default::default(),
    });
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = format!("http://{}", listener.local_addr().unwrap());
    let server = HttpServer::new(move || clauses::app(state.clone()))
        .workers(1)
        .disable_signals()
        .listen(listener)
        .unwrap()
        .run();
    actix_web::rt::spawn(server);
    let client = awc::Client::default();

    let started = std::time::Instant::now();
    let res = client.get(format!("{addr}/ready")).send().await.unwrap();
    assert_eq!(res.status().as_u16(), 503);
    assert!(started.elapsed() < std::time::Duration::from_secs(5));
    assert!(res.headers().get("retry-after").is_some());
    // A data request fails fast with 503 too, not a hang or a 500.
    let res = client
        .get(format!("{addr}/api/v1/organisations"))
        .insert_header((
            "Authorization",
            format!("Bearer {}", token(Role::Facilitator, None)),
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 503);

    let mut conn = db.conn();
    diesel::sql_query(format!("CREATE DATABASE {missing}"))
        .execute(&mut conn)
        .unwrap();
    let res = client.get(format!("{addr}/ready")).send().await.unwrap();
    assert_eq!(res.status().as_u16(), 200);
    diesel::sql_query(format!("DROP DATABASE {missing} WITH (FORCE)"))
        .execute(&mut conn)
        .unwrap();
}

#[actix_web::test]
async fn openapi_is_served_and_matches_the_committed_file() {
    let app = spawn().await;
    let committed =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/openapi/openapi.json"))
            .unwrap();
    let generated = clauses::openapi::document();
    assert!(
        committed == generated,
        "openapi/openapi.json is out of date: run `make openapi` (cargo run -q -- openapi > openapi/openapi.json)"
    );
    let res = app.send("GET", "/openapi.json", None, &[], None).await;
    assert_eq!(res.status, 200);
    assert!(res.content_type().starts_with("application/json"));
    assert_eq!(String::from_utf8(res.body).unwrap(), committed);
}

#[actix_web::test]
async fn openapi_is_fit_for_client_generators() {
    let doc: Value = serde_json::from_str(&clauses::openapi::document()).unwrap();
    assert_eq!(doc["openapi"], "3.1.0");
    assert_eq!(
        doc["components"]["securitySchemes"]["bearer"]["scheme"],
        "bearer"
    );
    let mut ids = std::collections::BTreeSet::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            let id = op["operationId"]
                .as_str()
                .unwrap_or_else(|| panic!("{method} {path} has no operationId"));
            assert!(ids.insert(id.to_string()), "duplicate operationId {id}");
            assert!(
                op["tags"].as_array().is_some_and(|t| !t.is_empty()),
                "{id} has no tag"
            );
            if path.starts_with("/api/") {
                assert!(op["security"].is_array(), "{id} lacks security");
                assert!(op["responses"]["401"].is_object(), "{id} lacks 401");
            }
            for (status, response) in op["responses"].as_object().unwrap() {
                // A generator types an answer by its media type: one per
                // success, and a file is bytes, never text to decode.
                if let Some(content) = response["content"].as_object() {
                    if status.starts_with('2') {
                        assert_eq!(content.len(), 1, "{id} {status} has several media types");
                    }
                    for (media, body) in content {
                        let named = body["schema"]["$ref"]
                            .as_str()
                            .and_then(|r| r.rsplit('/').next());
                        let schema =
                            named.map_or(&body["schema"], |n| &doc["components"]["schemas"][n]);
                        let file = !media.contains("json") && media != "text/plain";
                        assert_eq!(
                            schema["format"] == "binary",
                            file,
                            "{id} {status} {media}: a file is format binary, JSON is not"
                        );
                    }
                }
                if status.starts_with('4') || status.starts_with('5') {
                    let r = &response["$ref"];
                    let inline = &response["content"]["application/problem+json"];
                    assert!(
                        r.is_string() || inline.is_object(),
                        "{id} {status} is not a problem"
                    );
                }
            }
        }
    }
    for name in [
        "Organisation",
        "NewOrganisation",
        "OrganisationPatch",
        "OrganisationPage",
        "Problem",
        "FieldError",
    ] {
        assert!(
            doc["components"]["schemas"][name].is_object(),
            "schema {name}"
        );
    }
    let required = doc["components"]["schemas"]["NewOrganisation"]["required"]
        .as_array()
        .unwrap();
    assert!(required.contains(&json!("kind")) && required.contains(&json!("name")));
}

#[actix_web::test]
async fn docs_page_works_offline() {
    let app = spawn().await;
    let res = app.send("GET", "/docs", None, &[], None).await;
    assert_eq!(res.status, 200);
    let html = String::from_utf8(res.body).unwrap();
    assert!(html.contains("/openapi.json") && html.contains("/docs/redoc.standalone.js"));
    assert!(
        !html.contains("http://") && !html.contains("https://"),
        "no external asset"
    );
    let js = app
        .send("GET", "/docs/redoc.standalone.js", None, &[], None)
        .await;
    assert_eq!(js.status, 200);
    assert!(js.body.len() > 500_000);
}

#[actix_web::test]
async fn every_malformed_request_gets_a_problem() {
    let app = spawn().await;
    let t = token(Role::Facilitator, None);
    let json_ct = [("Content-Type", "application/json")];

    app.send("GET", "/nowhere", None, &[], None)
        .await
        .problem(404);
    app.send("GET", "/api/v1/nowhere", Some(&t), &[], None)
        .await
        .problem(404);
    // 405 names the methods the path has (RFC 9110's `Allow`).
    for (method, path, allow) in [
        ("DELETE", "/api/v1/organisations", "GET, POST"),
        ("PUT", "/api/v1/organisations/x", "GET, PATCH"),
        ("POST", "/health", "GET"),
        ("TRACE", "/metrics", "GET"),
        ("DELETE", "/docs", "GET"),
    ] {
        let res = app.send(method, path, Some(&t), &[], None).await;
        res.problem(405);
        assert_eq!(res.headers.get("allow").unwrap(), allow, "{method} {path}");
    }

    let res = app
        .send(
            "POST",
            "/api/v1/organisations",
            Some(&t),
            &json_ct,
            Some(b"{\"kind\": ".to_vec()),
        )
        .await;
    res.problem(400);
    app.send(
        "POST",
        "/api/v1/organisations",
        Some(&t),
        &json_ct,
        Some(vec![]),
    )
    .await
    .problem(400);
    app.send(
        "POST",
        "/api/v1/organisations",
        Some(&t),
        &json_ct,
        Some(b"[1,2]".to_vec()),
    )
    .await
    .problem(422);
    app.send(
        "POST",
        "/api/v1/organisations",
        Some(&t),
        &[("Content-Type", "text/plain")],
        Some(b"kind=company".to_vec()),
    )
    .await
    .problem(415);

    let big = format!(
        "{{\"kind\":\"company\",\"name\":\"{}\"}}",
        "x".repeat(5 * 1024 * 1024)
    );
    let res = app
        .send(
            "POST",
            "/api/v1/organisations",
            Some(&t),
            &json_ct,
            Some(big.into_bytes()),
        )
        .await;
    let body = res.problem(413);
    assert!(body["detail"].as_str().unwrap().contains("65536"), "{body}");
}

#[actix_web::test]
async fn demo_data_is_realistic_and_idempotent() {
    let app = spawn().await;
    let mut conn = app.db.conn();
    assert_eq!(
        clauses::usecases::demo::load(&mut conn).unwrap(),
        clauses::models::demo::ORGANISATIONS.len()
    );
    assert_eq!(clauses::usecases::demo::load(&mut conn).unwrap(), 0);
    let t = token(Role::Facilitator, None);
    let orgs = app.get("/api/v1/organisations", &t).await.json();
    assert_eq!(
        orgs["items"].as_array().unwrap().len(),
        clauses::models::demo::ORGANISATIONS.len()
    );
    let contracts = app.get("/api/v1/contracts", &t).await.json();
    assert_eq!(contracts["items"].as_array().unwrap().len(), 7);
    // A contract's life: the works amended, the roads paid by orders, the
    // green spaces' report issued.
    let works = app
        .get("/api/v1/contracts/0d3e0000-0000-4000-8000-000000000101", &t)
        .await
        .json();
    assert_eq!(works["amendments"], json!(1));
    assert_eq!(works["end_date"], "2021-12-31");
    // 2,520,000 × 0.40 × 0.05 ÷ 35
    assert_eq!(works["commitment_hours"], json!(1440));
    let roads = app
        .get("/api/v1/contracts/0d3e0000-0000-4000-8000-000000000106", &t)
        .await
        .json();
    assert_eq!(roads["pricing"], "orders");
    assert_eq!(roads["commitment_hours"], json!(200));
    assert_eq!(roads["amount_excl_tax"], json!(360000));
    let year = chrono::Datelike::year(&chrono::Utc::now());
    let issued = app
        .get(
            &format!("/api/v1/contracts/0d3e0000-0000-4000-8000-000000000103/reports/{year}-0001"),
            &t,
        )
        .await;
    assert_eq!(
        issued.status,
        200,
        "{}",
        String::from_utf8_lossy(&issued.body)
    );
    assert_eq!(issued.json()["penalty"]["due"], true);
    let f = app
        .get(
            "/api/v1/contracts/0d3e0000-0000-4000-8000-000000000101/fulfilment?on=2019-12-31",
            &t,
        )
        .await
        .json();
    assert_eq!(f["commitment_hours"], json!(1371.43));
    assert_eq!(f["validated_hours"], json!(577.17));
    // The Tarterêts operation, and offers with a proposal in each status.
    let op = app
        .get(
            "/api/v1/operations/0d3e0000-0000-4000-8000-000000000401/fulfilment?on=2019-12-31",
            &t,
        )
        .await
        .json();
    assert_eq!(
        (&op["contracts"], &op["target_hours"]),
        (&json!(3), &json!(5000))
    );
    let natures: std::collections::BTreeSet<String> = contracts["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["operation_id"].is_string())
        .map(|c| c["market_nature"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(natures.len(), 3, "{natures:?}");
    let mut statuses = std::collections::BTreeSet::new();
    let offers = app.get("/api/v1/offers", &t).await.json();
    for o in offers["items"].as_array().unwrap() {
        let ps = app
            .get(
                &format!("/api/v1/offers/{}/proposals", o["id"].as_str().unwrap()),
                &t,
            )
            .await
            .json();
        for p in ps["items"].as_array().unwrap() {
            statuses.insert(p["status"].as_str().unwrap().to_string());
        }
    }
    assert_eq!(statuses.len(), 5, "{statuses:?}");
    let public = app
        .send("GET", "/public/offers", None, &[], None)
        .await
        .json();
    assert_eq!(public["items"].as_array().unwrap().len(), 2);
}

/// A code the service does not know, slipped into the database past its
/// CHECK constraint, fails the read loudly instead of reading as a default.
#[actix_web::test]
async fn an_unknown_code_in_the_database_is_an_error_not_a_default() {
    use diesel::RunQueryDsl;
    let app = spawn().await;
    let buyer = app.org("buyer", "B").await;
    let holder = app.org("company", "H").await;
    let contract = app.contract(buyer, holder, "K").await;
    let person = app.person(None, "Durand", "M", "1980-01-01").await;
    let placement = app
        .placement(person, contract, holder, "2019-01-01", None)
        .await;
    let mut conn = app.db.conn();
    diesel::sql_query("ALTER TABLE placements DROP CONSTRAINT placements_modality_check")
        .execute(&mut conn)
        .unwrap();
    diesel::sql_query("UPDATE placements SET modality = 'teleportation'")
        .execute(&mut conn)
        .unwrap();
    let res = app
        .get(&format!("/api/v1/placements/{placement}"), &fac())
        .await;
    res.problem(500);
    let res = app.get("/api/v1/placements", &fac()).await;
    res.problem(500);
}
