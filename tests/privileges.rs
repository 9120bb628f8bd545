//! Write paths and names reserved to some callers: steps only the
//! facilitator takes, a company that would learn of a stranger or hand a
//! person's name to another company, an import that would do more than its
//! caller may through the endpoints, dates and months that cannot hold
//! hours, organisations that stay what they are.

use crate::common::*;
use serde_json::{json, Value};
use uuid::Uuid;

use clauses::auth::Role;

/// An answer without its request id, to compare two answers.
fn without_instance(res: &Res) -> (u16, Value) {
    let mut body = res.json();
    body.as_object_mut().unwrap().remove("instance");
    (res.status, body)
}

#[actix_web::test]
async fn a_company_cannot_place_a_stranger_to_learn_of_her() {
    let o = one_person().await;
    let app = &o.app;
    let holder = token(Role::Company, Some(o.holder));
    // The holder sees the agency's placement, and so her id.
    let seen = app
        .get(&format!("/api/v1/placements/{}", o.placement), &holder)
        .await
        .json();
    assert_eq!(seen["beneficiary_id"], o.stranger.to_string());
    let ask = |person: Uuid, start: &str| {
        json!({"beneficiary_id": person, "contract_id": o.contract, "employer_id": o.holder,
               "modality": "direct_fixed_term", "job_title": "Maçon", "start_date": start})
    };
    // Whatever the start date (the age rule would tell her birth date),
    // the answer is the one for an id that does not exist.
    for start in ["2019-01-02", "2006-03-14", "2020-06-30", "2019-13-01"] {
        let stranger = app
            .post("/api/v1/placements", &holder, &ask(o.stranger, start))
            .await;
        let nobody = app
            .post("/api/v1/placements", &holder, &ask(Uuid::new_v4(), start))
            .await;
        assert_eq!(stranger.status, 422);
        assert_eq!(
            without_instance(&stranger),
            without_instance(&nobody),
            "{start}"
        );
    }
    // Nothing was written, and her trail shows no read of hers.
    let placements = app.get("/api/v1/placements", &holder).await.json();
    assert_eq!(placements["items"].as_array().unwrap().len(), 1);
    app.get(&format!("/api/v1/beneficiaries/{}", o.stranger), &holder)
        .await
        .problem(404);
    // The agency that employs her may place her again.
    let agency = token(Role::Company, Some(o.agency));
    let c2 = app.contract(o.buyer, o.agency, "K-2").await;
    let mut again = ask(o.stranger, "2019-09-02");
    again["contract_id"] = json!(c2);
    again["employer_id"] = json!(o.agency);
    assert_eq!(
        app.post("/api/v1/placements", &agency, &again).await.status,
        201
    );
}

