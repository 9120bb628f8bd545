//! The facilitator's worklist: months across placements, decisions in bulk,
//! months never declared (API.md, "The facilitator's worklist").

use std::collections::BTreeSet;

use serde_json::{json, Value};
use uuid::Uuid;

use crate::common::*;
use clauses::auth::Role;

/// A company declares a month (status `declared`).
async fn declare(app: &TestApp, company: &str, placement: Uuid, month: &str, worked: f64) -> Value {
    let res = app
        .put(
            &format!("/api/v1/placements/{placement}/hours/{month}"),
            company,
            &json!({"worked_hours": worked}),
        )
        .await;
    assert!(
        res.status == 201 || res.status == 200,
        "{}",
        String::from_utf8_lossy(&res.body)
    );
    res.json()
}

/// Every (placement, month) of every page of `path`, followed to the end.
async fn pairs(app: &TestApp, token: &str, path: &str) -> BTreeSet<(String, String)> {
    let mut out = BTreeSet::new();
    let mut cursor: Option<String> = None;
    let sep = if path.contains('?') { '&' } else { '?' };
    loop {
        let url = match &cursor {
            Some(c) => format!("{path}{sep}limit=2&cursor={c}"),
            None => format!("{path}{sep}limit=2"),
        };
        let res = app.get(&url, token).await;
        assert_eq!(
            res.status,
            200,
            "{url}: {}",
            String::from_utf8_lossy(&res.body)
        );
        let page = res.json();
        for item in page["items"].as_array().unwrap() {
            assert!(item["contract_id"].is_string() && item["employer_id"].is_string());
            out.insert((
                item["placement_id"].as_str().unwrap().to_string(),
                item["month"].as_str().unwrap().to_string(),
            ));
        }
        match page["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_string()),
            None => return out,
        }
    }
}

fn set(items: &[(Uuid, &str)]) -> BTreeSet<(String, String)> {
    items
        .iter()
        .map(|(p, m)| (p.to_string(), m.to_string()))
        .collect()
}

#[actix_web::test]
async fn each_role_sees_the_months_it_may_and_no_other() {
    let app = spawn().await;
    let buyer = app.org("buyer", "Ville").await;
    let holder_a = app.org("company", "Bâtir Essonne").await;
    let holder_b = app.org("company", "Voirie 91").await;
    let etti = app.org("company", "ETTI Sud-Essonne").await;
    let plie_1 = app.org("plie", "PLIE Nord").await;
    let plie_2 = app.org("plie", "PLIE Sud").await;
    let dept = app.org("department", "Département").await;
    let c_a = app.contract(buyer, holder_a, "A-1").await;
    let c_b = app.contract(buyer, holder_b, "B-1").await;
    let person_1 = app.person(Some(plie_1), "Diallo", "F", "1990-02-01").await;
    let person_2 = app.person(Some(plie_2), "Martin", "M", "1985-06-12").await;
    // The holder subcontracts to an ETTI, which employs the person: both see the months.
    let p_1 = app
        .placement(person_1, c_a, etti, "2019-01-07", Some("2019-03-31"))
        .await;
    let p_2 = app
        .placement(person_2, c_b, holder_b, "2019-01-07", Some("2019-03-31"))
        .await;
    let t_a = token(Role::Company, Some(holder_a));
    let t_b = token(Role::Company, Some(holder_b));
    let t_etti = token(Role::Company, Some(etti));
    declare(&app, &t_etti, p_1, "2019-01", 120.0).await;
    declare(&app, &t_a, p_1, "2019-02", 110.0).await;
    declare(&app, &t_b, p_2, "2019-01", 100.0).await;

    let of_1 = set(&[(p_1, "2019-01"), (p_1, "2019-02")]);
    let of_2 = set(&[(p_2, "2019-01")]);
    let all: BTreeSet<_> = of_1.union(&of_2).cloned().collect();
    let owed_1 = set(&[(p_1, "2019-03")]);
    let owed_2 = set(&[(p_2, "2019-02"), (p_2, "2019-03")]);
    let owed_all: BTreeSet<_> = owed_1.union(&owed_2).cloned().collect();
    let missing = "/api/v1/hours/missing?as_of=2019-06-01";
    for (who, t, months, owed) in [
        ("facilitator", fac(), &all, &owed_all),
        ("the holder", t_a.clone(), &of_1, &owed_1),
        ("the ETTI", t_etti.clone(), &of_1, &owed_1),
        ("the other holder", t_b.clone(), &of_2, &owed_2),
        ("PLIE 1", token(Role::Plie, Some(plie_1)), &of_1, &owed_1),
        ("PLIE 2", token(Role::Plie, Some(plie_2)), &of_2, &owed_2),
    ] {
        assert_eq!(&pairs(&app, &t, "/api/v1/hours").await, months, "{who}");
        assert_eq!(&pairs(&app, &t, missing).await, owed, "{who}: missing");
    }
    for (who, t) in [
        ("buyer", token(Role::Buyer, Some(buyer))),
        ("department", token(Role::Department, Some(dept))),
        ("state", token(Role::State, None)),
    ] {
        app.get("/api/v1/hours", &t).await.problem(403);
        app.get(missing, &t).await.problem(403);
        app.get("/api/v1/hours?status=nonsense", &t)
            .await
            .problem(403);
        let res = app
            .post("/api/v1/hours/validations", &t, &json!({"decisions": []}))
            .await;
        assert_eq!(res.status, 403, "{who}");
    }
    // Only the facilitator decides, in bulk as one by one.
    for t in [&t_a, &token(Role::Plie, Some(plie_1))] {
        let res = app
            .post(
                "/api/v1/hours/validations",
                t,
                &json!({"decisions": [{"placement_id": p_1, "month": "2019-01", "decision": "validated"}]}),
            )
            .await;
        res.problem(403);
    }
}

