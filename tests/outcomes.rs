//! What became of the person (API.md, "Outcomes"): the rules of an
//! outcome, who may read and record it, and how it lives with the person's
//! other records (access trail, change feed, own copy, erasure).

use serde_json::{json, Value};
use uuid::Uuid;

use crate::common::*;
use clauses::auth::Role;

struct Case {
    app: TestApp,
    plie: Uuid,
    person: Uuid,
    ended: Uuid,
    open: Uuid,
    holder: Uuid,
    buyer: Uuid,
}

async fn case() -> Case {
    let app = spawn().await;
    let buyer = app.org("buyer", "Ville").await;
    let holder = app.org("company", "Bâtir Essonne").await;
    let plie = app.org("plie", "PLIE Nord").await;
    let c = app.contract(buyer, holder, "O-1").await;
    let person = app.person(Some(plie), "Diallo", "F", "1990-02-01").await;
    let ended = app
        .placement(person, c, holder, "2019-01-07", Some("2019-06-30"))
        .await;
    let open = app.placement(person, c, holder, "2019-09-02", None).await;
    Case {
        app,
        plie,
        person,
        ended,
        open,
        holder,
        buyer,
    }
}

fn path(placement: Uuid) -> String {
    format!("/api/v1/placements/{placement}/outcome")
}

#[actix_web::test]
async fn an_outcome_follows_the_rules_of_api_md() {
    let Case {
        app, ended, open, ..
    } = case().await;
    let f = fac();
    // Only an ended placement has one.
    let res = app
        .put(&path(open), &f, &json!({"situation": "permanent_job"}))
        .await;
    assert_eq!(res.fields(), ["situation"]);
    // The follow-up is six calendar months on: 2019-06-30 gives 2019-12-30.
    let res = app
        .put(
            &path(ended),
            &f,
            &json!({"situation": "fixed_term_short", "follow_up": {"situation": "permanent_job", "observed_on": "2019-12-29"}}),
        )
        .await;
    assert_eq!(res.fields(), ["follow_up.observed_on"]);
    let res = app
        .put(
            &path(ended),
            &f,
            &json!({"situation": "fixed_term_short", "follow_up": {"situation": "permanent_job", "observed_on": "2999-01-01"}}),
        )
        .await;
    assert_eq!(res.fields(), ["follow_up.observed_on"]);
    for (body, fields) in [
        (json!({}), vec!["situation"]),
        (json!({"situation": "rich"}), vec!["situation"]),
        (
            json!({"situation": "unknown", "follow_up": {"situation": "inactive"}}),
            vec!["follow_up.observed_on"],
        ),
        (
            json!({"situation": "unknown", "colour": "blue"}),
            vec!["colour"],
        ),
    ] {
        let res = app.put(&path(ended), &f, &body).await;
        assert_eq!(res.fields(), fields, "{body}");
    }
    app.get(&path(ended), &f).await.problem(404);

    // Recorded: 201 with the group, then replaced under If-Match.
    let res = app
        .put(
            &path(ended),
            &f,
            &json!({"situation": "fixed_term_short", "follow_up": {"situation": "permanent_job", "observed_on": "2019-12-30"}}),
        )
        .await;
    assert_eq!(res.status, 201, "{}", String::from_utf8_lossy(&res.body));
    assert_eq!(res.header("location").unwrap(), path(ended));
    let body = res.json();
    assert_eq!(body["group"], "transitional_employment");
    assert_eq!(body["qualification_gained"], false);
    assert_eq!(
        body["follow_up"],
        json!({"situation": "permanent_job", "observed_on": "2019-12-30"})
    );
    assert_eq!(body["placement_id"], ended.to_string());
    assert_eq!(body["version"], 1);
    let again = app
        .put(
            &path(ended),
            &f,
            &json!({"situation": "fixed_term_short", "follow_up": {"situation": "permanent_job", "observed_on": "2019-12-30"}}),
        )
        .await;
    assert_eq!(
        (again.status, again.json()["version"].clone()),
        (200, json!(1))
    );
    let changed = app
        .send(
            "PUT",
            &path(ended),
            Some(&f),
            &[("Content-Type", "application/json"), ("If-Match", "\"1\"")],
            Some(
                json!({"situation": "permanent_job", "qualification_gained": true})
                    .to_string()
                    .into_bytes(),
            ),
        )
        .await;
    assert_eq!(changed.status, 200);
    let body = changed.json();
    assert_eq!(
        (
            body["group"].clone(),
            body["version"].clone(),
            body["follow_up"].clone()
        ),
        (json!("durable_employment"), json!(2), Value::Null)
    );
    let stale = app
        .send(
            "PUT",
            &path(ended),
            Some(&f),
            &[("Content-Type", "application/json"), ("If-Match", "\"1\"")],
            Some(json!({"situation": "inactive"}).to_string().into_bytes()),
        )
        .await;
    stale.problem(412);
    let read = app.get(&path(ended), &f).await;
    assert_eq!(read.status, 200);
    assert_eq!(read.header("etag").unwrap(), "\"2\"");
    assert_eq!(read.json()["situation"], "permanent_job");
}

