//! The published 2019 key figures, rebuilt through the HTTP API to the
//! hundredth: 169 people (14 women, 155 men), 204 employment contracts,
//! 47,597.83 hours against 39,538.20 in 2018. The territory also holds
//! everything that must not move a figure.

use std::str::FromStr;

use crate::common::*;
use rust_decimal::Decimal;
use serde_json::{json, Value};
use uuid::Uuid;

use clauses::auth::Role;

struct Territory {
    app: TestApp,
    buyer1: Uuid,
    buyer2: Uuid,
    holder1: Uuid,
    c1: Uuid,
    c2: Uuid,
}

fn dec(s: &str) -> Decimal {
    Decimal::from_str(s).unwrap()
}

async fn contract(
    app: &TestApp,
    buyer: Uuid,
    holder: Uuid,
    reference: &str,
    operation: &str,
) -> Uuid {
    let res = app
        .post(
            "/api/v1/contracts",
            &fac(),
            &json!({"buyer_id": buyer, "holder_id": holder, "reference": reference, "title": "Travaux",
                    "operation": operation, "clause_type": "execution_condition",
                    "start_date": "2017-01-01", "end_date": "2021-12-31", "commitment_hours": 100000}),
        )
        .await;
    id_of(&res)
}

static PEOPLE: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);

/// A person with a name and birth date of their own; `birth` "" picks one
/// in 1975 (43 or 44 in 2019).
async fn person(app: &TestApp, sex: &str, birth: &str, qpv: bool) -> Uuid {
    let n = PEOPLE.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    let birth = if birth.is_empty() {
        (chrono::NaiveDate::from_ymd_opt(1975, 1, 1).unwrap()
            + chrono::Days::new(u64::from(n % 360)))
        .to_string()
    } else {
        birth.to_string()
    };
    let res = app
        .post(
            "/api/v1/beneficiaries",
            &fac(),
            &json!({"last_name": format!("Nomfamille{n}x"), "first_name": "P", "sex": sex, "birth_date": birth,
                    "postal_code": "91100", "eligibility": ["long_term_unemployed"],
                    "qpv_code": if qpv { Some("QN09103M") } else { None }}),
        )
        .await;
    id_of(&res)
}

async fn put_hours(
    app: &TestApp,
    token: &str,
    placement: Uuid,
    month: &str,
    worked: Decimal,
    training: Decimal,
) -> Res {
    let body: Value = serde_json::from_str(&format!(
        r#"{{"worked_hours": {worked}, "training_hours": {training}}}"#
    ))
    .unwrap();
    let res = app
        .put(
            &format!("/api/v1/placements/{placement}/hours/{month}"),
            token,
            &body,
        )
        .await;
    assert!(
        res.status == 201 || res.status == 200,
        "{}",
        String::from_utf8_lossy(&res.body)
    );
    res
}

/// Spreads `total` over the slots, `per` hours each (worked, with 8 of
/// them as training when `per` allows), the remainder in the last slot.
async fn fill(app: &TestApp, slots: &[(Uuid, String)], total: Decimal, per: Decimal) -> usize {
    let mut left = total;
    let mut used = 0;
    for (placement, month) in slots {
        if left.is_zero() {
            break;
        }
        let h = left.min(per);
        let training = if h > dec("8") {
            dec("8")
        } else {
            Decimal::ZERO
        };
        put_hours(app, &fac(), *placement, month, h - training, training).await;
        left -= h;
        used += 1;
    }
    assert!(left.is_zero(), "not enough slots");
    used
}

async fn territory() -> Territory {
    let app = spawn().await;
    let buyer1 = app.org("buyer", "Agglomération").await;
    let buyer2 = app.org("department", "Département").await;
    let holder1 = app.org("company", "Holder 1").await;
    let holder2 = app.org("company", "Holder 2").await;
    let c1 = contract(&app, buyer1, holder1, "C1", "NPNRU Tarterêts").await;
    let c2 = contract(&app, buyer2, holder2, "C2", "Collèges").await;
    let place = |person: Uuid,
                 contract: Uuid,
                 employer: Uuid,
                 start: &'static str,
                 end: Option<&'static str>| {
        let app = &app;
        async move { app.placement(person, contract, employer, start, end).await }
    };

    // A: 160 people starting in 2019 (12 women); 40 of them start a second placement.
    let mut a_placements = vec![];
    let mut a_people = vec![];
    for i in 0..160 {
        let sex = if i < 12 { "F" } else { "M" };
        let birth = match i {
            0 => "1993-03-04", // 26 on the first day of their placement: not under 26
            1 => "1993-03-05", // 26 the day after: under 26
            2 => "2000-01-02",
            3 => "2000-01-03",
            4 => "2000-01-04",
            5 => "2000-01-05",
            _ => "",
        };
        let p = person(&app, sex, birth, i % 5 == 0).await;
        let (contract, employer) = if i % 2 == 0 {
            (c1, holder1)
        } else {
            (c2, holder2)
        };
        let start = if i < 2 { "2019-03-04" } else { "2019-02-01" };
        a_placements.push(place(p, contract, employer, start, Some("2019-12-31")).await);
        a_people.push(p);
    }
    for p in &a_people[100..140] {
        place(*p, c2, holder2, "2019-09-02", None).await;
    }
    // B: 9 people whose placement spans the new year (2 women); 4 start another in 2019.
    let mut b_placements = vec![];
    for i in 0..9 {
        let birth = if i == 0 { "1993-06-01" } else { "" }; // 25 on 1 January 2019
        let p = person(&app, if i < 2 { "F" } else { "M" }, birth, i == 1 || i == 2).await;
        b_placements.push(place(p, c1, holder1, "2018-01-01", Some("2019-03-31")).await);
        if i < 4 {
            place(p, c2, holder2, "2019-06-03", None).await;
        }
    }
    // C: 10 people of 2018 only; D: 2 people of 2020 only. Neither is a 2019 participant.
    let mut c_placements = vec![];
    for i in 0..10 {
        let p = person(&app, if i < 3 { "F" } else { "M" }, "", true).await;
        c_placements.push(place(p, c2, holder2, "2018-01-01", Some("2018-12-31")).await);
    }
    let mut d_placements = vec![];
    for _ in 0..2 {
        let p = person(&app, "F", "", true).await;
        d_placements.push(place(p, c1, holder1, "2020-01-06", None).await);
    }

    // 2019: the spanning placements' January, then the rest over A's spring months.
    for pl in &b_placements {
        put_hours(&app, &fac(), *pl, "2019-01", dec("100"), Decimal::ZERO).await;
    }
    let slots_2019: Vec<(Uuid, String)> = a_placements
        .iter()
        .flat_map(|pl| ["2019-04", "2019-05"].map(|m| (*pl, m.to_string())))
        .collect();
    let used = fill(&app, &slots_2019, dec("47597.83") - dec("900"), dec("158")).await;
    assert!(used <= 300);
    // 2018: the spanning and the 2018-only placements.
    let slots_2018: Vec<(Uuid, String)> = b_placements
        .iter()
        .chain(&c_placements)
        .flat_map(|pl| (1..=12).map(move |m| (*pl, format!("2018-{m:02}"))))
        .collect();
    fill(&app, &slots_2018, dec("39538.20"), dec("190")).await;

    // What must not count: declared months, rejected months, 2020's hours.
    let company2 = token(Role::Company, Some(holder2));
    let company1 = token(Role::Company, Some(holder1));
    for (i, pl) in a_placements[150..160].iter().enumerate() {
        let t = if (150 + i) % 2 == 0 {
            &company1
        } else {
            &company2
        };
        let res = put_hours(&app, t, *pl, "2019-12", dec("100"), Decimal::ZERO).await;
        assert_eq!(res.json()["status"], "declared");
        if i >= 5 {
            let res = app
                .post(
                    &format!("/api/v1/placements/{pl}/hours/2019-12/validation"),
                    &fac(),
                    &json!({"decision": "rejected", "reason": "Heures non justifiées"}),
                )
                .await;
            assert_eq!(res.json()["status"], "rejected");
        }
    }
    for pl in &d_placements {
        put_hours(&app, &fac(), *pl, "2020-01", dec("120"), Decimal::ZERO).await;
    }
    Territory {
        app,
        buyer1,
        buyer2,
        holder1,
        c1,
        c2,
    }
}

