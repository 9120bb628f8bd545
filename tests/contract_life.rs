//! A contract's life through HTTP (issue 27): orders under a framework
//! agreement, amendments, and every dated figure reading the contract as
//! it stood. Expected figures are computed by hand in the comments.

use serde_json::{json, Value};
use uuid::Uuid;

use crate::common::{fac, id_of, spawn, token, TestApp};
use clauses::auth::Role;

struct Parties {
    buyer: Uuid,
    holder: Uuid,
}

async fn parties(app: &TestApp) -> Parties {
    Parties {
        buyer: app.org("buyer", "Conseil départemental").await,
        holder: app.org("company", "Routes de l'Essonne").await,
    }
}

/// An orders contract from 2024-01-01 to 2025-12-31, its formula
/// 0.40 × 0.05 ÷ 25 (one hour per €1,250), a ceiling of €100,000.
async fn orders_contract(app: &TestApp, p: &Parties) -> Uuid {
    let res = app
        .post(
            "/api/v1/contracts",
            &fac(),
            &json!({
                "buyer_id": p.buyer, "holder_id": p.holder, "reference": "AC-2024-07",
                "title": "Entretien des routes (accord-cadre)", "clause_type": "execution_condition",
                "start_date": "2024-01-01", "end_date": "2025-12-31", "pricing": "orders",
                "max_amount_excl_tax": 100000, "labour_share": 0.40, "insertion_rate": 0.05, "hourly_cost": 25
            }),
        )
        .await;
    let id = id_of(&res);
    let c = res.json();
    assert_eq!(c["pricing"], "orders");
    assert_eq!(c["commitment_hours"], json!(0));
    assert_eq!(c["amount_excl_tax"], json!(0));
    assert_eq!(c["max_amount_excl_tax"], json!(100000));
    id
}

async fn fulfilment(app: &TestApp, contract: Uuid, on: &str) -> Value {
    let res = app
        .get(
            &format!("/api/v1/contracts/{contract}/fulfilment?on={on}"),
            &fac(),
        )
        .await;
    assert_eq!(res.status, 200, "{}", String::from_utf8_lossy(&res.body));
    res.json()
}