#[actix_web::test]
async fn only_the_facilitator_and_the_referent_plie_see_an_outcome() {
    let Case {
        app,
        plie,
        ended,
        holder,
        buyer,
        ..
    } = case().await;
    let other_plie = app.org("plie", "PLIE Sud").await;
    let dept = app.org("department", "Département").await;
    let body = json!({"situation": "qualifying_training"});
    let referent = token(Role::Plie, Some(plie));
    let res = app.put(&path(ended), &referent, &body).await;
    assert_eq!(res.status, 201, "{}", String::from_utf8_lossy(&res.body));
    assert_eq!(app.get(&path(ended), &referent).await.status, 200);
    assert_eq!(
        app.get(&path(ended), &fac()).await.json()["group"],
        "positive_exit"
    );
    for t in [
        token(Role::Company, Some(holder)),
        token(Role::Buyer, Some(buyer)),
        token(Role::Department, Some(dept)),
        token(Role::State, None),
    ] {
        app.get(&path(ended), &t).await.problem(403);
        app.put(&path(ended), &t, &body).await.problem(403);
    }
    let stranger = token(Role::Plie, Some(other_plie));
    app.get(&path(ended), &stranger).await.problem(404);
    app.put(&path(ended), &stranger, &body).await.problem(404);
    app.get(&path(Uuid::new_v4()), &fac()).await.problem(404);
}

