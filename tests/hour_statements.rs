//! Hour statements in bulk: every line judged like a single declaration,
//! replays change nothing, Idempotency-Key returns the first answer.

use std::collections::BTreeSet;

use crate::common::*;
use serde_json::{json, Value};
use uuid::Uuid;

use clauses::auth::Role;

const URL: &str = "/api/v1/hours/batch";

async fn post_statement(app: &TestApp, token: &str, body: &Value, key: Option<&str>) -> Res {
    let mut headers = vec![("Content-Type", "application/json")];
    if let Some(k) = key {
        headers.push(("Idempotency-Key", k));
    }
    app.send(
        "POST",
        URL,
        Some(token),
        &headers,
        Some(serde_json::to_vec(body).unwrap()),
    )
    .await
}

struct Setup {
    app: TestApp,
    holder: Uuid,
    placements: Vec<Uuid>,
}

/// `n` placements from 2019-01-01 to 2020-12-31 on one contract.
async fn setup(n: usize) -> Setup {
    let app = spawn().await;
    let buyer = app.org("buyer", "Buyer").await;
    let holder = app.org("company", "Holder").await;
    let contract = app.contract(buyer, holder, "R").await;
    let mut placements = vec![];
    for i in 0..n {
        let person = app.person(None, &format!("P{i}"), "M", "1980-01-01").await;
        placements.push(
            app.placement(person, contract, holder, "2019-01-01", Some("2020-12-31"))
                .await,
        );
    }
    Setup {
        app,
        holder,
        placements,
    }
}

fn month(i: usize) -> String {
    format!("{}-{:02}", 2019 + i / 12, i % 12 + 1)
}

#[actix_web::test]
async fn ten_thousand_lines_with_37_bad_ones() {
    let s = setup(420).await;
    let company = token(Role::Company, Some(s.holder));
    let mut lines: Vec<Value> = Vec::with_capacity(10_000);
    'fill: for p in &s.placements {
        for m in 0..24 {
            if lines.len() == 10_000 {
                break 'fill;
            }
            lines.push(json!({"placement_id": p, "month": month(m), "worked_hours": 120.5, "training_hours": 7}));
        }
    }
    assert_eq!(lines.len(), 10_000);
    // 37 bad lines, of every kind, at known places.
    let mut bad = BTreeSet::new();
    let repeats: Vec<Value> = lines[..5].to_vec();
    let mut spoil = |i: usize, line: Value| {
        lines[i] = line;
        bad.insert(i + 1);
    };
    for k in 0..5 {
        let p = s.placements[k];
        spoil(
            100 + k,
            json!({"placement_id": p, "month": month(k), "worked_hours": -3}),
        );
        spoil(
            200 + k,
            json!({"placement_id": p, "month": "2021-01", "worked_hours": 10}),
        );
        spoil(
            300 + k,
            json!({"placement_id": p, "month": month(k), "worked_hours": 200, "training_hours": 20}),
        );
        spoil(
            400 + k,
            json!({"placement_id": Uuid::new_v4(), "month": "2019-01", "worked_hours": 10}),
        );
        spoil(
            500 + k,
            json!({"placement_id": p, "month": "2019-13", "worked_hours": 10}),
        );
    }
    for k in 0..4 {
        spoil(
            600 + k,
            json!({"placement_id": s.placements[k], "month": "2019-02", "training_hours": 1}),
        );
    }
    for k in 0..3 {
        spoil(700 + k, json!([1, 2, 3]));
    }
    // Repeats of lines already in the statement (its first lines).
    for (k, repeat) in repeats.into_iter().enumerate() {
        spoil(9_990 + k, repeat);
    }
    // Lines replaced by spoiled ones left their slot empty: fine, they were valid.
    assert_eq!(bad.len(), 37);
    let body = json!({"lines": lines});

    let res = post_statement(&s.app, &company, &body, None).await;
    assert_eq!(
        res.status,
        200,
        "{}",
        String::from_utf8_lossy(&res.body[..500.min(res.body.len())])
    );
    let r = res.json();
    assert_eq!(r["rejected"], json!(37));
    assert_eq!(r["created"], json!(10_000 - 37));
    assert_eq!(r["updated"], json!(0));
    let results = r["results"].as_array().unwrap();
    assert_eq!(results.len(), 10_000);
    let rejected: BTreeSet<usize> = results
        .iter()
        .filter(|x| x["outcome"] == "rejected")
        .map(|x| x["line"].as_u64().unwrap() as usize)
        .collect();
    assert_eq!(rejected, bad);
    for (i, x) in results.iter().enumerate() {
        assert_eq!(x["line"], json!(i + 1));
        let errors = x["errors"].as_array().unwrap();
        assert_eq!(errors.is_empty(), x["outcome"] != "rejected");
    }
    let field = |line: usize| {
        results[line - 1]["errors"][0]["field"]
            .as_str()
            .unwrap()
            .to_string()
    };
    assert_eq!(field(101), "worked_hours");
    assert_eq!(field(201), "month");
    assert_eq!(field(301), "worked_hours");
    assert_eq!(field(401), "placement_id");
    assert_eq!(field(501), "month");
    assert_eq!(field(601), "worked_hours");
    assert_eq!(field(701), "line");
    assert_eq!(field(9_991), "month");

    // Stored as declared months, waiting for validation.
    let months = s
        .app
        .get(
            &format!("/api/v1/placements/{}/hours?limit=500", s.placements[10]),
            &company,
        )
        .await
        .json();
    assert_eq!(months["items"].as_array().unwrap().len(), 24);
    assert_eq!(months["items"][0]["status"], "declared");

    // Replaying changes nothing and says so.
    let again = post_statement(&s.app, &company, &body, None).await.json();
    assert_eq!(again["unchanged"], json!(10_000 - 37));
    assert_eq!(again["created"], json!(0));
    assert_eq!(again["rejected"], json!(37));
}