#[actix_web::test]
async fn filters_combine_and_a_bad_one_is_named() {
    let app = spawn().await;
    let buyer = app.org("buyer", "Ville").await;
    let holder = app.org("company", "Bâtir Essonne").await;
    let other = app.org("company", "Voirie 91").await;
    let c_1 = app.contract(buyer, holder, "F-1").await;
    let c_2 = app.contract(buyer, holder, "F-2").await;
    let person = app.person(None, "Diallo", "F", "1990-02-01").await;
    let p_1 = app.placement(person, c_1, holder, "2019-01-07", None).await;
    let p_2 = app.placement(person, c_2, other, "2019-01-07", None).await;
    let t = token(Role::Company, Some(holder));
    for m in ["2019-01", "2019-02", "2019-03"] {
        declare(&app, &t, p_1, m, 100.0).await;
        declare(&app, &t, p_2, m, 90.0).await;
    }
    // One of each status on p_1.
    app.post(
        &format!("/api/v1/placements/{p_1}/hours/2019-02/validation"),
        &fac(),
        &json!({"decision": "validated"}),
    )
    .await;
    app.post(
        &format!("/api/v1/placements/{p_1}/hours/2019-03/validation"),
        &fac(),
        &json!({"decision": "rejected", "reason": "Doublon"}),
    )
    .await;
    let f = fac();
    let got = |q: &'static str| {
        let app = &app;
        let f = f.clone();
        async move { pairs(app, &f, &format!("/api/v1/hours?{q}")).await }
    };
    assert_eq!(
        got("status=declared,rejected").await,
        set(&[
            (p_1, "2019-01"),
            (p_1, "2019-03"),
            (p_2, "2019-01"),
            (p_2, "2019-02"),
            (p_2, "2019-03")
        ])
    );
    assert_eq!(
        got("status=declared&month_from=2019-02&month_to=2019-03").await,
        set(&[(p_2, "2019-02"), (p_2, "2019-03")])
    );
    let by_contract = format!("/api/v1/hours?contract_id={c_1}&status=validated");
    assert_eq!(
        pairs(&app, &f, &by_contract).await,
        set(&[(p_1, "2019-02")])
    );
    let by_employer = format!("/api/v1/hours?employer_id={other}&month_to=2019-01");
    assert_eq!(
        pairs(&app, &f, &by_employer).await,
        set(&[(p_2, "2019-01")])
    );
    let by_person =
        format!("/api/v1/hours?beneficiary_id={person}&contract_id={c_2}&status=rejected");
    assert!(pairs(&app, &f, &by_person).await.is_empty());

    for (query, field) in [
        ("status=declared,maybe", "status"),
        ("month_from=2019-13", "month_from"),
        ("month_to=2019", "month_to"),
        ("month_from=2019-05&month_to=2019-04", "month_from"),
        ("contract_id=nope", "contract_id"),
        ("employer_id=1", "employer_id"),
        ("beneficiary_id=x", "beneficiary_id"),
        ("updated_since=yesterday", "updated_since"),
        ("limit=0", "limit"),
        ("cursor=garbage", "cursor"),
        ("colour=blue", "colour"),
    ] {
        let res = app.get(&format!("/api/v1/hours?{query}"), &f).await;
        assert!(
            res.fields().contains(&field.to_string()),
            "{query}: {:?}",
            res.fields()
        );
    }
    for (query, field) in [
        ("as_of=2019-02-30", "as_of"),
        ("contract_id=nope", "contract_id"),
        ("cursor=garbage", "cursor"),
        ("status=declared", "status"),
    ] {
        let res = app.get(&format!("/api/v1/hours/missing?{query}"), &f).await;
        assert!(
            res.fields().contains(&field.to_string()),
            "{query}: {:?}",
            res.fields()
        );
    }
}