#[actix_web::test]
async fn steps_of_the_facilitator_are_refused_to_others_naming_the_field() {
    let o = one_person().await;
    let app = &o.app;
    let buyer = token(Role::Buyer, Some(o.buyer));
    let holder = token(Role::Company, Some(o.holder));
    let contract = format!("/api/v1/contracts/{}", o.contract);
    let before = app.get(&contract, &fac()).await.json();

    let other = app.org("company", "Another company").await;
    for (body, field) in [
        (json!({"holder_id": other}), "holder_id"),
        (
            json!({"commitment_source": "confirmed"}),
            "commitment_source",
        ),
        (
            json!({"commitment_source": "confirmed", "title": "Changed"}),
            "commitment_source",
        ),
    ] {
        let res = app.patch(&contract, &buyer, &body, None).await;
        let problem = res.problem(403);
        assert_eq!(problem["errors"][0]["field"], field, "{problem}");
    }
    assert_eq!(app.get(&contract, &fac()).await.json(), before);
    // The buyer still edits what is its own; the facilitator may do all.
    let res = app
        .patch(
            &contract,
            &buyer,
            &json!({"title": "Réhabilitation, lot 2"}),
            None,
        )
        .await;
    assert_eq!(res.status, 200);
    let res = app
        .patch(&contract, &fac(), &json!({"holder_id": other}), None)
        .await;
    assert_eq!(res.json()["holder_id"], other.to_string());

    // A holder moving a placement to another employer.
    let placement = format!("/api/v1/placements/{}", o.placement);
    app.patch(&contract, &fac(), &json!({"holder_id": o.holder}), None)
        .await;
    let res = app
        .patch(&placement, &holder, &json!({"employer_id": o.holder}), None)
        .await;
    assert_eq!(res.problem(403)["errors"][0]["field"], "employer_id");
    let agency = token(Role::Company, Some(o.agency));
    let res = app
        .patch(&placement, &agency, &json!({"employer_id": other}), None)
        .await;
    assert_eq!(res.problem(403)["errors"][0]["field"], "employer_id");
    assert_eq!(
        app.get(&placement, &fac()).await.json()["employer_id"],
        o.agency.to_string()
    );
    // The same employer again is no change.
    let res = app
        .patch(
            &placement,
            &agency,
            &json!({"employer_id": o.agency, "job_title": "Coffreur"}),
            None,
        )
        .await;
    assert_eq!(res.status, 200);

    // A PLIE's own `other_validated`.
    let plie_org = app.org("plie", "PLIE").await;
    let plie = token(Role::Plie, Some(plie_org));
    let person = json!({"last_name": "Martin", "first_name": "Yanis", "sex": "M",
        "birth_date": "1997-04-12", "postal_code": "91100",
        "eligibility": ["other_validated"], "eligibility_reason": "self-declared"});
    let res = app.post("/api/v1/beneficiaries", &plie, &person).await;
    assert_eq!(res.problem(403)["errors"][0]["field"], "eligibility");
    let mut ok = person.clone();
    ok["eligibility"] = json!(["rsa"]);
    ok.as_object_mut().unwrap().remove("eligibility_reason");
    let id = id_of(&app.post("/api/v1/beneficiaries", &plie, &ok).await);
    let url = format!("/api/v1/beneficiaries/{id}");
    let res = app
        .patch(
            &url,
            &plie,
            &json!({"eligibility": ["rsa", "other_validated"], "eligibility_reason": "mine"}),
            None,
        )
        .await;
    assert_eq!(res.problem(403)["errors"][0]["field"], "eligibility");
    assert_eq!(
        app.get(&url, &fac()).await.json()["eligibility"],
        json!(["rsa"])
    );
    // Validated by the facilitator, it stays through the PLIE's other edits.
    let res = app
        .patch(
            &url,
            &fac(),
            &json!({"eligibility": ["rsa", "other_validated"], "eligibility_reason": "illettrisme"}),
            None,
        )
        .await;
    assert_eq!(res.status, 200);
    let res = app
        .patch(&url, &plie, &json!({"postal_code": "91000"}), None)
        .await;
    assert_eq!(res.status, 200, "{}", String::from_utf8_lossy(&res.body));
    let res = app
        .patch(&url, &plie, &json!({"eligibility_reason": "autre"}), None)
        .await;
    assert_eq!(res.problem(403)["errors"][0]["field"], "eligibility");
}

#[actix_web::test]
async fn moved_dates_keep_every_recorded_month_within_the_cap() {
    let o = one_person().await;
    let app = &o.app;
    let url = format!("/api/v1/placements/{}", o.placement);
    // 120 validated hours in March: from 30 March it would be two days.
    let res = app
        .patch(&url, &fac(), &json!({"start_date": "2019-03-30"}), None)
        .await;
    assert_eq!(res.fields(), ["start_date"]);
    let res = app
        .patch(&url, &fac(), &json!({"end_date": "2019-03-05"}), None)
        .await;
    assert_eq!(res.fields(), ["end_date"]);
    // 120 h fit in the 20 days from 12 March (137.14 h).
    let res = app
        .patch(&url, &fac(), &json!({"start_date": "2019-03-12"}), None)
        .await;
    assert_eq!(res.status, 200);
    // From 15 March, 17 days: at most 116.57 h.
    let res = app
        .patch(&url, &fac(), &json!({"start_date": "2019-03-15"}), None)
        .await;
    assert_eq!(res.fields(), ["start_date"]);
    assert_eq!(
        app.get(&url, &fac()).await.json()["start_date"],
        "2019-03-12"
    );
}

fn decp_doc(records: Value) -> Value {
    json!({"marches": {"marche": records}})
}