#[actix_web::test]
async fn idempotency_key_returns_the_first_answer() {
    let s = setup(2).await;
    let company = token(Role::Company, Some(s.holder));
    let body = json!({"lines": [
        {"placement_id": s.placements[0], "month": "2019-03", "worked_hours": 100},
        {"placement_id": s.placements[1], "month": "2019-03", "worked_hours": 90, "training_hours": 10},
    ]});
    let first = post_statement(&s.app, &company, &body, Some("payroll-2019-03-run-1")).await;
    assert_eq!(first.status, 200);
    assert_eq!(first.json()["created"], json!(2));
    let again = post_statement(&s.app, &company, &body, Some("payroll-2019-03-run-1")).await;
    assert_eq!(again.status, 200);
    assert_eq!(again.body, first.body, "the first answer, again");
    // Without the key the same body is judged anew: unchanged.
    let plain = post_statement(&s.app, &company, &body, None).await.json();
    assert_eq!(plain["unchanged"], json!(2));
    // The same key with another body is refused.
    let other = json!({"lines": [{"placement_id": s.placements[0], "month": "2019-04", "worked_hours": 1}]});
    let res = post_statement(&s.app, &company, &other, Some("payroll-2019-03-run-1")).await;
    assert_eq!(res.fields(), ["Idempotency-Key"]);
    let res = post_statement(&s.app, &company, &other, Some("")).await;
    assert_eq!(res.fields(), ["Idempotency-Key"]);
    // Another caller's key space is its own.
    let res = post_statement(&s.app, &fac(), &other, Some("payroll-2019-03-run-1")).await;
    assert_eq!(res.status, 200);
    assert_eq!(res.json()["created"], json!(1));
}

