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