fn decp_record(id: &str, buyer: &str, holder: &str, months: u32, title: &str) -> Value {
    json!({"id": id, "acheteur": {"id": buyer}, "nature": "Marché", "objet": title,
           "codeCPV": "90910000", "considerationsSociales": {"considerationSociale": ["Clause sociale"]},
           "titulaires": [{"titulaire": {"id": holder, "typeIdentifiant": "SIRET"}}],
           "dureeMois": months, "dateNotification": "2024-09-01", "montant": 420000})
}

#[actix_web::test]
async fn a_buyers_import_never_moves_its_contract_to_another_holder() {
    let app = spawn().await;
    const TOWN: &str = "21910174000013";
    const HOLDER: &str = "82456785265831";
    const RIVAL: &str = "73282932000074";
    let town = id_of(
        &app.post(
            "/api/v1/organisations",
            &fac(),
            &json!({"kind": "buyer", "name": "Ville de Corbeil-Essonnes", "siret": TOWN}),
        )
        .await,
    );
    let rival = id_of(
        &app.post(
            "/api/v1/organisations",
            &fac(),
            &json!({"kind": "company", "name": "Concurrent", "siret": RIVAL}),
        )
        .await,
    );
    let buyer = token(Role::Buyer, Some(town));
    let import = |t: String, doc: Value| {
        let app = &app;
        async move {
            let res = app.post("/api/v1/imports/decp", &t, &doc).await;
            assert_eq!(res.status, 200, "{}", String::from_utf8_lossy(&res.body));
            res.json()
        }
    };
    // The buyer's own new contract: its holder is registered on the way.
    let r = import(
        buyer.clone(),
        decp_doc(json!([decp_record("CE-1", TOWN, HOLDER, 36, "Nettoyage")])),
    )
    .await;
    assert_eq!(r["created"], 1, "{r}");
    let contracts = app.get("/api/v1/contracts", &buyer).await.json();
    let contract = contracts["items"][0].clone();
    let k = contract["id"].as_str().unwrap().to_string();
    let holder: Uuid = serde_json::from_value(contract["holder_id"].clone()).unwrap();
    let person = app.person(None, "Martin", "M", "1990-01-01").await;
    let k_id = Uuid::parse_str(&k).unwrap();
    let placement = app
        .placement(person, k_id, holder, "2024-09-02", None)
        .await;
    assert_eq!(app.hours(placement, "2024-10", "120").await.status, 201);

    // PATCH refuses the buyer a new holder; the import does too.
    let res = app
        .patch(
            &format!("/api/v1/contracts/{k}"),
            &buyer,
            &json!({"holder_id": rival}),
            None,
        )
        .await;
    assert_eq!(res.problem(403)["errors"][0]["field"], "holder_id");
    let r = import(
        buyer.clone(),
        decp_doc(json!([decp_record(
            "CE-1",
            TOWN,
            RIVAL,
            36,
            "Nettoyage des écoles"
        )])),
    )
    .await;
    assert_eq!(r["updated"], 1, "{r}");
    let now = app
        .get(&format!("/api/v1/contracts/{k}"), &fac())
        .await
        .json();
    assert_eq!(now["holder_id"], json!(holder));
    assert_eq!(now["title"], "Nettoyage des écoles");
    let rival_token = token(Role::Company, Some(rival));
    app.get(&format!("/api/v1/contracts/{k}"), &rival_token)
        .await
        .problem(404);
    let seen = app
        .get(&format!("/api/v1/placements?contract_id={k}"), &rival_token)
        .await
        .json();
    assert_eq!(seen["items"], json!([]));
    // Nor does it shorten the contract under its placement: the record is
    // refused, the contract stays.
    let r = import(
        buyer.clone(),
        decp_doc(json!([decp_record("CE-1", TOWN, HOLDER, 1, "Nettoyage")])),
    )
    .await;
    assert_eq!(r["updated"], 0, "{r}");
    assert!(
        r["errors"][0]["problem"]
            .as_str()
            .unwrap()
            .starts_with("1 of this contract's recorded months"),
        "{r}"
    );
    let now = app
        .get(&format!("/api/v1/contracts/{k}"), &fac())
        .await
        .json();
    assert_eq!(now["end_date"], "2027-08-31");
    // A buyer registers no buyer: a record of an unknown one is refused.
    let r = import(
        buyer.clone(),
        decp_doc(json!([decp_record(
            "X-1",
            "21910001922678",
            HOLDER,
            12,
            "Autre"
        )])),
    )
    .await;
    assert_eq!(
        (r["created"].clone(), r["errors"].as_array().unwrap().len()),
        (json!(0), 1)
    );
    // The facilitator may move it (PATCH would let it too).
    let r = import(
        fac(),
        decp_doc(json!([decp_record("CE-1", TOWN, RIVAL, 36, "Nettoyage")])),
    )
    .await;
    assert_eq!(r["updated"], 1, "{r}");
    let now = app
        .get(&format!("/api/v1/contracts/{k}"), &fac())
        .await
        .json();
    assert_eq!(now["holder_id"], json!(rival));
}

