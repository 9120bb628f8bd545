//! The partner flow end to end: the facilitator registers a contract, the
//! PLIE a person, the holder a placement and three months of hours, the
//! facilitator validates two and rejects one, the buyer reads the fulfilment.

use crate::common::*;
use serde_json::{json, Value};

use clauses::auth::Role;

#[actix_web::test]
async fn partner_flow() {
    let app = spawn().await;
    let buyer = app.org("buyer", "Ville de Corbeil-Essonnes").await;
    let holder = app.org("company", "Bâtiments du Val d'Essonne").await;
    let plie = app.org("plie", "PLIE EVE").await;

    // The facilitator registers the contract; its commitment is computed.
    let res = app
        .post(
            "/api/v1/contracts",
            &fac(),
            &json!({
                "buyer_id": buyer, "holder_id": holder, "reference": "2019-TX-014",
                "title": "Rénovation du groupe scolaire", "operation": "NPNRU Tarterêts",
                "clause_type": "execution_condition", "start_date": "2019-01-01", "end_date": "2019-12-31",
                "amount_excl_tax": 1000000, "labour_share": 0.40, "insertion_rate": 0.05, "hourly_cost": 25
            }),
        )
        .await;
    let contract = id_of(&res);
    let body = res.json();
    assert_eq!(body["commitment_hours"], json!(800));
    assert_eq!(body["commitment_source"], "computed");
    assert_eq!(body["labour_share"], json!(0.4));

    // The PLIE registers a person: it becomes their referent.
    let plie_token = token(Role::Plie, Some(plie));
    let res = app
        .post(
            "/api/v1/beneficiaries",
            &plie_token,
            &json!({
                "last_name": "Martin", "first_name": "Yanis", "sex": "M", "birth_date": "1997-04-12",
                "postal_code": "91100", "qpv_code": "QN09103M", "qualification_level": "3",
                "eligibility": ["long_term_unemployed", "plie_participant"]
            }),
        )
        .await;
    let person = id_of(&res);
    assert_eq!(res.json()["referent_id"], plie.to_string());

    // The facilitator registers the hire: a company places only people it
    // employs or employed.
    let holder_token = token(Role::Company, Some(holder));
    let res = app
        .post(
            "/api/v1/placements",
            &fac(),
            &json!({
                "beneficiary_id": person, "contract_id": contract, "employer_id": holder,
                "modality": "direct_fixed_term", "job_title": "Ouvrier du bâtiment",
                "start_date": "2019-01-07", "weekly_hours": 35
            }),
        )
        .await;
    let placement = id_of(&res);

    // Three months of hours, declared by the holder: waiting for validation.
    for (month, worked, training) in [
        ("2019-01", "120.5", "0"),
        ("2019-02", "140", "7.25"),
        ("2019-03", "151.67", "0"),
    ] {
        let body: Value = serde_json::from_str(&format!(
            r#"{{"worked_hours": {worked}, "training_hours": {training}}}"#
        ))
        .unwrap();
        let res = app
            .put(
                &format!("/api/v1/placements/{placement}/hours/{month}"),
                &holder_token,
                &body,
            )
            .await;
        assert_eq!(res.status, 201, "{}", String::from_utf8_lossy(&res.body));
        assert_eq!(res.json()["status"], "declared");
        assert_eq!(res.json()["month"], month);
    }
    let buyer_token = token(Role::Buyer, Some(buyer));
    let res = app
        .get(
            &format!("/api/v1/contracts/{contract}/fulfilment?on=2019-04-01"),
            &buyer_token,
        )
        .await;
    assert_eq!(res.status, 200);
    assert_eq!(res.json()["validated_hours"], json!(0));
    assert_eq!(res.json()["declared_hours"], json!(419.42));

    // The facilitator validates two months and rejects one with a reason.
    let decision = |month: &str| format!("/api/v1/placements/{placement}/hours/{month}/validation");
    let res = app
        .post(
            &decision("2019-01"),
            &fac(),
            &json!({"decision": "validated"}),
        )
        .await;
    assert_eq!(res.status, 200);
    assert_eq!(res.json()["status"], "validated");
    assert_eq!(
        app.post(
            &decision("2019-02"),
            &fac(),
            &json!({"decision": "validated"})
        )
        .await
        .status,
        200
    );
    let res = app
        .post(
            &decision("2019-03"),
            &fac(),
            &json!({"decision": "rejected", "reason": "Heures hors chantier"}),
        )
        .await;
    assert_eq!(res.status, 200);
    assert_eq!(res.json()["status"], "rejected");
    assert_eq!(res.json()["reason"], "Heures hors chantier");

    // The buyer reads a fulfilment that counts exactly the two validated months.
    let res = app
        .get(
            &format!("/api/v1/contracts/{contract}/fulfilment?on=2019-04-01"),
            &buyer_token,
        )
        .await;
    assert_eq!(res.status, 200, "{}", String::from_utf8_lossy(&res.body));
    let f = res.json();
    assert_eq!(f["commitment_hours"], json!(800));
    assert_eq!(f["validated_hours"], json!(267.75));
    assert_eq!(f["declared_hours"], json!(0));
    assert_eq!(f["share_done"], json!(0.3347));
    // 1 January to 1 April inclusive, 91 of 365 days: 800 × 91 / 365 = 199.45.
    assert_eq!(f["expected_hours_to_date"], json!(199.45));
    assert_eq!(f["status"], "ahead");

    // The month list shows all three, in the order they were declared.
    let res = app
        .get(
            &format!("/api/v1/placements/{placement}/hours"),
            &holder_token,
        )
        .await;
    let months: Vec<String> = res.json()["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["month"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(months, ["2019-01", "2019-02", "2019-03"]);

    // The holder corrects the rejected month: declared again, counted once validated.
    let res = app
        .put(
            &format!("/api/v1/placements/{placement}/hours/2019-03"),
            &holder_token,
            &json!({"worked_hours": 100}),
        )
        .await;
    assert_eq!(res.status, 200);
    assert_eq!(res.json()["status"], "declared");
    assert_eq!(res.json()["reason"], Value::Null);
    let res = app
        .get(
            &format!("/api/v1/contracts/{contract}/fulfilment?on=2019-04-01"),
            &buyer_token,
        )
        .await;
    assert_eq!(res.json()["declared_hours"], json!(100));
    assert_eq!(res.json()["validated_hours"], json!(267.75));
}

#[actix_web::test]
async fn declarations_are_idempotent_and_validated_months_are_locked() {
    let app = spawn().await;
    let buyer = app.org("buyer", "Agglo").await;
    let holder = app.org("company", "Holder").await;
    let contract = app.contract(buyer, holder, "R1").await;
    let person = app.person(None, "Durand", "F", "1990-01-01").await;
    let placement = app
        .placement(person, contract, holder, "2019-01-01", None)
        .await;
    let company = token(Role::Company, Some(holder));
    let url = format!("/api/v1/placements/{placement}/hours/2019-05");

    let first = app
        .put(
            &url,
            &company,
            &json!({"worked_hours": 100, "training_hours": 10}),
        )
        .await;
    assert_eq!(first.status, 201);
    // The same declaration again changes nothing.
    let again = app
        .put(
            &url,
            &company,
            &json!({"worked_hours": 100.00, "training_hours": 10}),
        )
        .await;
    assert_eq!(again.status, 200);
    assert_eq!(again.json()["version"], first.json()["version"]);
    // Once validated, the company cannot replace it.
    app.post(
        &format!("{url}/validation"),
        &fac(),
        &json!({"decision": "validated"}),
    )
    .await;
    let res = app.put(&url, &company, &json!({"worked_hours": 90})).await;
    assert_eq!(res.problem(409)["errors"][0]["field"], "month");
    // The facilitator can, and it stays validated.
    let res = app.put(&url, &fac(), &json!({"worked_hours": 90})).await;
    assert_eq!(res.status, 200);
    assert_eq!(res.json()["status"], "validated");
    assert_eq!(res.json()["worked_hours"], json!(90));
    assert_eq!(res.json()["training_hours"], json!(0));
    let got = app.get(&url, &company).await;
    assert_eq!(got.status, 200);
    assert_eq!(got.json()["worked_hours"], json!(90));
}
