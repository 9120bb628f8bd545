//! Two territories on one deployment (API.md, "Territories"): each
//! territory's facilitator inside its own, the platform's team over both,
//! the Département and the State reading their sum.

use crate::common::*;
use serde_json::{json, Value};
use uuid::Uuid;

use clauses::auth::Role;

struct Two {
    app: TestApp,
    t1: Uuid,
    t2: Uuid,
    /// Each territory's facilitator, and their tokens.
    fac1: Uuid,
    fac2: Uuid,
    f1: String,
    f2: String,
    department: Uuid,
    plie: Uuid,
    company: Uuid,
    buyer1: Uuid,
    buyer2: Uuid,
    c1: Uuid,
    c2: Uuid,
    p1: Uuid,
    p2: Uuid,
    pl1: Uuid,
    pl2: Uuid,
    op1: Uuid,
    op2: Uuid,
    o2: Uuid,
}

fn uuid(v: &Value) -> Uuid {
    Uuid::parse_str(v.as_str().unwrap()).unwrap()
}

fn contract_body(buyer: Uuid, holder: Uuid, reference: &str) -> Value {
    json!({"buyer_id": buyer, "holder_id": holder, "reference": reference,
           "title": "Construction d'un groupe scolaire", "clause_type": "execution_condition",
           "start_date": "2019-01-01", "end_date": "2020-12-31", "commitment_hours": 500})
}

fn person_body(name: &str, referent: Uuid) -> Value {
    json!({"last_name": name, "first_name": "Camille", "sex": "F", "birth_date": "1990-04-02",
           "postal_code": "91100", "eligibility": ["rsa"], "referent_id": referent})
}

fn placement_body(person: Uuid, contract: Uuid, employer: Uuid) -> Value {
    json!({"beneficiary_id": person, "contract_id": contract, "employer_id": employer,
           "modality": "direct_fixed_term", "job_title": "Maçon", "start_date": "2019-02-01"})
}

/// T1 is the territory the migration made, with the first facilitator;
/// its rows are made before T2 exists, as on a deployment of one. T2 and
/// its facilitator come next, and its rows are made by that facilitator.
/// One PLIE follows a person in each; one company holds a contract in each.
async fn two() -> Two {
    let app = spawn().await;
    let department = app
        .org("department", "Conseil départemental de l'Essonne")
        .await;
    let plie = app.org("plie", "PLIE Évry Villabé").await;
    let company = app.org("company", "Bâtisseurs d'Essonne").await;
    let buyer1 = app.org("buyer", "Ville de Corbeil-Essonnes").await;
    let buyer2 = app.org("buyer", "Grand Paris Sud").await;
    let fac1 = app.org("facilitator", "MIVE").await;
    let territories = app.get("/api/v1/territories", &fac()).await.json();
    let items = territories["items"].as_array().unwrap();
    assert_eq!(items.len(), 1, "{territories}");
    let t1 = uuid(&items[0]["id"]);
    let org1 = app
        .get(&format!("/api/v1/organisations/{fac1}"), &fac())
        .await
        .json();
    assert_eq!(org1["territory_id"], json!(t1));
    let res = app
        .patch(
            &format!("/api/v1/territories/{t1}"),
            &fac(),
            &json!({"name": "Cœur d'Essonne", "department_id": department}),
            None,
        )
        .await;
    assert_eq!(res.status, 200, "{}", String::from_utf8_lossy(&res.body));
    let f1 = token(Role::Facilitator, Some(fac1));
    // A deployment of one territory: its facilitator and the platform's
    // team both see what either made.
    let c1 = app.contract(buyer1, company, "C1").await;
    let p1 = app.person(Some(plie), "Un", "F", "1990-01-01").await;
    let pl1 = app.placement(p1, c1, company, "2019-01-01", None).await;
    assert_eq!(app.hours(pl1, "2019-02", "100").await.status, 201);
    assert_eq!(
        app.get(&format!("/api/v1/contracts/{c1}"), &f1)
            .await
            .status,
        200
    );
    let op1 = id_of(
        &app.post(
            "/api/v1/operations",
            &f1,
            &json!({"name": "Centre-ville", "programme": "other", "start_date": "2019-01-01"}),
        )
        .await,
    );

    let (t2, fac2) = app
        .territory_with_facilitator(&json!({"name": "Grand Paris Sud", "department_id": department, "postal_codes": ["91080", "91130"]}), "Maison de l'emploi GPS")
        .await;
    let f2 = token(Role::Facilitator, Some(fac2));
    let c2 = id_of(
        &app.post(
            "/api/v1/contracts",
            &f2,
            &contract_body(buyer2, company, "C2"),
        )
        .await,
    );
    let p2 = id_of(
        &app.post("/api/v1/beneficiaries", &f2, &person_body("Deux", plie))
            .await,
    );
    let pl2 = id_of(
        &app.post("/api/v1/placements", &f2, &placement_body(p2, c2, company))
            .await,
    );
    let res = app
        .put(
            &format!("/api/v1/placements/{pl2}/hours/2019-03"),
            &f2,
            &json!({"worked_hours": 60}),
        )
        .await;
    assert_eq!(res.status, 201, "{}", String::from_utf8_lossy(&res.body));
    // Two facilitators may each name an operation "Centre-ville".
    let op2 = id_of(
        &app.post(
            "/api/v1/operations",
            &f2,
            &json!({"name": "Centre-ville", "programme": "other", "start_date": "2019-01-01"}),
        )
        .await,
    );
    let o2 = id_of(
        &app.post(
            "/api/v1/offers",
            &f2,
            &json!({"contract_id": c2, "job_title": "Maçon VRD", "contract_type": "cddi",
                    "hours_per_week": 35, "start_date": "2020-03-02", "postal_code": "91080"}),
        )
        .await,
    );
    Two {
        app,
        t1,
        t2,
        fac1,
        fac2,
        f1,
        f2,
        department,
        plie,
        company,
        buyer1,
        buyer2,
        c1,
        c2,
        p1,
        p2,
        pl1,
        pl2,
        op1,
        op2,
        o2,
    }
}