#[actix_web::test]
async fn months_owed_are_the_covered_months_before_as_of_that_nobody_declared() {
    let app = spawn().await;
    let buyer = app.org("buyer", "Ville").await;
    let holder = app.org("company", "Bâtir Essonne").await;
    let c = app.contract(buyer, holder, "M-1").await; // 2019-01-01 to 2020-12-31
    let person = app.person(None, "Diallo", "F", "1990-02-01").await;
    let closed = app
        .placement(person, c, holder, "2019-01-15", Some("2019-04-10"))
        .await;
    let t = token(Role::Company, Some(holder));
    declare(&app, &t, closed, "2019-03", 100.0).await;
    let owed = |as_of: &'static str| {
        let app = &app;
        async move {
            pairs(
                app,
                &fac(),
                &format!("/api/v1/hours/missing?as_of={as_of}&contract_id={c}"),
            )
            .await
        }
    };
    assert_eq!(
        owed("2019-05-01").await,
        set(&[
            (closed, "2019-01"),
            (closed, "2019-02"),
            (closed, "2019-04")
        ])
    );
    // April is not over yet.
    assert_eq!(
        owed("2019-04-20").await,
        set(&[(closed, "2019-01"), (closed, "2019-02")])
    );
    assert_eq!(owed("2019-02-01").await, set(&[(closed, "2019-01")]));
    assert!(owed("2019-01-31").await.is_empty());

    // A month declared and then rejected is recorded, not owed.
    declare(&app, &t, closed, "2019-01", 80.0).await;
    app.post(
        &format!("/api/v1/placements/{closed}/hours/2019-01/validation"),
        &fac(),
        &json!({"decision": "rejected", "reason": "Bulletin illisible"}),
    )
    .await;
    assert_eq!(
        owed("2019-05-01").await,
        set(&[(closed, "2019-02"), (closed, "2019-04")])
    );
    let rejected = pairs(&app, &fac(), "/api/v1/hours?status=rejected").await;
    assert_eq!(rejected, set(&[(closed, "2019-01")]));

    // An open placement owes every month up to as_of, and no further than
    // its contract.
    let open = app.placement(person, c, holder, "2020-10-05", None).await;
    let path = format!("/api/v1/hours/missing?as_of=2030-01-01&employer_id={holder}");
    let all = pairs(&app, &fac(), &path).await;
    let of_open: BTreeSet<_> = all
        .iter()
        .filter(|(p, _)| p == &open.to_string())
        .map(|(_, m)| m.clone())
        .collect();
    assert_eq!(
        of_open,
        ["2020-10", "2020-11", "2020-12"].map(String::from).into()
    );
}

