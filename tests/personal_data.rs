//! The access trail and the person's own copy.

use crate::common::*;
use diesel::prelude::*;
use serde_json::{json, Value};
use uuid::Uuid;

use clauses::auth::Role;

async fn trail(app: &TestApp, person: Uuid, token: &str) -> Vec<Value> {
    let res = app
        .get(
            &format!("/api/v1/beneficiaries/{person}/access-log?limit=500"),
            token,
        )
        .await;
    assert_eq!(res.status, 200, "{}", String::from_utf8_lossy(&res.body));
    res.json()["items"].as_array().unwrap().clone()
}

#[actix_web::test]
async fn every_personal_read_and_change_is_trailed() {
    let app = spawn().await;
    let plie = app.org("plie", "PLIE").await;
    let other_plie = app.org("plie", "Other PLIE").await;
    let buyer = app.org("buyer", "B").await;
    let holder = app.org("company", "H").await;
    let contract = app.contract(buyer, holder, "R").await;
    let person = app.person(Some(plie), "Sensible", "F", "1990-02-03").await;
    let f = fac();
    app.get(&format!("/api/v1/beneficiaries/{person}"), &f)
        .await;
    app.send(
        "GET",
        "/api/v1/beneficiaries",
        Some(&f),
        &[("X-Request-Id", "partner-42.a_b")],
        None,
    )
    .await;
    app.patch(
        &format!("/api/v1/beneficiaries/{person}"),
        &f,
        &json!({"postal_code": "91080"}),
        None,
    )
    .await;
    app.placement(person, contract, holder, "2019-01-01", None)
        .await;
    // The employer reads the name of its employee.
    let res = app
        .get(
            &format!("/api/v1/beneficiaries/{person}"),
            &token(Role::Company, Some(holder)),
        )
        .await;
    assert_eq!(res.status, 200);

    let entries = trail(&app, person, &f).await;
    let actions: Vec<&str> = entries
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(actions, ["create", "read", "read", "update", "read"]);
    assert_eq!(entries[2]["request_id"], "partner-42.a_b");
    assert_eq!(entries[4]["role"], "company");
    assert_eq!(entries[4]["org"], holder.to_string());
    assert!(entries
        .iter()
        .all(|e| e["request_id"].as_str().unwrap().len() >= 8));
    let text = serde_json::to_string(&entries).unwrap();
    assert!(!text.contains("Sensible") && !text.contains("1990-02-03") && !text.contains("91080"));

    // The referent reads it too; nobody else does.
    assert!(!trail(&app, person, &token(Role::Plie, Some(plie)))
        .await
        .is_empty());
    app.get(
        &format!("/api/v1/beneficiaries/{person}/access-log"),
        &token(Role::Plie, Some(other_plie)),
    )
    .await
    .problem(404);
    for (role, org) in [
        (Role::Company, Some(holder)),
        (Role::Buyer, Some(buyer)),
        (Role::Department, Some(app.org("department", "D").await)),
        (Role::State, None),
    ] {
        app.get(
            &format!("/api/v1/beneficiaries/{person}/access-log"),
            &token(role, org),
        )
        .await
        .problem(403);
    }
    // Reading the trail is not itself a personal read.
    assert_eq!(trail(&app, person, &f).await.len(), entries.len());
}

#[actix_web::test]
async fn the_request_id_is_echoed_or_made() {
    let app = spawn().await;
    let res = app
        .send("GET", "/health", None, &[("X-Request-Id", "abc-123")], None)
        .await;
    assert_eq!(res.header("x-request-id").as_deref(), Some("abc-123"));
    let res = app
        .send(
            "GET",
            "/health",
            None,
            &[("X-Request-Id", "not valid!")],
            None,
        )
        .await;
    let made = res.header("x-request-id").unwrap();
    assert!(Uuid::parse_str(&made).is_ok(), "{made}");
    let res = app.send("GET", "/nowhere", None, &[], None).await;
    assert!(res.header("x-request-id").is_some(), "errors carry it too");
}

#[actix_web::test]
async fn the_trail_is_append_only_in_the_database() {
    let app = spawn().await;
    let person = app.person(None, "X", "M", "1980-01-01").await;
    let mut conn = app.db.conn();
    for sql in [
        "UPDATE access_trail SET sub = 'someone else'",
        "DELETE FROM access_trail",
        "TRUNCATE access_trail",
    ] {
        let err = diesel::sql_query(sql)
            .execute(&mut conn)
            .unwrap_err()
            .to_string();
        assert!(err.contains("append-only"), "{sql}: {err}");
    }
    assert_eq!(trail(&app, person, &fac()).await.len(), 1);
}

