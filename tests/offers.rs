//! Offers and proposals (issue 18): the jobs of the clause, the people
//! proposed on them, hires that become placements.

use crate::common::*;
use serde_json::{json, Value};
use uuid::Uuid;

use clauses::auth::Role;

struct World {
    app: TestApp,
    buyer: Uuid,
    holder: Uuid,
    other_company: Uuid,
    plie: Uuid,
    other_plie: Uuid,
    contract: Uuid,
}

async fn world() -> World {
    let app = spawn().await;
    let buyer = app.org("buyer", "Ville de Corbeil-Essonnes").await;
    let holder = app.org("company", "Bâtir Essonne").await;
    let other_company = app.org("company", "Autre BTP").await;
    let plie = app.org("plie", "PLIE Évry").await;
    let other_plie = app.org("plie", "PLIE Nord").await;
    let contract = id_of(
        &app.post(
            "/api/v1/contracts",
            &fac(),
            &json!({"buyer_id": buyer, "holder_id": holder, "reference": "R1", "title": "Réhabilitation des Tarterêts",
                    "clause_type": "execution_condition", "start_date": "2025-01-01", "end_date": "2027-12-31",
                    "commitment_hours": 1000}),
        )
        .await,
    );
    World {
        app,
        buyer,
        holder,
        other_company,
        plie,
        other_plie,
        contract,
    }
}

impl World {
    fn company(&self) -> String {
        token(Role::Company, Some(self.holder))
    }
    fn plie_token(&self) -> String {
        token(Role::Plie, Some(self.plie))
    }

    async fn offer(&self, extra: Value) -> Uuid {
        let mut body = json!({"contract_id": self.contract, "job_title": "Maçon VRD", "contract_type": "cddi",
                              "hours_per_week": 35, "start_date": "2026-01-05", "postal_code": "91100"});
        for (k, v) in extra.as_object().unwrap() {
            body[k] = v.clone();
        }
        id_of(
            &self
                .app
                .post("/api/v1/offers", &self.company(), &body)
                .await,
        )
    }

    /// A person the PLIE registers (so follows).
    async fn person(&self, name: &str) -> Uuid {
        id_of(
            &self
                .app
                .post(
                    "/api/v1/beneficiaries",
                    &self.plie_token(),
                    &json!({"last_name": name, "first_name": "Camille", "sex": "F", "birth_date": "1990-03-04",
                            "postal_code": "91100", "qpv_code": "QN09103M", "eligibility": ["rsa"]}),
                )
                .await,
        )
    }

    async fn propose(&self, offer: Uuid, person: Uuid) -> Res {
        self.app
            .post(
                &format!("/api/v1/offers/{offer}/proposals"),
                &self.plie_token(),
                &json!({"beneficiary_id": person, "note": "Motivée, CACES R482"}),
            )
            .await
    }

    async fn move_to(&self, proposal: Uuid, t: &str, status: &str) -> Res {
        self.app
            .patch(
                &format!("/api/v1/proposals/{proposal}"),
                t,
                &body_for(status),
                None,
            )
            .await
    }
}

fn body_for(status: &str) -> Value {
    match status {
        "hired" => json!({"status": "hired", "placement": {"modality": "direct_fixed_term",
                          "start_date": "2026-01-05", "end_date": "2026-06-30", "weekly_hours": 35}}),
        "declined" => json!({"status": "declined", "reason": "Poste pourvu en interne"}),
        s => json!({"status": s}),
    }
}