#[actix_web::test]
async fn a_stale_version_is_refused_and_the_company_keeps_its_new_hours() {
    let app = spawn().await;
    let buyer = app.org("buyer", "Ville").await;
    let holder = app.org("company", "Bâtir Essonne").await;
    let c = app.contract(buyer, holder, "V-1").await;
    let person = app.person(None, "Diallo", "F", "1990-02-01").await;
    let p = app.placement(person, c, holder, "2019-01-07", None).await;
    let t = token(Role::Company, Some(holder));
    declare(&app, &t, p, "2019-05", 100.0).await;
    // The facilitator reads the month at version 1 ...
    let read = app
        .get(&format!("/api/v1/hours?contract_id={c}"), &fac())
        .await
        .json();
    let version = read["items"][0]["version"].as_i64().unwrap();
    // ... the company sends its corrected figure ...
    let again = declare(&app, &t, p, "2019-05", 130.5).await;
    assert_eq!(again["version"].as_i64().unwrap(), version + 1);
    // ... and the decision made on what was read is refused.
    let res = app
        .post(
            "/api/v1/hours/validations",
            &fac(),
            &json!({"decisions": [{"placement_id": p, "month": "2019-05", "decision": "validated", "version": version}]}),
        )
        .await;
    assert_eq!(res.status, 200);
    let body = res.json();
    assert_eq!(body["refused"], 1);
    assert_eq!(body["results"][0]["errors"][0]["field"], "version");
    let month = app
        .get(&format!("/api/v1/placements/{p}/hours/2019-05"), &fac())
        .await
        .json();
    assert_eq!(month["status"], "declared");
    assert_eq!(month["worked_hours"].to_string(), "130.5");
    // With the current version it goes through.
    let res = app
        .post(
            "/api/v1/hours/validations",
            &fac(),
            &json!({"decisions": [{"placement_id": p, "month": "2019-05", "decision": "validated", "version": version + 1}]}),
        )
        .await;
    assert_eq!(res.json()["validated"], 1);
    // The bulk decision is in the change feed as a single one would be.
    let month_id = again["id"].as_str().unwrap().to_string();
    let changes = app.changes_at_least(&fac(), 6).await;
    let last = changes
        .iter()
        .rfind(|c| c["entity"] == "hours" && c["id"] == month_id.as_str())
        .unwrap();
    assert_eq!(
        (&last["op"], &last["version"]),
        (&json!("update"), &json!(version + 2))
    );
}

/// The hours of 2019 in the key figures, and a contract's validated hours.
async fn figures(app: &TestApp, c: Uuid) -> (String, String) {
    let k = app
        .get("/api/v1/stats/key-figures?year=2019", &fac())
        .await
        .json();
    let f = app
        .get(
            &format!("/api/v1/contracts/{c}/fulfilment?on=2024-12-31"),
            &fac(),
        )
        .await
        .json();
    (k["hours"].to_string(), f["validated_hours"].to_string())
}