#[actix_web::test]
async fn published_2019_figures_to_the_hundredth() {
    let t = territory().await;
    let app = &t.app;
    let res = app.get("/api/v1/stats/key-figures?year=2019", &fac()).await;
    assert_eq!(res.status, 200, "{}", String::from_utf8_lossy(&res.body));
    assert_eq!(
        res.json(),
        json!({"year": 2019, "participants": 169, "women": 14, "men": 155, "under_26": 6,
               "qpv_residents": 34, "employment_contracts": 204, "hours": 47597.83,
               "previous_year_hours": 39538.2, "hours_change": 8059.63, "holders": 2,
               "source": "live", "published_at": null})
    );
    // The exact text, to the hundredth: no float on the way.
    let text = String::from_utf8(res.body.clone()).unwrap();
    assert!(
        text.contains("\"hours\":47597.83") && text.contains("\"hours_change\":8059.63"),
        "{text}"
    );

    // The whole territory for the State, the PLIE and the Département too.
    for (role, org) in [
        (Role::State, None),
        (Role::Plie, Some(app.org("plie", "PLIE").await)),
        (Role::Department, Some(t.buyer2)),
    ] {
        let res = app
            .get("/api/v1/stats/key-figures?year=2019", &token(role, org))
            .await;
        assert_eq!(res.json()["hours"], json!(47597.83), "{role}");
    }

    // 2018 and 2020 from the same data.
    let y2018 = app
        .get("/api/v1/stats/key-figures?year=2018", &fac())
        .await
        .json();
    assert_eq!(y2018["hours"], json!(39538.2));
    assert_eq!(y2018["previous_year_hours"], json!(0));
    assert_eq!(y2018["participants"], json!(19));
    let y2020 = app
        .get("/api/v1/stats/key-figures?year=2020", &fac())
        .await
        .json();
    assert_eq!(y2020["hours"], json!(240));
    assert_eq!(y2020["previous_year_hours"], json!(47597.83));
    assert_eq!(y2020["employment_contracts"], json!(2));

    // Buyers and holders get their own contracts only, whatever they ask.
    let b1 = app
        .get(
            "/api/v1/stats/key-figures?year=2019",
            &token(Role::Buyer, Some(t.buyer1)),
        )
        .await
        .json();
    let by_c1 = app
        .get(
            &format!("/api/v1/stats/key-figures?year=2019&contract_id={}", t.c1),
            &fac(),
        )
        .await
        .json();
    let by_buyer = app
        .get(
            &format!("/api/v1/stats/key-figures?year=2019&buyer_id={}", t.buyer1),
            &fac(),
        )
        .await
        .json();
    let by_operation = app
        .get(
            "/api/v1/stats/key-figures?year=2019&operation=NPNRU%20Tarter%C3%AAts",
            &fac(),
        )
        .await
        .json();
    let holder = app
        .get(
            "/api/v1/stats/key-figures?year=2019",
            &token(Role::Company, Some(t.holder1)),
        )
        .await
        .json();
    assert_eq!(by_c1, by_buyer);
    assert_eq!(by_c1, by_operation);
    // The same selection; the buyer and the holder read it through the
    // disclosure rule: totals exact, the 3 people under 26 masked for the
    // buyer, nothing of the people's attributes for the holder.
    let totals = |k: &Value| {
        [
            "participants",
            "employment_contracts",
            "hours",
            "previous_year_hours",
        ]
        .map(|f| k[f].clone())
    };
    assert_eq!(totals(&b1), totals(&by_c1));
    assert_eq!(totals(&holder), totals(&by_c1));
    assert_eq!(by_c1["under_26"], json!(3));
    assert_eq!(b1["under_26"], json!("< 5"));
    for f in ["women", "men", "qpv_residents"] {
        assert_eq!(b1[f], by_c1[f], "{f}");
    }
    for f in ["women", "men", "under_26", "qpv_residents"] {
        assert_eq!(holder[f], Value::Null, "{f}");
    }
    let by_c2 = app
        .get(
            &format!("/api/v1/stats/key-figures?year=2019&contract_id={}", t.c2),
            &fac(),
        )
        .await
        .json();
    let sum = Decimal::from_str(&b1["hours"].to_string()).unwrap()
        + Decimal::from_str(&by_c2["hours"].to_string()).unwrap();
    assert_eq!(sum, dec("47597.83"));
    let contracts = b1["employment_contracts"].as_i64().unwrap()
        + by_c2["employment_contracts"].as_i64().unwrap();
    assert_eq!(contracts, 204);
    let escape = app
        .get(
            &format!("/api/v1/stats/key-figures?year=2019&contract_id={}", t.c2),
            &token(Role::Buyer, Some(t.buyer1)),
        )
        .await
        .json();
    assert_eq!(escape["participants"], json!(0));
    assert_eq!(escape["hours"], json!(0));
}

#[actix_web::test]
async fn key_figures_parameters_are_checked() {
    let app = spawn().await;
    for (q, field) in [
        ("", "year"),
        ("year=19", "year"),
        ("year=abcd", "year"),
        ("year=2019&contract_id=x", "contract_id"),
        ("year=2019&foo=1", "foo"),
    ] {
        let res = app
            .get(&format!("/api/v1/stats/key-figures?{q}"), &fac())
            .await;
        assert_eq!(res.fields(), [field], "{q}");
    }
    let res = app.get("/api/v1/stats/key-figures?year=2019", &fac()).await;
    assert_eq!(
        res.json(),
        json!({"year": 2019, "participants": 0, "women": 0, "men": 0, "under_26": 0, "qpv_residents": 0,
               "employment_contracts": 0, "hours": 0, "previous_year_hours": 0, "hours_change": 0,
               "holders": 0, "source": "live", "published_at": null})
    );
}

