//! Organisations through HTTP: validation, uniqueness, paging, ETags and
//! who sees what.

use crate::common::*;
use serde_json::{json, Value};
use uuid::Uuid;

use clauses::auth::Role;

const PATH: &str = "/api/v1/organisations";

fn fac() -> String {
    token(Role::Facilitator, None)
}

async fn count(app: &TestApp) -> usize {
    let res = app.get(&format!("{PATH}?limit=500"), &fac()).await;
    res.json()["items"].as_array().unwrap().len()
}

#[actix_web::test]
async fn facilitator_creates_and_reads_an_organisation() {
    let app = spawn().await;
    let res = app
        .post(
            PATH,
            &fac(),
            &json!({"kind": "company", "name": "  Essonne Intérim Insertion ", "siret": "732 829 320 00074", "siae_type": "etti"}),
        )
        .await;
    assert_eq!(res.status, 201, "{}", String::from_utf8_lossy(&res.body));
    let body = res.json();
    let id = body["id"].as_str().unwrap();
    assert_eq!(res.header("location").unwrap(), format!("{PATH}/{id}"));
    assert_eq!(res.header("etag").unwrap(), "\"1\"");
    assert_eq!(body["name"], "Essonne Intérim Insertion");
    assert_eq!(body["siret"], "73282932000074");
    assert_eq!(body["siae_type"], "etti");
    assert_eq!(body["kind"], "company");
    assert_eq!(body["version"], 1);
    assert_eq!(body["identifier"], Value::Null);
    assert!(body["created_at"].is_string() && body["updated_at"].is_string());

    let got = app.get(&format!("{PATH}/{id}"), &fac()).await;
    assert_eq!(got.status, 200);
    assert_eq!(got.header("etag").unwrap(), "\"1\"");
    assert_eq!(got.json(), body);
    // A client that has the current version gets 304.
    let again = app
        .send(
            "GET",
            &format!("{PATH}/{id}"),
            Some(&fac()),
            &[("If-None-Match", "\"1\"")],
            None,
        )
        .await;
    assert_eq!(again.status, 304);
}

#[actix_web::test]
async fn foreign_holder_keeps_its_other_identifier() {
    let app = spawn().await;
    let res = app
        .post(
            PATH,
            &fac(),
            &json!({"kind": "company", "name": "Bau GmbH", "identifier_type": "TVA", "identifier": "DE123456789"}),
        )
        .await;
    assert_eq!(res.status, 201);
    let body = res.json();
    assert_eq!(body["siret"], Value::Null);
    assert_eq!(body["identifier_type"], "TVA");
    assert_eq!(body["identifier"], "DE123456789");
}

#[actix_web::test]
async fn every_invalid_field_is_reported_and_nothing_written() {
    let app = spawn().await;
    let before = count(&app).await;
    let res = app
        .post(
            PATH,
            &fac(),
            &json!({"siret": "73282932000075", "siae_type": "xyz", "colour": "red"}),
        )
        .await;
    let mut fields = res.fields();
    fields.sort();
    assert_eq!(fields, ["colour", "kind", "name", "siae_type", "siret"]);

    let res = app
        .post(PATH, &fac(), &json!({"kind": 7, "name": ""}))
        .await;
    let mut fields = res.fields();
    fields.sort();
    assert_eq!(fields, ["kind", "name"]);

    let res = app
        .post(
            PATH,
            &fac(),
            &json!({"kind": "buyer", "name": "Ville", "siae_type": "ei", "identifier_type": "TVA"}),
        )
        .await;
    let mut fields = res.fields();
    fields.sort();
    assert_eq!(fields, ["identifier", "siae_type"]);

    for bad in ["1234", "7328293200007a", "73282932000075"] {
        let res = app
            .post(
                PATH,
                &fac(),
                &json!({"kind": "company", "name": "X", "siret": bad}),
            )
            .await;
        assert_eq!(res.fields(), ["siret"], "{bad}");
    }
    assert_eq!(count(&app).await, before);
}

#[actix_web::test]
async fn la_poste_siret_follows_its_own_rule() {
    let app = spawn().await;
    let res = app
        .post(
            PATH,
            &fac(),
            &json!({"kind": "company", "name": "La Poste", "siret": "35600000000060"}),
        )
        .await;
    assert_eq!(res.status, 201);
}

