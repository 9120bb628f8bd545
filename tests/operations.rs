//! Urban-renewal operations followed against their target, and the
//! breakdowns the regional observatories publish (issue 17).

use crate::common::*;
use serde_json::{json, Value};
use uuid::Uuid;

use clauses::auth::Role;

async fn operation(app: &TestApp, body: Value) -> Uuid {
    id_of(&app.post("/api/v1/operations", &fac(), &body).await)
}

/// A contract with a given commitment.
async fn contract(app: &TestApp, buyer: Uuid, holder: Uuid, reference: &str, extra: Value) -> Res {
    let mut body = json!({
        "buyer_id": buyer, "holder_id": holder, "reference": reference, "title": "Marché",
        "clause_type": "execution_condition", "start_date": "2019-01-01", "end_date": "2020-12-31",
        "commitment_hours": 1000
    });
    for (k, v) in extra.as_object().unwrap() {
        body[k] = v.clone();
    }
    app.post("/api/v1/contracts", &fac(), &body).await
}

async fn person(app: &TestApp, name: &str, qpv: Option<&str>) -> Uuid {
    id_of(
        &app.post(
            "/api/v1/beneficiaries",
            &fac(),
            &json!({"last_name": name, "first_name": "Camille", "sex": "M", "birth_date": "1990-05-01",
                    "postal_code": "91100", "eligibility": ["rsa"], "qpv_code": qpv}),
        )
        .await,
    )
}

async fn validated(app: &TestApp, placement: Uuid, month: &str, hours: &str) {
    let res = app.hours(placement, month, hours).await;
    assert_eq!(res.status, 201, "{}", String::from_utf8_lossy(&res.body));
}