fn num(v: &Value) -> Decimal {
    Decimal::from_str(&v.to_string()).unwrap()
}

fn rows(app_res: &Res) -> Vec<Value> {
    assert_eq!(
        app_res.status,
        200,
        "{}",
        String::from_utf8_lossy(&app_res.body)
    );
    app_res.json()["rows"].as_array().unwrap().clone()
}

fn totals(rows: &[Value]) -> (i64, i64, Decimal) {
    rows.iter().fold((0, 0, Decimal::ZERO), |(p, c, h), r| {
        (
            p + r["participants"].as_i64().unwrap(),
            c + r["employment_contracts"].as_i64().unwrap(),
            h + num(&r["hours"]),
        )
    })
}

fn row<'a>(rows: &'a [Value], key: &str) -> &'a Value {
    rows.iter()
        .find(|r| r["key"] == key)
        .unwrap_or_else(|| panic!("no row {key}: {rows:?}"))
}

#[actix_web::test]
async fn breakdowns_add_up_as_documented() {
    let t = territory().await;
    let app = &t.app;
    let get = |by: &str| format!("/api/v1/stats/breakdown?year=2019&by={by}");
    let total = dec("47597.83");

    // One row per person: every column sums to the key figures.
    for by in ["sex", "age_band", "qpv", "qualification_level"] {
        let r = rows(&app.get(&get(by), &fac()).await);
        assert_eq!(totals(&r), (169, 204, total), "{by}");
    }
    let sex = rows(&app.get(&get("sex"), &fac()).await);
    assert_eq!(
        sex.iter()
            .map(|r| r["key"].as_str().unwrap())
            .collect::<Vec<_>>(),
        ["F", "M"]
    );
    assert_eq!(row(&sex, "F")["participants"], json!(14));
    assert_eq!(row(&sex, "M")["participants"], json!(155));
    let age = rows(&app.get(&get("age_band"), &fac()).await);
    assert_eq!(row(&age, "under_26")["participants"], json!(6));
    assert_eq!(row(&age, "26_49")["participants"], json!(163));
    assert_eq!(
        row(&rows(&app.get(&get("qpv"), &fac()).await), "yes")["participants"],
        json!(34)
    );
    // Every level is listed, 0 rows too; nobody's level is known here.
    let levels = rows(&app.get(&get("qualification_level"), &fac()).await);
    let keys: Vec<Value> = levels.iter().map(|r| r["key"].clone()).collect();
    assert_eq!(
        keys,
        ["infra_3", "3", "4", "5", "6", "7", "8"]
            .iter()
            .map(|k| json!(k))
            .chain([Value::Null])
            .collect::<Vec<_>>()
    );
    assert_eq!(levels[7]["participants"], json!(169));
    assert!(levels[..7].iter().all(|r| r["participants"] == json!(0)));

    // Per placement: people may count twice, contracts and hours do not.
    for by in ["modality", "contract", "operation"] {
        let (_, c, h) = totals(&rows(&app.get(&get(by), &fac()).await));
        assert_eq!((c, h), (204, total), "{by}");
    }
    let by_contract = rows(&app.get(&get("contract"), &fac()).await);
    assert_eq!(totals(&by_contract).0, 193);
    assert_eq!(
        row(&by_contract, &t.c1.to_string())["participants"],
        json!(89)
    );
    let by_operation = rows(&app.get(&get("operation"), &fac()).await);
    assert_eq!(
        row(&by_operation, "NPNRU Tarterêts")["participants"],
        json!(89)
    );

    // By month.
    let months = rows(&app.get(&get("month"), &fac()).await);
    let (_, c, h) = totals(&months);
    assert_eq!((c, h), (204, total));
    assert_eq!(row(&months, "2019-01")["hours"], json!(900));
    assert_eq!(row(&months, "2019-01")["participants"], json!(9));
    assert_eq!(row(&months, "2019-02")["employment_contracts"], json!(158));
    assert_eq!(row(&months, "2019-09")["employment_contracts"], json!(40));
    assert!(months
        .iter()
        .all(|r| r["key"].as_str().unwrap().starts_with("2019-")));

    // Eligibility rows overlap; here everyone has one criterion.
    let elig = rows(&app.get(&get("eligibility"), &fac()).await);
    assert_eq!(
        row(&elig, "long_term_unemployed")["participants"],
        json!(169)
    );

    // Scoped like the key figures.
    let b1 = rows(
        &app.get(&get("sex"), &token(Role::Buyer, Some(t.buyer1)))
            .await,
    );
    assert_eq!(totals(&b1).0, 89);

    let res = app
        .get("/api/v1/stats/breakdown?year=2019&by=colour", &fac())
        .await;
    assert_eq!(res.fields(), ["by"]);
    let res = app.get("/api/v1/stats/breakdown?year=2019", &fac()).await;
    assert_eq!(res.fields(), ["by"]);
}