#[actix_web::test]
async fn ten_thousand_decisions_apply_exactly_the_good_lines() {
    let app = spawn().await;
    let buyer = app.org("buyer", "Ville").await;
    let holder = app.org("company", "Bâtir Essonne").await;
    let res = app
        .post(
            "/api/v1/contracts",
            &fac(),
            &json!({"buyer_id": buyer, "holder_id": holder, "reference": "BULK-1", "title": "Dix ans de travaux",
                    "clause_type": "execution_condition", "start_date": "2015-01-01", "end_date": "2024-12-31",
                    "commitment_hours": 500000}),
        )
        .await;
    let c = id_of(&res);
    let person = app.person(None, "Diallo", "F", "1980-02-01").await;
    let t = token(Role::Company, Some(holder));
    // 84 placements over the ten years, 120 months each: 10,080 months.
    let mut months = vec![];
    for _ in 0..84 {
        let p = app
            .placement(person, c, holder, "2015-01-05", Some("2024-12-31"))
            .await;
        for y in 2015..=2024 {
            for m in 1..=12 {
                months.push((p, format!("{y}-{m:02}")));
            }
        }
    }
    for chunk in months.chunks(5_000) {
        let lines: Vec<Value> = chunk
            .iter()
            .enumerate()
            .map(|(i, (p, m))| json!({"placement_id": p, "month": m, "worked_hours": 10 + (i % 7)}))
            .collect();
        let res = app
            .post("/api/v1/hours/batch", &t, &json!({"lines": lines}))
            .await;
        assert_eq!(res.json()["created"], chunk.len());
    }
    let worked = |i: usize| 10 + (i % 5_000 % 7) as i64;

    // 9,950 good lines and ten bad ones of each kind.
    let mut lines: Vec<Value> = vec![];
    let mut bad = BTreeSet::new();
    let mut validated_2019 = 0i64;
    let mut validated_all = 0i64;
    for (i, (p, m)) in months.iter().enumerate().take(9_950) {
        let reject = i % 10 == 3;
        lines.push(if reject {
            json!({"placement_id": p, "month": m, "decision": "rejected", "reason": "Doublon", "version": 1})
        } else {
            json!({"placement_id": p, "month": m, "decision": "validated"})
        });
        if !reject {
            validated_all += worked(i);
            if m.starts_with("2019-") {
                validated_2019 += worked(i);
            }
        }
    }
    let (first_p, first_m) = &months[0];
    for k in 0..10 {
        let (p, m) = &months[9_950 + k];
        bad.insert((lines.len(), "placement_id"));
        lines.push(json!({"placement_id": Uuid::new_v4(), "month": m, "decision": "validated"}));
        bad.insert((lines.len(), "month"));
        lines.push(json!({"placement_id": p, "month": "2031-01", "decision": "validated"}));
        bad.insert((lines.len(), "reason"));
        lines.push(json!({"placement_id": p, "month": m, "decision": "rejected"}));
        bad.insert((lines.len(), "version"));
        lines.push(json!({"placement_id": p, "month": m, "decision": "validated", "version": 7}));
        bad.insert((lines.len(), "month"));
        lines.push(json!({"placement_id": first_p, "month": first_m, "decision": "validated"}));
    }
    assert_eq!(lines.len(), 10_000);
    let before = figures(&app, c).await;
    assert_eq!(before, ("0".to_string(), "0".to_string()));

    let body = json!({"decisions": lines});
    let key = [("Idempotency-Key", "bulk-2019-decisions")];
    let first = app
        .send(
            "POST",
            "/api/v1/hours/validations",
            Some(&fac()),
            &[("Content-Type", "application/json"), key[0]],
            Some(body.to_string().into_bytes()),
        )
        .await;
    assert_eq!(
        first.status,
        200,
        "{}",
        String::from_utf8_lossy(&first.body)
    );
    let r = first.json();
    assert_eq!(r["refused"], 50);
    assert_eq!(r["rejected"], 995);
    assert_eq!(r["validated"], 8_955);
    assert_eq!(r["unchanged"], 0);
    let results = r["results"].as_array().unwrap();
    assert_eq!(results.len(), 10_000);
    for (i, res) in results.iter().enumerate() {
        assert_eq!(res["line"], i + 1);
        let refused = res["outcome"] == "refused";
        let expected = bad.iter().find(|(line, _)| *line == i);
        assert_eq!(refused, expected.is_some(), "line {}: {res}", i + 1);
        if let Some((_, field)) = expected {
            assert_eq!(res["errors"][0]["field"], *field, "line {}", i + 1);
        }
    }
    let after = figures(&app, c).await;
    assert_eq!(after.0, validated_2019.to_string());
    assert_eq!(after.1, validated_all.to_string());

    // The same key and body: the first answer, byte for byte.
    let replay = app
        .send(
            "POST",
            "/api/v1/hours/validations",
            Some(&fac()),
            &[("Content-Type", "application/json"), key[0]],
            Some(body.to_string().into_bytes()),
        )
        .await;
    assert_eq!(replay.body, first.body);
    // The same body without a key: nothing changes, every good line unchanged.
    let again = app
        .post("/api/v1/hours/validations", &fac(), &body)
        .await
        .json();
    assert_eq!(again["unchanged"], 9_950);
    assert_eq!(again["refused"], 50);
    assert_eq!(figures(&app, c).await, after);
    // Another body under the key is refused.
    let other = json!({"decisions": [{"placement_id": first_p, "month": first_m, "decision": "validated"}]});
    let res = app
        .send(
            "POST",
            "/api/v1/hours/validations",
            Some(&fac()),
            &[("Content-Type", "application/json"), key[0]],
            Some(other.to_string().into_bytes()),
        )
        .await;
    res.problem(422);
}

