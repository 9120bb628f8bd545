//! The European Social Fund's report (API.md, "Outcomes"): a territory
//! built for it, every indicator written out, women and men.

use serde_json::{json, Value};
use uuid::Uuid;

use crate::common::*;
use clauses::auth::Role;

async fn person(
    app: &TestApp,
    referent: Uuid,
    name: &str,
    sex: &str,
    birth: &str,
    level: Option<&str>,
    eligibility: &[&str],
) -> Uuid {
    let res = app
        .post(
            "/api/v1/beneficiaries",
            &fac(),
            &json!({"last_name": name, "first_name": "Camille", "sex": sex, "birth_date": birth,
                    "postal_code": "91100", "eligibility": eligibility, "qualification_level": level,
                    "referent_id": referent}),
        )
        .await;
    id_of(&res)
}

async fn outcome(app: &TestApp, placement: Uuid, body: Value) {
    let res = app
        .put(
            &format!("/api/v1/placements/{placement}/outcome"),
            &fac(),
            &body,
        )
        .await;
    assert_eq!(res.status, 201, "{}", String::from_utf8_lossy(&res.body));
}

/// The rows of a report as (indicator, women, men, total).
fn rows(report: &Value) -> Vec<(String, i64, i64, i64)> {
    report["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["indicator"].as_str().unwrap().to_string(),
                r["women"].as_i64().unwrap(),
                r["men"].as_i64().unwrap(),
                r["total"].as_i64().unwrap(),
            )
        })
        .collect()
}

fn expected(table: &[(&str, i64, i64)]) -> Vec<(String, i64, i64, i64)> {
    table
        .iter()
        .map(|(i, w, m)| (i.to_string(), *w, *m, w + m))
        .collect()
}