#[actix_web::test]
async fn exports_agree_with_the_json() {
    let t = territory().await;
    let app = &t.app;

    // CSV, by ?format= and by Accept.
    let json = app
        .get("/api/v1/stats/breakdown?year=2019&by=month", &fac())
        .await
        .json();
    let res = app
        .get(
            "/api/v1/stats/breakdown?year=2019&by=month&format=csv",
            &fac(),
        )
        .await;
    assert!(res.content_type().starts_with("text/csv"));
    let mut reader = csv::Reader::from_reader(res.body.as_slice());
    assert_eq!(
        reader.headers().unwrap().iter().collect::<Vec<_>>(),
        [
            "Mois",
            "Participants",
            "Contrats de travail",
            "Heures réalisées"
        ]
    );
    let records: Vec<csv::StringRecord> = reader.records().map(|r| r.unwrap()).collect();
    let json_rows = json["rows"].as_array().unwrap();
    assert_eq!(records.len(), json_rows.len());
    for (rec, row) in records.iter().zip(json_rows) {
        assert_eq!(rec[0], *row["key"].as_str().unwrap());
        assert_eq!(rec[1], row["participants"].to_string());
        assert_eq!(rec[2], row["employment_contracts"].to_string());
        assert_eq!(Decimal::from_str(&rec[3]).unwrap(), num(&row["hours"]));
    }
    let res = app
        .send(
            "GET",
            "/api/v1/stats/key-figures?year=2019",
            Some(&fac()),
            &[("Accept", "text/csv")],
            None,
        )
        .await;
    let mut reader = csv::Reader::from_reader(res.body.as_slice());
    let rec = reader.records().next().unwrap().unwrap();
    assert_eq!(&rec[0], "2019");
    assert_eq!(&rec[1], "169");
    assert_eq!(&rec[7], "47597.83");
    assert_eq!(&rec[8], "39538.2");
    assert_eq!(&rec[9], "8059.63");

    // The contracts table.
    let report = app
        .get("/api/v1/stats/contracts?year=2019", &fac())
        .await
        .json();
    assert_eq!(report["to_date"], "2019-12-31");
    let crow = report["rows"].as_array().unwrap();
    assert_eq!(crow.len(), 2);
    let hours: Decimal = crow.iter().map(|r| num(&r["hours_year"])).sum();
    assert_eq!(hours, dec("47597.83"));
    let c1 = crow
        .iter()
        .find(|r| r["contract_id"] == t.c1.to_string())
        .unwrap();
    assert_eq!(
        num(&c1["hours_to_date"]) - num(&c1["hours_year"]),
        num(&app
            .get(
                &format!("/api/v1/stats/key-figures?year=2019&contract_id={}", t.c1),
                &fac()
            )
            .await
            .json()["previous_year_hours"])
    );
    assert_eq!(c1["commitment_hours"], json!(100000));
    let holder = app
        .get(
            "/api/v1/stats/contracts?year=2019",
            &token(Role::Company, Some(t.holder1)),
        )
        .await
        .json();
    assert_eq!(holder["rows"].as_array().unwrap().len(), 1);
    let res = app
        .get("/api/v1/stats/contracts?year=2019&format=csv", &fac())
        .await;
    let mut reader = csv::Reader::from_reader(res.body.as_slice());
    assert_eq!(reader.records().count(), 2);

    // The annual workbook: a sheet per table, numbers as numbers.
    let res = app
        .get("/api/v1/reports/annual?year=2019&format=xlsx", &fac())
        .await;
    assert_eq!(res.status, 200, "{}", String::from_utf8_lossy(&res.body));
    assert_eq!(
        res.content_type(),
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    );
    use calamine::{Data, Reader, Xlsx};
    let mut book: Xlsx<_> = Xlsx::new(std::io::Cursor::new(res.body.clone())).unwrap();
    let names = book.sheet_names().to_vec();
    // Key figures, fourteen breakdowns (issue 17: five more), the contracts and (issue 16) the
    // outcomes.
    assert_eq!(names.len(), 17, "{names:?}");
    assert_eq!(names[0], "Chiffres clés");
    assert!(names.contains(&"Par sexe".to_string()) && names.contains(&"Marchés".to_string()));
    assert_eq!(names[16], "Sorties");
    for sheet in [
        "Par type de clause",
        "Par nature de marché",
        "Par division CPV",
        "Par type d'acheteur",
        "Par type d'employeur",
    ] {
        assert!(names.contains(&sheet.to_string()), "{sheet}: {names:?}");
    }
    let kf = book.worksheet_range("Chiffres clés").unwrap();
    assert_eq!(
        kf.get((0, 7)),
        Some(&Data::String("Heures réalisées".into()))
    );
    assert_eq!(kf.get((1, 1)), Some(&Data::Float(169.0)));
    assert_eq!(kf.get((1, 7)), Some(&Data::Float(47597.83)));
    assert_eq!(
        kf.get((0, 10)),
        Some(&Data::String("Entreprises titulaires".into()))
    );
    assert_eq!(kf.get((1, 10)), Some(&Data::Float(2.0)));
    let by_sex = book.worksheet_range("Par sexe").unwrap();
    assert_eq!(by_sex.get((1, 0)), Some(&Data::String("F".into())));
    assert_eq!(by_sex.get((1, 1)), Some(&Data::Float(14.0)));
    let annual = app
        .get("/api/v1/reports/annual?year=2019", &fac())
        .await
        .json();
    assert_eq!(annual["key_figures"]["hours"], json!(47597.83));
    assert_eq!(annual["breakdowns"].as_array().unwrap().len(), 14);
    let res = app
        .get("/api/v1/reports/annual?year=2019&format=csv", &fac())
        .await;
    assert_eq!(res.fields(), ["format"]);
    let res = app
        .get("/api/v1/stats/key-figures?year=2019&format=xlsx", &fac())
        .await;
    let mut book: Xlsx<_> = Xlsx::new(std::io::Cursor::new(res.body.clone())).unwrap();
    assert_eq!(
        book.worksheet_range("Chiffres clés").unwrap().get((1, 9)),
        Some(&Data::Float(8059.63))
    );
}

/// Every sheet of a workbook, as calamine reads it.
fn sheets(body: &[u8]) -> Vec<(String, calamine::Range<calamine::Data>)> {
    use calamine::{Reader, Xlsx};
    let mut book: Xlsx<_> = Xlsx::new(std::io::Cursor::new(body.to_vec())).expect("a workbook");
    book.sheet_names()
        .into_iter()
        .map(|name| {
            let range = book.worksheet_range(&name).unwrap();
            (name, range)
        })
        .collect()
}

#[actix_web::test]
async fn every_file_has_its_own_path() {
    let t = territory().await;
    let app = &t.app;
    let doc: Value = serde_json::from_str(&clauses::openapi::document()).unwrap();
    let mut files = 0;
    for (path, item) in doc["paths"].as_object().unwrap() {
        let Some((base, ext)) = path.rsplit_once('.') else {
            continue;
        };
        // A contract's report files have their own test (contract_report),
        // the history template too (tests/history.rs): it has no JSON twin.
        if !path.starts_with("/api/")
            || !(ext == "csv" || ext == "xlsx")
            || path.contains('{')
            || path.ends_with("/template.xlsx")
        {
            continue;
        }
        files += 1;
        let content = item["get"]["responses"]["200"]["content"]
            .as_object()
            .unwrap();
        assert_eq!(content.len(), 1, "{path} answers one media type");
        let (media, _) = content.iter().next().unwrap();
        let query = if base.ends_with("breakdown") {
            "?year=2019&by=month"
        } else {
            "?year=2019"
        };
        let res = app.get(&format!("{path}{query}"), &fac()).await;
        assert_eq!(
            res.status,
            200,
            "{path}: {}",
            String::from_utf8_lossy(&res.body)
        );
        assert!(
            res.content_type().starts_with(media.as_str()),
            "{path}: {}",
            res.content_type()
        );
        let disposition = res.header("content-disposition").unwrap_or_default();
        assert!(
            disposition.starts_with("attachment; filename=\"")
                && disposition.ends_with(&format!(".{ext}\"")),
            "{path}: {disposition}"
        );
        // The file is the one the JSON path's `?format=` has always sent.
        let legacy = app
            .get(&format!("{base}{query}&format={ext}"), &fac())
            .await;
        assert_eq!(legacy.status, 200, "{base}");
        if ext == "csv" {
            assert_eq!(res.body, legacy.body, "{path}");
            assert!(
                csv::Reader::from_reader(res.body.as_slice())
                    .records()
                    .count()
                    > 0
            );
        } else {
            let read = sheets(&res.body);
            assert!(!read.is_empty() && read[0].1.height() > 1, "{path}");
            assert_eq!(read, sheets(&legacy.body), "{path}");
        }
        // The path says the format: a `format` that says another is refused.
        let other = if ext == "csv" { "xlsx" } else { "csv" };
        let res = app
            .get(&format!("{path}{query}&format={other}"), &fac())
            .await;
        assert_eq!(res.fields(), ["format"], "{path}");
        let res = app
            .get(&format!("{path}{query}&format={ext}"), &fac())
            .await;
        assert_eq!(res.status, 200, "{path}");
        // The query is checked as on the JSON path.
        let res = app.get(&format!("{path}?year=1700"), &fac()).await;
        assert!(res.fields().contains(&"year".to_string()), "{path}");
    }
    assert_eq!(
        files, 11,
        "five reports as CSV and XLSX, the annual report as XLSX"
    );

    // The annual workbook on its path: every table, the figures to the hundredth.
    let res = app
        .get("/api/v1/reports/annual.xlsx?year=2019", &fac())
        .await;
    let read = sheets(&res.body);
    assert_eq!(read.len(), 17);
    assert_eq!(
        read[0].1.get((1, 7)),
        Some(&calamine::Data::Float(47597.83))
    );
    // No CSV of a report of several tables, by path or by Accept.
    app.get("/api/v1/reports/annual.csv?year=2019", &fac())
        .await
        .problem(404);
    let res = app
        .send(
            "GET",
            "/api/v1/reports/annual?year=2019",
            Some(&fac()),
            &[("Accept", "text/csv")],
            None,
        )
        .await;
    assert_eq!(res.fields(), ["format"]);
    // The same access as the JSON: a company reads no situation, a buyer no ESF indicator.
    let company = token(Role::Company, Some(t.holder1));
    for path in ["/api/v1/stats/outcomes.csv", "/api/v1/stats/outcomes.xlsx"] {
        app.get(&format!("{path}?year=2019"), &company)
            .await
            .problem(403);
    }
    let buyer = token(Role::Buyer, Some(t.buyer1));
    app.get("/api/v1/reports/esf.xlsx?year=2019", &buyer)
        .await
        .problem(403);
    // A buyer's file holds its own contracts only, as its JSON does.
    let res = app
        .get("/api/v1/stats/contracts.csv?year=2019", &buyer)
        .await;
    let rows: Vec<csv::StringRecord> = csv::Reader::from_reader(res.body.as_slice())
        .records()
        .map(|r| r.unwrap())
        .collect();
    assert_eq!(rows.len(), 1);
    assert_eq!(&rows[0][0], t.c1.to_string());
}