#[actix_web::test]
async fn the_persons_own_copy() {
    let app = spawn().await;
    let plie = app.org("plie", "PLIE").await;
    let buyer = app.org("buyer", "B").await;
    let holder = app.org("company", "H").await;
    let contract = app.contract(buyer, holder, "R").await;
    let person = app.person(Some(plie), "Copie", "F", "1991-07-14").await;
    let placement = app
        .placement(person, contract, holder, "2019-01-01", None)
        .await;
    assert_eq!(app.hours(placement, "2019-02", "100").await.status, 201);
    let res = app
        .get(&format!("/api/v1/beneficiaries/{person}/export"), &fac())
        .await;
    assert_eq!(res.status, 200, "{}", String::from_utf8_lossy(&res.body));
    let copy = res.json();
    assert_eq!(copy["beneficiary"]["last_name"], "Copie");
    assert_eq!(copy["beneficiary"]["birth_date"], "1991-07-14");
    assert_eq!(copy["placements"][0]["id"], placement.to_string());
    assert_eq!(copy["hours"][0]["worked_hours"], json!(100));
    let actions: Vec<&str> = copy["access_trail"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(actions.last(), Some(&"export"));
    for (role, org) in [
        (Role::Plie, Some(plie)),
        (Role::Company, Some(holder)),
        (Role::Buyer, Some(buyer)),
        (Role::State, None),
    ] {
        app.get(
            &format!("/api/v1/beneficiaries/{person}/export"),
            &token(role, org),
        )
        .await
        .problem(403);
    }
    app.get(
        &format!("/api/v1/beneficiaries/{}/export", Uuid::new_v4()),
        &fac(),
    )
    .await
    .problem(404);
}

#[actix_web::test]
async fn retention_erases_people_past_the_period() {
    let app = spawn().await;
    let buyer = app.org("buyer", "B").await;
    let holder = app.org("company", "H").await;
    let contract = app.contract(buyer, holder, "R").await;
    let old = app.person(None, "Ancienne", "F", "1970-01-01").await;
    app.placement(old, contract, holder, "2019-01-01", Some("2019-06-30"))
        .await;
    let recent = app.person(None, "Recente", "F", "1970-01-01").await;
    app.placement(recent, contract, holder, "2019-01-01", None)
        .await;
    let never_placed = app.person(None, "Jamais", "M", "1970-01-01").await;
    // Registered long ago, never placed.
    diesel::sql_query(
        "UPDATE beneficiaries SET created_at = now() - interval '6 years' WHERE id = $1",
    )
    .bind::<diesel::sql_types::Uuid, _>(never_placed)
    .execute(&mut app.db.conn())
    .unwrap();
    let run = |dry: bool, years: &str| {
        let mut c = std::process::Command::new(env!("CARGO_BIN_EXE_clauses"));
        c.arg("retention")
            .env("DATABASE_URL", &app.db.url)
            .env("RETENTION_YEARS", years)
            .env("RUST_LOG", "warn");
        if dry {
            c.arg("--dry-run");
        }
        let out = c.output().unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    };
    assert!(run(true, "5").contains("2 people would be erased"));
    let erased = |id: Uuid| {
        let app = &app;
        async move {
            app.get(&format!("/api/v1/beneficiaries/{id}"), &fac())
                .await
                .json()["erased"]
                .clone()
        }
    };
    assert_eq!(erased(old).await, json!(false), "a dry run changes nothing");
    assert!(run(false, "5").contains("2 people erased"));
    assert_eq!(erased(old).await, json!(true));
    assert_eq!(erased(never_placed).await, json!(true));
    assert_eq!(erased(recent).await, json!(false));
    assert!(run(false, "5").contains("0 people erased"), "idempotent");
}

#[actix_web::test]
async fn a_read_whose_trail_cannot_be_written_fails() {
    let app = spawn().await;
    let person = app.person(None, "Introuvable", "F", "1980-01-01").await;
    use diesel::connection::SimpleConnection;
    app.db
        .conn()
        .batch_execute(
            "CREATE FUNCTION refuse() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'disk full'; END $$;
             CREATE TRIGGER refuse BEFORE INSERT ON access_trail FOR EACH ROW EXECUTE FUNCTION refuse();",
        )
        .unwrap();
    for path in [
        format!("/api/v1/beneficiaries/{person}"),
        "/api/v1/beneficiaries".to_string(),
    ] {
        let res = app.get(&path, &fac()).await;
        assert!(res.status >= 500, "{path}: {}", res.status);
        assert!(!String::from_utf8_lossy(&res.body).contains("Introuvable"));
    }
}