#[actix_web::test]
async fn the_whole_path_from_offer_to_validated_hours() {
    let w = world().await;
    let app = &w.app;
    let company = w.company();
    let res = app
        .post(
            "/api/v1/offers",
            &company,
            &json!({"contract_id": w.contract, "job_title": "Maçon VRD", "contract_type": "cddi",
                    "hours_per_week": 35, "start_date": "2026-01-05", "postal_code": "91100",
                    "description": "Chantier de rénovation, horaires de jour.", "qpv_priority": true,
                    "external_url": "https://emplois.inclusion.beta.gouv.fr/offre/1"}),
        )
        .await;
    let offer = id_of(&res);
    let o = res.json();
    assert_eq!(
        (
            &o["employer_id"],
            &o["positions"],
            &o["status"],
            &o["hired"]
        ),
        (&json!(w.holder), &json!(1), &json!("open"), &json!(0))
    );
    let person = w.person("Martin").await;
    let res = w.propose(offer, person).await;
    let proposal = id_of(&res);
    assert_eq!(res.json()["status"], "proposed");
    // The same person twice: 409.
    assert_eq!(
        w.propose(offer, person).await.problem(409)["errors"][0]["field"],
        "beneficiary_id"
    );
    // The employer reads the person's names only.
    let list = app
        .get(&format!("/api/v1/offers/{offer}/proposals"), &company)
        .await
        .json();
    let item = &list["items"][0];
    assert_eq!(
        item["person"],
        json!({"id": person, "first_name": "Camille", "last_name": "Martin"})
    );
    assert_eq!(
        w.move_to(proposal, &company, "interview").await.json()["status"],
        "interview"
    );
    let res = w.move_to(proposal, &company, "hired").await;
    assert_eq!(res.status, 200, "{}", String::from_utf8_lossy(&res.body));
    let hired = res.json();
    assert_eq!(hired["status"], "hired");
    let placement = hired["placement_id"].as_str().unwrap().to_string();
    let p = app
        .get(&format!("/api/v1/placements/{placement}"), &fac())
        .await
        .json();
    assert_eq!(
        (
            &p["beneficiary_id"],
            &p["contract_id"],
            &p["employer_id"],
            &p["job_title"],
            &p["start_date"]
        ),
        (
            &json!(person),
            &json!(w.contract),
            &json!(w.holder),
            &json!("Maçon VRD"),
            &json!("2026-01-05")
        )
    );
    let o = app
        .get(&format!("/api/v1/offers/{offer}"), &company)
        .await
        .json();
    assert_eq!((&o["status"], &o["hired"]), (&json!("filled"), &json!(1)));
    // The months of the placement, declared by the company, validated.
    let res = app
        .put(
            &format!("/api/v1/placements/{placement}/hours/2026-01"),
            &company,
            &json!({"worked_hours": 120}),
        )
        .await;
    assert_eq!(res.json()["status"], "declared");
    let res = app
        .post(
            &format!("/api/v1/placements/{placement}/hours/2026-01/validation"),
            &fac(),
            &json!({"decision": "validated"}),
        )
        .await;
    assert_eq!(res.json()["status"], "validated");
    // A filled offer takes no more proposals, and the public no longer sees it.
    let other = w.person("Durand").await;
    assert_eq!(
        w.propose(offer, other).await.problem(409)["errors"][0]["field"],
        "offer_id"
    );
    let public = app
        .send("GET", "/public/offers", None, &[], None)
        .await
        .json();
    assert_eq!(public["items"], json!([]));
    // Every read and change of the person by the company is in the trail.
    let trail = app
        .get(
            &format!("/api/v1/beneficiaries/{person}/access-log"),
            &fac(),
        )
        .await
        .json();
    let company_actions: Vec<&str> = trail["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["role"] == "company")
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(company_actions, ["read", "update", "update"]);
    // Offers and proposals are in the holder's change feed.
    let changes = app.changes_at_least(&company, 5).await;
    for entity in ["offer", "proposal"] {
        assert!(changes.iter().any(|c| c["entity"] == entity), "{entity}");
    }
    let other_feed = app
        .changes_at_least(&token(Role::Company, Some(w.other_company)), 0)
        .await;
    assert!(!other_feed.iter().any(|c| c["entity"] == "proposal"));
}

/// Every transition from every status, by every role.
#[actix_web::test]
async fn every_transition_by_every_role() {
    let w = world().await;
    let app = &w.app;
    let offer = w.offer(json!({"positions": 100})).await;
    let statuses = ["proposed", "interview", "hired", "declined", "withdrawn"];
    // A proposal in a given status, made by the PLIE.
    let mut n = 0;
    let mut fresh = |status: &'static str| {
        n += 1;
        let name = format!("Personne{n}");
        let w = &w;
        async move {
            let person = w.person(&name).await;
            let proposal = id_of(&w.propose(offer, person).await);
            let path: &[&str] = match status {
                "proposed" => &[],
                "interview" => &["interview"],
                "hired" => &["hired"],
                "declined" => &["declined"],
                _ => &["withdrawn"],
            };
            for step in path {
                let res = w.move_to(proposal, &fac(), step).await;
                assert_eq!(res.status, 200, "{}", String::from_utf8_lossy(&res.body));
            }
            proposal
        }
    };
    let roles: Vec<(&str, String)> = vec![
        ("facilitator", fac()),
        ("employer", w.company()),
        ("proposer", w.plie_token()),
        ("other plie", token(Role::Plie, Some(w.other_plie))),
        ("other company", token(Role::Company, Some(w.other_company))),
        ("buyer", token(Role::Buyer, Some(w.buyer))),
        ("state", token(Role::State, None)),
    ];
    let allowed = |from: &str, to: &str| {
        matches!(
            (from, to),
            ("proposed", "interview")
                | ("proposed" | "interview", "hired" | "declined" | "withdrawn")
        )
    };
    let may = |role: &str, to: &str| match to {
        "withdrawn" => matches!(role, "facilitator" | "proposer"),
        _ => matches!(role, "facilitator" | "employer"),
    };
    let mut moved = Vec::new();
    for from in statuses {
        for to in statuses {
            for (role, t) in &roles {
                let expected = match *role {
                    "other plie" | "other company" => 404,
                    "buyer" | "state" => 403,
                    r if !may(r, to) && to != "proposed" => 403,
                    "proposer" if to == "proposed" => 409,
                    _ if to == "proposed" => 409,
                    _ if allowed(from, to) => 200,
                    _ => 409,
                };
                let proposal = fresh(from).await;
                let res = w.move_to(proposal, t, to).await;
                assert_eq!(
                    res.status,
                    expected,
                    "{role}: {from} -> {to}: {}",
                    String::from_utf8_lossy(&res.body)
                );
                if expected != 200 {
                    res.problem(expected);
                    // Nothing was written.
                    let now = app
                        .get(&format!("/api/v1/proposals/{proposal}"), &fac())
                        .await
                        .json();
                    assert_eq!(now["status"], from, "{role}: {from} -> {to}");
                } else {
                    assert_eq!(res.json()["status"], to);
                    moved.push((from, to, *role));
                }
            }
        }
    }
    // API.md's seven transitions (proposed to interview, hired, declined
    // or withdrawn; interview to hired, declined or withdrawn), each by
    // exactly two roles: the facilitator, and the employer (or, to
    // withdraw, whoever proposed).
    assert_eq!(moved.len(), 14, "{moved:?}");
    assert!(moved
        .iter()
        .all(|(_, _, role)| *role == "facilitator" || *role == "employer" || *role == "proposer"));
    // Reads: who may, who may not.
    let proposal = fresh("proposed").await;
    for (role, t) in &roles {
        let res = app.get(&format!("/api/v1/proposals/{proposal}"), t).await;
        let expected = match *role {
            "other plie" | "other company" => 404,
            "buyer" | "state" => 403,
            _ => 200,
        };
        assert_eq!(res.status, expected, "{role}");
    }
    // A decline needs a reason; a hire a placement, by the placements' rules.
    let res = app
        .patch(
            &format!("/api/v1/proposals/{proposal}"),
            &w.company(),
            &json!({"status": "declined"}),
            None,
        )
        .await;
    assert_eq!(res.fields(), ["reason"]);
    let res = app
        .patch(
            &format!("/api/v1/proposals/{proposal}"),
            &w.company(),
            &json!({"status": "hired"}),
            None,
        )
        .await;
    assert_eq!(res.fields(), ["placement"]);
    let res = app
        .patch(
            &format!("/api/v1/proposals/{proposal}"),
            &w.company(),
            &json!({"status": "hired", "placement": {"modality": "direct_fixed_term", "start_date": "2030-01-01"}}),
            None,
        )
        .await;
    assert_eq!(res.fields(), ["placement.start_date"]);
    let o = app
        .get(&format!("/api/v1/offers/{offer}"), &fac())
        .await
        .json();
    let still = app
        .get(&format!("/api/v1/proposals/{proposal}"), &fac())
        .await
        .json();
    assert_eq!(still["status"], "proposed");
    assert_eq!(still["placement_id"], Value::Null);
    // Every hire counted, none from the refused one.
    let placements = app.get("/api/v1/placements?limit=500", &fac()).await.json();
    assert_eq!(
        o["hired"].as_u64().unwrap() as usize,
        placements["items"].as_array().unwrap().len()
    );
}