#[actix_web::test]
async fn publication_is_a_public_snapshot() {
    let t = territory().await;
    let app = &t.app;
    app.send("GET", "/public/key-figures/2019.json", None, &[], None)
        .await
        .problem(404);
    app.send("GET", "/public/key-figures/2019.svg", None, &[], None)
        .await
        .problem(404);
    for (role, org) in [
        (Role::State, None),
        (Role::Department, Some(t.buyer2)),
        (Role::Buyer, Some(t.buyer1)),
    ] {
        app.post(
            "/api/v1/stats/publications",
            &token(role, org),
            &json!({"year": 2019}),
        )
        .await
        .problem(403);
    }
    let res = app
        .post("/api/v1/stats/publications", &fac(), &json!({"year": 2019}))
        .await;
    assert_eq!(res.status, 201, "{}", String::from_utf8_lossy(&res.body));
    assert_eq!(res.json()["figures"]["hours"], json!(47597.83));

    let public = app
        .send("GET", "/public/key-figures/2019.json", None, &[], None)
        .await;
    assert_eq!(public.status, 200);
    let p = public.json();
    for (k, v) in [
        ("year", json!(2019)),
        ("participants", json!(169)),
        ("women", json!(14)),
        ("men", json!(155)),
        ("employment_contracts", json!(204)),
        ("hours", json!(47597.83)),
        ("previous_year_hours", json!(39538.2)),
        ("hours_change", json!(8059.63)),
        ("qpv_residents", json!(34)),
    ] {
        assert_eq!(p[k], v, "{k}");
    }
    // Under 26: 6, shown; a snapshot does not move with new data.
    assert_eq!(p["under_26"], json!(6));
    let d = app.person(None, "Nouvelle", "F", "1990-01-01").await;
    let pl = app.placement(d, t.c1, t.holder1, "2019-11-04", None).await;
    assert_eq!(app.hours(pl, "2019-12", "10").await.status, 201);
    let again = app
        .send("GET", "/public/key-figures/2019.json", None, &[], None)
        .await
        .json();
    assert_eq!(again["hours"], json!(47597.83));
    assert_eq!(again["women"], json!(14));
    let res = app
        .post("/api/v1/stats/publications", &fac(), &json!({"year": 2019}))
        .await;
    assert_eq!(res.status, 200);
    let again = app
        .send("GET", "/public/key-figures/2019.json", None, &[], None)
        .await
        .json();
    assert_eq!(again["hours"], json!(47607.83));
    assert_eq!(again["women"], json!(15));

    // The SVG card: well-formed, accessible, carrying the figures.
    let svg = app
        .send("GET", "/public/key-figures/2019.svg", None, &[], None)
        .await;
    assert_eq!(svg.status, 200);
    assert!(svg.content_type().starts_with("image/svg+xml"));
    let text = String::from_utf8(svg.body.clone()).unwrap();
    well_formed(&text);
    assert!(text.contains("role=\"img\"") && text.contains("<title") && text.contains("<desc"));
    for figure in [
        "47\u{202f}607,83",
        "205",
        "170",
        "15 femmes",
        "155 hommes",
        "+8\u{202f}069,63 h par rapport à 2018",
        "34",
    ] {
        assert!(text.contains(figure), "{figure} missing from the card");
    }
    app.send("GET", "/public/key-figures/2019.png", None, &[], None)
        .await
        .problem(404);
    app.send("GET", "/public/key-figures/2018.json", None, &[], None)
        .await
        .problem(404);
    let res = app
        .post("/api/v1/stats/publications", &fac(), &json!({"year": 1789}))
        .await;
    assert_eq!(res.fields(), ["year"]);
}

fn well_formed(svg: &str) {
    let mut reader = quick_xml::Reader::from_str(svg);
    let mut depth = 0i32;
    loop {
        match reader.read_event().expect("well-formed XML") {
            quick_xml::events::Event::Start(_) => depth += 1,
            quick_xml::events::Event::End(_) => depth -= 1,
            quick_xml::events::Event::Eof => break,
            _ => {}
        }
    }
    assert_eq!(depth, 0);
}