#[actix_web::test]
async fn operations_are_a_resource_and_contracts_follow_their_name() {
    let app = spawn().await;
    let buyer = app.org("buyer", "Grand Paris Sud").await;
    let holder = app.org("company", "Bâtir").await;
    let res = app
        .post(
            "/api/v1/operations",
            &fac(),
            &json!({"name": " NPNRU Tarterêts ", "programme": "npnru", "qpv_codes": ["qn09106m"],
                    "start_date": "2017-01-01", "target_hours": 50000}),
        )
        .await;
    let op = id_of(&res);
    let body = res.json();
    assert_eq!(body["name"], "NPNRU Tarterêts");
    assert_eq!(body["qpv_codes"], json!(["QN09106M"]));
    assert_eq!(body["end_date"], Value::Null);
    assert_eq!(body["target_hours"], json!(50000));
    // Unique whatever the case.
    let res = app
        .post(
            "/api/v1/operations",
            &fac(),
            &json!({"name": "NPNRU tarterêts", "programme": "npnru", "start_date": "2017-01-01"}),
        )
        .await;
    assert_eq!(res.problem(409)["errors"][0]["field"], "name");
    // Every fault named.
    let res = app
        .post(
            "/api/v1/operations",
            &fac(),
            &json!({"programme": "anru", "qpv_codes": ["QN0910"], "start_date": "2017-01-01",
                    "end_date": "2016-01-01", "target_hours": -1}),
        )
        .await;
    assert_eq!(res.problem(422)["errors"][0]["field"], "programme");
    let res = app
        .post(
            "/api/v1/operations",
            &fac(),
            &json!({"qpv_codes": ["QN0910", "QN09106M"], "programme": "other", "start_date": "2017-01-01",
                    "end_date": "2016-01-01", "target_hours": -1}),
        )
        .await;
    assert_eq!(
        res.fields(),
        ["name", "qpv_codes[0]", "end_date", "target_hours"]
    );
    // Only the facilitator writes; every role reads.
    let buyer_token = token(Role::Buyer, Some(buyer));
    let res = app
        .post(
            "/api/v1/operations",
            &buyer_token,
            &json!({"name": "X", "programme": "other", "start_date": "2017-01-01"}),
        )
        .await;
    res.problem(403);
    for t in [
        buyer_token.clone(),
        token(Role::Company, Some(holder)),
        token(Role::State, None),
    ] {
        let list = app.get("/api/v1/operations", &t).await.json();
        assert_eq!(list["items"].as_array().unwrap().len(), 1);
        let one = app.get(&format!("/api/v1/operations/{op}"), &t).await;
        assert_eq!(one.status, 200);
        assert_eq!(one.header("etag").as_deref(), Some("\"1\""));
    }
    app.get(&format!("/api/v1/operations/{}", Uuid::now_v7()), &fac())
        .await
        .problem(404);

    // A contract of the operation carries its name; another text is refused.
    let res = contract(
        &app,
        buyer,
        holder,
        "C1",
        json!({"operation_id": op, "operation": "Autre chose"}),
    )
    .await;
    assert_eq!(res.fields(), ["operation"]);
    let res = contract(
        &app,
        buyer,
        holder,
        "C1",
        json!({"operation_id": Uuid::now_v7()}),
    )
    .await;
    assert_eq!(res.fields(), ["operation_id"]);
    let res = contract(
        &app,
        buyer,
        holder,
        "C1",
        json!({"operation_id": op, "operation": "NPNRU Tarterêts"}),
    )
    .await;
    let c1 = id_of(&res);
    let c2 = id_of(&contract(&app, buyer, holder, "C2", json!({"operation_id": op})).await);
    assert_eq!(
        app.get(&format!("/api/v1/contracts/{c2}"), &fac())
            .await
            .json()["operation"],
        "NPNRU Tarterêts"
    );
    // A contract with only a text keeps working as before.
    let c3 = id_of(
        &contract(
            &app,
            buyer,
            holder,
            "C3",
            json!({"operation": "ORU Pyramides"}),
        )
        .await,
    );
    let texted = app
        .get("/api/v1/contracts?operation=ORU%20Pyramides", &fac())
        .await
        .json();
    assert_eq!(texted["items"][0]["id"], json!(c3));
    assert_eq!(texted["items"][0]["operation_id"], Value::Null);
    let res = app
        .patch(
            &format!("/api/v1/contracts/{c1}"),
            &fac(),
            &json!({"operation": "Renommé"}),
            None,
        )
        .await;
    assert_eq!(res.fields(), ["operation"]);
    let linked = app
        .get(&format!("/api/v1/contracts?operation_id={op}"), &fac())
        .await
        .json();
    let ids: Vec<&Value> = linked["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| &c["id"])
        .collect();
    assert_eq!(ids, [&json!(c1), &json!(c2)]);

    // A rename reaches the contracts' text, with a new version each.
    let res = app
        .patch(
            &format!("/api/v1/operations/{op}"),
            &fac(),
            &json!({"name": "NPNRU Tarterêts – Corbeil", "qpv_codes": null}),
            Some("\"1\""),
        )
        .await;
    assert_eq!(res.status, 200, "{}", String::from_utf8_lossy(&res.body));
    assert_eq!(res.json()["qpv_codes"], json!([]));
    let c = app.get(&format!("/api/v1/contracts/{c1}"), &fac()).await;
    assert_eq!(c.json()["operation"], "NPNRU Tarterêts – Corbeil");
    assert_eq!(c.json()["version"], 2);
    let stale = app
        .patch(
            &format!("/api/v1/operations/{op}"),
            &fac(),
            &json!({"target_hours": 1}),
            Some("\"1\""),
        )
        .await;
    stale.problem(412);
    let res = app
        .patch(
            &format!("/api/v1/operations/{op}"),
            &buyer_token,
            &json!({"target_hours": 1}),
            None,
        )
        .await;
    res.problem(403);
    // Unlinking keeps the text.
    let res = app
        .patch(
            &format!("/api/v1/contracts/{c2}"),
            &fac(),
            &json!({"operation_id": null}),
            None,
        )
        .await;
    assert_eq!(res.json()["operation_id"], Value::Null);
    assert_eq!(res.json()["operation"], "NPNRU Tarterêts – Corbeil");

    // Operations are in the change feed, for every role.
    for t in [fac(), buyer_token, token(Role::State, None)] {
        let changes = app.changes_at_least(&t, 8).await;
        let ops: Vec<&Value> = changes
            .iter()
            .filter(|c| c["entity"] == "operation")
            .map(|c| &c["op"])
            .collect();
        assert_eq!(ops, [&json!("create"), &json!("update")]);
    }
}

/// Three contracts of two buyers in the operation, one outside it; people
/// inside the operation's QPV, in another QPV, in none; months in 2019,
/// 2020 and 2021, one declared and not decided.
#[actix_web::test]
async fn an_operations_fulfilment_adds_up_its_contracts_for_each_caller() {
    let app = spawn().await;
    let b1 = app.org("buyer", "Grand Paris Sud").await;
    let b2 = app.org("buyer", "Essonne Habitat").await;
    let h1 = app.org("company", "Bâtir").await;
    let h2 = app.org("company", "Nettoyage").await;
    let op = operation(
        &app,
        json!({"name": "NPNRU Tarterêts", "programme": "npnru", "qpv_codes": ["QN09106M"],
               "start_date": "2018-01-01", "target_hours": 5000}),
    )
    .await;
    let linked = |start: &str, end: &str, hours: u32| json!({"operation_id": op, "start_date": start, "end_date": end, "commitment_hours": hours});
    let c1 = id_of(&contract(&app, b1, h1, "C1", linked("2019-01-01", "2020-12-31", 1000)).await);
    let c2 = id_of(&contract(&app, b1, h1, "C2", linked("2019-07-01", "2021-06-30", 500)).await);
    let c3 = id_of(&contract(&app, b2, h2, "C3", linked("2020-01-01", "2021-12-31", 2000)).await);
    let c4 = id_of(&contract(&app, b1, h1, "C4", json!({})).await);
    let p1 = person(&app, "Dans", Some("QN09106M")).await;
    let p2 = person(&app, "Ailleurs", Some("QP091001")).await;
    let p3 = person(&app, "Hors", None).await;
    let p5 = person(&app, "Autre", Some("QN09106M")).await;
    let p1c1 = app.placement(p1, c1, h1, "2019-02-01", None).await;
    for (m, h) in [
        ("2019-02", "100"),
        ("2019-03", "150"),
        ("2019-04", "150"),
        ("2019-05", "150"),
        ("2020-01", "80"),
    ] {
        validated(&app, p1c1, m, h).await;
    }
    let p2c2 = app
        .placement(p2, c2, h1, "2019-07-01", Some("2020-06-30"))
        .await;
    validated(&app, p2c2, "2019-07", "50").await;
    validated(&app, p2c2, "2020-02", "60").await;
    let p3c3 = app.placement(p3, c3, h2, "2020-01-06", None).await;
    for (m, h) in [
        ("2020-01", "150"),
        ("2020-03", "200"),
        ("2020-05", "200"),
        ("2021-01", "40"),
    ] {
        validated(&app, p3c3, m, h).await;
    }
    // Declared by the company, not decided: never counts.
    let res = app
        .put(
            &format!("/api/v1/placements/{p3c3}/hours/2020-04"),
            &token(Role::Company, Some(h2)),
            &json!({"worked_hours": 100}),
        )
        .await;
    assert_eq!(res.json()["status"], "declared");
    let p1c3 = app.placement(p1, c3, h2, "2020-06-01", None).await;
    validated(&app, p1c3, "2020-06", "30").await;
    // Outside the operation.
    let p5c4 = app.placement(p5, c4, h1, "2019-01-01", None).await;
    validated(&app, p5c4, "2019-05", "180").await;

    let read = |t: String, on: &'static str| {
        let app = &app;
        async move {
            let res = app
                .get(&format!("/api/v1/operations/{op}/fulfilment?on={on}"), &t)
                .await;
            assert_eq!(res.status, 200, "{}", String::from_utf8_lossy(&res.body));
            res.json()
        }
    };
    assert_eq!(
        read(fac(), "2019-12-31").await,
        json!({"operation_id": op, "on": "2019-12-31", "people_counted_on": "2019-12-31", "contracts": 3, "commitment_hours": 3500,
               "target_hours": 5000, "validated_hours": 600, "qpv_hours": 600, "operation_qpv_hours": 550,
               "participants": 2, "qpv_participants": 2, "share_done": 0.12,
               "expected_hours_to_date": 625.17, "status": "on_track"})
    );
    assert_eq!(
        read(fac(), "2020-06-15").await,
        json!({"operation_id": op, "on": "2020-06-15", "people_counted_on": "2020-06-15", "contracts": 3, "commitment_hours": 3500,
               "target_hours": 5000, "validated_hours": 1320, "qpv_hours": 770, "operation_qpv_hours": 660,
               "participants": 3, "qpv_participants": 2, "share_done": 0.264,
               "expected_hours_to_date": 1424.76, "status": "on_track"})
    );
    // Mid-March: May's hours of the year are not counted yet.
    assert_eq!(
        read(fac(), "2020-03-15").await,
        json!({"operation_id": op, "on": "2020-03-15", "people_counted_on": "2020-03-15", "contracts": 3, "commitment_hours": 3500,
               "target_hours": 5000, "validated_hours": 1090, "qpv_hours": 740, "operation_qpv_hours": 630,
               "participants": 3, "qpv_participants": 2, "share_done": 0.218,
               "expected_hours_to_date": 984.27, "status": "ahead"})
    );
    // A buyer sees its own contracts' share, against their commitments,
    // with small counts of people masked (and the hours that would tell).
    assert_eq!(
        read(token(Role::Buyer, Some(b1)), "2020-06-15").await,
        json!({"operation_id": op, "on": "2020-06-15", "people_counted_on": "2020-05-31", "contracts": 2, "commitment_hours": 1500,
               "target_hours": 1500, "validated_hours": 740, "qpv_hours": null, "operation_qpv_hours": null,
               "participants": "< 5", "qpv_participants": "< 5", "share_done": 0.4933,
               "expected_hours_to_date": 967.85, "status": "behind"})
    );
    assert_eq!(
        read(token(Role::Buyer, Some(b2)), "2020-06-15").await,
        json!({"operation_id": op, "on": "2020-06-15", "people_counted_on": "2020-05-31", "contracts": 1, "commitment_hours": 2000,
               "target_hours": 2000, "validated_hours": 580, "qpv_hours": null, "operation_qpv_hours": null,
               "participants": "< 5", "qpv_participants": "< 5", "share_done": 0.29,
               "expected_hours_to_date": 456.91, "status": "ahead"})
    );
    // A company, its held contracts, nothing of its people's attributes.
    let company = read(token(Role::Company, Some(h2)), "2020-06-15").await;
    assert_eq!(company["contracts"], 1);
    assert_eq!(company["validated_hours"], 580);
    assert_eq!(company["qpv_participants"], Value::Null);
    assert_eq!(company["qpv_hours"], Value::Null);
    // The Département and the State see all of it, masked.
    let state = read(token(Role::State, None), "2020-06-15").await;
    assert_eq!(
        (
            &state["contracts"],
            &state["target_hours"],
            &state["validated_hours"],
            &state["participants"]
        ),
        (&json!(3), &json!(5000), &json!(1320), &json!("< 5"))
    );
    // The figures filter by operation too.
    let kf = app
        .get(
            &format!("/api/v1/stats/key-figures?year=2020&operation_id={op}"),
            &fac(),
        )
        .await
        .json();
    assert_eq!(
        (&kf["hours"], &kf["participants"], &kf["holders"]),
        (&json!(720), &json!(3), &json!(2))
    );
    let bad = app
        .get(
            &format!("/api/v1/operations/{op}/fulfilment?on=2020-13-01"),
            &fac(),
        )
        .await;
    assert_eq!(bad.fields(), ["on"]);
}

