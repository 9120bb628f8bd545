//! Every rule refused with 422 naming the field, and the database unchanged
//! afterwards.

use crate::common::*;
use diesel::prelude::*;
use serde_json::{json, Value};
use uuid::Uuid;

use clauses::auth::Role;

fn count(app: &TestApp, table: &str) -> i64 {
    #[derive(QueryableByName)]
    struct N {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    diesel::sql_query(format!("SELECT count(*) AS n FROM {table}"))
        .get_result::<N>(&mut app.db.conn())
        .unwrap()
        .n
}

fn with(base: &Value, changes: Value) -> Value {
    let mut b = base.clone();
    for (k, v) in changes.as_object().unwrap() {
        if v.is_null() {
            b.as_object_mut().unwrap().remove(k);
        } else {
            b[k] = v.clone();
        }
    }
    b
}

fn sorted(mut v: Vec<String>) -> Vec<String> {
    v.sort();
    v
}

#[actix_web::test]
async fn contract_rules() {
    let app = spawn().await;
    let buyer = app.org("buyer", "Buyer").await;
    let holder = app.org("company", "Holder").await;
    let plie = app.org("plie", "PLIE").await;
    let base = json!({
        "buyer_id": buyer, "holder_id": holder, "reference": "R-1", "title": "Travaux",
        "clause_type": "execution_condition", "start_date": "2019-01-01", "end_date": "2019-12-31",
        "commitment_hours": 500
    });
    assert_eq!(
        app.post("/api/v1/contracts", &fac(), &base).await.status,
        201
    );
    let before = count(&app, "contracts");
    let cases: Vec<(Value, Vec<&str>)> = vec![
        (
            json!({}),
            vec![
                "buyer_id",
                "clause_type",
                "commitment_hours",
                "end_date",
                "holder_id",
                "reference",
                "start_date",
                "title",
            ],
        ),
        (
            with(&base, json!({"reference": "R-2", "end_date": "2018-12-31"})),
            vec!["end_date"],
        ),
        (
            with(
                &base,
                json!({"reference": "R-2", "start_date": "2019-02-30"}),
            ),
            vec!["start_date"],
        ),
        (
            with(&base, json!({"reference": "R-2", "clause_type": "social"})),
            vec!["clause_type"],
        ),
        (
            with(&base, json!({"reference": "R-2", "commitment_hours": null})),
            vec!["commitment_hours"],
        ),
        (
            with(
                &base,
                json!({"reference": "R-2", "commitment_hours": null, "amount_excl_tax": 1000, "labour_share": 0.4}),
            ),
            vec!["commitment_hours"],
        ),
        (
            with(&base, json!({"reference": "R-2", "commitment_hours": -1})),
            vec!["commitment_hours"],
        ),
        (
            with(
                &base,
                json!({"reference": "R-2", "commitment_hours": 10.123}),
            ),
            vec!["commitment_hours"],
        ),
        (
            with(
                &base,
                json!({"reference": "R-2", "labour_share": 1.5, "insertion_rate": 0.00001, "hourly_cost": 0, "amount_excl_tax": -5}),
            ),
            vec![
                "amount_excl_tax",
                "hourly_cost",
                "insertion_rate",
                "labour_share",
            ],
        ),
        (
            with(&base, json!({"reference": "R-2", "holder_id": plie})),
            vec!["holder_id"],
        ),
        (
            with(&base, json!({"reference": "R-2", "buyer_id": holder})),
            vec!["buyer_id"],
        ),
        (
            with(
                &base,
                json!({"reference": "R-2", "buyer_id": Uuid::new_v4()}),
            ),
            vec!["buyer_id"],
        ),
        (
            with(&base, json!({"reference": " ", "title": ""})),
            vec!["reference", "title"],
        ),
        (
            with(
                &base,
                json!({"reference": "R-2", "amount_excl_tax": "lots"}),
            ),
            vec!["amount_excl_tax"],
        ),
    ];
    for (body, fields) in cases {
        let res = app.post("/api/v1/contracts", &fac(), &body).await;
        assert_eq!(sorted(res.fields()), fields, "{body}");
    }
    // The same reference for the same buyer is a conflict; for another buyer it is fine.
    let res = app.post("/api/v1/contracts", &fac(), &base).await;
    assert_eq!(res.problem(409)["errors"][0]["field"], "reference");
    assert_eq!(count(&app, "contracts"), before);
    let other = app.org("buyer", "Other").await;
    assert_eq!(
        app.post(
            "/api/v1/contracts",
            &fac(),
            &with(&base, json!({"buyer_id": other}))
        )
        .await
        .status,
        201
    );
}

#[actix_web::test]
async fn commitment_is_computed_half_up_and_recomputed() {
    let app = spawn().await;
    let buyer = app.org("buyer", "Buyer").await;
    let holder = app.org("company", "Holder").await;
    let res = app
        .post(
            "/api/v1/contracts",
            &fac(),
            &json!({"buyer_id": buyer, "holder_id": holder, "reference": "R", "title": "Nettoyage",
                    "clause_type": "insertion_contract", "start_date": "2019-01-01", "end_date": "2019-12-31",
                    "amount_excl_tax": 100.25, "labour_share": 1, "insertion_rate": 0.1, "hourly_cost": 1}),
        )
        .await;
    let id = id_of(&res);
    // 100.25 × 1 × 0.1 ÷ 1 = 10.025: half-up gives 10.03.
    assert_eq!(res.json()["commitment_hours"], json!(10.03));
    let url = format!("/api/v1/contracts/{id}");
    let res = app
        .patch(&url, &fac(), &json!({"amount_excl_tax": 200000}), None)
        .await;
    assert_eq!(res.json()["commitment_hours"], json!(20000));
    assert_eq!(res.json()["commitment_source"], "computed");
    let res = app
        .patch(&url, &fac(), &json!({"commitment_hours": 15000}), None)
        .await;
    assert_eq!(res.json()["commitment_source"], "given");
    // A given figure stays when a sizing figure changes.
    let res = app
        .patch(&url, &fac(), &json!({"hourly_cost": 2}), None)
        .await;
    assert_eq!(res.json()["commitment_hours"], json!(15000));
    // Clearing it computes it again; clearing a figure it needs is refused.
    let res = app
        .patch(&url, &fac(), &json!({"commitment_hours": null}), None)
        .await;
    assert_eq!(res.json()["commitment_hours"], json!(10000));
    let res = app
        .patch(&url, &fac(), &json!({"hourly_cost": null}), None)
        .await;
    assert_eq!(res.fields(), ["commitment_hours"]);
    let res = app
        .patch(
            &url,
            &fac(),
            &json!({"commitment_source": "estimated"}),
            None,
        )
        .await;
    assert_eq!(res.fields(), ["commitment_source"]);
}

#[actix_web::test]
async fn beneficiary_rules() {
    let app = spawn().await;
    let base = json!({"last_name": "Nguyen", "first_name": "Linh", "sex": "F", "birth_date": "1995-06-30",
                      "postal_code": "91000", "eligibility": ["rsa"]});
    assert_eq!(
        app.post("/api/v1/beneficiaries", &fac(), &base)
            .await
            .status,
        201
    );
    let before = count(&app, "beneficiaries");
    let young = (chrono::Utc::now().date_naive() - chrono::Days::new(15 * 366)).to_string();
    let future = (chrono::Utc::now().date_naive() + chrono::Days::new(3)).to_string();
    let cases: Vec<(Value, Vec<&str>)> = vec![
        (
            json!({}),
            vec![
                "birth_date",
                "eligibility",
                "first_name",
                "last_name",
                "postal_code",
                "sex",
            ],
        ),
        (with(&base, json!({"sex": "X"})), vec!["sex"]),
        (with(&base, json!({"eligibility": []})), vec!["eligibility"]),
        (
            with(&base, json!({"eligibility": ["rsa", "rich"]})),
            vec!["eligibility[1]"],
        ),
        (
            with(&base, json!({"eligibility": ["other_validated"]})),
            vec!["eligibility_reason"],
        ),
        (
            with(&base, json!({"qualification_level": "9"})),
            vec!["qualification_level"],
        ),
        (with(&base, json!({"qpv_code": "QX123"})), vec!["qpv_code"]),
        (
            with(&base, json!({"postal_code": "9100"})),
            vec!["postal_code"],
        ),
        (
            with(&base, json!({"postal_code": 91000})),
            vec!["postal_code"],
        ),
        (
            with(&base, json!({"birth_date": young})),
            vec!["birth_date"],
        ),
        (
            with(&base, json!({"birth_date": future})),
            vec!["birth_date"],
        ),
        (
            with(&base, json!({"birth_date": "30/06/1995"})),
            vec!["birth_date"],
        ),
        (
            with(&base, json!({"referent_id": Uuid::new_v4()})),
            vec!["referent_id"],
        ),
        (
            with(
                &base,
                json!({"sex": "X", "postal_code": "ABCDE", "qpv_code": "QP1"}),
            ),
            vec!["postal_code", "qpv_code", "sex"],
        ),
    ];
    for (body, fields) in cases {
        let res = app.post("/api/v1/beneficiaries", &fac(), &body).await;
        assert_eq!(sorted(res.fields()), fields, "{body}");
    }
    assert_eq!(count(&app, "beneficiaries"), before);
    // Both QPV lists are accepted; the code is stored upper-case.
    let res = app
        .post(
            "/api/v1/beneficiaries",
            &fac(),
            &with(&base, json!({"qpv_code": "qp091001"})),
        )
        .await;
    assert_eq!(res.json()["qpv_code"], "QP091001");
    let res = app
        .post(
            "/api/v1/beneficiaries",
            &fac(),
            &with(
                &base,
                json!({"qpv_code": "QN09103M", "qualification_level": "infra_3"}),
            ),
        )
        .await;
    assert_eq!(res.status, 201);
}

#[actix_web::test]
async fn placement_rules() {
    let app = spawn().await;
    let buyer = app.org("buyer", "Buyer").await;
    let holder = app.org("company", "Holder").await;
    let plie = app.org("plie", "PLIE").await;
    let contract = app.contract(buyer, holder, "R").await; // 2019-01-01 .. 2020-12-31
    let person = app.person(None, "Robert", "M", "1980-01-01").await;
    // Turns 16 on 2019-05-10.
    let teen = app.person(None, "Jeune", "F", "2003-05-10").await;
    let base = json!({"beneficiary_id": person, "contract_id": contract, "employer_id": holder,
                      "modality": "apprenticeship", "job_title": "Apprenti", "start_date": "2019-03-01"});
    let before = count(&app, "placements");
    let cases: Vec<(Value, Vec<&str>)> = vec![
        (
            json!({}),
            vec![
                "beneficiary_id",
                "contract_id",
                "employer_id",
                "job_title",
                "modality",
                "start_date",
            ],
        ),
        (
            with(&base, json!({"start_date": "2018-12-31"})),
            vec!["start_date"],
        ),
        (
            with(&base, json!({"start_date": "2021-01-01"})),
            vec!["start_date"],
        ),
        (
            with(&base, json!({"end_date": "2019-02-28"})),
            vec!["end_date"],
        ),
        (
            with(&base, json!({"modality": "freelance"})),
            vec!["modality"],
        ),
        (
            with(&base, json!({"employer_id": plie})),
            vec!["employer_id"],
        ),
        (
            with(
                &base,
                json!({"employer_id": Uuid::new_v4(), "beneficiary_id": Uuid::new_v4()}),
            ),
            vec!["beneficiary_id", "employer_id"],
        ),
        (
            with(&base, json!({"contract_id": Uuid::new_v4()})),
            vec!["contract_id"],
        ),
        (
            with(
                &base,
                json!({"beneficiary_id": teen, "start_date": "2019-05-09"}),
            ),
            vec!["start_date"],
        ),
        (
            with(&base, json!({"weekly_hours": 60})),
            vec!["weekly_hours"],
        ),
        (
            with(&base, json!({"job_title": "", "weekly_hours": 0})),
            vec!["job_title", "weekly_hours"],
        ),
    ];
    for (body, fields) in cases {
        let res = app.post("/api/v1/placements", &fac(), &body).await;
        assert_eq!(sorted(res.fields()), fields, "{body}");
    }
    assert_eq!(count(&app, "placements"), before);
    // Sixteen on the first day is enough.
    let res = app
        .post(
            "/api/v1/placements",
            &fac(),
            &with(
                &base,
                json!({"beneficiary_id": teen, "start_date": "2019-05-10"}),
            ),
        )
        .await;
    assert_eq!(res.status, 201);

    // A placement's dates cannot leave recorded months outside.
    let placement = app
        .placement(person, contract, holder, "2019-01-01", None)
        .await;
    assert_eq!(app.hours(placement, "2019-06", "100").await.status, 201);
    let url = format!("/api/v1/placements/{placement}");
    assert_eq!(
        app.patch(&url, &fac(), &json!({"end_date": "2019-05-31"}), None)
            .await
            .fields(),
        ["end_date"]
    );
    assert_eq!(
        app.patch(&url, &fac(), &json!({"start_date": "2019-07-01"}), None)
            .await
            .fields(),
        ["start_date"]
    );
    assert_eq!(
        app.patch(&url, &fac(), &json!({"contract_id": Uuid::new_v4()}), None)
            .await
            .fields(),
        ["contract_id"]
    );
    assert_eq!(
        app.patch(&url, &fac(), &json!({"end_date": "2019-06-15"}), None)
            .await
            .status,
        200
    );
}

#[actix_web::test]
async fn monthly_cap_and_hours_rules() {
    let app = spawn().await;
    let buyer = app.org("buyer", "Buyer").await;
    let holder = app.org("company", "Holder").await;
    let contract = app.contract(buyer, holder, "R").await;
    let person = app.person(None, "Petit", "M", "1980-01-01").await;
    // From 22 January 2019: 10 days of January, all of February.
    let placement = app
        .placement(person, contract, holder, "2019-01-22", Some("2019-12-31"))
        .await;
    let company = token(Role::Company, Some(holder));
    let url = |m: &str| format!("/api/v1/placements/{placement}/hours/{m}");

    // Partial first month: 48 × 10 / 7 = 68.57.
    assert_eq!(
        app.put(&url("2019-01"), &company, &json!({"worked_hours": 68.58}))
            .await
            .fields(),
        ["worked_hours"]
    );
    assert_eq!(
        app.put(
            &url("2019-01"),
            &company,
            &json!({"worked_hours": 60, "training_hours": 8.57})
        )
        .await
        .status,
        201
    );
    // February: 48 × 28 / 7 = 192.
    assert_eq!(
        app.put(
            &url("2019-02"),
            &company,
            &json!({"worked_hours": 185, "training_hours": 7.01})
        )
        .await
        .fields(),
        ["worked_hours"]
    );
    assert_eq!(
        app.put(&url("2019-02"), &company, &json!({"worked_hours": 192}))
            .await
            .status,
        201
    );
    // A full 31-day month: 212.57.
    assert_eq!(
        app.put(&url("2019-03"), &company, &json!({"worked_hours": 212.58}))
            .await
            .fields(),
        ["worked_hours"]
    );
    assert_eq!(
        app.put(&url("2019-03"), &company, &json!({"worked_hours": 212.57}))
            .await
            .status,
        201
    );

    let before = count(&app, "monthly_hours");
    for (month, body, fields) in [
        ("2018-12", json!({"worked_hours": 10}), vec!["month"]),
        ("2020-01", json!({"worked_hours": 10}), vec!["month"]),
        ("2019-13", json!({"worked_hours": 10}), vec!["month"]),
        ("2019-04", json!({"worked_hours": -1}), vec!["worked_hours"]),
        (
            "2019-04",
            json!({"worked_hours": 10.005}),
            vec!["worked_hours"],
        ),
        (
            "2019-04",
            json!({"worked_hours": 10, "training_hours": -2}),
            vec!["training_hours"],
        ),
        (
            "2019-04",
            json!({"training_hours": 2}),
            vec!["worked_hours"],
        ),
        (
            "2019-04",
            json!({"worked_hours": "ten"}),
            vec!["worked_hours"],
        ),
        (
            "2019-04",
            json!({"worked_hours": 1, "overtime": 3}),
            vec!["overtime"],
        ),
    ] {
        let res = app.put(&url(month), &company, &body).await;
        assert_eq!(sorted(res.fields()), fields, "{month} {body}");
    }
    assert_eq!(count(&app, "monthly_hours"), before);

    // Decisions: a reason to reject; a month must exist.
    let res = app
        .post(
            &format!("{}/validation", url("2019-02")),
            &fac(),
            &json!({"decision": "rejected"}),
        )
        .await;
    assert_eq!(res.fields(), ["reason"]);
    let res = app
        .post(
            &format!("{}/validation", url("2019-02")),
            &fac(),
            &json!({"decision": "maybe"}),
        )
        .await;
    assert_eq!(res.fields(), ["decision"]);
    app.post(
        &format!("{}/validation", url("2019-05")),
        &fac(),
        &json!({"decision": "validated"}),
    )
    .await
    .problem(404);
    let got = app.get(&url("2019-02"), &company).await.json();
    assert_eq!(got["status"], "declared");
    assert_eq!(got["reason"], Value::Null);
}

/// A merge patch that sets a required field to null is refused at that
/// field, for each resource, and the record keeps its version; a null on an
/// optional field is a change.
#[actix_web::test]
async fn patches_cannot_null_required_fields() {
    let app = spawn().await;
    let buyer = app.org("buyer", "Buyer").await;
    let holder = app.org("company", "Holder").await;
    let contract = app.contract(buyer, holder, "R-1").await;
    let person = app.person(None, "Martin", "F", "1990-05-01").await;
    let placement = app
        .placement(person, contract, holder, "2019-03-01", Some("2019-06-30"))
        .await;
    let cases: Vec<(String, Value, Vec<&str>)> = vec![
        (
            format!("/api/v1/organisations/{holder}"),
            json!({"kind": null, "name": null, "siret": null}),
            vec!["kind", "name"],
        ),
        (
            format!("/api/v1/contracts/{contract}"),
            json!({
                "buyer_id": null, "holder_id": null, "reference": null, "title": null,
                "clause_type": null, "start_date": null, "end_date": null,
                "commitment_source": null, "operation": null
            }),
            vec![
                "buyer_id",
                "clause_type",
                "commitment_source",
                "end_date",
                "holder_id",
                "reference",
                "start_date",
                "title",
            ],
        ),
        (
            format!("/api/v1/beneficiaries/{person}"),
            json!({
                "last_name": null, "first_name": null, "sex": null, "birth_date": null,
                "postal_code": null, "eligibility": null, "qpv_code": null
            }),
            vec![
                "birth_date",
                "eligibility",
                "first_name",
                "last_name",
                "postal_code",
                "sex",
            ],
        ),
        (
            format!("/api/v1/placements/{placement}"),
            json!({
                "employer_id": null, "modality": null, "job_title": null,
                "start_date": null, "end_date": null
            }),
            vec!["employer_id", "job_title", "modality", "start_date"],
        ),
    ];
    for (path, body, fields) in cases {
        let before = app.get(&path, &fac()).await;
        assert_eq!(before.status, 200, "{path}");
        let res = app.patch(&path, &fac(), &body, None).await;
        res.problem(422);
        assert_eq!(sorted(res.fields()), fields, "{path}");
        for e in res.json()["errors"].as_array().unwrap() {
            assert_eq!(e["message"], "cannot be null", "{path}");
        }
        let after = app.get(&path, &fac()).await;
        assert_eq!(after.header("etag"), before.header("etag"), "{path}");
        assert_eq!(after.json(), before.json(), "{path}");
    }
    // The optional end date may be cleared: the placement is open again.
    let path = format!("/api/v1/placements/{placement}");
    let res = app
        .patch(&path, &fac(), &json!({"end_date": null}), None)
        .await;
    assert_eq!(res.status, 200);
    assert!(res.json()["end_date"].is_null());
}