#[actix_web::test]
async fn small_counts_are_masked_in_public() {
    let app = spawn().await;
    let buyer = app.org("buyer", "B").await;
    let holder = app.org("company", "H").await;
    let contract = app.contract(buyer, holder, "R").await;
    for (sex, qpv) in [
        ("F", false),
        ("F", false),
        ("M", false),
        ("M", false),
        ("M", false),
        ("M", false),
        ("M", false),
    ] {
        let res = app
            .post(
                "/api/v1/beneficiaries",
                &fac(),
                &json!({"last_name": "X", "first_name": "Y", "sex": sex,
                "birth_date": "1970-01-01", "postal_code": "91100", "eligibility": ["rsa"],
                "qpv_code": if qpv { Some("QP091001") } else { None }}),
            )
            .await;
        let person = id_of(&res);
        app.placement(person, contract, holder, "2019-02-01", None)
            .await;
    }
    let res = app
        .post("/api/v1/stats/publications", &fac(), &json!({"year": 2019}))
        .await;
    assert_eq!(res.status, 201);
    let p = app
        .send("GET", "/public/key-figures/2019.json", None, &[], None)
        .await
        .json();
    assert_eq!(p["participants"], json!(7));
    // 7 people, 2 women: men are masked too, or 7 - 5 would give women.
    assert_eq!(p["women"], json!("< 5"));
    assert_eq!(p["men"], json!("≥ 5"));
    assert_eq!(p["qpv_residents"], json!(0));
    assert_eq!(p["under_26"], json!(0));
    let svg = String::from_utf8(
        app.send("GET", "/public/key-figures/2019.svg", None, &[], None)
            .await
            .body,
    )
    .unwrap();
    well_formed(&svg);
    assert!(svg.contains("&lt; 5 femmes"));
    // The exact small number never appears in the public output.
    assert!(!svg.contains(">2<") && !svg.contains(" 2 femmes"));
}

/// Rows of `placement_years` that a computation from the placements and
/// their months does not give, and rows it gives that are missing.
const PLACEMENT_YEARS_DIFFER: &str = "
    WITH computed AS (
        SELECT y.year, p.id AS placement_id, p.beneficiary_id, p.contract_id, p.employer_id, p.modality,
               p.start_date,
               coalesce((SELECT sum(m.worked_hours + m.training_hours) * 100 FROM monthly_hours m
                         WHERE m.placement_id = p.id AND m.status = 'validated'
                           AND extract(year FROM m.month) = y.year), 0)::bigint AS centihours,
               coalesce((SELECT bit_or(1 << (extract(month FROM m.month)::int - 1)) FROM monthly_hours m
                         WHERE m.placement_id = p.id AND m.status = 'validated'
                           AND extract(year FROM m.month) = y.year), 0) AS months
        FROM placements p
        CROSS JOIN LATERAL generate_series(
            extract(year FROM p.start_date)::int,
            coalesce(extract(year FROM p.end_date)::int,
                     greatest((SELECT year FROM rollup_horizon), extract(year FROM p.start_date)::int))) AS y (year)
    ),
    fresh AS (
        SELECT r.*, count(*) OVER (PARTITION BY year, beneficiary_id) = 1 AS sole FROM computed r
    ),
    stored AS (
        SELECT year, placement_id, beneficiary_id, contract_id, employer_id, modality, start_date, centihours, months,
               sole
        FROM placement_years
    )
    SELECT ((SELECT count(*) FROM (SELECT * FROM fresh EXCEPT SELECT * FROM stored) a)
          + (SELECT count(*) FROM (SELECT * FROM stored EXCEPT SELECT * FROM fresh) b))::bigint AS n";