#[actix_web::test]
async fn cpv_codes_and_market_natures() {
    let app = spawn().await;
    let buyer = app.org("buyer", "Ville").await;
    let holder = app.org("company", "Bâtir").await;
    let res = contract(&app, buyer, holder, "W", json!({"cpv_code": "45210000-2"})).await;
    let works = id_of(&res);
    assert_eq!(
        (&res.json()["cpv_code"], &res.json()["market_nature"]),
        (&json!("45210000"), &json!("works"))
    );
    let res = contract(&app, buyer, holder, "S", json!({"cpv_code": "90910000"})).await;
    assert_eq!(res.json()["market_nature"], "services");
    let res = contract(&app, buyer, holder, "F", json!({"cpv_code": "03100000"})).await;
    assert_eq!(res.json()["market_nature"], "supplies");
    // Given, it overrides the division.
    let res = contract(
        &app,
        buyer,
        holder,
        "O",
        json!({"cpv_code": "45210000", "market_nature": "services"}),
    )
    .await;
    let overridden = id_of(&res);
    assert_eq!(res.json()["market_nature"], "services");
    let res = contract(&app, buyer, holder, "N", json!({})).await;
    assert_eq!(
        (&res.json()["cpv_code"], &res.json()["market_nature"]),
        (&Value::Null, &Value::Null)
    );
    for bad in [
        "47000000",
        "99000000",
        "02000000",
        "4521000",
        "45210000-",
        "45210000-12",
        "CPV",
    ] {
        let res = contract(&app, buyer, holder, "X", json!({"cpv_code": bad})).await;
        assert_eq!(res.fields(), ["cpv_code"], "{bad}");
    }
    let res = contract(&app, buyer, holder, "X", json!({"market_nature": "goods"})).await;
    res.problem(422);
    // A derived nature follows a new code; a given one stays until cleared.
    let patch = |id: Uuid, body: Value| {
        let app = &app;
        async move {
            let res = app
                .patch(&format!("/api/v1/contracts/{id}"), &fac(), &body, None)
                .await;
            assert_eq!(res.status, 200, "{}", String::from_utf8_lossy(&res.body));
            res.json()
        }
    };
    assert_eq!(
        patch(works, json!({"cpv_code": "77310000-6"})).await["market_nature"],
        "services"
    );
    assert_eq!(
        patch(overridden, json!({"cpv_code": "03100000"})).await["market_nature"],
        "services"
    );
    assert_eq!(
        patch(overridden, json!({"market_nature": null})).await["market_nature"],
        "supplies"
    );
    let cleared = patch(overridden, json!({"cpv_code": null})).await;
    assert_eq!(
        (&cleared["cpv_code"], &cleared["market_nature"]),
        (&Value::Null, &Value::Null)
    );
    // The list filters.
    let refs = |q: &'static str| {
        let app = &app;
        async move {
            let page = app
                .get(&format!("/api/v1/contracts?{q}"), &fac())
                .await
                .json();
            page["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|c| c["reference"].as_str().unwrap().to_string())
                .collect::<Vec<_>>()
        }
    };
    assert_eq!(refs("market_nature=services").await, ["W", "S"]);
    assert_eq!(refs("cpv_division=90").await, ["S"]);
    assert_eq!(refs("cpv_division=03&market_nature=supplies").await, ["F"]);
    for q in ["cpv_division=4", "cpv_division=ab", "market_nature=goods"] {
        let res = app.get(&format!("/api/v1/contracts?{q}"), &fac()).await;
        res.problem(422);
    }
}