#[actix_web::test]
async fn duplicate_siret_is_a_conflict() {
    let app = spawn().await;
    let body = json!({"kind": "company", "name": "A", "siret": "73282932000074"});
    assert_eq!(app.post(PATH, &fac(), &body).await.status, 201);
    let res = app
        .post(
            PATH,
            &fac(),
            &json!({"kind": "buyer", "name": "B", "siret": "73282932000074"}),
        )
        .await;
    let problem = res.problem(409);
    assert_eq!(problem["errors"][0]["field"], "siret");
    // Also through a patch.
    let other = app.org("company", "C").await;
    let res = app
        .patch(
            &format!("{PATH}/{other}"),
            &fac(),
            &json!({"siret": "73282932000074"}),
            None,
        )
        .await;
    res.problem(409);
    assert_eq!(count(&app).await, 2);
}

#[actix_web::test]
async fn patch_merges_and_honours_if_match() {
    let app = spawn().await;
    let id = app.org("company", "Propreté").await;
    let url = format!("{PATH}/{id}");

    // Stale If-Match: 412, nothing changed.
    let res = app
        .patch(&url, &fac(), &json!({"name": "New"}), Some("\"7\""))
        .await;
    res.problem(412);
    let res = app
        .patch(&url, &fac(), &json!({"name": "New"}), Some("garbage"))
        .await;
    res.problem(412);
    assert_eq!(app.get(&url, &fac()).await.json()["name"], "Propreté");

    let res = app
        .patch(
            &url,
            &fac(),
            &json!({"name": "Propreté Seine", "siret": "73282932000074", "siae_type": "ei"}),
            Some("\"1\""),
        )
        .await;
    assert_eq!(res.status, 200, "{}", String::from_utf8_lossy(&res.body));
    assert_eq!(res.header("etag").unwrap(), "\"2\"");
    let body = res.json();
    assert_eq!(body["version"], 2);
    assert_eq!(body["kind"], "company");
    assert_eq!(body["siret"], "73282932000074");
    assert_ne!(body["updated_at"], body["created_at"]);

    // The old tag is stale now.
    app.patch(&url, &fac(), &json!({"name": "X"}), Some("\"1\""))
        .await
        .problem(412);

    // null clears an optional field; required ones cannot be cleared.
    let res = app
        .patch(&url, &fac(), &json!({"siret": null}), Some("*"))
        .await;
    assert_eq!(res.status, 200);
    assert_eq!(res.json()["siret"], Value::Null);
    assert_eq!(res.json()["version"], 3);
    let res = app
        .patch(&url, &fac(), &json!({"name": null, "kind": null}), None)
        .await;
    let mut fields = res.fields();
    fields.sort();
    assert_eq!(fields, ["kind", "name"]);
    // A rule that spans fields holds on the merged record.
    let res = app
        .patch(&url, &fac(), &json!({"kind": "buyer"}), None)
        .await;
    assert_eq!(res.fields(), ["siae_type"]);
    // A patch that changes nothing keeps the version.
    let res = app
        .patch(&url, &fac(), &json!({"name": "Propreté Seine"}), None)
        .await;
    assert_eq!(res.json()["version"], 3);
    // Unknown ids and non-UUIDs are 404.
    app.patch(
        &format!("{PATH}/{}", Uuid::new_v4()),
        &fac(),
        &json!({"name": "Y"}),
        None,
    )
    .await
    .problem(404);
    app.get(&format!("{PATH}/not-a-uuid"), &fac())
        .await
        .problem(404);
}