#[actix_web::test]
async fn only_the_facilitator_and_the_holder_hand_an_offer_to_an_employer() {
    let o = one_person().await;
    let app = &o.app;
    let stranger_company = app.org("company", "Sans lien").await;
    let offer = id_of(
        &app.post(
            "/api/v1/offers",
            &fac(),
            &json!({"contract_id": o.contract, "employer_id": o.agency, "job_title": "Manoeuvre",
                    "contract_type": "temporary", "hours_per_week": 35, "start_date": "2019-03-04",
                    "postal_code": "91100"}),
        )
        .await,
    );
    let path = format!("/api/v1/offers/{offer}");
    let agency = token(Role::Company, Some(o.agency));
    let res = app
        .patch(
            &path,
            &agency,
            &json!({"employer_id": stranger_company}),
            None,
        )
        .await;
    assert_eq!(res.problem(403)["errors"][0]["field"], "employer_id");
    // Its own offer's other fields stay its to change.
    let res = app
        .patch(&path, &agency, &json!({"job_title": "Manoeuvre BTP"}), None)
        .await;
    assert_eq!(res.status, 200);
    let after = app.get(&path, &fac()).await.json();
    assert_eq!(after["employer_id"], json!(o.agency));
    // The holder and the facilitator may.
    let res = app
        .patch(
            &path,
            &token(Role::Company, Some(o.holder)),
            &json!({"employer_id": o.holder}),
            None,
        )
        .await;
    assert_eq!(res.status, 200, "{}", String::from_utf8_lossy(&res.body));
    let res = app
        .patch(&path, &fac(), &json!({"employer_id": o.agency}), None)
        .await;
    assert_eq!(res.status, 200);
}

#[actix_web::test]
async fn a_holder_names_only_itself_or_an_employer_tied_to_the_contract() {
    let o = one_person().await;
    let app = &o.app;
    let stranger_company = app.org("company", "Sans lien").await;
    let holder = token(Role::Company, Some(o.holder));
    // The holder places the person the agency employed (so it may name her).
    let body = |employer: Uuid| {
        json!({"beneficiary_id": o.stranger, "contract_id": o.contract, "employer_id": employer,
               "modality": "direct_fixed_term", "job_title": "Maçon", "start_date": "2019-07-01"})
    };
    // The facilitator had the holder employ her once: the holder may now
    // place her, but not hand her name to a company of its choosing.
    app.placement(
        o.stranger,
        o.contract,
        o.holder,
        "2019-07-01",
        Some("2019-07-31"),
    )
    .await;
    let res = app
        .post("/api/v1/placements", &holder, &body(stranger_company))
        .await;
    assert_eq!(res.fields(), ["employer_id"]);
    let unknown = app
        .post("/api/v1/placements", &holder, &body(Uuid::new_v4()))
        .await;
    assert_eq!(unknown.fields(), ["employer_id"]);
    assert_eq!(
        res.json()["errors"][0]["message"],
        unknown.json()["errors"][0]["message"],
        "a stranger company reads as an unknown id"
    );
    // The stranger learnt nothing.
    let res = app
        .get(
            &format!("/api/v1/beneficiaries/{}", o.stranger),
            &token(Role::Company, Some(stranger_company)),
        )
        .await;
    res.problem(404);
    // Itself, or the agency the facilitator placed her through: 201.
    let mut ok = body(o.holder);
    ok["start_date"] = json!("2019-09-02");
    assert_eq!(
        app.post("/api/v1/placements", &holder, &ok).await.status,
        201
    );
    let mut ok = body(o.agency);
    ok["start_date"] = json!("2019-10-01");
    let res = app.post("/api/v1/placements", &holder, &ok).await;
    assert_eq!(res.status, 201, "{}", String::from_utf8_lossy(&res.body));
}