#[actix_web::test]
async fn buyer_categories() {
    let app = spawn().await;
    let create = |body: Value| {
        let app = &app;
        async move { app.post("/api/v1/organisations", &fac(), &body).await }
    };
    let res = create(json!({"kind": "department", "name": "Département"})).await;
    assert_eq!(res.json()["buyer_category"], "department");
    let res =
        create(json!({"kind": "buyer", "name": "Ville", "buyer_category": "municipality"})).await;
    let town = id_of(&res);
    assert_eq!(res.json()["buyer_category"], "municipality");
    let res = create(json!({"kind": "buyer", "name": "Autre"})).await;
    assert_eq!(res.json()["buyer_category"], Value::Null);
    let res =
        create(json!({"kind": "company", "name": "Bâtir", "buyer_category": "municipality"})).await;
    assert_eq!(res.fields(), ["buyer_category"]);
    let res = create(json!({"kind": "buyer", "name": "X", "buyer_category": "village"})).await;
    res.problem(422);
    let res = app
        .patch(
            &format!("/api/v1/organisations/{town}"),
            &fac(),
            &json!({"buyer_category": "social_landlord"}),
            None,
        )
        .await;
    assert_eq!(res.json()["buyer_category"], "social_landlord");
}

/// Each contract-level key: rows add up to the key figures as `contract`
/// does, and a null row holds what has no such attribute.
#[actix_web::test]
async fn observatory_breakdowns_add_up_like_contracts() {
    let app = spawn().await;
    let town = id_of(
        &app.post(
            "/api/v1/organisations",
            &fac(),
            &json!({"kind": "buyer", "name": "Ville", "buyer_category": "municipality"}),
        )
        .await,
    );
    let other = app.org("buyer", "Sans catégorie").await;
    let holder = app.org("company", "Bâtir").await;
    let etti = id_of(
        &app.post(
            "/api/v1/organisations",
            &fac(),
            &json!({"kind": "company", "name": "ETTI", "siae_type": "etti"}),
        )
        .await,
    );
    let works = id_of(
        &contract(
            &app,
            town,
            holder,
            "W",
            json!({"cpv_code": "45210000", "clause_type": "execution_condition"}),
        )
        .await,
    );
    let services = id_of(
        &contract(
            &app,
            other,
            holder,
            "S",
            json!({"cpv_code": "90910000", "clause_type": "reserved_market", "start_date": "2018-01-01"}),
        )
        .await,
    );
    let bare = id_of(
        &contract(
            &app,
            town,
            holder,
            "B",
            json!({"clause_type": "award_criterion"}),
        )
        .await,
    );
    let people: Vec<Uuid> = futures_people(&app, 6).await;
    // (person, contract, employer, start, hours of 2019)
    let plan = [
        (0, works, holder, "2019-01-07", "100"),
        (1, works, etti, "2019-02-04", "80.5"),
        (2, services, holder, "2019-03-04", "60"),
        (3, services, etti, "2018-06-04", "40.25"),
        (4, bare, holder, "2019-05-06", "20"),
        (0, bare, etti, "2019-06-03", "10"),
        (5, works, holder, "2020-01-06", "0"),
    ];
    for (who, c, employer, start, hours) in plan {
        let p = app.placement(people[who], c, employer, start, None).await;
        if hours != "0" {
            validated(&app, p, &start[..7], hours).await;
        }
    }
    let kf = app
        .get("/api/v1/stats/key-figures?year=2019", &fac())
        .await
        .json();
    assert_eq!(
        (
            &kf["participants"],
            &kf["employment_contracts"],
            &kf["hours"],
            &kf["holders"]
        ),
        (&json!(5), &json!(5), &json!(270.5), &json!(1))
    );
    let rows = |by: &'static str| {
        let app = &app;
        async move {
            let res = app
                .get(
                    &format!("/api/v1/stats/breakdown?year=2019&by={by}"),
                    &fac(),
                )
                .await;
            assert_eq!(res.status, 200, "{}", String::from_utf8_lossy(&res.body));
            res.json()["rows"]
                .as_array()
                .unwrap()
                .iter()
                .map(|r| {
                    (
                        r["key"].as_str().map(str::to_string),
                        r["participants"].as_i64().unwrap(),
                        r["employment_contracts"].as_i64().unwrap(),
                        r["hours"].to_string(),
                    )
                })
                .collect::<Vec<_>>()
        }
    };
    let k = |s: &str| Some(s.to_string());
    assert_eq!(
        rows("clause_type").await,
        [
            (k("execution_condition"), 2, 2, "180.5".into()),
            (k("award_criterion"), 2, 2, "30".into()),
            (k("reserved_market"), 2, 1, "60".into()),
        ]
    );
    assert_eq!(
        rows("market_nature").await,
        [
            (k("works"), 2, 2, "180.5".into()),
            (k("services"), 2, 1, "60".into()),
            (None, 2, 2, "30".into()),
        ]
    );
    assert_eq!(
        rows("cpv_division").await,
        [
            (k("45"), 2, 2, "180.5".into()),
            (k("90"), 2, 1, "60".into()),
            (None, 2, 2, "30".into()),
        ]
    );
    assert_eq!(
        rows("buyer_category").await,
        [
            (k("municipality"), 3, 4, "210.5".into()),
            (None, 2, 1, "60".into()),
        ]
    );
    assert_eq!(
        rows("employer_siae_type").await,
        [(k("etti"), 3, 2, "90.5".into()), (None, 3, 3, "180".into()),]
    );
    // Masked for a buyer: small counts of people, contracts and hours exact.
    let buyer = app
        .get(
            "/api/v1/stats/breakdown?year=2019&by=market_nature",
            &token(Role::Buyer, Some(town)),
        )
        .await
        .json();
    assert_eq!(
        buyer["rows"],
        json!([
            {"key": "works", "participants": "< 5", "employment_contracts": 2, "hours": 180.5},
            {"key": null, "participants": "< 5", "employment_contracts": 2, "hours": 30}
        ])
    );
    // And as CSV, with the key's own header.
    let csv = app
        .get(
            "/api/v1/stats/breakdown?year=2019&by=buyer_category&format=csv",
            &fac(),
        )
        .await;
    let text = String::from_utf8(csv.body.to_vec()).unwrap();
    assert!(
        text.starts_with("Type d'acheteur;") || text.starts_with("Type d'acheteur,"),
        "{text}"
    );
}

async fn futures_people(app: &TestApp, n: usize) -> Vec<Uuid> {
    let mut out = Vec::new();
    for i in 0..n {
        out.push(person(app, &format!("Personne{i}"), None).await);
    }
    out
}

#[actix_web::test]
async fn decp_imports_fill_the_cpv_code() {
    let app = spawn().await;
    let path = format!(
        "{}/tests/fixtures/decp/decp-2024.json",
        env!("CARGO_MANIFEST_DIR")
    );
    let doc: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let res = app.post("/api/v1/imports/decp", &fac(), &doc).await;
    assert_eq!(res.status, 200, "{}", String::from_utf8_lossy(&res.body));
    let all = app.get("/api/v1/contracts?limit=500", &fac()).await.json();
    let by_ref = |r: &str| {
        all["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["reference"] == r)
            .cloned()
            .unwrap()
    };
    let c = by_ref("2024-GPS-TX-0118");
    assert_eq!(
        (&c["cpv_code"], &c["market_nature"]),
        (&json!("45000000"), &json!("works"))
    );
    let c = by_ref("2024-GPS-ESAT-003");
    assert_eq!(
        (&c["cpv_code"], &c["market_nature"]),
        (&json!("77310000"), &json!("services"))
    );
}