#[actix_web::test]
async fn the_public_list_leaks_nothing() {
    let w = world().await;
    let app = &w.app;
    let open = w
        .offer(json!({"description": "Chantier", "external_url": "https://example.org/o/1", "qpv_priority": true}))
        .await;
    let _in_77 = w
        .offer(json!({"postal_code": "77000", "contract_type": "cdi"}))
        .await;
    let closed = w.offer(json!({})).await;
    let res = app
        .patch(
            &format!("/api/v1/offers/{closed}"),
            &w.company(),
            &json!({"status": "closed"}),
            None,
        )
        .await;
    assert_eq!(res.json()["status"], "closed");
    let filled = w.offer(json!({})).await;
    let person = w.person("Martin").await;
    let proposal = id_of(&w.propose(filled, person).await);
    assert_eq!(w.move_to(proposal, &fac(), "hired").await.status, 200);
    let _ = w.propose(open, person).await;

    let res = app.send("GET", "/public/offers", None, &[], None).await;
    assert_eq!(res.status, 200);
    assert_eq!(
        res.header("cache-control").as_deref(),
        Some("public, max-age=60")
    );
    let etag = res.header("etag").unwrap();
    let body = res.json();
    let allowed = [
        "id",
        "job_title",
        "contract_type",
        "hours_per_week",
        "positions",
        "start_date",
        "end_date",
        "postal_code",
        "description",
        "qpv_priority",
        "external_url",
        "employer_name",
        "buyer_name",
        "contract_title",
    ];
    let items = body["items"].as_array().unwrap();
    assert_eq!(items.len(), 2);
    for item in items {
        let keys: Vec<&String> = item.as_object().unwrap().keys().collect();
        assert_eq!(keys.len(), allowed.len(), "{item}");
        for k in keys {
            assert!(allowed.contains(&k.as_str()), "{k} is not public");
        }
        assert!(item["id"] != json!(closed) && item["id"] != json!(filled));
        let text = item.to_string();
        assert!(!text.contains(&person.to_string()) && !text.contains("Martin"));
    }
    assert_eq!(items[0]["id"], json!(open));
    assert_eq!(
        (
            &items[0]["employer_name"],
            &items[0]["buyer_name"],
            &items[0]["contract_title"]
        ),
        (
            &json!("Bâtir Essonne"),
            &json!("Ville de Corbeil-Essonnes"),
            &json!("Réhabilitation des Tarterêts")
        )
    );
    // Filters, and a cached page.
    let essonne = app
        .send("GET", "/public/offers?postal_code=91", None, &[], None)
        .await
        .json();
    assert_eq!(essonne["items"].as_array().unwrap().len(), 1);
    let cdi = app
        .send("GET", "/public/offers?contract_type=cdi", None, &[], None)
        .await
        .json();
    assert_eq!(cdi["items"][0]["postal_code"], "77000");
    let res = app
        .send("GET", "/public/offers?postal_code=9a", None, &[], None)
        .await;
    assert_eq!(res.fields(), ["postal_code"]);
    let res = app
        .send(
            "GET",
            "/public/offers",
            None,
            &[("If-None-Match", etag.as_str())],
            None,
        )
        .await;
    assert_eq!(res.status, 304);
    let paged = app
        .send("GET", "/public/offers?limit=1", None, &[], None)
        .await
        .json();
    assert!(paged["next_cursor"].is_string());
}