#[actix_web::test]
async fn a_withdrawn_or_declined_proposal_no_longer_opens_the_door() {
    let o = one_person().await;
    let app = &o.app;
    let holder = token(Role::Company, Some(o.holder));
    let offer = id_of(
        &app.post(
            "/api/v1/offers",
            &holder,
            &json!({"contract_id": o.contract, "job_title": "Maçon", "contract_type": "cddi",
                    "hours_per_week": 35, "start_date": "2019-03-04", "postal_code": "91100",
                    "positions": 3}),
        )
        .await,
    );
    let mut people = vec![];
    for name in ["Retiré", "Refusé", "Proposé"] {
        let person = app.person(None, name, "F", "1991-05-05").await;
        let proposal = id_of(
            &app.post(
                &format!("/api/v1/offers/{offer}/proposals"),
                &fac(),
                &json!({"beneficiary_id": person}),
            )
            .await,
        );
        people.push((person, proposal));
    }
    let patch = |t: String, proposal: Uuid, body: Value| {
        let app = &app;
        async move {
            let res = app
                .patch(&format!("/api/v1/proposals/{proposal}"), &t, &body, None)
                .await;
            assert_eq!(res.status, 200, "{}", String::from_utf8_lossy(&res.body));
        }
    };
    patch(fac(), people[0].1, json!({"status": "withdrawn"})).await;
    patch(
        holder.clone(),
        people[1].1,
        json!({"status": "declined", "reason": "Poste pourvu"}),
    )
    .await;
    let place = |person: Uuid| {
        json!({"beneficiary_id": person, "contract_id": o.contract, "employer_id": o.holder,
               "modality": "direct_fixed_term", "job_title": "Maçon", "start_date": "2019-04-01"})
    };
    for (person, _) in &people[..2] {
        let res = app
            .post("/api/v1/placements", &holder, &place(*person))
            .await;
        assert_eq!(res.fields(), ["beneficiary_id"]);
    }
    let res = app
        .post("/api/v1/placements", &holder, &place(people[2].0))
        .await;
    assert_eq!(res.status, 201, "{}", String::from_utf8_lossy(&res.body));
}

#[actix_web::test]
async fn months_after_the_contract_or_today_cannot_hold_hours() {
    let o = one_person().await;
    let app = &o.app;
    // The contract ends on 2020-12-31; the placement is the agency's, from
    // 2019-02-04 to 2019-06-28: open one on the holder's side.
    let open = app
        .placement(o.stranger, o.contract, o.holder, "2020-01-06", None)
        .await;
    let holder = token(Role::Company, Some(o.holder));
    let put = |t: String, month: &'static str| {
        let app = &app;
        async move {
            app.put(
                &format!("/api/v1/placements/{open}/hours/{month}"),
                &t,
                &json!({"worked_hours": 10}),
            )
            .await
        }
    };
    assert_eq!(put(holder.clone(), "2020-12").await.status, 201);
    for month in ["2021-01", "2031-01"] {
        assert_eq!(
            put(holder.clone(), month).await.fields(),
            ["month"],
            "{month}"
        );
        assert_eq!(put(fac(), month).await.fields(), ["month"], "{month}");
    }
    // A month after today's, on a contract that runs on.
    let next_year = chrono::Datelike::year(&chrono::Utc::now().date_naive()) + 1;
    let c = app.contract(o.buyer, o.holder, "K-2").await;
    let res = app
        .patch(
            &format!("/api/v1/contracts/{c}"),
            &fac(),
            &json!({"end_date": format!("{}-12-31", next_year + 5)}),
            None,
        )
        .await;
    assert_eq!(res.status, 200, "{}", String::from_utf8_lossy(&res.body));
    let later = app
        .placement(o.stranger, c, o.holder, "2019-01-07", None)
        .await;
    let res = app
        .put(
            &format!("/api/v1/placements/{later}/hours/{next_year}-01"),
            &holder,
            &json!({"worked_hours": 10}),
        )
        .await;
    assert_eq!(res.fields(), ["month"]);
    // An hour statement judges its lines the same way.
    let res = app
        .post(
            "/api/v1/hours/batch",
            &holder,
            &json!({"lines": [
                {"placement_id": open, "month": "2020-11", "worked_hours": 10},
                {"placement_id": open, "month": "2021-02", "worked_hours": 10},
                {"placement_id": later, "month": format!("{next_year}-02"), "worked_hours": 10}]}),
        )
        .await;
    assert_eq!(res.status, 200, "{}", String::from_utf8_lossy(&res.body));
    let r = res.json();
    let outcomes: Vec<&str> = r["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["outcome"].as_str().unwrap())
        .collect();
    assert_eq!(outcomes, ["created", "rejected", "rejected"]);
    assert_eq!(r["results"][1]["errors"][0]["field"], "month");
}

