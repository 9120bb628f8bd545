//! Counts of people that must never single anyone out (API.md,
//! "Disclosure control"): small counts and their complements, a PLIE's own
//! people, two readings that differ by one person (a filter, a day, the
//! public card), outcomes counted by placements; and reading figures
//! writes nothing.

use crate::common::*;
use serde_json::{json, Value};
use uuid::Uuid;

use clauses::auth::Role;

/// Every value of a person-attribute figure in a breakdown's rows.
fn people_of(rows: &Value) -> Vec<Value> {
    rows["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["participants"].clone())
        .collect()
}

#[actix_web::test]
async fn one_employee_cannot_be_singled_out_through_figures() {
    let o = one_person().await;
    let app = &o.app;
    let agency = token(Role::Company, Some(o.agency));
    let holder = token(Role::Company, Some(o.holder));
    let buyer = token(Role::Buyer, Some(o.buyer));
    let k = o.contract;

    // The facilitator reads the exact figures.
    let exact = app
        .get(
            &format!("/api/v1/stats/breakdown?year=2019&by=eligibility&contract_id={k}"),
            &fac(),
        )
        .await
        .json();
    let aah = exact["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["key"] == "aah")
        .unwrap();
    assert_eq!(aah["participants"], json!(1));

    // A company that employs her knows her name: no attribute figure at all.
    for by in [
        "eligibility",
        "qpv",
        "age_band",
        "sex",
        "qualification_level",
    ] {
        for t in [&agency, &holder] {
            app.get(
                &format!("/api/v1/stats/breakdown?year=2019&by={by}&contract_id={k}"),
                t,
            )
            .await
            .problem(403);
        }
    }
    for t in [&agency, &holder] {
        let kf = app
            .get(
                &format!("/api/v1/stats/key-figures?year=2019&contract_id={k}"),
                t,
            )
            .await
            .json();
        for f in ["women", "men", "under_26", "qpv_residents"] {
            assert_eq!(kf[f], Value::Null, "{f}: {kf}");
        }
        // Totals stay exact (the agency holds no contract: its figures are empty).
        let own = if *t == holder { 1 } else { 0 };
        assert_eq!(kf["participants"], json!(own));
        let report = app.get("/api/v1/reports/annual?year=2019", t).await.json();
        let keys: Vec<&str> = report["breakdowns"]
            .as_array()
            .unwrap()
            .iter()
            .map(|b| b["by"].as_str().unwrap())
            .collect();
        assert_eq!(
            keys,
            [
                "modality",
                "contract",
                "operation",
                "month",
                "clause_type",
                "market_nature",
                "cpv_division",
                "buyer_category",
                "employer_siae_type"
            ]
        );
        assert_eq!(report["key_figures"]["women"], Value::Null);
    }
    // Breakdowns by other keys: counts of 1 to 4 people masked, hours exact.
    let months = app
        .get("/api/v1/stats/breakdown?year=2019&by=month", &holder)
        .await
        .json();
    let march = months["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["key"] == "2019-03")
        .unwrap();
    assert_eq!(march["participants"], json!("< 5"));
    assert_eq!(march["hours"], json!(120));

    // The buyer: every code listed, zeros included, all "< 5" with no
    // contracts or hours: which rows exist and what they say tell nothing.
    let elig = app
        .get(
            &format!("/api/v1/stats/breakdown?year=2019&by=eligibility&contract_id={k}"),
            &buyer,
        )
        .await
        .json();
    assert_eq!(elig["rows"].as_array().unwrap().len(), 14, "{elig}");
    for row in elig["rows"].as_array().unwrap() {
        assert_eq!(row["participants"], json!("< 5"), "{row}");
        assert_eq!(row["employment_contracts"], Value::Null);
        assert_eq!(row["hours"], Value::Null);
    }
    for by in ["qpv", "age_band", "sex", "qualification_level"] {
        let b = app
            .get(
                &format!("/api/v1/stats/breakdown?year=2019&by={by}"),
                &buyer,
            )
            .await
            .json();
        assert!(people_of(&b).iter().all(|p| p == "< 5"), "{by}: {b}");
    }
    let kf = app
        .get("/api/v1/stats/key-figures?year=2019", &buyer)
        .await
        .json();
    for f in ["women", "men", "under_26", "qpv_residents"] {
        assert_eq!(kf[f], json!("< 5"), "{f}: {kf}");
    }
    assert_eq!(kf["participants"], json!(1));
    // The same in CSV: the file a buyer forwards.
    let csv = app
        .send(
            "GET",
            "/api/v1/stats/breakdown?year=2019&by=eligibility&format=csv",
            Some(&buyer),
            &[],
            None,
        )
        .await;
    let text = String::from_utf8(csv.body).unwrap();
    assert!(text.contains("aah,< 5,,"), "{text}");
    assert!(!text.contains(",1,"), "{text}");
    // The State and the Département see the whole territory, masked alike.
    for (role, org) in [
        (Role::State, None),
        (
            Role::Department,
            Some(app.org("department", "Essonne").await),
        ),
        (Role::Plie, Some(app.org("plie", "PLIE").await)),
    ] {
        let b = app
            .get(
                &format!("/api/v1/stats/breakdown?year=2019&by=eligibility&contract_id={k}"),
                &token(role, org),
            )
            .await
            .json();
        assert!(people_of(&b).iter().all(|p| p == "< 5"), "{role}: {b}");
    }
}

#[actix_web::test]
async fn one_small_count_is_masked_with_its_complement() {
    let app = spawn().await;
    let buyer = app.org("buyer", "B").await;
    let holder = app.org("company", "H").await;
    let contract = app.contract(buyer, holder, "K").await;
    // Six people: one woman, five men, one in a QPV.
    for (i, sex) in ["F", "M", "M", "M", "M", "M"].iter().enumerate() {
        let res = app
            .post(
                "/api/v1/beneficiaries",
                &fac(),
                &json!({"last_name": format!("P{i}"), "first_name": "C", "sex": sex,
                        "birth_date": "1980-01-01", "postal_code": "91100", "eligibility": ["rsa"],
                        "qpv_code": if i == 0 { Some("QN09103M") } else { None }}),
            )
            .await;
        app.placement(id_of(&res), contract, holder, "2019-03-01", None)
            .await;
    }
    let b = token(Role::Buyer, Some(buyer));
    let kf = app
        .get("/api/v1/stats/key-figures?year=2019", &b)
        .await
        .json();
    assert_eq!(kf["participants"], json!(6));
    assert_eq!(kf["women"], json!("< 5"));
    assert_eq!(kf["men"], json!("≥ 5"));
    assert_eq!(kf["qpv_residents"], json!("< 5"));
    assert_eq!(kf["under_26"], json!(0));
    let sex = app
        .get("/api/v1/stats/breakdown?year=2019&by=sex", &b)
        .await
        .json();
    assert_eq!(people_of(&sex), [json!("< 5"), json!("≥ 5")]);
    assert!(sex["rows"]
        .as_array()
        .unwrap()
        .iter()
        .all(|r| r["hours"].is_null() && r["employment_contracts"].is_null()));
    let qpv = app
        .get("/api/v1/stats/breakdown?year=2019&by=qpv", &b)
        .await
        .json();
    assert_eq!(people_of(&qpv), [json!("< 5"), json!("≥ 5")]);
    let age = app
        .get("/api/v1/stats/breakdown?year=2019&by=age_band", &b)
        .await
        .json();
    assert_eq!(people_of(&age), [json!(0), json!(6), json!(0)]);
    assert_eq!(age["rows"][1]["employment_contracts"], json!(6));
    // The facilitator: exact.
    let kf = app
        .get("/api/v1/stats/key-figures?year=2019", &fac())
        .await
        .json();
    assert_eq!(
        (kf["women"].clone(), kf["men"].clone()),
        (json!(1), json!(5))
    );
    // The public card follows the buyer's rule.
    app.post("/api/v1/stats/publications", &fac(), &json!({"year": 2019}))
        .await;
    let public = app
        .send("GET", "/public/key-figures/2019.json", None, &[], None)
        .await
        .json();
    assert_eq!(public["women"], json!("< 5"));
    assert_eq!(public["men"], json!("≥ 5"));
    assert_eq!(public["participants"], json!(6));
}

#[actix_web::test]
async fn a_plie_reads_its_own_people_exactly_and_others_masked() {
    let app = spawn().await;
    let buyer = app.org("buyer", "B").await;
    let holder = app.org("company", "H").await;
    let plie = app.org("plie", "PLIE Évry").await;
    let other = app.org("plie", "PLIE Corbeil").await;
    let contract = app.contract(buyer, holder, "K").await;
    // Two people of the PLIE (one woman), one of the other.
    for (referent, sex, hours) in [(plie, "F", "100"), (plie, "M", "50"), (other, "M", "7.25")] {
        let person = app.person(Some(referent), "Nom", sex, "1985-01-01").await;
        let placement = app
            .placement(person, contract, holder, "2019-01-07", None)
            .await;
        assert_eq!(app.hours(placement, "2019-02", hours).await.status, 201);
    }
    let own = token(Role::Plie, Some(plie));
    let kf = app
        .get(
            &format!("/api/v1/stats/key-figures?year=2019&referent_id={plie}"),
            &own,
        )
        .await
        .json();
    assert_eq!(
        [&kf["participants"], &kf["women"], &kf["men"], &kf["hours"]],
        [&json!(2), &json!(1), &json!(1), &json!(150)]
    );
    let sex = app
        .get(
            &format!("/api/v1/stats/breakdown?year=2019&by=sex&referent_id={plie}"),
            &own,
        )
        .await
        .json();
    assert_eq!(people_of(&sex), [json!(1), json!(1)]);
    // Another PLIE's people: not a filter it may use (issue 24: with and
    // without it, a reader differences that PLIE's people out); everyone:
    // masked.
    let res = app
        .get(
            &format!("/api/v1/stats/key-figures?year=2019&referent_id={other}"),
            &own,
        )
        .await;
    assert_eq!(res.problem(403)["errors"][0]["field"], "referent_id");
    let kf = app
        .get("/api/v1/stats/key-figures?year=2019", &own)
        .await
        .json();
    assert_eq!(
        (kf["participants"].clone(), kf["women"].clone()),
        (json!(3), json!("< 5"))
    );
    // The facilitator filters by referent too; a buyer may not.
    let kf = app
        .get(
            &format!("/api/v1/stats/key-figures?year=2019&referent_id={plie}"),
            &fac(),
        )
        .await
        .json();
    assert_eq!(kf["women"], json!(1));
    let contracts = app
        .get(
            &format!("/api/v1/stats/contracts?year=2019&referent_id={plie}"),
            &fac(),
        )
        .await
        .json();
    assert_eq!(contracts["rows"][0]["hours_year"], json!(150));
}

#[actix_web::test]
async fn reading_figures_writes_nothing() {
    use diesel::prelude::*;
    let app = spawn().await;
    let horizon = |app: &TestApp| -> i32 {
        diesel::sql_query("SELECT year FROM rollup_horizon")
            .load::<Horizon>(&mut app.db.conn())
            .unwrap()[0]
            .year
    };
    #[derive(QueryableByName)]
    struct Horizon {
        #[diesel(sql_type = diesel::sql_types::Integer)]
        year: i32,
    }
    let before = horizon(&app);
    let res = app.get("/api/v1/stats/key-figures?year=2099", &fac()).await;
    assert_eq!(res.status, 200);
    assert_eq!(res.json()["participants"], json!(0));
    assert_eq!(horizon(&app), before);
}

#[actix_web::test]
async fn the_annual_report_reads_one_snapshot() {
    use std::cell::Cell;
    use std::rc::Rc;
    let app = spawn().await;
    let buyer = app.org("buyer", "B").await;
    let holder = app.org("company", "H").await;
    let contract = app.contract(buyer, holder, "K").await;
    let mut placements = Vec::new();
    for i in 0..4 {
        let person = app.person(None, &format!("P{i}"), "M", "1980-01-01").await;
        placements.push(
            app.placement(person, contract, holder, "2019-01-01", None)
                .await,
        );
    }
    // A writer replaces validated months all the while.
    let stop = Rc::new(Cell::new(false));
    let writes = Rc::new(Cell::new(0u32));
    let writer = {
        let (stop, writes, addr) = (stop.clone(), writes.clone(), app.addr.clone());
        actix_web::rt::spawn(async move {
            let client = awc::Client::default();
            let mut n = 0u32;
            while !stop.get() {
                let pl = placements[(n % 4) as usize];
                let month = format!("2019-{:02}", n % 12 + 1);
                let _ = client
                    .put(format!("{addr}/api/v1/placements/{pl}/hours/{month}"))
                    .insert_header(("Authorization", format!("Bearer {}", fac())))
                    .send_json(&json!({"worked_hours": 10 + n % 50}))
                    .await;
                n += 1;
                writes.set(n);
            }
        })
    };
    let sum = |rows: &Value, field: &str| -> rust_decimal::Decimal {
        rows.as_array()
            .unwrap()
            .iter()
            .map(|r| {
                r[field]
                    .to_string()
                    .parse::<rust_decimal::Decimal>()
                    .unwrap()
            })
            .sum()
    };
    for _ in 0..25 {
        let report = app
            .get("/api/v1/reports/annual?year=2019", &fac())
            .await
            .json();
        let total: rust_decimal::Decimal =
            report["key_figures"]["hours"].to_string().parse().unwrap();
        let months = report["breakdowns"]
            .as_array()
            .unwrap()
            .iter()
            .find(|b| b["by"] == "month")
            .unwrap();
        assert_eq!(sum(&months["rows"], "hours"), total, "{report}");
        assert_eq!(
            sum(&report["contracts"]["rows"], "hours_year"),
            total,
            "{report}"
        );
    }
    stop.set(true);
    writer.await.unwrap();
    assert!(writes.get() > 25, "the writer wrote {} times", writes.get());
}

/// A person of the selection, with or without a QPV, placed on `contract`
/// from `start` by `employer`.
async fn placed(
    app: &TestApp,
    contract: Uuid,
    employer: Uuid,
    birth: &str,
    qpv: bool,
    start: &str,
) -> Uuid {
    let person = id_of(
        &app.post(
            "/api/v1/beneficiaries",
            &fac(),
            &json!({"last_name": "Nom", "first_name": "Prénom", "sex": "M", "birth_date": birth,
                    "postal_code": "91100", "qpv_code": if qpv { json!("QN09106M") } else { Value::Null },
                    "eligibility": ["rsa"]}),
        )
        .await,
    );
    app.placement(person, contract, employer, start, None).await
}

#[actix_web::test]
async fn the_one_person_outside_a_count_is_not_told_by_its_total() {
    let app = spawn().await;
    let buyer = app.org("buyer", "Ville").await;
    let holder = app.org("company", "Bâtir").await;
    let contract = app.contract(buyer, holder, "K").await;
    // Six people: five under 26 and in a QPV, one older outside any.
    for _ in 0..5 {
        placed(&app, contract, holder, "2000-05-05", true, "2019-02-04").await;
    }
    placed(&app, contract, holder, "1970-05-05", false, "2019-02-04").await;
    let read = |t: String| {
        let app = &app;
        async move {
            app.get("/api/v1/stats/key-figures?year=2019", &t)
                .await
                .json()
        }
    };
    let exact = read(fac()).await;
    assert_eq!(
        [
            &exact["participants"],
            &exact["under_26"],
            &exact["qpv_residents"]
        ],
        [&json!(6), &json!(5), &json!(5)]
    );
    for t in [
        token(Role::Buyer, Some(buyer)),
        token(Role::State, None),
        token(Role::Plie, Some(app.org("plie", "PLIE").await)),
    ] {
        let kf = read(t).await;
        assert_eq!(
            [&kf["participants"], &kf["under_26"], &kf["qpv_residents"]],
            [&json!(6), &json!("≥ 5"), &json!("≥ 5")]
        );
    }
}

#[actix_web::test]
async fn an_operations_people_are_counted_on_a_months_last_day() {
    let app = spawn().await;
    let buyer = app.org("buyer", "Ville").await;
    let holder = app.org("company", "Bâtir").await;
    let contract = app.contract(buyer, holder, "K").await;
    let op = id_of(
        &app.post(
            "/api/v1/operations",
            &fac(),
            &json!({"name": "NPNRU Tarterêts", "programme": "npnru", "qpv_codes": ["QN09106M"],
                    "start_date": "2018-01-01", "target_hours": 5000}),
        )
        .await,
    );
    let res = app
        .patch(
            &format!("/api/v1/contracts/{contract}"),
            &fac(),
            &json!({"operation_id": op}),
            None,
        )
        .await;
    assert_eq!(res.status, 200);
    for _ in 0..5 {
        placed(&app, contract, holder, "1990-05-05", true, "2019-01-07").await;
    }
    placed(&app, contract, holder, "1990-05-05", false, "2019-01-07").await;
    // The one the review singled out: a QPV resident starting mid-March.
    placed(&app, contract, holder, "1990-05-05", true, "2019-03-15").await;
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
    let people = |v: &Value| {
        (
            v["people_counted_on"].clone(),
            v["participants"].clone(),
            v["qpv_participants"].clone(),
        )
    };
    for t in [token(Role::State, None), token(Role::Buyer, Some(buyer))] {
        let before = read(t.clone(), "2019-03-14").await;
        let after = read(t.clone(), "2019-03-15").await;
        assert_eq!(people(&before), people(&after));
        assert_eq!(
            people(&after),
            (json!("2019-02-28"), json!(6), json!("≥ 5"))
        );
        // At the month's end the newcomer counts, and the one outside a
        // QPV is still not told.
        let end = read(t.clone(), "2019-03-31").await;
        assert_eq!(people(&end), (json!("2019-03-31"), json!(7), json!("≥ 5")));
    }
    let exact = read(fac(), "2019-03-15").await;
    assert_eq!(people(&exact), (json!("2019-03-15"), json!(7), json!(6)));
    let exact = read(fac(), "2019-03-14").await;
    assert_eq!(people(&exact), (json!("2019-03-14"), json!(6), json!(5)));
}

#[actix_web::test]
async fn outcomes_are_masked_on_the_people_behind_them() {
    let app = spawn().await;
    let buyer = app.org("buyer", "Ville").await;
    let holder = app.org("company", "Bâtir").await;
    let contract = app.contract(buyer, holder, "K").await;
    let outcome = |placement: Uuid, situation: &'static str| {
        let app = &app;
        async move {
            let res = app
                .put(
                    &format!("/api/v1/placements/{placement}/outcome"),
                    &fac(),
                    &json!({"situation": situation, "qualification_gained": false, "follow_up": null}),
                )
                .await;
            assert!(
                res.status == 200 || res.status == 201,
                "{}",
                String::from_utf8_lossy(&res.body)
            );
        }
    };
    // One person, five short placements, each ended looking for work.
    let one = app.person(None, "Seul", "M", "1990-01-01").await;
    for month in 3..8 {
        let start = format!("2019-{month:02}-01");
        let end = format!("2019-{month:02}-20");
        let p = app
            .placement(one, contract, holder, &start, Some(&end))
            .await;
        outcome(p, "job_seeking").await;
    }
    // Six others, each hired for good.
    for _ in 0..6 {
        let person = app.person(None, "Autre", "F", "1990-01-01").await;
        let p = app
            .placement(person, contract, holder, "2019-02-01", Some("2019-09-30"))
            .await;
        outcome(p, "permanent_job").await;
    }
    let exact = app
        .get("/api/v1/stats/outcomes?year=2019", &fac())
        .await
        .json();
    let row = |v: &Value, s: &str| {
        v["rows"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["situation"] == s)
            .unwrap()["placements"]
            .clone()
    };
    assert_eq!(
        (row(&exact, "job_seeking"), row(&exact, "permanent_job")),
        (json!(5), json!(6))
    );
    let masked = app
        .get(
            "/api/v1/stats/outcomes?year=2019",
            &token(Role::Buyer, Some(buyer)),
        )
        .await
        .json();
    assert_eq!(
        (row(&masked, "job_seeking"), row(&masked, "permanent_job")),
        (json!("< 5"), json!("≥ 5"))
    );
    assert_eq!(
        (
            masked["groups"]["other"].clone(),
            masked["groups"]["durable_employment"].clone()
        ),
        (json!("< 5"), json!("≥ 5"))
    );
    assert_eq!(masked["dynamic_exit_rate"], Value::Null);
}

#[actix_web::test]
async fn a_published_year_reads_as_published_for_others_than_the_facilitator() {
    let app = spawn().await;
    let buyer = app.org("buyer", "Ville").await;
    let holder = app.org("company", "Bâtir").await;
    let plie = app.org("plie", "PLIE").await;
    let contract = app.contract(buyer, holder, "K").await;
    for _ in 0..6 {
        placed(&app, contract, holder, "1990-05-05", true, "2019-02-04").await;
    }
    let res = app
        .post("/api/v1/stats/publications", &fac(), &json!({"year": 2019}))
        .await;
    assert_eq!(res.status, 201);
    let card = app
        .send("GET", "/public/key-figures/2019.json", None, &[], None)
        .await
        .json();
    // One more person after the publication: the card and live figures
    // would tell her apart.
    placed(&app, contract, holder, "2001-05-05", false, "2019-06-03").await;
    let kf = |t: String, q: String| {
        let app = &app;
        async move {
            let res = app
                .get(&format!("/api/v1/stats/key-figures?year=2019{q}"), &t)
                .await;
            assert_eq!(res.status, 200, "{}", String::from_utf8_lossy(&res.body));
            res.json()
        }
    };
    for t in [
        token(Role::State, None),
        token(
            Role::Department,
            Some(app.org("department", "Essonne").await),
        ),
        token(Role::Plie, Some(plie)),
    ] {
        let mut read = kf(t, String::new()).await;
        assert_eq!(read["source"], "publication");
        assert_eq!(read["published_at"], card["published_at"]);
        assert_eq!(read["participants"], 6);
        read.as_object_mut().unwrap().remove("source");
        assert_eq!(read, card);
    }
    // The facilitator, a selection, or a scope of one's own: live.
    let live = kf(fac(), String::new()).await;
    assert_eq!(
        (live["source"].clone(), live["participants"].clone()),
        (json!("live"), json!(7))
    );
    assert_eq!(live["published_at"], Value::Null);
    let filtered = kf(token(Role::State, None), format!("&contract_id={contract}")).await;
    assert_eq!(
        (filtered["source"].clone(), filtered["participants"].clone()),
        (json!("live"), json!(7))
    );
    let own = kf(token(Role::Buyer, Some(buyer)), String::new()).await;
    assert_eq!(
        (own["source"].clone(), own["participants"].clone()),
        (json!("live"), json!(7))
    );
    let own = kf(
        token(Role::Plie, Some(plie)),
        format!("&referent_id={plie}"),
    )
    .await;
    assert_eq!(own["source"], "live");
    // The annual report carries the same key figures.
    let report = app
        .get(
            "/api/v1/reports/annual?year=2019",
            &token(Role::State, None),
        )
        .await
        .json();
    assert_eq!(report["key_figures"]["source"], "publication");
    assert_eq!(report["key_figures"]["participants"], 6);
}
