//! Every role against every endpoint, on objects inside and outside its
//! scope: the status, and that no personal field leaks where API.md says
//! none.

use crate::common::*;
use serde_json::json;
use uuid::Uuid;

use clauses::auth::Role;

struct World {
    app: TestApp,
    plie1: Uuid,
    plie2: Uuid,
    company_a: Uuid,
    company_b: Uuid,
    etti: Uuid,
    buyer1: Uuid,
    buyer2: Uuid,
    department: Uuid,
    /// The first territory's facilitator, and the second's.
    fac1: Uuid,
    fac2: Uuid,
    /// The first territory.
    t1: Uuid,
    c1: Uuid,
    c2: Uuid,
    c3: Uuid,
    c4: Uuid,
    p1: Uuid,
    p2: Uuid,
    p3: Uuid,
    pl1: Uuid,
    pl2: Uuid,
    pl3: Uuid,
    pl4: Uuid,
}

const P1_NAME: &str = "Benali";
const P1_BIRTH: &str = "1998-03-09";
const P2_NAME: &str = "Ferreira";
const P3_NAME: &str = "Haddad";

/// c1: buyer1, held by A, placement pl1 of p1 employed by the ETTI.
/// c2: buyer2, held by B, placement pl2 of p2 employed by B.
/// c3: the Département's, held by B, placement pl3 of p1 employed by B.
/// Those are the first territory's, the one the migration made, whose
/// facilitator is fac1. The territory axis: a second territory, with its
/// own facilitator fac2, who makes c4 (buyer2, held by B) and p3 (followed
/// by PLIE 2), placed on it as pl4, employed by B.
async fn world() -> World {
    let app = spawn().await;
    let plie1 = app.org("plie", "PLIE EVE").await;
    let plie2 = app.org("plie", "PLIE Nord Essonne").await;
    let company_a = app.org("company", "Company A").await;
    let company_b = app.org("company", "Company B").await;
    let etti = app.org("company", "ETTI").await;
    let buyer1 = app.org("buyer", "Buyer 1").await;
    let buyer2 = app.org("buyer", "Buyer 2").await;
    let department = app.org("department", "Département").await;
    let c1 = app.contract(buyer1, company_a, "C1").await;
    let c2 = app.contract(buyer2, company_b, "C2").await;
    let c3 = app.contract(department, company_b, "C3").await;
    let p1 = app.person(Some(plie1), P1_NAME, "M", P1_BIRTH).await;
    let p2 = app.person(Some(plie2), P2_NAME, "F", "1985-07-21").await;
    let pl1 = app.placement(p1, c1, etti, "2019-01-01", None).await;
    let pl2 = app.placement(p2, c2, company_b, "2019-01-01", None).await;
    let pl3 = app.placement(p1, c3, company_b, "2019-06-01", None).await;
    assert_eq!(app.hours(pl1, "2019-02", "100").await.status, 201);
    assert_eq!(app.hours(pl2, "2019-02", "80").await.status, 201);

    let fac1 = app.org("facilitator", "MIVE").await;
    let t1 = Uuid::parse_str(
        app.get(&format!("/api/v1/organisations/{fac1}"), &fac())
            .await
            .json()["territory_id"]
            .as_str()
            .unwrap(),
    )
    .unwrap();
    let (_t2, fac2) = app
        .territory_with_facilitator(
            &json!({"name": "Grand Paris Sud"}),
            "Maison de l'emploi GPS",
        )
        .await;
    let f2 = token(Role::Facilitator, Some(fac2));
    let c4 = id_of(
        &app.post(
            "/api/v1/contracts",
            &f2,
            &json!({"buyer_id": buyer2, "holder_id": company_b, "reference": "C4",
                    "title": "Voirie", "clause_type": "execution_condition",
                    "start_date": "2019-01-01", "end_date": "2020-12-31", "commitment_hours": 400}),
        )
        .await,
    );
    let p3 = id_of(
        &app.post(
            "/api/v1/beneficiaries",
            &f2,
            &json!({"last_name": P3_NAME, "first_name": "Inès", "sex": "F", "birth_date": "1992-11-30",
                    "postal_code": "91000", "eligibility": ["rsa"], "referent_id": plie2}),
        )
        .await,
    );
    let pl4 = app.placement(p3, c4, company_b, "2019-01-01", None).await;
    assert_eq!(app.hours(pl4, "2019-02", "60").await.status, 201);
    World {
        app,
        plie1,
        plie2,
        company_a,
        company_b,
        etti,
        buyer1,
        buyer2,
        department,
        fac1,
        fac2,
        t1,
        c1,
        c2,
        c3,
        c4,
        p1,
        p2,
        p3,
        pl1,
        pl2,
        pl3,
        pl4,
    }
}