#[actix_web::test]
async fn orders_make_the_commitment_and_each_is_expected_over_its_own_days() {
    let app = spawn().await;
    let p = parties(&app).await;
    let contract = orders_contract(&app, &p).await;
    let orders = format!("/api/v1/contracts/{contract}/orders");
    let buyer = token(Role::Buyer, Some(p.buyer));

    // BC-1: €50,000 → 50,000 × 0.40 × 0.05 ÷ 25 = 40 h, to the contract's end.
    let res = app
        .post(
            &orders,
            &buyer,
            &json!({"reference": "BC-1", "ordered_on": "2024-03-01", "amount_excl_tax": 50000}),
        )
        .await;
    let bc1 = id_of(&res);
    let o = res.json();
    assert_eq!(o["commitment_hours"], json!(40));
    assert_eq!(o["commitment_source"], "computed");
    assert_eq!(o["start_date"], "2024-03-01");
    assert_eq!(o["end_date"], "2025-12-31");
    assert_eq!(res.header("location").unwrap(), format!("{orders}/{bc1}"));
    // BC-2: €25,000 with 30 h given, over six months.
    let res = app
        .post(
            &orders,
            &fac(),
            &json!({"reference": "BC-2", "ordered_on": "2024-09-01", "amount_excl_tax": 25000,
                    "end_date": "2025-02-28", "commitment_hours": 30}),
        )
        .await;
    let bc2 = id_of(&res);
    assert_eq!(res.json()["commitment_source"], "given");

    // Refusals: outside the dates, past the ceiling (75,000 + 30,000 >
    // 100,000), a reference taken, a missing amount. Nothing written.
    let bad = app
        .post(
            &orders,
            &fac(),
            &json!({"reference": "BC-3", "ordered_on": "2026-01-15", "amount_excl_tax": 1000}),
        )
        .await;
    assert_eq!(bad.fields(), ["ordered_on"]);
    let bad = app
        .post(
            &orders,
            &fac(),
            &json!({"reference": "BC-3", "ordered_on": "2025-01-15", "amount_excl_tax": 30000}),
        )
        .await;
    assert_eq!(bad.fields(), ["amount_excl_tax"]);
    let bad = app
        .post(
            &orders,
            &fac(),
            &json!({"reference": "BC-1", "ordered_on": "2025-01-15", "amount_excl_tax": 10}),
        )
        .await;
    assert_eq!(bad.problem(409)["errors"][0]["field"], "reference");
    let bad = app
        .post(
            &orders,
            &fac(),
            &json!({"reference": "BC-3", "ordered_on": "2025-01-15"}),
        )
        .await;
    assert_eq!(bad.fields(), ["amount_excl_tax"]);
    let bad = app
        .post(
            &orders,
            &fac(),
            &json!({"reference": "BC-3", "ordered_on": "2025-01-15", "amount_excl_tax": 10,
                    "start_date": "2025-02-01", "end_date": "2025-01-31"}),
        )
        .await;
    assert_eq!(bad.fields(), ["end_date"]);

    // The contract owes the orders' sum, today.
    let c = app
        .get(&format!("/api/v1/contracts/{contract}"), &fac())
        .await
        .json();
    assert_eq!(c["commitment_hours"], json!(70));
    assert_eq!(c["amount_excl_tax"], json!(75000));
    assert_eq!(c["initial_commitment_hours"], json!(0));

    // Before any order: nothing owed.
    let f = fulfilment(&app, contract, "2024-02-01").await;
    assert_eq!(f["commitment_hours"], json!(0));
    assert_eq!(f["expected_hours_to_date"], json!(0));
    // Between: BC-1 only, 40 × 122 / 671 days = 7.27.
    let f = fulfilment(&app, contract, "2024-06-30").await;
    assert_eq!(f["commitment_hours"], json!(40));
    assert_eq!(f["expected_hours_to_date"], json!(7.27));
    // Both: 40 × 306 / 671 = 18.24, and 30 × 122 / 181 = 20.22.
    let f = fulfilment(&app, contract, "2024-12-31").await;
    assert_eq!(f["commitment_hours"], json!(70));
    assert_eq!(f["expected_hours_to_date"], json!(38.46));
    // After BC-2's end: 40 × 487 / 671 = 29.03, and BC-2's whole 30.
    let f = fulfilment(&app, contract, "2025-06-30").await;
    assert_eq!(f["expected_hours_to_date"], json!(59.03));
    assert_eq!(f["status"], "behind");

    // A change under If-Match: BC-2 back to the formula (25,000 → 20 h).
    let path = format!("{orders}/{bc2}");
    let res = app
        .patch(
            &path,
            &fac(),
            &json!({"commitment_hours": null}),
            Some("\"2\""),
        )
        .await;
    assert_eq!(res.status, 412);
    let res = app
        .patch(
            &path,
            &buyer,
            &json!({"commitment_hours": null}),
            Some("\"1\""),
        )
        .await;
    assert_eq!(res.status, 200, "{}", String::from_utf8_lossy(&res.body));
    assert_eq!(res.json()["commitment_hours"], json!(20));
    assert_eq!(res.json()["commitment_source"], "computed");
    let res = app
        .patch(
            &path,
            &fac(),
            &json!({"amount_excl_tax": 60000}),
            Some("\"2\""),
        )
        .await;
    assert_eq!(res.fields(), ["amount_excl_tax"]);
    let c = app
        .get(&format!("/api/v1/contracts/{contract}"), &fac())
        .await
        .json();
    assert_eq!(c["commitment_hours"], json!(60));

    // Who reads: the holder and the State read them; another company
    // does not see the contract; the holder does not place orders.
    let holder = token(Role::Company, Some(p.holder));
    let page = app.get(&orders, &holder).await.json();
    let refs: Vec<_> = page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["reference"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(refs, ["BC-1", "BC-2"]);
    assert_eq!(
        app.get(&format!("{orders}/{bc1}"), &token(Role::State, None))
            .await
            .status,
        200
    );
    let stranger = app.org("company", "Autre entreprise").await;
    let other = token(Role::Company, Some(stranger));
    app.get(&orders, &other).await.problem(404);
    app.get(&format!("{orders}/{bc1}"), &other)
        .await
        .problem(404);
    app.post(
        &orders,
        &holder,
        &json!({"reference": "BC-9", "ordered_on": "2025-01-15", "amount_excl_tax": 10}),
    )
    .await
    .problem(403);
    let other_buyer = app.org("buyer", "Autre acheteur").await;
    app.post(
        &orders,
        &token(Role::Buyer, Some(other_buyer)),
        &json!({"reference": "BC-9", "ordered_on": "2025-01-15", "amount_excl_tax": 10}),
    )
    .await
    .problem(404);
    app.get(&format!("{orders}/{}", Uuid::now_v7()), &fac())
        .await
        .problem(404);

    // The holder's change feed carries the orders.
    let held: Vec<String> = app
        .changes_at_least(&holder, 3)
        .await
        .iter()
        .map(|c| c["entity"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(held.iter().filter(|e| *e == "order").count(), 3, "{held:?}");

    // A lump-sum contract has no orders.
    let lump = app.contract(p.buyer, p.holder, "K-LUMP").await;
    let res = app
        .post(
            &format!("/api/v1/contracts/{lump}/orders"),
            &fac(),
            &json!({"reference": "BC-1", "ordered_on": "2019-03-01", "amount_excl_tax": 1000}),
        )
        .await;
    assert_eq!(res.problem(409)["errors"][0]["field"], "pricing");
    // Nor may the orders contract turn lump_sum while it has orders.
    let res = app
        .patch(
            &format!("/api/v1/contracts/{contract}"),
            &fac(),
            &json!({"pricing": "lump_sum", "commitment_hours": 100}),
            None,
        )
        .await;
    assert_eq!(res.problem(409)["errors"][0]["field"], "pricing");
}

#[actix_web::test]
async fn amendments_move_the_contract_from_their_day_on() {
    let app = spawn().await;
    let p = parties(&app).await;
    // 2019-01-01 to 2020-12-31, €1,000,000 → 800 h computed.
    let contract = app.contract(p.buyer, p.holder, "K-AV").await;
    let amendments = format!("/api/v1/contracts/{contract}/amendments");
    let buyer = token(Role::Buyer, Some(p.buyer));

    // AV-1 raises the amount: a computed commitment follows, 1,000 h.
    let res = app
        .post(
            &amendments,
            &buyer,
            &json!({"reference": "AV-1", "signed_on": "2019-07-01", "reason": "Travaux supplémentaires",
                    "amount_excl_tax": 1250000}),
        )
        .await;
    let av1 = id_of(&res);
    assert_eq!(res.json()["amount_excl_tax"], json!(1250000));
    // AV-2 extends the end by six months.
    let res = app
        .post(
            &amendments,
            &fac(),
            &json!({"reference": "AV-2", "signed_on": "2020-06-01", "reason": "Prolongation",
                    "end_date": "2021-06-30"}),
        )
        .await;
    id_of(&res);

    let c = app
        .get(&format!("/api/v1/contracts/{contract}"), &fac())
        .await
        .json();
    assert_eq!(c["amount_excl_tax"], json!(1250000));
    assert_eq!(c["end_date"], "2021-06-30");
    assert_eq!(c["commitment_hours"], json!(1000));
    assert_eq!(c["commitment_source"], "computed");
    assert_eq!(c["initial_amount_excl_tax"], json!(1000000));
    assert_eq!(c["initial_end_date"], "2020-12-31");
    assert_eq!(c["initial_commitment_hours"], json!(800));
    assert_eq!(c["amendments"], json!(2));

    // Before AV-1: 800 × 90 / 731 days = 98.50.
    let f = fulfilment(&app, contract, "2019-03-31").await;
    assert_eq!(f["commitment_hours"], json!(800));
    assert_eq!(f["expected_hours_to_date"], json!(98.5));
    // Between: 1,000 × 396 / 731 = 541.72.
    let f = fulfilment(&app, contract, "2020-01-31").await;
    assert_eq!(f["commitment_hours"], json!(1000));
    assert_eq!(f["expected_hours_to_date"], json!(541.72));
    // After AV-2: 1,000 × 731 / 912 = 801.54.
    let f = fulfilment(&app, contract, "2020-12-31").await;
    assert_eq!(f["expected_hours_to_date"], json!(801.54));

    // Refusals, nothing written: before the previous one, no value, after
    // the end as it stood, a reference taken.
    let bad = app
        .post(
            &amendments,
            &fac(),
            &json!({"reference": "AV-3", "signed_on": "2020-05-01", "amount_excl_tax": 1}),
        )
        .await;
    assert_eq!(bad.fields(), ["signed_on"]);
    let bad = app
        .post(
            &amendments,
            &fac(),
            &json!({"reference": "AV-3", "signed_on": "2020-07-01", "reason": "Rien"}),
        )
        .await;
    assert_eq!(bad.fields(), ["amount_excl_tax"]);
    let bad = app
        .post(
            &amendments,
            &fac(),
            &json!({"reference": "AV-3", "signed_on": "2021-07-01", "amount_excl_tax": 1}),
        )
        .await;
    assert_eq!(bad.fields(), ["signed_on"]);
    let bad = app
        .post(
            &amendments,
            &fac(),
            &json!({"reference": "AV-1", "signed_on": "2020-07-01", "amount_excl_tax": 1}),
        )
        .await;
    assert_eq!(bad.problem(409)["errors"][0]["field"], "reference");
    app.post(
        &format!("/api/v1/contracts/{}/amendments", Uuid::now_v7()),
        &fac(),
        &json!({"reference": "AV-3", "signed_on": "2020-07-01", "amount_excl_tax": 1}),
    )
    .await
    .problem(404);
    // Never changed.
    let res = app
        .patch(
            &format!("{amendments}/{av1}"),
            &fac(),
            &json!({"amount_excl_tax": 1}),
            Some("\"1\""),
        )
        .await;
    res.problem(405);
    assert_eq!(
        app.get(&format!("/api/v1/contracts/{contract}"), &fac())
            .await
            .json()["amendments"],
        json!(2)
    );

    // Who reads: the facilitator and the buyer; the holder sees the
    // contract but not its amendments; another buyer not even the contract.
    let page = app.get(&amendments, &buyer).await.json();
    assert_eq!(page["items"].as_array().unwrap().len(), 2);
    assert_eq!(page["items"][0]["reference"], "AV-1");
    assert_eq!(
        app.get(&format!("{amendments}/{av1}"), &buyer).await.status,
        200
    );
    let holder = token(Role::Company, Some(p.holder));
    app.get(&amendments, &holder).await.problem(403);
    app.get(&format!("{amendments}/{av1}"), &holder)
        .await
        .problem(403);
    app.post(
        &amendments,
        &holder,
        &json!({"reference": "AV-9", "signed_on": "2020-07-01", "amount_excl_tax": 1}),
    )
    .await
    .problem(403);
    let other = app.org("buyer", "Autre acheteur").await;
    app.get(&amendments, &token(Role::Buyer, Some(other)))
        .await
        .problem(404);

    // The change feed carries both, and the contract's updates.
    let changes = app.changes_at_least(&fac(), 1).await;
    let entities: Vec<&str> = changes
        .iter()
        .map(|c| c["entity"].as_str().unwrap())
        .collect();
    assert!(entities.contains(&"amendment"), "{entities:?}");
    // The buyer's feed has them; the holder's has the contract, not them.
    let of = |changes: Vec<Value>| -> Vec<String> {
        changes
            .iter()
            .map(|c| c["entity"].as_str().unwrap().to_string())
            .collect()
    };
    let n = changes.len();
    let bought = of(app.changes_at_least(&buyer, 3).await);
    assert_eq!(
        bought.iter().filter(|e| *e == "amendment").count(),
        2,
        "{bought:?} of {n}"
    );
    let held = of(app.changes_at_least(&holder, 1).await);
    assert!(held.contains(&"contract".to_string()), "{held:?}");
    assert!(!held.contains(&"amendment".to_string()), "{held:?}");
}

#[actix_web::test]
async fn a_given_commitment_moves_only_with_hours_and_a_shorter_end_keeps_placements() {
    let app = spawn().await;
    let p = parties(&app).await;
    let res = app
        .post(
            "/api/v1/contracts",
            &fac(),
            &json!({
                "buyer_id": p.buyer, "holder_id": p.holder, "reference": "K-GIVEN",
                "title": "Collège", "clause_type": "execution_condition",
                "start_date": "2022-01-01", "end_date": "2023-12-31",
                "amount_excl_tax": 500000, "commitment_hours": 300
            }),
        )
        .await;
    let contract = id_of(&res);
    let amendments = format!("/api/v1/contracts/{contract}/amendments");
    id_of(
        &app.post(
            &amendments,
            &fac(),
            &json!({"reference": "AV-1", "signed_on": "2022-06-01", "amount_excl_tax": 600000}),
        )
        .await,
    );
    let c = app
        .get(&format!("/api/v1/contracts/{contract}"), &fac())
        .await
        .json();
    assert_eq!(c["commitment_hours"], json!(300));
    assert_eq!(c["commitment_source"], "given");
    id_of(
        &app.post(
            &amendments,
            &fac(),
            &json!({"reference": "AV-2", "signed_on": "2022-09-01", "commitment_hours": 360}),
        )
        .await,
    );
    assert_eq!(
        fulfilment(&app, contract, "2022-08-31").await["commitment_hours"],
        json!(300)
    );
    assert_eq!(
        fulfilment(&app, contract, "2022-09-01").await["commitment_hours"],
        json!(360)
    );

    // A placement to the end of 2023: an amendment ending the contract
    // earlier is refused whole.
    let person = app.person(None, "Martin", "M", "1985-05-05").await;
    app.placement(person, contract, p.holder, "2023-01-02", Some("2023-12-15"))
        .await;
    let res = app
        .post(
            &amendments,
            &fac(),
            &json!({"reference": "AV-3", "signed_on": "2022-10-01", "end_date": "2023-06-30"}),
        )
        .await;
    assert_eq!(res.problem(409)["errors"][0]["field"], "end_date");
    let page = app.get(&amendments, &fac()).await.json();
    assert_eq!(page["items"].as_array().unwrap().len(), 2);

    // Changing the contract edits it as signed; the amendments still apply.
    let res = app
        .patch(
            &format!("/api/v1/contracts/{contract}"),
            &fac(),
            &json!({"amount_excl_tax": 550000}),
            None,
        )
        .await;
    assert_eq!(res.status, 200, "{}", String::from_utf8_lossy(&res.body));
    let c = res.json();
    assert_eq!(c["initial_amount_excl_tax"], json!(550000));
    assert_eq!(c["amount_excl_tax"], json!(600000));
    assert_eq!(c["commitment_hours"], json!(360));
}

#[actix_web::test]
async fn a_years_contracts_and_an_operation_read_each_contract_as_it_stood() {
    let app = spawn().await;
    let p = parties(&app).await;
    let op = id_of(
        &app.post(
            "/api/v1/operations",
            &fac(),
            &json!({"name": "NPNRU Grigny", "programme": "npnru", "qpv_codes": ["QN09101M"],
                    "start_date": "2017-01-01", "target_hours": 5000}),
        )
        .await,
    );
    // 2019-01-01 to 2020-12-31, 800 h; from 2020-03-01, €1,250,000 (1,000 h)
    // to 2021-06-30.
    let contract = app.contract(p.buyer, p.holder, "K-OP").await;
    let res = app
        .patch(
            &format!("/api/v1/contracts/{contract}"),
            &fac(),
            &json!({"operation_id": op}),
            None,
        )
        .await;
    assert_eq!(res.status, 200, "{}", String::from_utf8_lossy(&res.body));
    id_of(
        &app.post(
            &format!("/api/v1/contracts/{contract}/amendments"),
            &fac(),
            &json!({"reference": "AV-1", "signed_on": "2020-03-01", "amount_excl_tax": 1250000,
                    "end_date": "2021-06-30"}),
        )
        .await,
    );
    let row = |year: i32| {
        let app = &app;
        async move {
            let r = app
                .get(&format!("/api/v1/stats/contracts?year={year}"), &fac())
                .await
                .json();
            r["rows"]
                .as_array()
                .unwrap()
                .iter()
                .find(|r| r["reference"] == "K-OP")
                .cloned()
                .unwrap_or(Value::Null)
        }
    };
    let y2019 = row(2019).await;
    assert_eq!(y2019["commitment_hours"], json!(800));
    assert_eq!(y2019["end_date"], "2020-12-31");
    let y2020 = row(2020).await;
    assert_eq!(y2020["commitment_hours"], json!(1000));
    assert_eq!(y2020["end_date"], "2021-06-30");
    // Running into 2021 only by its amendment.
    assert_eq!(row(2021).await["commitment_hours"], json!(1000));

    let fulfilment = |on: &'static str| {
        let app = &app;
        async move {
            app.get(
                &format!("/api/v1/operations/{op}/fulfilment?on={on}"),
                &fac(),
            )
            .await
            .json()
        }
    };
    let f = fulfilment("2019-12-31").await;
    assert_eq!(f["commitment_hours"], json!(800));
    // 800 × 365 / 731 days.
    assert_eq!(f["expected_hours_to_date"], json!(399.45));
    let f = fulfilment("2020-12-31").await;
    assert_eq!(f["commitment_hours"], json!(1000));
    // 1,000 × 731 / 912 days.
    assert_eq!(f["expected_hours_to_date"], json!(801.54));
}