/// The ids of a list's items.
async fn ids(app: &TestApp, path: &str, token: &str) -> Vec<Uuid> {
    let res = app.get(path, token).await;
    assert_eq!(
        res.status,
        200,
        "{path}: {}",
        String::from_utf8_lossy(&res.body)
    );
    res.json()["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| uuid(&i["id"]))
        .collect()
}

#[actix_web::test]
async fn rows_land_in_their_territory_and_stay_there() {
    let w = two().await;
    let app = &w.app;
    let read = |path: String| async move { app.get(&path, &fac()).await.json() };
    assert_eq!(
        read(format!("/api/v1/contracts/{}", w.c1)).await["territory_id"],
        json!(w.t1)
    );
    assert_eq!(
        read(format!("/api/v1/contracts/{}", w.c2)).await["territory_id"],
        json!(w.t2)
    );
    assert_eq!(
        read(format!("/api/v1/beneficiaries/{}", w.p2)).await["territory_id"],
        json!(w.t2)
    );
    assert_eq!(
        read(format!("/api/v1/operations/{}", w.op2)).await["territory_id"],
        json!(w.t2)
    );
    // An offer takes its contract's.
    assert_eq!(
        read(format!("/api/v1/offers/{}", w.o2)).await["territory_id"],
        json!(w.t2)
    );

    // With two territories, whoever has none names it.
    let res = app
        .post(
            "/api/v1/contracts",
            &fac(),
            &contract_body(w.buyer1, w.company, "C3"),
        )
        .await;
    assert_eq!(res.problem(422)["errors"][0]["field"], "territory_id");
    let buyer = token(Role::Buyer, Some(w.buyer1));
    let mut body = contract_body(w.buyer1, w.company, "C3");
    let res = app.post("/api/v1/contracts", &buyer, &body).await;
    assert_eq!(res.problem(422)["errors"][0]["field"], "territory_id");
    body["territory_id"] = json!(Uuid::nil());
    let res = app.post("/api/v1/contracts", &buyer, &body).await;
    assert_eq!(res.problem(422)["errors"][0]["field"], "territory_id");
    body["territory_id"] = json!(w.t2);
    let c3 = id_of(&app.post("/api/v1/contracts", &buyer, &body).await);
    assert_eq!(
        read(format!("/api/v1/contracts/{c3}")).await["territory_id"],
        json!(w.t2)
    );
    let plie = token(Role::Plie, Some(w.plie));
    let res = app
        .post(
            "/api/v1/beneficiaries",
            &plie,
            &person_body("Trois", w.plie),
        )
        .await;
    assert_eq!(res.problem(422)["errors"][0]["field"], "territory_id");
    // A territory's facilitator names no other territory.
    let mut body = contract_body(w.buyer1, w.company, "C4");
    body["territory_id"] = json!(w.t2);
    let res = app.post("/api/v1/contracts", &w.f1, &body).await;
    assert_eq!(res.problem(422)["errors"][0]["field"], "territory_id");
    // Fixed once set: a patch does not take it.
    let res = app
        .patch(
            &format!("/api/v1/contracts/{}", w.c1),
            &fac(),
            &json!({"territory_id": w.t2}),
            None,
        )
        .await;
    assert_eq!(res.status, 422, "{}", String::from_utf8_lossy(&res.body));
    // A person of one territory is not placed on another's contract, not
    // even by the platform's team.
    for t in [fac(), w.f1.clone()] {
        let res = app
            .post(
                "/api/v1/placements",
                &t,
                &placement_body(w.p2, w.c1, w.company),
            )
            .await;
        assert_eq!(res.problem(422)["errors"][0]["field"], "beneficiary_id");
    }
    // Territories are the platform team's to create and change.
    for t in [w.f1.clone(), token(Role::Department, Some(w.department))] {
        let res = app
            .post("/api/v1/territories", &t, &json!({"name": "Val d'Essonne"}))
            .await;
        res.problem(403);
    }
    let res = app
        .post(
            "/api/v1/territories",
            &fac(),
            &json!({"name": "grand paris sud"}),
        )
        .await;
    res.problem(409);
    let res = app
        .post(
            "/api/v1/territories",
            &fac(),
            &json!({"name": "X", "department_id": w.plie}),
        )
        .await;
    assert_eq!(res.problem(422)["errors"][0]["field"], "department_id");
    // Every role reads them.
    let listed = ids(
        app,
        "/api/v1/territories",
        &token(Role::Company, Some(w.company)),
    )
    .await;
    assert_eq!(listed, [w.t1, w.t2]);
}

#[actix_web::test]
async fn a_territorys_facilitator_reaches_nothing_of_the_other() {
    let w = two().await;
    let app = &w.app;
    let mine_and_theirs = [
        (
            &w.f1,
            [w.c1, w.p1, w.pl1, w.op1],
            [w.c2, w.p2, w.pl2, w.op2],
        ),
        (
            &w.f2,
            [w.c2, w.p2, w.pl2, w.op2],
            [w.c1, w.p1, w.pl1, w.op1],
        ),
    ];
    for (t, mine, theirs) in mine_and_theirs {
        let paths = |[c, p, pl, op]: [Uuid; 4]| {
            vec![
                format!("/api/v1/contracts/{c}"),
                format!("/api/v1/contracts/{c}/fulfilment"),
                format!("/api/v1/contracts/{c}/amendments"),
                format!("/api/v1/beneficiaries/{p}"),
                format!("/api/v1/beneficiaries/{p}/access-log"),
                format!("/api/v1/beneficiaries/{p}/export"),
                format!("/api/v1/placements/{pl}"),
                format!("/api/v1/placements/{pl}/hours"),
                format!("/api/v1/operations/{op}"),
                format!("/api/v1/operations/{op}/fulfilment"),
            ]
        };
        for path in paths(mine) {
            let res = app.get(&path, t).await;
            assert_eq!(
                res.status,
                200,
                "{path}: {}",
                String::from_utf8_lossy(&res.body)
            );
        }
        for path in paths(theirs) {
            app.get(&path, t).await.problem(404);
        }
        // Writes: 404, and nothing changed.
        let [c, p, pl, op] = theirs;
        for (path, body) in [
            (format!("/api/v1/contracts/{c}"), json!({"title": "Pris"})),
            (
                format!("/api/v1/beneficiaries/{p}"),
                json!({"first_name": "Pris"}),
            ),
            (format!("/api/v1/operations/{op}"), json!({"name": "Pris"})),
        ] {
            app.patch(&path, t, &body, None).await.problem(404);
        }
        app.put(
            &format!("/api/v1/placements/{pl}/hours/2019-04"),
            t,
            &json!({"worked_hours": 10}),
        )
        .await
        .problem(404);
        app.post(&format!("/api/v1/beneficiaries/{p}/erasure"), t, &json!({}))
            .await
            .problem(404);
        // Lists hold their own only.
        for (path, own) in [
            ("/api/v1/contracts", mine[0]),
            ("/api/v1/beneficiaries", mine[1]),
            ("/api/v1/placements", mine[2]),
            ("/api/v1/operations", mine[3]),
        ] {
            assert_eq!(ids(app, path, t).await, [own], "{path}");
        }
        let months = app.get("/api/v1/hours", t).await.json();
        let placements: Vec<Uuid> = months["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| uuid(&m["placement_id"]))
            .collect();
        assert_eq!(placements, [mine[2]], "{months}");
        // The months owed: both placements owe months by 2021, each
        // territory's facilitator sees its own placement's only.
        let owed = app
            .get("/api/v1/hours/missing?as_of=2021-01-01&limit=200", t)
            .await;
        assert_eq!(owed.status, 200, "{}", String::from_utf8_lossy(&owed.body));
        let owed = owed.json();
        let mut placements: Vec<Uuid> = owed["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| uuid(&m["placement_id"]))
            .collect();
        placements.dedup();
        assert_eq!(placements, [mine[2]], "{owed}");
        let feed = app.changes_at_least(t, 1).await;
        let theirs: Vec<Uuid> = theirs.to_vec();
        for change in &feed {
            assert!(!theirs.contains(&uuid(&change["id"])), "{change}");
        }
        let contracts = app.get("/api/v1/stats/contracts?year=2019", t).await.json();
        let rows: Vec<Uuid> = contracts["rows"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| uuid(&r["contract_id"]))
            .collect();
        assert_eq!(rows, [mine[0]], "{contracts}");
    }
    // Offers and proposals: the other territory's offer is not found.
    app.get(&format!("/api/v1/offers/{}", w.o2), &w.f1)
        .await
        .problem(404);
    assert_eq!(ids(app, "/api/v1/offers", &w.f1).await, Vec::<Uuid>::new());
    assert_eq!(ids(app, "/api/v1/offers", &w.f2).await, [w.o2]);
    // The other territory's person is unknown to a proposal.
    let res = app
        .post(
            &format!("/api/v1/offers/{}/proposals", w.o2),
            &w.f1,
            &json!({"beneficiary_id": w.p1}),
        )
        .await;
    res.problem(404);
    let res = app
        .post(
            &format!("/api/v1/offers/{}/proposals", w.o2),
            &fac(),
            &json!({"beneficiary_id": w.p1}),
        )
        .await;
    assert_eq!(res.problem(422)["errors"][0]["field"], "beneficiary_id");
    let res = app
        .post(
            &format!("/api/v1/offers/{}/proposals", w.o2),
            &fac(),
            &json!({"beneficiary_id": w.p2}),
        )
        .await;
    assert_eq!(res.status, 201, "{}", String::from_utf8_lossy(&res.body));
    // The PLIE and the company keep their scope across territories.
    let plie = token(Role::Plie, Some(w.plie));
    let mut people = ids(app, "/api/v1/beneficiaries", &plie).await;
    people.sort();
    let mut both = vec![w.p1, w.p2];
    both.sort();
    assert_eq!(people, both);
    let company = token(Role::Company, Some(w.company));
    assert_eq!(ids(app, "/api/v1/contracts", &company).await, [w.c1, w.c2]);
    // The buyer of one territory's contract reads it, and no other.
    assert_eq!(
        ids(
            app,
            "/api/v1/contracts",
            &token(Role::Buyer, Some(w.buyer2))
        )
        .await,
        [w.c2]
    );
}

#[actix_web::test]
async fn figures_of_the_territories_add_up_for_the_departement_and_the_state() {
    let w = two().await;
    let app = &w.app;
    let hours = |t: String, filter: String| async move {
        let res = app
            .get(&format!("/api/v1/stats/key-figures?year=2019{filter}"), &t)
            .await;
        assert_eq!(res.status, 200, "{}", String::from_utf8_lossy(&res.body));
        res.json()["hours"].clone()
    };
    assert_eq!(hours(w.f1.clone(), String::new()).await, json!(100));
    assert_eq!(hours(w.f2.clone(), String::new()).await, json!(60));
    // A territory's facilitator filtering on the other reads nothing.
    assert_eq!(
        hours(w.f1.clone(), format!("&territory_id={}", w.t2)).await,
        json!(0)
    );
    assert_eq!(hours(fac(), String::new()).await, json!(160));
    assert_eq!(
        hours(fac(), format!("&territory_id={}", w.t2)).await,
        json!(60)
    );
    let department = token(Role::Department, Some(w.department));
    assert_eq!(hours(department.clone(), String::new()).await, json!(160));
    assert_eq!(
        hours(department, format!("&territory_id={}", w.t1)).await,
        json!(100)
    );
    let state = app.org("state", "DDETS de l'Essonne").await;
    assert_eq!(
        hours(token(Role::State, Some(state)), String::new()).await,
        json!(160)
    );
    // Another Département oversees neither.
    let other = app
        .org("department", "Conseil départemental de Seine-et-Marne")
        .await;
    assert_eq!(
        hours(token(Role::Department, Some(other)), String::new()).await,
        json!(0)
    );
    // The exact counts: one person in each.
    let kf = |t: String| async move {
        app.get("/api/v1/stats/key-figures?year=2019", &t)
            .await
            .json()
    };
    assert_eq!(kf(w.f1.clone()).await["participants"], json!(1));
    assert_eq!(kf(w.f2.clone()).await["participants"], json!(1));
    assert_eq!(kf(fac()).await["participants"], json!(2));
    // By territory: a row each.
    let res = app
        .get("/api/v1/stats/breakdown?year=2019&by=territory", &fac())
        .await;
    assert_eq!(res.status, 200, "{}", String::from_utf8_lossy(&res.body));
    let b = res.json();
    let mut rows: Vec<(String, Value)> = b["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["key"].as_str().unwrap().to_string(), r["hours"].clone()))
        .collect();
    rows.sort_by(|a, b| a.0.cmp(&b.0));
    let mut expected = vec![
        (w.t1.to_string(), json!(100)),
        (w.t2.to_string(), json!(60)),
    ];
    expected.sort_by(|a, b| a.0.cmp(&b.0));
    assert_eq!(rows, expected, "{b}");
}

/// `s` reads the rollups, and they give its key figures of 2018 to 2021
/// as the rows do; its figures of 2019.
fn rollups_agree(
    conn: &mut diesel::PgConnection,
    s: &clauses::models::stats::Selection,
    label: &str,
) -> clauses::models::stats::KeyFigureCounts {
    use clauses::models::stats::{key_figures_live, key_figures_rollup};
    assert!(s.reads_rollups(), "{label}");
    for year in [2018, 2020, 2021, 2019] {
        let fast = key_figures_rollup(conn, s, year).unwrap();
        let live = key_figures_live(conn, s, year).unwrap();
        assert_eq!(fast, live, "{label}: {year}");
        if year == 2019 {
            return fast;
        }
    }
    unreachable!("2019 is the last year tried")
}

/// One territory's figures come from the rollups (its people's
/// `person_years` rows, its contracts' hours): the same as from the rows,
/// for the territory asked for and for a territory's facilitator.
#[actix_web::test]
async fn a_territorys_rollups_agree_with_its_rows() {
    use clauses::access::ContractScope;
    use clauses::models::stats::{breakdown, key_figures_live, Selection};
    let w = two().await;
    let app = &w.app;
    // A second person in T1, placed into 2020, with hours in both years.
    let p3 = id_of(
        &app.post(
            "/api/v1/beneficiaries",
            &w.f1,
            &person_body("Trois", w.plie),
        )
        .await,
    );
    let mut body = placement_body(p3, w.c1, w.company);
    body["start_date"] = json!("2019-03-05");
    body["end_date"] = json!("2020-03-31");
    let pl3 = id_of(&app.post("/api/v1/placements", &w.f1, &body).await);
    for (month, worked) in [("2019-04", "12.5"), ("2020-02", "33.75")] {
        assert_eq!(app.hours(pl3, month, worked).await.status, 201);
    }
    let mut conn = app.db.conn();
    let selections = [
        ("T1 asked", ContractScope::All, Some(w.t1)),
        ("T2 asked", ContractScope::All, Some(w.t2)),
        ("T1's facilitator", ContractScope::Territory(w.fac1), None),
        ("T2's facilitator", ContractScope::Territory(w.fac2), None),
        (
            "T2's facilitator asking T1",
            ContractScope::Territory(w.fac2),
            Some(w.t1),
        ),
        (
            "T1's facilitator asking T1",
            ContractScope::Territory(w.fac1),
            Some(w.t1),
        ),
    ];
    let mut hours = Vec::new();
    for (label, scope, territory_id) in selections {
        let s = Selection {
            scope,
            territory_id,
            ..Selection::everything()
        };
        hours.push(rollups_agree(&mut conn, &s, label).hours.to_string());
        // A person's attribute from person_years, against the same key
        // read through the placements (as a referent filter would).
        let by_sex = breakdown(
            &mut conn,
            &s,
            2019,
            clauses::domain::breakdown::BreakdownKey::Sex,
        )
        .unwrap();
        let by_month = breakdown(
            &mut conn,
            &s,
            2019,
            clauses::domain::breakdown::BreakdownKey::Month,
        )
        .unwrap();
        assert_eq!(by_sex.participants, by_month.participants, "{label}");
    }
    assert_eq!(hours, ["112.50", "60.00", "112.50", "60.00", "0", "112.50"]);

    // A Département that oversees T1 only (T2 passes to another) and buys
    // a contract in T2: T1's people, and those of its purchase alone. Its
    // person there also works on T2's contract C2, which it does not see.
    let d2 = app.org("department", "Conseil départemental voisin").await;
    let res = app
        .patch(
            &format!("/api/v1/territories/{}", w.t2),
            &fac(),
            &json!({"department_id": d2}),
            None,
        )
        .await;
    assert_eq!(res.status, 200, "{}", String::from_utf8_lossy(&res.body));
    let c3 = id_of(
        &app.post(
            "/api/v1/contracts",
            &w.f2,
            &contract_body(w.department, w.company, "C3"),
        )
        .await,
    );
    let p4 = id_of(
        &app.post(
            "/api/v1/beneficiaries",
            &w.f2,
            &person_body("Quatre", w.plie),
        )
        .await,
    );
    let on_c3 = app
        .placement(p4, c3, w.company, "2019-06-03", Some("2019-12-20"))
        .await;
    let on_c2 = app.placement(p4, w.c2, w.company, "2019-02-04", None).await;
    for (pl, month, worked) in [(on_c3, "2019-07", "20"), (on_c2, "2019-03", "7")] {
        assert_eq!(app.hours(pl, month, worked).await.status, 201);
    }
    let nobody = app
        .org("department", "Conseil départemental lointain")
        .await;
    let departments = [
        (
            "the Département",
            ContractScope::Department(w.department),
            None,
            "132.50",
        ),
        (
            "the Département asking T2",
            ContractScope::Department(w.department),
            Some(w.t2),
            "20.00",
        ),
        (
            "T2's Département",
            ContractScope::Department(d2),
            None,
            "87.00",
        ),
        (
            "a Département of nothing",
            ContractScope::Department(nobody),
            None,
            "0",
        ),
    ];
    for (label, scope, territory_id, expected) in departments {
        let s = Selection {
            scope,
            territory_id,
            ..Selection::everything()
        };
        let fast = rollups_agree(&mut conn, &s, label);
        assert_eq!(fast.hours.to_string(), expected, "{label}");
        // Each person once by sex, with their starts and hours, as the
        // key figures count them from the rows.
        let live = key_figures_live(&mut conn, &s, 2019).unwrap();
        let by_sex = breakdown(
            &mut conn,
            &s,
            2019,
            clauses::domain::breakdown::BreakdownKey::Sex,
        )
        .unwrap();
        let of = |code: &str| {
            by_sex
                .rows
                .iter()
                .find(|r| r.key.as_deref() == Some(code))
                .map_or(0, |r| r.participants)
        };
        assert_eq!(
            (by_sex.participants, of("F"), of("M")),
            (live.participants, live.women, live.men),
            "{label}"
        );
        let starts: i64 = by_sex.rows.iter().map(|r| r.employment_contracts).sum();
        let hours: rust_decimal::Decimal = by_sex.rows.iter().map(|r| r.hours).sum();
        assert_eq!(
            (starts, hours),
            (live.employment_contracts, live.hours),
            "{label}"
        );
    }

    // What the rollups rest on holds in the database itself: a contract's
    // or a person's territory never moves, and no placement joins two.
    use diesel::RunQueryDsl;
    for (sql, says) in [
        (
            format!(
                "UPDATE contracts SET territory_id = '{}' WHERE id = '{}'",
                w.t2, w.c1
            ),
            "fixed once set",
        ),
        (
            format!(
                "UPDATE beneficiaries SET territory_id = '{}' WHERE id = '{}'",
                w.t2, w.p1
            ),
            "fixed once set",
        ),
        (
            format!(
                "UPDATE placements SET beneficiary_id = '{}' WHERE id = '{pl3}'",
                w.p2
            ),
            "placements_person_territory",
        ),
    ] {
        let err = diesel::sql_query(&sql).execute(&mut conn).unwrap_err();
        assert!(err.to_string().contains(says), "{sql}: {err}");
    }
}

#[actix_web::test]
async fn each_territory_and_the_whole_are_published_on_their_own() {
    let w = two().await;
    let app = &w.app;
    let public = |query: String| async move {
        app.send(
            "GET",
            &format!("/public/key-figures/2019.json{query}"),
            None,
            &[],
            None,
        )
        .await
    };
    // A territory's facilitator publishes its own territory's year.
    let res = app
        .post("/api/v1/stats/publications", &w.f1, &json!({"year": 2019}))
        .await;
    assert_eq!(res.status, 201, "{}", String::from_utf8_lossy(&res.body));
    let body = res.json();
    assert_eq!(body["territory_id"], json!(w.t1));
    assert_eq!(
        body["json_url"],
        format!("/public/key-figures/2019.json?territory_id={}", w.t1)
    );
    let res = app
        .post(
            "/api/v1/stats/publications",
            &w.f1,
            &json!({"year": 2019, "territory_id": w.t2}),
        )
        .await;
    assert_eq!(res.problem(422)["errors"][0]["field"], "territory_id");
    let one = public(format!("?territory_id={}", w.t1)).await;
    assert_eq!(one.status, 200, "{}", String::from_utf8_lossy(&one.body));
    assert_eq!(one.json()["hours"], json!(100));
    public(format!("?territory_id={}", w.t2)).await.problem(404);
    public(String::new()).await.problem(404);
    public("?territory_id=nonsense".into()).await.problem(422);
    // The platform's team publishes the whole deployment.
    let res = app
        .post("/api/v1/stats/publications", &fac(), &json!({"year": 2019}))
        .await;
    assert_eq!(res.status, 201, "{}", String::from_utf8_lossy(&res.body));
    assert_eq!(res.json()["territory_id"], Value::Null);
    assert_eq!(public(String::new()).await.json()["hours"], json!(160));
    // A masked reader of one territory's figures reads its publication.
    let state = app.org("state", "Préfecture de l'Essonne").await;
    let kf = app
        .get(
            &format!("/api/v1/stats/key-figures?year=2019&territory_id={}", w.t1),
            &token(Role::State, Some(state)),
        )
        .await
        .json();
    assert_eq!(kf["source"], "publication", "{kf}");
    assert_eq!(kf["hours"], json!(100));
}