fn ids(res: &Res) -> Vec<Uuid> {
    assert_eq!(res.status, 200, "{}", String::from_utf8_lossy(&res.body));
    let mut v: Vec<Uuid> = res.json()["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| Uuid::parse_str(o["id"].as_str().unwrap()).unwrap())
        .collect();
    v.sort();
    v
}

fn sorted(mut v: Vec<Uuid>) -> Vec<Uuid> {
    v.sort();
    v
}

/// No person's name, birth date or eligibility in this body.
fn no_personal_data(res: &Res) {
    let text = String::from_utf8_lossy(&res.body);
    for needle in [
        P1_NAME,
        P2_NAME,
        P3_NAME,
        P1_BIRTH,
        "rsa",
        "beneficiary_id",
        "birth_date",
        "eligibility",
    ] {
        assert!(!text.contains(needle), "{needle} leaked: {text}");
    }
}

#[actix_web::test]
async fn contracts_by_role() {
    let w = world().await;
    let app = &w.app;
    let all = sorted(vec![w.c1, w.c2, w.c3, w.c4]);
    let cases: Vec<(Role, Option<Uuid>, Vec<Uuid>)> = vec![
        (Role::Facilitator, None, all.clone()),
        (
            Role::Facilitator,
            Some(w.fac1),
            sorted(vec![w.c1, w.c2, w.c3]),
        ),
        (Role::Facilitator, Some(w.fac2), vec![w.c4]),
        (Role::Plie, Some(w.plie1), all.clone()),
        (Role::State, None, all.clone()),
        // Neither territory names a Département: it reads both.
        (Role::Department, Some(w.department), all.clone()),
        (Role::Company, Some(w.company_a), vec![w.c1]),
        (
            Role::Company,
            Some(w.company_b),
            sorted(vec![w.c2, w.c3, w.c4]),
        ),
        (Role::Company, Some(w.etti), vec![]),
        (Role::Buyer, Some(w.buyer1), vec![w.c1]),
        (Role::Buyer, Some(w.buyer2), sorted(vec![w.c2, w.c4])),
    ];
    for (role, org, visible) in cases {
        let t = token(role, org);
        assert_eq!(
            ids(&app.get("/api/v1/contracts", &t).await),
            visible,
            "{role} {org:?}"
        );
        for c in &all {
            let expect = if visible.contains(c) { 200 } else { 404 };
            let res = app.get(&format!("/api/v1/contracts/{c}"), &t).await;
            assert_eq!(res.status, expect, "{role} GET contract");
            let res = app
                .get(&format!("/api/v1/contracts/{c}/fulfilment"), &t)
                .await;
            assert_eq!(res.status, expect, "{role} GET fulfilment");
        }
    }

    // Each territory's facilitator writes its own territory's contracts
    // only: the other's are unknown to it.
    for (org, mine, theirs) in [(w.fac1, w.c1, w.c4), (w.fac2, w.c4, w.c1)] {
        let t = token(Role::Facilitator, Some(org));
        let path = |c: Uuid| format!("/api/v1/contracts/{c}");
        app.patch(&path(theirs), &t, &json!({"title": "X"}), None)
            .await
            .problem(404);
        assert_eq!(
            app.patch(&path(mine), &t, &json!({"title": "Ours"}), None)
                .await
                .status,
            200
        );
    }

    // Writing: the facilitator anything, a buyer or the Département its own.
    let new = |buyer: Uuid, reference: &str| {
        json!({"buyer_id": buyer, "holder_id": w.company_a, "reference": reference, "title": "T",
               "clause_type": "award_criterion", "start_date": "2020-01-01", "end_date": "2020-12-31",
               "commitment_hours": 300, "territory_id": w.t1})
    };
    for (role, org) in [
        (Role::Plie, Some(w.plie1)),
        (Role::Company, Some(w.company_a)),
        (Role::State, None),
    ] {
        let t = token(role, org);
        app.post("/api/v1/contracts", &t, &new(w.buyer1, "X"))
            .await
            .problem(403);
        app.patch(
            &format!("/api/v1/contracts/{}", w.c1),
            &t,
            &json!({"title": "X"}),
            None,
        )
        .await
        .problem(403);
    }
    let b1 = token(Role::Buyer, Some(w.buyer1));
    assert_eq!(
        app.post("/api/v1/contracts", &b1, &new(w.buyer1, "B1-NEW"))
            .await
            .status,
        201
    );
    app.post("/api/v1/contracts", &b1, &new(w.buyer2, "B1-OTHER"))
        .await
        .problem(403);
    // Without buyer_id, a buyer's contract is its own.
    let mut body = new(w.buyer1, "B1-DEFAULT");
    body.as_object_mut().unwrap().remove("buyer_id");
    let res = app.post("/api/v1/contracts", &b1, &body).await;
    assert_eq!(res.json()["buyer_id"], w.buyer1.to_string());
    assert_eq!(
        app.patch(
            &format!("/api/v1/contracts/{}", w.c1),
            &b1,
            &json!({"title": "Renamed"}),
            None
        )
        .await
        .status,
        200
    );
    app.patch(
        &format!("/api/v1/contracts/{}", w.c2),
        &b1,
        &json!({"title": "X"}),
        None,
    )
    .await
    .problem(404);
    let dep = token(Role::Department, Some(w.department));
    assert_eq!(
        app.post("/api/v1/contracts", &dep, &new(w.department, "D-NEW"))
            .await
            .status,
        201
    );
    // The Département reads every contract but changes only its own.
    app.patch(
        &format!("/api/v1/contracts/{}", w.c1),
        &dep,
        &json!({"title": "X"}),
        None,
    )
    .await
    .problem(403);
    assert_eq!(
        app.patch(
            &format!("/api/v1/contracts/{}", w.c3),
            &dep,
            &json!({"title": "Mine"}),
            None
        )
        .await
        .status,
        200
    );
    assert_eq!(
        app.get(&format!("/api/v1/contracts/{}", w.c2), &fac())
            .await
            .json()["title"],
        "Réhabilitation de 120 logements"
    );
    // A buyer's contract lands in the territory named; with two, it must
    // name one.
    let b2 = token(Role::Buyer, Some(w.buyer2));
    let mut unplaced = new(w.buyer2, "B2-NONE");
    unplaced.as_object_mut().unwrap().remove("territory_id");
    assert_eq!(
        app.post("/api/v1/contracts", &b2, &unplaced).await.fields(),
        ["territory_id"]
    );
}

#[actix_web::test]
async fn beneficiaries_by_role() {
    let w = world().await;
    let app = &w.app;
    let cases: Vec<(Role, Option<Uuid>, Vec<Uuid>, bool)> = vec![
        (
            Role::Facilitator,
            None,
            sorted(vec![w.p1, w.p2, w.p3]),
            true,
        ),
        (
            Role::Facilitator,
            Some(w.fac1),
            sorted(vec![w.p1, w.p2]),
            true,
        ),
        (Role::Facilitator, Some(w.fac2), vec![w.p3], true),
        (Role::Plie, Some(w.plie1), vec![w.p1], true),
        (Role::Plie, Some(w.plie2), sorted(vec![w.p2, w.p3]), true),
        // Employers see the names of their employees only; a holder that employs nobody sees nobody.
        (Role::Company, Some(w.etti), vec![w.p1], false),
        (
            Role::Company,
            Some(w.company_b),
            sorted(vec![w.p1, w.p2, w.p3]),
            false,
        ),
        (Role::Company, Some(w.company_a), vec![], false),
    ];
    for (role, org, visible, full) in cases {
        let t = token(role, org);
        let res = app.get("/api/v1/beneficiaries", &t).await;
        assert_eq!(ids(&res), visible, "{role} {org:?}");
        for item in res.json()["items"].as_array().unwrap() {
            let keys: Vec<&String> = item.as_object().unwrap().keys().collect();
            if full {
                assert!(item["birth_date"].is_string());
            } else {
                assert_eq!(
                    keys,
                    ["first_name", "id", "last_name"],
                    "{role} sees only names"
                );
            }
        }
        for p in [w.p1, w.p2, w.p3] {
            let res = app.get(&format!("/api/v1/beneficiaries/{p}"), &t).await;
            if visible.contains(&p) {
                assert_eq!(res.status, 200);
                assert_eq!(res.json().get("birth_date").is_some(), full, "{role}");
                assert_eq!(res.json().get("eligibility").is_some(), full, "{role}");
            } else {
                res.problem(404);
            }
        }
    }
    // Funders and buyers never read persons.
    for (role, org) in [
        (Role::Buyer, Some(w.buyer1)),
        (Role::Department, Some(w.department)),
        (Role::State, None),
    ] {
        let t = token(role, org);
        no_personal_data(&app.get("/api/v1/beneficiaries", &t).await.tap(403));
        no_personal_data(
            &app.get(&format!("/api/v1/beneficiaries/{}", w.p1), &t)
                .await
                .tap(403),
        );
    }
    // Writing: the facilitator, and a PLIE for the people it follows.
    let person = json!({"last_name": "Nouveau", "first_name": "N", "sex": "F", "birth_date": "2000-01-01",
                        "postal_code": "91000", "eligibility": ["young_under_26"], "territory_id": w.t1});
    for (role, org) in [
        (Role::Company, Some(w.etti)),
        (Role::Buyer, Some(w.buyer1)),
        (Role::Department, Some(w.department)),
        (Role::State, None),
    ] {
        let t = token(role, org);
        app.post("/api/v1/beneficiaries", &t, &person)
            .await
            .problem(403);
        app.patch(
            &format!("/api/v1/beneficiaries/{}", w.p1),
            &t,
            &json!({"first_name": "X"}),
            None,
        )
        .await
        .problem(403);
    }
    let plie1 = token(Role::Plie, Some(w.plie1));
    let res = app.post("/api/v1/beneficiaries", &plie1, &person).await;
    assert_eq!(res.json()["referent_id"], w.plie1.to_string());
    let mut other = person.clone();
    other["referent_id"] = json!(w.plie2);
    app.post("/api/v1/beneficiaries", &plie1, &other)
        .await
        .problem(403);
    assert_eq!(
        app.patch(
            &format!("/api/v1/beneficiaries/{}", w.p1),
            &plie1,
            &json!({"postal_code": "91080"}),
            None
        )
        .await
        .status,
        200
    );
    app.patch(
        &format!("/api/v1/beneficiaries/{}", w.p2),
        &plie1,
        &json!({"postal_code": "91080"}),
        None,
    )
    .await
    .problem(404);
}

trait Tap {
    fn tap(self, status: u16) -> Self;
}

impl Tap for Res {
    fn tap(self, status: u16) -> Self {
        self.problem(status);
        self
    }
}

#[actix_web::test]
async fn placements_and_hours_by_role() {
    let w = world().await;
    let app = &w.app;
    let all = sorted(vec![w.pl1, w.pl2, w.pl3, w.pl4]);
    let cases: Vec<(Role, Option<Uuid>, Vec<Uuid>, bool)> = vec![
        (Role::Facilitator, None, all.clone(), false),
        (
            Role::Facilitator,
            Some(w.fac1),
            sorted(vec![w.pl1, w.pl2, w.pl3]),
            false,
        ),
        (Role::Facilitator, Some(w.fac2), vec![w.pl4], false),
        (Role::Plie, Some(w.plie1), sorted(vec![w.pl1, w.pl3]), false),
        (Role::Plie, Some(w.plie2), sorted(vec![w.pl2, w.pl4]), false),
        (Role::Company, Some(w.company_a), vec![w.pl1], false),
        (Role::Company, Some(w.etti), vec![w.pl1], false),
        (
            Role::Company,
            Some(w.company_b),
            sorted(vec![w.pl2, w.pl3, w.pl4]),
            false,
        ),
        (Role::Buyer, Some(w.buyer1), vec![w.pl1], true),
        (
            Role::Buyer,
            Some(w.buyer2),
            sorted(vec![w.pl2, w.pl4]),
            true,
        ),
        // The Département reads the placements of its own contracts only.
        (Role::Department, Some(w.department), vec![w.pl3], true),
    ];
    for (role, org, visible, buyer_view) in cases {
        let t = token(role, org);
        let res = app.get("/api/v1/placements", &t).await;
        assert_eq!(ids(&res), visible, "{role} {org:?}");
        if buyer_view {
            no_personal_data(&res);
        }
        for pl in &all {
            let res = app.get(&format!("/api/v1/placements/{pl}"), &t).await;
            if visible.contains(pl) {
                assert_eq!(res.status, 200);
                if buyer_view {
                    no_personal_data(&res);
                } else {
                    assert!(res.json()["beneficiary_id"].is_string());
                }
            } else {
                res.problem(404);
            }
            // Monthly hours: never for buyers and the Département (totals only).
            let res = app.get(&format!("/api/v1/placements/{pl}/hours"), &t).await;
            let month = app
                .get(&format!("/api/v1/placements/{pl}/hours/2019-02"), &t)
                .await;
            if buyer_view {
                res.problem(403);
                month.problem(403);
            } else if visible.contains(pl) {
                assert_eq!(res.status, 200);
                assert_eq!(month.status, if *pl == w.pl3 { 404 } else { 200 });
            } else {
                res.problem(404);
                month.problem(404);
            }
        }
    }
    let state = token(Role::State, None);
    app.get("/api/v1/placements", &state).await.problem(403);
    app.get(&format!("/api/v1/placements/{}", w.pl1), &state)
        .await
        .problem(403);
    app.get(&format!("/api/v1/placements/{}/hours", w.pl1), &state)
        .await
        .problem(403);

    // Creating: the holder on its contracts, the facilitator anywhere.
    let new = |contract: Uuid, employer: Uuid| {
        json!({"beneficiary_id": w.p2, "contract_id": contract, "employer_id": employer,
               "modality": "temporary_work", "job_title": "Manœuvre", "start_date": "2019-09-02"})
    };
    let a = token(Role::Company, Some(w.company_a));
    // p2 is a stranger to A (employed by B): A cannot place her.
    assert_eq!(
        app.post("/api/v1/placements", &a, &new(w.c1, w.etti))
            .await
            .fields(),
        ["beneficiary_id"]
    );
    // Once A employs her, it may.
    let mut hired = new(w.c1, w.company_a);
    hired["start_date"] = json!("2019-09-01");
    assert_eq!(
        app.post("/api/v1/placements", &fac(), &hired).await.status,
        201
    );
    assert_eq!(
        app.post("/api/v1/placements", &a, &new(w.c1, w.etti))
            .await
            .status,
        201
    );
    assert_eq!(
        app.post("/api/v1/placements", &a, &new(w.c2, w.company_a))
            .await
            .fields(),
        ["contract_id"]
    );
    let etti = token(Role::Company, Some(w.etti));
    assert_eq!(
        app.post("/api/v1/placements", &etti, &new(w.c1, w.etti))
            .await
            .fields(),
        ["contract_id"]
    );
    for (role, org) in [
        (Role::Plie, Some(w.plie1)),
        (Role::Buyer, Some(w.buyer1)),
        (Role::Department, Some(w.department)),
        (Role::State, None),
    ] {
        let t = token(role, org);
        app.post("/api/v1/placements", &t, &new(w.c1, w.etti))
            .await
            .problem(403);
        app.patch(
            &format!("/api/v1/placements/{}", w.pl1),
            &t,
            &json!({"job_title": "X"}),
            None,
        )
        .await
        .problem(403);
    }
    // Changing: where employer or holder.
    assert_eq!(
        app.patch(
            &format!("/api/v1/placements/{}", w.pl1),
            &etti,
            &json!({"job_title": "Coffreur"}),
            None
        )
        .await
        .status,
        200
    );
    assert_eq!(
        app.patch(
            &format!("/api/v1/placements/{}", w.pl1),
            &a,
            &json!({"job_title": "Coffreur bancheur"}),
            None
        )
        .await
        .status,
        200
    );
    let b = token(Role::Company, Some(w.company_b));
    app.patch(
        &format!("/api/v1/placements/{}", w.pl1),
        &b,
        &json!({"job_title": "X"}),
        None,
    )
    .await
    .problem(404);

    // Declaring hours: employer or holder (declared), the facilitator (validated).
    let month = |pl: Uuid| format!("/api/v1/placements/{pl}/hours/2019-03");
    let res = app
        .put(&month(w.pl1), &etti, &json!({"worked_hours": 10}))
        .await;
    assert_eq!(res.json()["status"], "declared");
    assert_eq!(
        app.put(&month(w.pl1), &a, &json!({"worked_hours": 11}))
            .await
            .status,
        200
    );
    app.put(&month(w.pl1), &b, &json!({"worked_hours": 12}))
        .await
        .problem(404);
    for (role, org) in [
        (Role::Plie, Some(w.plie1)),
        (Role::Buyer, Some(w.buyer1)),
        (Role::Department, Some(w.department)),
        (Role::State, None),
    ] {
        let t = token(role, org);
        app.put(&month(w.pl1), &t, &json!({"worked_hours": 1}))
            .await
            .problem(403);
        app.post(
            &format!("{}/validation", month(w.pl1)),
            &t,
            &json!({"decision": "validated"}),
        )
        .await
        .problem(403);
    }
    // Only the facilitator decides.
    app.post(
        &format!("{}/validation", month(w.pl1)),
        &a,
        &json!({"decision": "validated"}),
    )
    .await
    .problem(403);
    let res = app
        .post(
            &format!("{}/validation", month(w.pl1)),
            &fac(),
            &json!({"decision": "validated"}),
        )
        .await;
    assert_eq!(res.json()["status"], "validated");
    assert_eq!(res.json()["worked_hours"], json!(11));
    // The buyer sees the totals of its contract, not the months.
    let res = app
        .get(
            &format!("/api/v1/contracts/{}/fulfilment", w.c1),
            &token(Role::Buyer, Some(w.buyer1)),
        )
        .await;
    assert_eq!(res.json()["validated_hours"], json!(111));
    no_personal_data(&res);
}

#[actix_web::test]
async fn unknown_ids_are_404_for_everyone() {
    let w = world().await;
    let app = &w.app;
    let ghost = Uuid::new_v4();
    let t = fac();
    for path in [
        format!("/api/v1/contracts/{ghost}"),
        format!("/api/v1/contracts/{ghost}/fulfilment"),
        format!("/api/v1/beneficiaries/{ghost}"),
        format!("/api/v1/placements/{ghost}"),
        format!("/api/v1/placements/{ghost}/hours"),
        format!("/api/v1/placements/{ghost}/hours/2019-01"),
        format!("/api/v1/placements/{}/hours/2018-01", w.pl1),
    ] {
        app.get(&path, &t).await.problem(404);
    }
    app.put(
        &format!("/api/v1/placements/{ghost}/hours/2019-01"),
        &t,
        &json!({"worked_hours": 1}),
    )
    .await
    .problem(404);
}

#[actix_web::test]
async fn referent_id_filters_figures_for_the_facilitator_and_that_plie_only() {
    let w = world().await;
    let app = &w.app;
    let r = w.plie1;
    let figures = [
        format!("/api/v1/stats/key-figures?year=2019&referent_id={r}"),
        format!("/api/v1/stats/breakdown?year=2019&by=modality&referent_id={r}"),
        format!("/api/v1/stats/contracts?year=2019&referent_id={r}"),
        format!("/api/v1/stats/outcomes?year=2019&referent_id={r}"),
        format!("/api/v1/reports/annual?year=2019&referent_id={r}"),
    ];
    for path in &figures {
        for t in [fac(), token(Role::Plie, Some(w.plie1))] {
            let res = app.get(path, &t).await;
            assert_eq!(
                res.status,
                200,
                "{path}: {}",
                String::from_utf8_lossy(&res.body)
            );
        }
        for (who, t) in [
            ("another plie", token(Role::Plie, Some(w.plie2))),
            ("a buyer", token(Role::Buyer, Some(w.buyer1))),
            (
                "the department",
                token(Role::Department, Some(w.department)),
            ),
            ("the state", token(Role::State, None)),
            ("a company", token(Role::Company, Some(w.company_a))),
        ] {
            let res = app.get(path, &t).await;
            let problem = res.problem(403);
            // A company may not read outcomes at all; every other refusal
            // names the parameter.
            if !(who == "a company" && path.contains("outcomes")) {
                assert_eq!(problem["errors"][0]["field"], "referent_id", "{who} {path}");
            }
        }
    }
    // Without the filter, each reads its own scope as before.
    for t in [token(Role::Buyer, Some(w.buyer1)), token(Role::State, None)] {
        let res = app.get("/api/v1/stats/key-figures?year=2019", &t).await;
        assert_eq!(res.status, 200);
    }
}