#[actix_web::test]
async fn a_contracts_dates_cannot_leave_its_placements_outside() {
    let o = one_person().await;
    let app = &o.app;
    // The agency's placement runs from 2019-02-04 to 2019-06-28, with hours
    // in 2019-03.
    let path = format!("/api/v1/contracts/{}", o.contract);
    for (body, field) in [
        (json!({"end_date": "2019-05-31"}), "end_date"),
        (json!({"start_date": "2019-03-01"}), "start_date"),
        (
            json!({"start_date": "2019-07-01", "end_date": "2020-12-31"}),
            "start_date",
        ),
    ] {
        let res = app.patch(&path, &fac(), &body, None).await;
        let problem = res.problem(409);
        assert_eq!(problem["errors"][0]["field"], field, "{body}");
        let detail = problem["detail"].as_str().unwrap();
        assert!(
            detail.starts_with("1 of this contract's placements"),
            "{detail}"
        );
        assert!(detail.contains(&o.placement.to_string()), "{detail}");
    }
    // The buyer is held to it as well; nothing changed.
    let res = app
        .patch(
            &path,
            &token(Role::Buyer, Some(o.buyer)),
            &json!({"end_date": "2019-04-30"}),
            None,
        )
        .await;
    res.problem(409);
    let c = app.get(&path, &fac()).await.json();
    assert_eq!(
        (
            c["start_date"].clone(),
            c["end_date"].clone(),
            c["version"].clone()
        ),
        (json!("2019-01-01"), json!("2020-12-31"), json!(1))
    );
    // Dates that keep everything inside are fine.
    let res = app
        .patch(
            &path,
            &fac(),
            &json!({"start_date": "2019-02-04", "end_date": "2019-06-28"}),
            None,
        )
        .await;
    assert_eq!(res.status, 200, "{}", String::from_utf8_lossy(&res.body));
}

#[actix_web::test]
async fn a_referent_is_a_plie_and_a_kind_stays_while_tied() {
    let o = one_person().await;
    let app = &o.app;
    let plie = app.org("plie", "PLIE").await;
    let path = format!("/api/v1/beneficiaries/{}", o.stranger);
    let res = app
        .patch(&path, &fac(), &json!({"referent_id": o.holder}), None)
        .await;
    assert_eq!(res.fields(), ["referent_id"]);
    let res = app
        .post(
            "/api/v1/beneficiaries",
            &fac(),
            &json!({"last_name": "Roy", "first_name": "Léa", "sex": "F", "birth_date": "1990-01-01",
                    "postal_code": "91100", "eligibility": ["rsa"], "referent_id": o.buyer}),
        )
        .await;
    assert_eq!(res.fields(), ["referent_id"]);
    let res = app
        .patch(&path, &fac(), &json!({"referent_id": plie}), None)
        .await;
    assert_eq!(res.status, 200, "{}", String::from_utf8_lossy(&res.body));
    // Holding a contract, employing people, following people, buying: the
    // kind stays.
    for (org, kind) in [
        (o.holder, "buyer"),
        (o.agency, "plie"),
        (plie, "company"),
        (o.buyer, "company"),
    ] {
        let res = app
            .patch(
                &format!("/api/v1/organisations/{org}"),
                &fac(),
                &json!({"kind": kind}),
                None,
            )
            .await;
        assert_eq!(res.problem(409)["errors"][0]["field"], "kind", "{kind}");
    }
    let free = app.org("company", "Sans contrat").await;
    let res = app
        .patch(
            &format!("/api/v1/organisations/{free}"),
            &fac(),
            &json!({"kind": "buyer"}),
            None,
        )
        .await;
    assert_eq!(res.status, 200, "{}", String::from_utf8_lossy(&res.body));
}