#[actix_web::test]
async fn an_outcome_lives_with_the_persons_records() {
    let Case {
        app, person, ended, ..
    } = case().await;
    let f = fac();
    assert_eq!(
        app.put(&path(ended), &f, &json!({"situation": "job_seeking"}))
            .await
            .status,
        201
    );
    app.put(&path(ended), &f, &json!({"situation": "other_siae"}))
        .await;
    app.get(&path(ended), &f).await;

    // In the access trail: recorded, changed, read.
    let log = app
        .get(
            &format!("/api/v1/beneficiaries/{person}/access-log?limit=500"),
            &f,
        )
        .await
        .json();
    let actions: Vec<&str> = log["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    let tail = &actions[actions.len() - 3..];
    assert_eq!(tail, ["create", "update", "read"]);

    // In the change feed, as the placement's.
    let changes = app.changes_at_least(&f, 6).await;
    let outcome: Vec<&Value> = changes
        .iter()
        .filter(|c| c["entity"] == "outcome")
        .collect();
    assert_eq!(outcome.len(), 2);
    assert_eq!(outcome[1]["id"], ended.to_string());
    assert_eq!(
        (&outcome[0]["op"], &outcome[1]["op"]),
        (&json!("create"), &json!("update"))
    );

    // In the person's own copy.
    let copy = app
        .get(&format!("/api/v1/beneficiaries/{person}/export"), &f)
        .await
        .json();
    assert_eq!(copy["outcomes"][0]["situation"], "other_siae");

    // Erasure keeps it (codes, not identity); it can no longer change.
    let res = app
        .post(
            &format!("/api/v1/beneficiaries/{person}/erasure"),
            &f,
            &json!({}),
        )
        .await;
    assert_eq!(res.status, 200, "{}", String::from_utf8_lossy(&res.body));
    assert_eq!(
        app.get(&path(ended), &f).await.json()["situation"],
        "other_siae"
    );
    let res = app
        .put(&path(ended), &f, &json!({"situation": "inactive"}))
        .await;
    res.problem(409);
}

#[actix_web::test]
async fn the_outcome_figures_of_a_year_count_what_became_of_the_leavers() {
    let app = spawn().await;
    let buyer = app.org("buyer", "Ville").await;
    let holder = app.org("company", "Bâtir Essonne").await;
    let c = app.contract(buyer, holder, "OF-1").await;
    let f = fac();
    let mut record = vec![];
    for (i, situation) in [
        Some("permanent_job"),
        Some("permanent_job"),
        Some("permanent_job"),
        Some("fixed_term_short"),
        Some("fixed_term_short"),
        Some("qualifying_training"),
        Some("job_seeking"),
        None,
    ]
    .into_iter()
    .enumerate()
    {
        let person = app
            .person(None, &format!("Sortant{i}"), "F", "1990-02-01")
            .await;
        let p = app
            .placement(person, c, holder, "2019-02-04", Some("2019-07-31"))
            .await;
        record.push((p, situation));
    }
    // Ended in 2020, and still open: not leavers of 2019.
    let later = app.person(None, "Plus tard", "M", "1990-02-01").await;
    let p_2020 = app
        .placement(later, c, holder, "2019-02-04", Some("2020-01-15"))
        .await;
    record.push((p_2020, Some("inactive")));
    app.placement(later, c, holder, "2020-02-03", None).await;
    for (p, situation) in &record {
        if let Some(s) = situation {
            let res = app.put(&path(*p), &f, &json!({"situation": s})).await;
            assert_eq!(res.status, 201, "{}", String::from_utf8_lossy(&res.body));
        }
    }

    let exact = app.get("/api/v1/stats/outcomes?year=2019", &f).await.json();
    assert_eq!(
        (exact["ended"].clone(), exact["with_outcome"].clone()),
        (json!(8), json!(7))
    );
    let rows: Vec<(String, String, Value)> = exact["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["situation"].as_str().unwrap().to_string(),
                r["group"].as_str().unwrap().to_string(),
                r["placements"].clone(),
            )
        })
        .collect();
    assert_eq!(rows.len(), 11, "every situation, 0 included");
    assert_eq!(
        rows[0],
        (
            "permanent_job".into(),
            "durable_employment".into(),
            json!(3)
        )
    );
    assert_eq!(
        rows[3],
        (
            "fixed_term_short".into(),
            "transitional_employment".into(),
            json!(2)
        )
    );
    assert_eq!(rows[6].2, json!(1));
    assert_eq!(rows[8], ("job_seeking".into(), "other".into(), json!(1)));
    assert_eq!(rows[9].2, json!(0));
    assert_eq!(
        exact["groups"],
        json!({"durable_employment": 3, "transitional_employment": 2, "positive_exit": 1, "other": 1, "unknown": 0})
    );
    // (3 + 2 + 1) / 7 = 0.857142...
    assert_eq!(exact["dynamic_exit_rate"].to_string(), "0.8571");

    // A buyer reads small counts masked, and no rate that would give them back.
    let masked = app
        .get(
            "/api/v1/stats/outcomes?year=2019",
            &token(Role::Buyer, Some(buyer)),
        )
        .await
        .json();
    assert_eq!(masked["with_outcome"], 7);
    assert_eq!(masked["rows"][0]["placements"], "< 5");
    assert_eq!(masked["rows"][9]["placements"], 0);
    assert_eq!(masked["groups"]["durable_employment"], "< 5");
    assert!(masked["dynamic_exit_rate"].is_null());
    // A company: a situation is a person's attribute.
    app.get(
        "/api/v1/stats/outcomes?year=2019",
        &token(Role::Company, Some(holder)),
    )
    .await
    .problem(403);
    // Nothing recorded for a year: no rate.
    let none = app.get("/api/v1/stats/outcomes?year=2021", &f).await.json();
    assert_eq!(
        (none["ended"].clone(), none["dynamic_exit_rate"].clone()),
        (json!(0), Value::Null)
    );
    let csv = app
        .get("/api/v1/stats/outcomes?year=2019&format=csv", &f)
        .await;
    assert_eq!(csv.status, 200);
    assert!(String::from_utf8_lossy(&csv.body).contains("permanent_job"));
    app.get("/api/v1/stats/outcomes", &f).await.problem(422);

    // The annual report has them too (a company's, none).
    let annual = app.get("/api/v1/reports/annual?year=2019", &f).await.json();
    assert_eq!(annual["outcomes"], exact);
    let company = app
        .get(
            "/api/v1/reports/annual?year=2019",
            &token(Role::Company, Some(holder)),
        )
        .await
        .json();
    assert!(company["outcomes"].is_null());
}