#[actix_web::test]
async fn every_indicator_of_a_territory_built_for_the_report() {
    let app = spawn().await;
    let buyer = app.org("buyer", "Ville").await;
    let holder = app.org("company", "Bâtir Essonne").await;
    let plie = app.org("plie", "PLIE Nord").await;
    let other_plie = app.org("plie", "PLIE Sud").await;
    let res = app
        .post(
            "/api/v1/contracts",
            &fac(),
            &json!({"buyer_id": buyer, "holder_id": holder, "reference": "ESF-1", "title": "Trois ans de travaux",
                    "clause_type": "execution_condition", "start_date": "2018-01-01", "end_date": "2020-12-31",
                    "commitment_hours": 5000}),
        )
        .await;
    let c = id_of(&res);
    let place = |who: Uuid, start: &'static str, end: Option<&'static str>| {
        let app = &app;
        async move { app.placement(who, c, holder, start, end).await }
    };
    // Entrants of 2019, on 2019-03-04, at the age boundaries on both sides.
    let a = person(
        &app,
        plie,
        "A",
        "F",
        "2001-06-01",
        Some("infra_3"),
        &["long_term_unemployed"],
    )
    .await; // 17
    let b = person(&app, plie, "B", "M", "2001-03-04", Some("3"), &["rsa"]).await; // 18 that day
    let c29 = person(
        &app,
        plie,
        "C",
        "F",
        "1989-03-05",
        Some("5"),
        &["disabled_worker"],
    )
    .await; // 29
    let d = person(&app, plie, "D", "M", "1989-03-04", None, &["aah"]).await; // 30 that day
    let e = person(&app, plie, "E", "F", "1964-03-05", Some("4"), &["rsa"]).await; // 54
    let g = person(
        &app,
        plie,
        "G",
        "M",
        "1964-03-04",
        Some("8"),
        &["long_term_unemployed", "aah"],
    )
    .await; // 55
    let k = person(&app, other_plie, "K", "F", "1979-01-10", None, &["rsa"]).await; // 40, another PLIE's
                                                                                    // Entered in 2018, still working in 2019: a leaver of 2019, no entrant.
    let h = person(&app, plie, "H", "M", "1975-07-14", Some("3"), &["rsa"]).await;

    // A's two placements end the same day: the one starting last is the exit.
    let a_1 = place(a, "2019-03-04", Some("2019-06-28")).await;
    let a_2 = place(a, "2019-04-01", Some("2019-06-28")).await;
    outcome(&app, a_1, json!({"situation": "job_seeking"})).await;
    outcome(&app, a_2, json!({"situation": "qualifying_training"})).await;
    // B leaves a placement in 2019 but has another still open: no leaver.
    let b_1 = place(b, "2019-03-04", Some("2019-05-31")).await;
    outcome(&app, b_1, json!({"situation": "fixed_term_short"})).await;
    place(b, "2019-06-03", None).await;
    let c_1 = place(c29, "2019-03-04", Some("2019-10-31")).await;
    outcome(&app, c_1, json!({"situation": "other_siae"})).await;
    place(d, "2019-03-04", None).await;
    place(e, "2019-03-04", Some("2019-12-31")).await; // a leaver without an outcome
    let g_1 = place(g, "2019-03-04", Some("2019-08-30")).await;
    outcome(&app, g_1, json!({"situation": "job_seeking"})).await;
    place(k, "2019-03-04", None).await;
    let h_1 = place(h, "2018-05-02", Some("2019-09-30")).await;
    outcome(
        &app,
        h_1,
        json!({"situation": "permanent_job", "qualification_gained": true,
               "follow_up": {"situation": "fixed_term_short", "observed_on": "2020-04-01"}}),
    )
    .await;

    let everyone = expected(&[
        ("EECO01", 4, 3),
        ("EECO03", 1, 1),
        ("EECO06", 1, 0),
        ("EECO07", 1, 1),
        ("EECO08", 0, 1),
        ("EECO09", 1, 0),
        ("EECO10", 1, 1),
        ("EECO11", 1, 1),
        ("EECO12", 1, 2),
        ("leavers", 3, 2),
        ("EECR01", 0, 1),
        ("EECR02", 1, 0),
        ("EECR03", 0, 1),
        ("EECR04", 1, 1),
        ("EECR05", 0, 1),
    ]);
    let report = app
        .get("/api/v1/reports/esf?year=2019", &fac())
        .await
        .json();
    assert_eq!(rows(&report), everyone);
    assert!(report["referent_id"].is_null());
    assert_eq!(
        report["rows"][0]["label"],
        "Participants entrés dans l'année"
    );

    // The PLIE's report holds its own people only: K is not among them.
    let mut own = everyone.clone();
    own[0] = ("EECO01".into(), 3, 3, 6);
    let t_plie = token(Role::Plie, Some(plie));
    let mine = app
        .get("/api/v1/reports/esf?year=2019", &t_plie)
        .await
        .json();
    assert_eq!(rows(&mine), own);
    assert_eq!(mine["referent_id"], plie.to_string());
    let by_facilitator = app
        .get(
            &format!("/api/v1/reports/esf?year=2019&referent_id={plie}"),
            &fac(),
        )
        .await
        .json();
    assert_eq!(rows(&by_facilitator), own);
    app.get(
        &format!("/api/v1/reports/esf?year=2019&referent_id={other_plie}"),
        &t_plie,
    )
    .await
    .problem(404);
    for t in [
        token(Role::Company, Some(holder)),
        token(Role::Buyer, Some(buyer)),
        token(Role::State, None),
    ] {
        app.get("/api/v1/reports/esf?year=2019", &t)
            .await
            .problem(403);
    }
    assert_eq!(
        app.get("/api/v1/reports/esf", &fac()).await.fields(),
        ["year"]
    );

    // The outcome figures with referent_id: the PLIE's own people, exactly.
    let of_mine = app
        .get(
            &format!("/api/v1/stats/outcomes?year=2019&referent_id={plie}"),
            &t_plie,
        )
        .await
        .json();
    assert_eq!(
        (of_mine["ended"].clone(), of_mine["with_outcome"].clone()),
        (json!(7), json!(6))
    );
    assert_eq!(
        of_mine["groups"]["other"], 2,
        "exact for the PLIE over its own people"
    );
    let of_theirs = app
        .get(
            &format!("/api/v1/stats/outcomes?year=2019&referent_id={other_plie}"),
            &fac(),
        )
        .await
        .json();
    assert_eq!(of_theirs["ended"], 0);

    // Erased people are still counted, identically.
    for who in [a, c29, g, h] {
        let res = app
            .post(
                &format!("/api/v1/beneficiaries/{who}/erasure"),
                &fac(),
                &json!({}),
            )
            .await;
        assert_eq!(res.status, 200);
    }
    let after = app
        .get("/api/v1/reports/esf?year=2019", &fac())
        .await
        .json();
    assert_eq!(rows(&after), everyone);

    // The spreadsheet: French labels, numbers as numbers.
    let csv = app
        .get("/api/v1/reports/esf?year=2019&format=csv", &fac())
        .await;
    let mut reader = csv::Reader::from_reader(csv.body.as_slice());
    assert_eq!(
        reader.headers().unwrap().iter().collect::<Vec<_>>(),
        [
            "Année",
            "Indicateur",
            "Libellé",
            "Femmes",
            "Hommes",
            "Total"
        ]
    );
    let from_csv: Vec<(String, i64, i64, i64)> = reader
        .records()
        .map(|r| {
            let r = r.unwrap();
            let n = |i: usize| r[i].parse::<i64>().unwrap();
            (r[1].to_string(), n(3), n(4), n(5))
        })
        .collect();
    assert_eq!(from_csv, everyone);
    let xlsx = app
        .get("/api/v1/reports/esf?year=2019&format=xlsx", &fac())
        .await;
    assert_eq!(xlsx.status, 200);
    use calamine::{Data, Reader, Xlsx};
    let mut book: Xlsx<_> = Xlsx::new(std::io::Cursor::new(xlsx.body.clone())).unwrap();
    let sheet = book.worksheet_range("Indicateurs FSE").unwrap();
    let from_xlsx: Vec<(String, i64, i64, i64)> = sheet
        .rows()
        .skip(1)
        .map(|r| {
            let n = |i: usize| match &r[i] {
                Data::Float(f) => *f as i64,
                Data::Int(n) => *n,
                other => panic!("a number as a number: {other:?}"),
            };
            (r[1].to_string(), n(3), n(4), n(5))
        })
        .collect();
    assert_eq!(from_xlsx, everyone);
}