#[actix_web::test]
async fn a_bulk_decision_is_refused_whole_when_its_body_is() {
    let app = spawn().await;
    let f = fac();
    for (body, field) in [
        (json!({}), "decisions"),
        (json!({"decisions": []}), "decisions"),
        (json!({"decisions": "all"}), "decisions"),
        (json!({"decisions": [], "extra": 1}), "extra"),
    ] {
        let res = app.post("/api/v1/hours/validations", &f, &body).await;
        assert!(
            res.fields().contains(&field.to_string()),
            "{body}: {:?}",
            res.fields()
        );
    }
    let too_many: Vec<Value> = (0..10_001)
        .map(|_| json!({"placement_id": Uuid::nil(), "month": "2019-01", "decision": "validated"}))
        .collect();
    let res = app
        .post(
            "/api/v1/hours/validations",
            &f,
            &json!({"decisions": too_many}),
        )
        .await;
    assert_eq!(res.fields(), ["decisions"]);
    // A malformed line is refused on its own field; the request goes on.
    let res = app
        .post(
            "/api/v1/hours/validations",
            &f,
            &json!({"decisions": [
                {"placement_id": "nope", "month": "2019-01", "decision": "validated"},
                {"placement_id": Uuid::nil(), "month": "2019-1", "decision": "maybe", "version": 0},
                "line"
            ]}),
        )
        .await;
    assert_eq!(res.status, 200);
    let r = res.json();
    assert_eq!(r["refused"], 3);
    let fields = |i: usize| -> Vec<String> {
        r["results"][i]["errors"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["field"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(fields(0), ["placement_id"]);
    for field in ["month", "decision", "version"] {
        assert!(fields(1).contains(&field.to_string()), "{:?}", fields(1));
    }
    assert_eq!(fields(2), ["line"]);
}

#[actix_web::test]
async fn the_contracts_table_keeps_the_statuses_asked_for() {
    let app = spawn().await;
    let buyer = app.org("buyer", "Ville").await;
    let holder = app.org("company", "Bâtir Essonne").await;
    let c = app.contract(buyer, holder, "S-1").await;
    let person = app.person(None, "Diallo", "F", "1990-02-01").await;
    let p = app.placement(person, c, holder, "2019-01-07", None).await;
    app.hours(p, "2019-01", "100").await;
    let all = app
        .get("/api/v1/stats/contracts?year=2019", &fac())
        .await
        .json();
    let status = all["rows"][0]["status"].as_str().unwrap().to_string();
    let other = if status == "behind" {
        "ahead,done"
    } else {
        "behind"
    };
    let kept = app
        .get(
            &format!("/api/v1/stats/contracts?year=2019&status={status},done"),
            &fac(),
        )
        .await
        .json();
    assert_eq!(kept["rows"].as_array().unwrap().len(), 1);
    let none = app
        .get(
            &format!("/api/v1/stats/contracts?year=2019&status={other}"),
            &fac(),
        )
        .await
        .json();
    assert!(none["rows"].as_array().unwrap().is_empty());
    let res = app
        .get("/api/v1/stats/contracts?year=2019&status=late", &fac())
        .await;
    assert_eq!(res.fields(), ["status"]);
}