#[actix_web::test]
async fn two_hires_race_for_the_last_position() {
    let w = world().await;
    let app = &w.app;
    let offer = w.offer(json!({"positions": 1})).await;
    let mut proposals = vec![];
    for name in ["Un", "Deux", "Trois", "Quatre"] {
        let person = w.person(name).await;
        proposals.push(id_of(&w.propose(offer, person).await));
    }
    let company = w.company();
    let tries = proposals.iter().map(|p| w.move_to(*p, &company, "hired"));
    let answers = futures_util::future::join_all(tries).await;
    let mut statuses: Vec<u16> = answers.iter().map(|r| r.status).collect();
    statuses.sort();
    assert_eq!(statuses, [200, 409, 409, 409]);
    let o = app
        .get(&format!("/api/v1/offers/{offer}"), &fac())
        .await
        .json();
    assert_eq!((&o["hired"], &o["status"]), (&json!(1), &json!("filled")));
    let placements = app.get("/api/v1/placements", &fac()).await.json();
    assert_eq!(placements["items"].as_array().unwrap().len(), 1);
}

#[actix_web::test]
async fn a_company_places_only_its_people_and_those_proposed_to_it() {
    let w = world().await;
    let app = &w.app;
    let company = w.company();
    let stranger = w.person("Inconnue").await;
    let place = |person: Uuid, start: &'static str| {
        let app = &w.app;
        let company = company.clone();
        let contract = w.contract;
        let holder = w.holder;
        async move {
            app.post(
                "/api/v1/placements",
                &company,
                &json!({"beneficiary_id": person, "contract_id": contract, "employer_id": holder,
                        "modality": "direct_fixed_term", "job_title": "Maçon", "start_date": start}),
            )
            .await
        }
    };
    // A stranger answers as an unknown id, whatever the dates.
    for start in ["2026-01-05", "1990-01-01", "2099-01-01"] {
        let res = place(stranger, start).await;
        let unknown = place(Uuid::now_v7(), start).await;
        assert_eq!(res.status, 422);
        let (a, b) = (res.json(), unknown.json());
        assert_eq!(a["errors"], b["errors"], "{start}");
        assert!(a["errors"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["field"] == "beneficiary_id"));
    }
    // Proposed on one of its offers, the person may be placed.
    let offer = w.offer(json!({})).await;
    w.propose(offer, stranger).await;
    assert_eq!(place(stranger, "2026-01-05").await.status, 201);
    // Proposed on another company's offer: still a stranger to this one.
    let elsewhere = w.person("Ailleurs").await;
    let other_offer = id_of(
        &app.post(
            "/api/v1/offers",
            &fac(),
            &json!({"contract_id": w.contract, "employer_id": w.other_company, "job_title": "Cariste",
                    "contract_type": "temporary", "hours_per_week": 35, "start_date": "2026-01-05",
                    "postal_code": "91100"}),
        )
        .await,
    );
    w.propose(other_offer, elsewhere).await;
    // Its employer (not the holder) changes its own offer.
    let res = app
        .patch(
            &format!("/api/v1/offers/{other_offer}"),
            &token(Role::Company, Some(w.other_company)),
            &json!({"positions": 2, "description": "Quais de chargement"}),
            None,
        )
        .await;
    assert_eq!(res.status, 200, "{}", String::from_utf8_lossy(&res.body));
    assert_eq!(res.json()["positions"], 2);
    let res = app
        .post(
            "/api/v1/placements",
            &token(Role::Company, Some(w.holder)),
            &json!({"beneficiary_id": elsewhere, "contract_id": w.contract, "employer_id": w.holder,
                    "modality": "direct_fixed_term", "job_title": "Maçon", "start_date": "2026-01-05"}),
        )
        .await;
    // The holder of the contract holds every offer on it: that person is
    // proposed on one of its offers too.
    assert_eq!(res.status, 201, "{}", String::from_utf8_lossy(&res.body));
}