#[actix_web::test]
async fn statement_rules_match_single_declarations() {
    let s = setup(1).await;
    let p = s.placements[0];
    let company = token(Role::Company, Some(s.holder));
    assert_eq!(s.app.hours(p, "2019-05", "100").await.status, 201); // validated by the facilitator
    let body = json!({"lines": [
        {"placement_id": p, "month": "2019-05", "worked_hours": 50},
        {"placement_id": p, "month": "2019-06", "worked_hours": 50, "overtime": 1},
    ]});
    let r = post_statement(&s.app, &company, &body, None).await.json();
    assert_eq!(r["results"][0]["errors"][0]["field"], "month");
    assert_eq!(r["results"][1]["errors"][0]["field"], "overtime");
    // The facilitator's statement replaces and stays validated.
    let r = post_statement(
        &s.app,
        &fac(),
        &json!({"lines": [{"placement_id": p, "month": "2019-05", "worked_hours": 50}]}),
        None,
    )
    .await
    .json();
    assert_eq!(r["updated"], json!(1));
    let m = s
        .app
        .get(&format!("/api/v1/placements/{p}/hours/2019-05"), &company)
        .await
        .json();
    assert_eq!(
        (m["status"].as_str(), m["worked_hours"].clone()),
        (Some("validated"), json!(50))
    );
    // Who may: companies and the facilitator; others 403.
    for (role, org) in [
        (Role::Buyer, Some(s.app.org("buyer", "Another buyer").await)),
        (Role::Plie, Some(s.app.org("plie", "A PLIE").await)),
        (Role::State, None),
    ] {
        post_statement(&s.app, &token(role, org), &body, None)
            .await
            .problem(403);
    }
    // Another company sees no placement of ours.
    let other = token(
        Role::Company,
        Some(s.app.org("company", "Another company").await),
    );
    let r = post_statement(&s.app, &other, &body, None).await.json();
    assert_eq!(r["results"][0]["errors"][0]["field"], "placement_id");
    // The shape of the statement itself.
    let res = post_statement(&s.app, &company, &json!({}), None).await;
    assert_eq!(res.fields(), ["lines"]);
    let too_many: Vec<Value> = (0..10_001).map(|_| json!({})).collect();
    let res = post_statement(&s.app, &company, &json!({"lines": too_many}), None).await;
    assert_eq!(res.fields(), ["lines"]);
}

#[actix_web::test]
async fn reading_hours_does_not_wait_for_a_declaration_in_flight() {
    use diesel::prelude::*;
    use std::time::Duration;
    let s = setup(1).await;
    let app = &s.app;
    let pl = s.placements[0];
    assert_eq!(app.hours(pl, "2019-03", "120").await.status, 201);
    // A declaration in flight holds the placement and its month, as a
    // declaration's transaction does until it commits.
    let mut held = app.db.conn();
    diesel::sql_query("BEGIN").execute(&mut held).unwrap();
    diesel::sql_query("SELECT 1 FROM placements WHERE id = $1 FOR UPDATE")
        .bind::<diesel::sql_types::Uuid, _>(pl)
        .execute(&mut held)
        .unwrap();
    diesel::sql_query("SELECT 1 FROM monthly_hours WHERE placement_id = $1 FOR UPDATE")
        .bind::<diesel::sql_types::Uuid, _>(pl)
        .execute(&mut held)
        .unwrap();
    let company = token(Role::Company, Some(s.holder));
    for path in [
        format!("/api/v1/placements/{pl}/hours"),
        format!("/api/v1/placements/{pl}/hours/2019-03"),
    ] {
        for t in [fac(), company.clone()] {
            let res = actix_web::rt::time::timeout(Duration::from_secs(5), app.get(&path, &t))
                .await
                .unwrap_or_else(|_| panic!("{path} waited for the lock"));
            assert_eq!(res.status, 200, "{}", String::from_utf8_lossy(&res.body));
        }
    }
    // A declaration does wait for the one in flight.
    let declared = actix_web::rt::time::timeout(
        Duration::from_millis(500),
        app.put(
            &format!("/api/v1/placements/{pl}/hours/2019-03"),
            &company,
            &json!({"worked_hours": 100}),
        ),
    )
    .await;
    assert!(declared.is_err(), "a declaration went past a lock held");
    diesel::sql_query("ROLLBACK").execute(&mut held).unwrap();
}