/// placement_years and person_years against what the rows give.
fn assert_rollups_hold(conn: &mut diesel::PgConnection, label: &str) {
    // placement_years (every breakdown's rows) against the rows.
    #[derive(diesel::QueryableByName)]
    struct Differ {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    let differ: Differ =
        diesel::RunQueryDsl::get_result(diesel::sql_query(PLACEMENT_YEARS_DIFFER), conn).unwrap();
    assert_eq!(differ.n, 0, "{label}: placement_years");
    // The attributes person_years keeps, against the people.
    let differ: Differ = diesel::RunQueryDsl::get_result(
        diesel::sql_query(
            "SELECT count(*) AS n FROM person_years py JOIN beneficiaries b ON b.id = py.beneficiary_id \
             WHERE (py.qualification_level, py.eligibility) IS DISTINCT FROM (b.qualification_level, b.eligibility)",
        ),
        conn,
    )
    .unwrap();
    assert_eq!(differ.n, 0, "{label}: person_years");
    // Their starts and hours, against placement_years (checked above).
    let differ: Differ = diesel::RunQueryDsl::get_result(
        diesel::sql_query(
            "SELECT count(*) AS n FROM person_years py FULL JOIN ( \
                 SELECT year, beneficiary_id, count(*) FILTER (WHERE start_date >= make_date(year, 1, 1)) AS starts, \
                        sum(centihours) AS centihours \
                 FROM placement_years GROUP BY 1, 2) w USING (year, beneficiary_id) \
             WHERE (py.starts, py.centihours) IS DISTINCT FROM (w.starts, w.centihours)",
        ),
        conn,
    )
    .unwrap();
    assert_eq!(differ.n, 0, "{label}: person_years' starts and hours");
}

#[actix_web::test]
async fn rollups_agree_with_the_rows_after_every_kind_of_change() {
    use clauses::models::stats::{key_figures_live, key_figures_rollup, Selection};
    let t = territory().await;
    let app = &t.app;
    let check = |label: &str| {
        let mut conn = app.db.conn();
        let all = Selection::everything();
        // The rollups reach 2031 (as `serve` extends them at start); 2040 is
        // past them and computed from the rows.
        clauses::models::stats::extend_rollups(&mut conn, 2031).unwrap();
        for year in [2017, 2018, 2019, 2020, 2021, 2031, 2040] {
            let fast = key_figures_rollup(&mut conn, &all, year).unwrap();
            let live = key_figures_live(&mut conn, &all, year).unwrap();
            assert_eq!(fast, live, "{label}: {year}");
        }
        assert_rollups_hold(&mut conn, label);
    };
    check("as built");

    // A placement's dates move; a person's attributes change.
    let placements = app.get("/api/v1/placements?limit=500", &fac()).await.json();
    let first = placements["items"][3]["id"].as_str().unwrap().to_string();
    let person = placements["items"][3]["beneficiary_id"]
        .as_str()
        .unwrap()
        .to_string();
    let res = app
        .patch(
            &format!("/api/v1/placements/{first}"),
            &fac(),
            &json!({"end_date": "2020-06-30"}),
            None,
        )
        .await;
    assert_eq!(res.status, 200, "{}", String::from_utf8_lossy(&res.body));
    let res = app
        .patch(
            &format!("/api/v1/beneficiaries/{person}"),
            &fac(),
            &json!({"sex": "F", "birth_date": "1999-01-01", "qpv_code": "QP091001"}),
            None,
        )
        .await;
    assert_eq!(res.status, 200);
    check("after patches");

    // A validated month changes, another is rejected.
    let months = app
        .get(&format!("/api/v1/placements/{first}/hours"), &fac())
        .await
        .json();
    let month = months["items"][0]["month"].as_str().unwrap().to_string();
    assert_eq!(
        app.put(
            &format!("/api/v1/placements/{first}/hours/{month}"),
            &fac(),
            &json!({"worked_hours": 12.34})
        )
        .await
        .status,
        200
    );
    let res = app
        .post(
            &format!("/api/v1/placements/{first}/hours/{month}/validation"),
            &fac(),
            &json!({"decision": "rejected", "reason": "Doublon"}),
        )
        .await;
    assert_eq!(res.status, 200);
    check("after hours changes");

    // An open placement reaches years past the rollups' horizon.
    let p = app.person(None, "Ouverte", "F", "1985-01-01").await;
    app.placement(p, t.c1, t.holder1, "2019-05-06", None).await;
    check("after an open placement");
    // (Asked before the statements below hold the thread longer than the
    // client keeps a connection alive.)
    let y2031 = app
        .get("/api/v1/stats/key-figures?year=2031", &fac())
        .await
        .json();
    assert!(y2031["participants"].as_i64().unwrap() >= 1);
    // Breakdowns of a year past the horizon count the open placements too
    // (their rows are then computed from the placements).
    let y2040 = app
        .get("/api/v1/stats/key-figures?year=2040", &fac())
        .await
        .json();
    let people_2040 = y2040["participants"].as_i64().unwrap();
    assert!(people_2040 >= 1);
    for by in [
        "sex",
        "qpv",
        "age_band",
        "modality",
        "contract",
        "operation",
        "clause_type",
    ] {
        let b = app
            .get(
                &format!("/api/v1/stats/breakdown?year=2040&by={by}"),
                &fac(),
            )
            .await
            .json();
        let rows = b["rows"].as_array().unwrap();
        let sum = |field: &str| rows.iter().map(|r| r[field].as_i64().unwrap()).sum::<i64>();
        // One contract, one operation, one modality for everyone open in 2040.
        assert_eq!(sum("participants"), people_2040, "2040 by {by}: {b}");
        assert_eq!(sum("employment_contracts"), 0, "2040 by {by}");
    }

    // Statements that touch many people at once, as a bulk load or a bulk
    // fix does: the rollups are kept per statement, for every row of it.
    {
        use diesel::RunQueryDsl;
        let mut conn = app.db.conn();
        for (label, sql) in [
            (
                "after a bulk insert",
                "INSERT INTO placements (id, beneficiary_id, contract_id, employer_id, modality, job_title, start_date, end_date) \
                 SELECT gen_random_uuid(), beneficiary_id, contract_id, employer_id, modality, job_title, \
                        start_date - 400, end_date - 200 FROM placements",
            ),
            (
                "after placements move between people",
                "UPDATE placements p SET beneficiary_id = q.other \
                 FROM (SELECT id, lead(beneficiary_id) OVER (ORDER BY id) AS other FROM placements) q \
                 WHERE p.id = q.id AND q.other IS NOT NULL AND p.id IN (SELECT id FROM placements ORDER BY id LIMIT 9)",
            ),
            (
                "after a bulk change of dates",
                "UPDATE placements SET start_date = start_date + 40 \
                 WHERE id IN (SELECT id FROM placements WHERE end_date IS NULL OR end_date > start_date + 40 ORDER BY id DESC LIMIT 11)",
            ),
            (
                "after a bulk change of people",
                "UPDATE beneficiaries SET sex = CASE sex WHEN 'F' THEN 'M' ELSE 'F' END, qpv_code = NULL, \
                 qualification_level = '5', eligibility = '{rsa,refugee}' \
                 WHERE id IN (SELECT id FROM beneficiaries ORDER BY id LIMIT 7)",
            ),
            (
                "after a bulk delete",
                "DELETE FROM placements WHERE id IN (SELECT id FROM placements p \
                 WHERE NOT EXISTS (SELECT 1 FROM monthly_hours h WHERE h.placement_id = p.id) ORDER BY id LIMIT 6)",
            ),
            (
                "after a bulk change of hours",
                "UPDATE monthly_hours SET worked_hours = worked_hours + 1.25 \
                 WHERE id IN (SELECT id FROM monthly_hours ORDER BY id LIMIT 40)",
            ),
            (
                "after a bulk rejection",
                "UPDATE monthly_hours SET status = 'rejected', reason = 'Contrôle' \
                 WHERE id IN (SELECT id FROM monthly_hours WHERE status = 'validated' ORDER BY id DESC LIMIT 13)",
            ),
            (
                "after a bulk validation",
                "UPDATE monthly_hours SET status = 'validated', reason = NULL \
                 WHERE id IN (SELECT id FROM monthly_hours WHERE status = 'rejected' ORDER BY id LIMIT 5)",
            ),
            (
                "after months are deleted",
                "DELETE FROM monthly_hours WHERE id IN (SELECT id FROM monthly_hours ORDER BY id DESC LIMIT 17)",
            ),
            (
                "after a bulk move of employers",
                "UPDATE placements SET employer_id = contract_holder.holder_id, modality = 'training' \
                 FROM (SELECT p.id, c.holder_id FROM placements p JOIN contracts c ON c.id = p.contract_id \
                       ORDER BY p.id LIMIT 8) contract_holder WHERE placements.id = contract_holder.id",
            ),
        ] {
            let n = diesel::sql_query(sql).execute(&mut conn).unwrap();
            assert!(n > 1, "{label}: {n} rows");
            check(label);
        }
    }
}

#[actix_web::test]
async fn erasing_a_third_of_the_people_keeps_every_figure() {
    let t = territory().await;
    let app = &t.app;
    let snapshot = || async {
        let mut all = vec![];
        for year in [2018, 2019, 2020] {
            all.push(
                app.get(&format!("/api/v1/stats/key-figures?year={year}"), &fac())
                    .await
                    .json(),
            );
            all.push(
                app.get(
                    &format!("/api/v1/stats/key-figures?year={year}&contract_id={}", t.c1),
                    &fac(),
                )
                .await
                .json(),
            );
            for by in [
                "sex",
                "age_band",
                "qualification_level",
                "eligibility",
                "modality",
                "qpv",
                "contract",
                "operation",
                "month",
            ] {
                all.push(
                    app.get(
                        &format!("/api/v1/stats/breakdown?year={year}&by={by}"),
                        &fac(),
                    )
                    .await
                    .json(),
                );
                all.push(
                    app.get(
                        &format!(
                            "/api/v1/stats/breakdown?year={year}&by={by}&buyer_id={}",
                            t.buyer1
                        ),
                        &fac(),
                    )
                    .await
                    .json(),
                );
            }
        }
        all
    };
    let before = snapshot().await;

    // Every third person, with their names and birth dates.
    let mut people = vec![];
    let mut url = "/api/v1/beneficiaries?limit=500".to_string();
    loop {
        let page = app.get(&url, &fac()).await.json();
        people.extend(page["items"].as_array().unwrap().iter().cloned());
        match page["next_cursor"].as_str() {
            Some(c) => url = format!("/api/v1/beneficiaries?limit=500&cursor={c}"),
            None => break,
        }
    }
    let erased: Vec<&Value> = people.iter().step_by(3).collect();
    assert!(erased.len() > 55);
    for p in &erased {
        let res = app
            .post(
                &format!(
                    "/api/v1/beneficiaries/{}/erasure",
                    p["id"].as_str().unwrap()
                ),
                &fac(),
                &json!({}),
            )
            .await;
        assert_eq!(res.status, 200, "{}", String::from_utf8_lossy(&res.body));
        let body = res.json();
        assert_eq!(body["erased"], json!(true));
        assert_eq!(
            (body["last_name"].clone(), body["birth_date"].clone()),
            (Value::Null, Value::Null)
        );
    }
    assert_eq!(snapshot().await, before, "a figure moved");

    // Nothing of an erased identity is left anywhere.
    use diesel::prelude::*;
    #[derive(QueryableByName)]
    struct Column {
        #[diesel(sql_type = diesel::sql_types::Text)]
        table_name: String,
        #[diesel(sql_type = diesel::sql_types::Text)]
        column_name: String,
    }
    #[derive(QueryableByName)]
    struct Count {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    let mut conn = app.db.conn();
    let columns: Vec<Column> = diesel::sql_query(
        "SELECT table_name::text, column_name::text FROM information_schema.columns
         WHERE table_schema = 'public' AND data_type IN ('text', 'character varying', 'character', 'date', 'jsonb', 'json', 'ARRAY')",
    )
    .load(&mut conn)
    .unwrap();
    assert!(columns.len() > 20);
    for p in &erased {
        for needle in [
            p["last_name"].as_str().unwrap(),
            p["birth_date"].as_str().unwrap(),
        ] {
            for c in &columns {
                let found: Count = diesel::sql_query(format!(
                    "SELECT count(*) AS n FROM {} WHERE {}::text LIKE $1",
                    c.table_name, c.column_name
                ))
                .bind::<diesel::sql_types::Text, _>(format!("%{needle}%"))
                .get_result(&mut conn)
                .unwrap();
                assert_eq!(
                    found.n, 0,
                    "{needle} still in {}.{}",
                    c.table_name, c.column_name
                );
            }
        }
    }

    // Erasing twice answers the same; an erased person cannot change; only the facilitator erases.
    let id = erased[0]["id"].as_str().unwrap();
    let once = app
        .get(&format!("/api/v1/beneficiaries/{id}"), &fac())
        .await
        .json();
    let again = app
        .post(
            &format!("/api/v1/beneficiaries/{id}/erasure"),
            &fac(),
            &json!({}),
        )
        .await;
    assert_eq!(again.json(), once);
    app.patch(
        &format!("/api/v1/beneficiaries/{id}"),
        &fac(),
        &json!({"first_name": "Back"}),
        None,
    )
    .await
    .problem(409);
    let kept = people[1]["id"].as_str().unwrap();
    for (role, org) in [
        (Role::Plie, Some(app.org("plie", "PLIE").await)),
        (Role::Company, Some(t.holder1)),
        (Role::Buyer, Some(t.buyer1)),
        (Role::State, None),
    ] {
        app.post(
            &format!("/api/v1/beneficiaries/{kept}/erasure"),
            &token(role, org),
            &json!({}),
        )
        .await
        .problem(403);
    }
    let log = app
        .get(&format!("/api/v1/beneficiaries/{id}/access-log"), &fac())
        .await
        .json();
    assert!(log["items"]
        .as_array()
        .unwrap()
        .iter()
        .any(|e| e["action"] == "erase"));
}

/// Two transactions that change one person's year at once: each refresh of
/// the person reads what the other committed, so neither writes totals or
/// a `sole` flag computed without it.
#[actix_web::test]
async fn concurrent_statements_on_one_person_keep_the_rollups() {
    use diesel::{Connection, QueryableByName, RunQueryDsl};
    let t = territory().await;
    let app = &t.app;
    #[derive(QueryableByName)]
    struct Picked {
        #[diesel(sql_type = diesel::sql_types::Uuid)]
        id: Uuid,
    }
    let mut conn = app.db.conn();
    // A placement with validated months in 2019.
    let picked: Picked = diesel::sql_query(
        "SELECT p.id FROM placements p WHERE EXISTS (SELECT 1 FROM monthly_hours m \
         WHERE m.placement_id = p.id AND m.status = 'validated' AND m.month >= '2019-01-01') \
         ORDER BY p.id LIMIT 1",
    )
    .get_result(&mut conn)
    .unwrap();
    let copy_for = |person: &str, start: &str, end: &str| {
        format!(
            "INSERT INTO placements (id, beneficiary_id, contract_id, employer_id, modality, job_title, start_date, end_date) \
             SELECT gen_random_uuid(), {person}, contract_id, employer_id, modality, job_title, \
                    DATE '{start}', DATE '{end}' FROM placements WHERE id = '{}'",
            picked.id
        )
    };
    let copy = |start: &str, end: &str| copy_for("beneficiary_id", start, end);
    // `first` holds its statement open while `second` runs into the same
    // person; `second` must wait for it, then see it.
    let race = |first: String, second: String| {
        let mut one = app.db.conn();
        let mut two = app.db.conn();
        diesel::sql_query("BEGIN").execute(&mut one).unwrap();
        diesel::sql_query(&first).execute(&mut one).unwrap();
        let other = std::thread::spawn(move || {
            two.transaction(|c| diesel::sql_query(&second).execute(c).map(|_| ()))
                .unwrap();
        });
        std::thread::sleep(std::time::Duration::from_millis(400));
        assert!(
            !other.is_finished(),
            "the second statement waits for the first"
        );
        diesel::sql_query("COMMIT").execute(&mut one).unwrap();
        other.join().unwrap();
    };
    // Hours of the person's year change while a placement of the same
    // person and year is added.
    race(
        format!(
            "UPDATE monthly_hours SET worked_hours = worked_hours + 3.5 \
             WHERE placement_id = '{}' AND status = 'validated'",
            picked.id
        ),
        copy("2019-07-01", "2019-09-30"),
    );
    assert_rollups_hold(&mut conn, "hours, then a placement");
    // Two placements of a year the person had none in, at once.
    race(
        copy("2024-03-01", "2024-06-30"),
        copy("2024-05-01", "2024-12-31"),
    );
    assert_rollups_hold(&mut conn, "two placements at once");
    // A person's first two placements, at once.
    let newcomer = app.person(None, "Nouvelle", "F", "1990-01-01").await;
    race(
        copy_for(&format!("'{newcomer}'::uuid"), "2019-03-01", "2019-06-30"),
        copy_for(&format!("'{newcomer}'::uuid"), "2019-05-01", "2019-12-31"),
    );
    assert_rollups_hold(&mut conn, "a person's first two placements at once");
    // And the other way round: a placement is added while the hours change.
    race(
        copy("2019-10-01", "2019-12-31"),
        format!(
            "UPDATE monthly_hours SET worked_hours = worked_hours - 1.25 \
             WHERE placement_id = '{}' AND status = 'validated'",
            picked.id
        ),
    );
    assert_rollups_hold(&mut conn, "a placement, then hours");
}