#[actix_web::test]
async fn offers_are_checked_and_scoped() {
    let w = world().await;
    let app = &w.app;
    let company = w.company();
    let base = json!({"contract_id": w.contract, "job_title": "Maçon", "contract_type": "cddi",
                      "hours_per_week": 35, "start_date": "2026-01-05", "postal_code": "91100"});
    let with = |k: &str, v: Value| {
        let mut b = base.clone();
        b[k] = v;
        b
    };
    for (body, field) in [
        (with("hours_per_week", json!(0)), "hours_per_week"),
        (with("hours_per_week", json!(48.5)), "hours_per_week"),
        (with("positions", json!(0)), "positions"),
        (with("start_date", json!("2024-12-31")), "start_date"),
        (with("postal_code", json!("911")), "postal_code"),
        (with("description", json!("x".repeat(4001))), "description"),
        (
            with("external_url", json!("http://example.org")),
            "external_url",
        ),
        (with("contract_type", json!("interim")), "contract_type"),
        (with("employer_id", json!(w.buyer)), "employer_id"),
        (with("status", json!("filled")), "status"),
    ] {
        let res = app.post("/api/v1/offers", &company, &body).await;
        assert_eq!(res.fields(), [field], "{body}");
    }
    // Another company's contract: not one it may publish on.
    let res = app
        .post(
            "/api/v1/offers",
            &token(Role::Company, Some(w.other_company)),
            &base,
        )
        .await;
    assert_eq!(res.fields(), ["contract_id"]);
    for t in [token(Role::Buyer, Some(w.buyer)), w.plie_token()] {
        app.post("/api/v1/offers", &t, &base).await.problem(403);
    }
    let offer = w.offer(json!({})).await;
    // Read within the contracts a role sees; PLIEs and the facilitator all.
    for (t, n) in [
        (fac(), 1),
        (w.plie_token(), 1),
        (token(Role::Plie, Some(w.other_plie)), 1),
        (token(Role::Buyer, Some(w.buyer)), 1),
        (token(Role::State, None), 1),
        (company.clone(), 1),
        (token(Role::Company, Some(w.other_company)), 0),
    ] {
        let list = app.get("/api/v1/offers", &t).await.json();
        assert_eq!(list["items"].as_array().unwrap().len(), n);
    }
    app.get(
        &format!("/api/v1/offers/{offer}"),
        &token(Role::Company, Some(w.other_company)),
    )
    .await
    .problem(404);
    // A PLIE proposes only its own people; others read as unknown ids.
    let theirs = id_of(
        &app.post(
            "/api/v1/beneficiaries",
            &token(Role::Plie, Some(w.other_plie)),
            &json!({"last_name": "Autre", "first_name": "Léa", "sex": "F", "birth_date": "1995-01-01",
                    "postal_code": "91000", "eligibility": ["rsa"]}),
        )
        .await,
    );
    let res = w.propose(offer, theirs).await;
    assert_eq!(res.fields(), ["beneficiary_id"]);
    let res = app
        .post(
            &format!("/api/v1/offers/{offer}/proposals"),
            &company,
            &json!({"beneficiary_id": theirs}),
        )
        .await;
    res.problem(403);
    // Erasure withdraws the person's open proposals.
    let person = w.person("Effacée").await;
    let proposal = id_of(&w.propose(offer, person).await);
    let res = app
        .post(
            &format!("/api/v1/beneficiaries/{person}/erasure"),
            &fac(),
            &json!({}),
        )
        .await;
    assert!(res.status < 300, "{}", String::from_utf8_lossy(&res.body));
    let p = app
        .get(&format!("/api/v1/proposals/{proposal}"), &fac())
        .await
        .json();
    assert_eq!(
        (&p["status"], &p["person"]["last_name"], &p["note"]),
        (&json!("withdrawn"), &Value::Null, &Value::Null)
    );
}