#[actix_web::test]
async fn each_role_sees_what_the_matrix_says() {
    let app = spawn().await;
    let company = app.org("company", "Company A").await;
    let other_company = app.org("company", "Company B").await;
    let buyer = app.org("buyer", "Town").await;
    let department = app.org("department", "Département").await;
    let plie = app.org("plie", "PLIE").await;
    let all = [company, other_company, buyer, department, plie];

    let ids = |res: &Res| -> Vec<String> {
        res.json()["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|o| o["id"].as_str().unwrap().to_string())
            .collect()
    };

    // Whole territory.
    for (role, org) in [
        (Role::Facilitator, None),
        (Role::Plie, Some(plie)),
        (Role::State, None),
    ] {
        let t = token(role, org);
        assert_eq!(ids(&app.get(PATH, &t).await).len(), all.len(), "{role}");
        for id in all {
            assert_eq!(
                app.get(&format!("{PATH}/{id}"), &t).await.status,
                200,
                "{role}"
            );
        }
    }
    // Own organisation only; others are 404, not 403.
    for (role, org) in [
        (Role::Company, company),
        (Role::Buyer, buyer),
        (Role::Department, department),
    ] {
        let t = token(role, Some(org));
        assert_eq!(
            ids(&app.get(PATH, &t).await),
            vec![org.to_string()],
            "{role}"
        );
        assert_eq!(app.get(&format!("{PATH}/{org}"), &t).await.status, 200);
        for id in all.iter().filter(|id| **id != org) {
            app.get(&format!("{PATH}/{id}"), &t).await.problem(404);
        }
    }
    // Only the facilitator writes: everyone else gets 403, even on their own record.
    for (role, org) in [
        (Role::Plie, Some(plie)),
        (Role::Company, Some(company)),
        (Role::Buyer, Some(buyer)),
        (Role::Department, Some(department)),
        (Role::State, None),
    ] {
        let t = token(role, org);
        app.post(PATH, &t, &json!({"kind": "company", "name": "Mine"}))
            .await
            .problem(403);
        let target = org.unwrap_or(company);
        app.patch(
            &format!("{PATH}/{target}"),
            &t,
            &json!({"name": "Mine"}),
            None,
        )
        .await
        .problem(403);
    }
    assert_eq!(count(&app).await, all.len());
    assert_eq!(
        app.get(&format!("{PATH}/{company}"), &fac()).await.json()["name"],
        "Company A"
    );
}

#[actix_web::test]
async fn lists_page_with_cursors_stable_under_inserts() {
    let app = spawn().await;
    let mut created = vec![];
    for i in 0..7 {
        created.push(
            app.org("company", &format!("Company {i}"))
                .await
                .to_string(),
        );
    }
    let mut seen = vec![];
    let mut url = format!("{PATH}?limit=3");
    let mut pages = 0;
    loop {
        let res = app.get(&url, &fac()).await;
        assert_eq!(res.status, 200);
        let body = res.json();
        for o in body["items"].as_array().unwrap() {
            seen.push(o["id"].as_str().unwrap().to_string());
        }
        pages += 1;
        if pages == 1 {
            // An insert while paging lands after, never shifting a page.
            created.push(app.org("company", "Late").await.to_string());
        }
        match body["next_cursor"].as_str() {
            Some(c) => url = format!("{PATH}?limit=3&cursor={c}"),
            None => break,
        }
    }
    assert_eq!(seen, created, "oldest first, each once");
    assert_eq!(pages, 3);

    // Exactly a full last page: its next_cursor is null.
    let res = app.get(&format!("{PATH}?limit=8"), &fac()).await;
    assert_eq!(res.json()["items"].as_array().unwrap().len(), 8);
    assert_eq!(res.json()["next_cursor"], Value::Null);

    let res = app
        .get(&format!("{PATH}?kind=company&limit=2"), &fac())
        .await;
    assert_eq!(res.json()["items"].as_array().unwrap().len(), 2);
    assert!(res.json()["next_cursor"].is_string());
    let res = app.get(&format!("{PATH}?kind=buyer"), &fac()).await;
    assert_eq!(res.json()["items"], json!([]));
}

#[actix_web::test]
async fn bad_list_parameters_are_named() {
    let app = spawn().await;
    for (query, field) in [
        ("limit=0", "limit"),
        ("limit=501", "limit"),
        ("limit=ten", "limit"),
        ("cursor=nonsense", "cursor"),
        ("kind=wizard", "kind"),
        ("colour=red", "colour"),
    ] {
        let res = app.get(&format!("{PATH}?{query}"), &fac()).await;
        assert_eq!(res.fields(), [field], "{query}");
    }
    let res = app
        .get(&format!("{PATH}?limit=0&kind=wizard"), &fac())
        .await;
    let mut fields = res.fields();
    fields.sort();
    assert_eq!(fields, ["kind", "limit"]);
}
