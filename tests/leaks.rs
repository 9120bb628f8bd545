//! The findings of the black-box review (issue 12), each tried again as an
//! attacker with a valid token would: figures that single a person out,
//! write paths reserved to the facilitator, exports, metrics, identity,
//! input strictness and headers.

use crate::common::*;
use serde_json::{json, Value};
use uuid::Uuid;

use clauses::auth::Role;

/// A buyer's contract held by a company that employs exactly one person,
/// through a temp agency as well: the review's scenario.
struct One {
    app: TestApp,
    buyer: Uuid,
    holder: Uuid,
    agency: Uuid,
    contract: Uuid,
    /// Employed by the agency on the holder's contract: the holder sees
    /// the placement, never employed her.
    stranger: Uuid,
    placement: Uuid,
}

async fn one_person() -> One {
    let app = spawn().await;
    let buyer = app.org("buyer", "Ville de Corbeil-Essonnes").await;
    let holder = app.org("company", "Bâtiments du Val").await;
    let agency = app.org("company", "Essonne Intérim Insertion").await;
    let contract = app.contract(buyer, holder, "K-1").await;
    let res = app
        .post(
            "/api/v1/beneficiaries",
            &fac(),
            &json!({"last_name": "Diallo", "first_name": "Awa", "sex": "F",
                    "birth_date": "1990-03-14", "postal_code": "91100",
                    "qpv_code": "QN09103M", "eligibility": ["aah", "disabled_worker"]}),
        )
        .await;
    let stranger = id_of(&res);
    let placement = app
        .placement(stranger, contract, agency, "2019-02-04", Some("2019-06-28"))
        .await;
    assert_eq!(app.hours(placement, "2019-03", "120").await.status, 201);
    One {
        app,
        buyer,
        holder,
        agency,
        contract,
        stranger,
        placement,
    }
}

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

#[actix_web::test]
async fn csv_cells_never_run_as_formulas() {
    let app = spawn().await;
    let buyer = app.org("buyer", "B").await;
    let holder = app.org("company", "H").await;
    let res = app
        .post(
            "/api/v1/contracts",
            &token(Role::Buyer, Some(buyer)),
            &json!({"holder_id": holder, "reference": "+33-REF", "title": "=HYPERLINK(\"http://x.example\",\"clic\")",
                    "operation": "@SUM(A1)", "clause_type": "execution_condition",
                    "start_date": "2019-01-01", "end_date": "2019-12-31", "commitment_hours": 100}),
        )
        .await;
    assert_eq!(res.status, 201, "{}", String::from_utf8_lossy(&res.body));
    let csv = app
        .send(
            "GET",
            "/api/v1/stats/contracts?year=2019&format=csv",
            Some(&fac()),
            &[],
            None,
        )
        .await;
    let text = String::from_utf8(csv.body).unwrap();
    assert!(text.contains("'+33-REF"), "{text}");
    assert!(text.contains("\"'=HYPERLINK("), "{text}");
    assert!(text.contains("'@SUM(A1)"), "{text}");
    assert!(
        !text.contains(",=") && !text.contains(",+") && !text.contains(",@"),
        "{text}"
    );
}

#[actix_web::test]
async fn invented_methods_do_not_grow_the_metrics() {
    let app = spawn().await;
    for i in 0..40 {
        let method = format!("X{}{i}", "Y".repeat(2000));
        app.send(&method, "/health", None, &[], None).await;
    }
    let metrics =
        String::from_utf8(app.send("GET", "/metrics", None, &[], None).await.body).unwrap();
    assert!(!metrics.contains("YYYY"));
    assert!(metrics.contains("method=\"other\""), "{metrics}");
    assert!(metrics.len() < 64 * 1024, "{} bytes", metrics.len());
}

/// A signed token with the claims and header fields given.
fn signed(header: Value, claims: Value) -> String {
    use base64::Engine;
    let b64 = |v: &Value| {
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(serde_json::to_vec(v).unwrap())
    };
    let message = format!("{}.{}", b64(&header), b64(&claims));
    let key = jsonwebtoken::EncodingKey::from_secret(SECRET.as_bytes());
    let signature =
        jsonwebtoken::crypto::sign(message.as_bytes(), &key, jsonwebtoken::Algorithm::HS256)
            .unwrap();
    format!("{message}.{signature}")
}

#[actix_web::test]
async fn tokens_must_name_a_real_organisation_and_live_briefly() {
    let app = spawn().await;
    let company = app.org("company", "H").await;
    let buyer = app.org("buyer", "B").await;
    let now = chrono::Utc::now().timestamp();
    let hs = json!({"alg": "HS256", "typ": "JWT"});
    let claims = |role: &str, org: Option<Uuid>, iat: Option<i64>, exp: i64| {
        let mut c = json!({"sub": "tester", "role": role, "exp": exp});
        if let Some(o) = org {
            c["org"] = json!(o);
        }
        if let Some(i) = iat {
            c["iat"] = json!(i);
        }
        c
    };
    let ok = signed(
        hs.clone(),
        claims("company", Some(company), Some(now), now + 600),
    );
    assert_eq!(app.get("/api/v1/contracts", &ok).await.status, 200);
    for (why, t) in [
        (
            "an org that does not exist",
            signed(
                hs.clone(),
                claims("company", Some(Uuid::new_v4()), Some(now), now + 600),
            ),
        ),
        (
            "a buyer's org in a company token",
            signed(
                hs.clone(),
                claims("company", Some(buyer), Some(now), now + 600),
            ),
        ),
        (
            "a company's org in a plie token",
            signed(
                hs.clone(),
                claims("plie", Some(company), Some(now), now + 600),
            ),
        ),
        (
            "a facilitator's org that does not exist",
            signed(
                hs.clone(),
                claims("facilitator", Some(Uuid::new_v4()), Some(now), now + 600),
            ),
        ),
        (
            "a year-long token",
            signed(
                hs.clone(),
                claims("company", Some(company), Some(now), now + 365 * 86_400),
            ),
        ),
        (
            "a long token without iat",
            signed(
                hs.clone(),
                claims("company", Some(company), None, now + 2 * 86_400),
            ),
        ),
        (
            "a crit header",
            signed(
                json!({"alg": "HS256", "typ": "JWT", "crit": ["exp"]}),
                claims("company", Some(company), Some(now), now + 600),
            ),
        ),
        (
            "a NUL in sub",
            signed(
                hs.clone(),
                json!({"sub": "a\u{0}b", "role": "company", "org": company, "exp": now + 600}),
            ),
        ),
        (
            "a company's org in a state token",
            signed(
                hs.clone(),
                claims("state", Some(company), Some(now), now + 600),
            ),
        ),
        (
            "a company's org in a facilitator token",
            signed(
                hs.clone(),
                claims("facilitator", Some(company), Some(now), now + 600),
            ),
        ),
        (
            "a header typ other than JWT",
            signed(
                json!({"alg": "HS256", "typ": "JWS"}),
                claims("company", Some(company), Some(now), now + 600),
            ),
        ),
        (
            "a header without typ",
            signed(
                json!({"alg": "HS256"}),
                claims("company", Some(company), Some(now), now + 600),
            ),
        ),
        (
            "a right-to-left override in sub",
            signed(
                hs.clone(),
                json!({"sub": "alice\u{202E}eciffo", "role": "state", "exp": now + 600}),
            ),
        ),
        (
            "a zero-width space in sub",
            signed(
                hs.clone(),
                json!({"sub": "ali\u{200B}ce", "role": "state", "exp": now + 600}),
            ),
        ),
        (
            "a line feed in sub",
            signed(
                hs.clone(),
                json!({"sub": "a\nb", "role": "state", "exp": now + 600}),
            ),
        ),
    ] {
        let res = app.get("/api/v1/contracts", &t).await;
        let problem = res.problem(401);
        assert!(res.header("www-authenticate").is_some(), "{why}");
        assert!(problem["detail"].is_string(), "{why}");
    }
    // Each role's own kind is accepted, as is a lower-case typ.
    let facilitators = app.org("facilitator", "MIVE").await;
    let state = app.org("state", "DREETS").await;
    for t in [
        signed(
            hs.clone(),
            claims("facilitator", Some(facilitators), Some(now), now + 600),
        ),
        signed(
            hs.clone(),
            claims("state", Some(state), Some(now), now + 600),
        ),
        signed(
            json!({"alg": "HS256", "typ": "jwt"}),
            claims("state", None, Some(now), now + 600),
        ),
    ] {
        assert_eq!(app.get("/api/v1/contracts", &t).await.status, 200);
    }
    // A day exactly is accepted, as `clauses token --ttl 86400` mints.
    let day = signed(hs.clone(), claims("state", None, Some(now), now + 86_400));
    assert_eq!(app.get("/api/v1/contracts", &day).await.status, 200);
}

#[actix_web::test]
async fn input_is_read_strictly() {
    let app = spawn().await;
    let buyer = app.org("buyer", "B").await;
    let holder = app.org("company", "H").await;
    let contract = app.contract(buyer, holder, "K").await;
    let person = app.person(None, "Durand", "M", "1980-05-05").await;
    let placement = app
        .placement(person, contract, holder, "2019-01-01", None)
        .await;
    let raw = |path: &str, method: &str, body: &str| {
        let path = path.to_string();
        let method = method.to_string();
        let body = body.as_bytes().to_vec();
        let app = &app;
        async move {
            app.send(
                &method,
                &path,
                Some(&fac()),
                &[("Content-Type", "application/json")],
                Some(body),
            )
            .await
        }
    };
    let month = format!("/api/v1/placements/{placement}/hours/2019-02");
    // A key twice: refused whole, nothing written.
    raw(
        &month,
        "PUT",
        r#"{"worked_hours": 10, "worked_hours": 150}"#,
    )
    .await
    .problem(400);
    app.get(&month, &fac()).await.problem(404);
    // Hours as strings are refused at the field, without internal names.
    let res = raw(&month, "PUT", r#"{"worked_hours": "10"}"#).await;
    assert_eq!(res.fields(), ["worked_hours"]);
    for body in [
        r#"{"worked_hours": 1e400}"#,
        r#"{"worked_hours": 123456789012345678901234567890123456789}"#,
        r#"{"worked_hours": [10]}"#,
        r#"{"worked_hours": {"h": 10}}"#,
    ] {
        let problem = raw(&month, "PUT", body).await.problem(422);
        assert_eq!(problem["errors"][0]["field"], "worked_hours", "{problem}");
        assert!(!problem.to_string().contains("serde_json"), "{problem}");
    }
    assert_eq!(
        raw(&month, "PUT", r#"{"worked_hours": 10.5}"#).await.status,
        201
    );

    // Dates are exactly YYYY-MM-DD.
    let new_person = |birth: &str| {
        format!(
            r#"{{"last_name": "A", "first_name": "B", "sex": "F", "birth_date": "{birth}",
                "postal_code": "91100", "eligibility": ["rsa"]}}"#
        )
    };
    for bad in [
        "1990-1-5",
        "+1990-01-05",
        "-1990-01-05",
        "19900105",
        "1899-12-31",
        "2999-01-01",
    ] {
        let res = raw("/api/v1/beneficiaries", "POST", &new_person(bad)).await;
        assert_eq!(res.fields(), ["birth_date"], "{bad}");
    }
    assert_eq!(
        raw("/api/v1/beneficiaries", "POST", &new_person("1900-01-01"))
            .await
            .status,
        201
    );
    let res = app
        .get(
            &format!("/api/v1/contracts/{contract}/fulfilment?on=2019-1-5"),
            &fac(),
        )
        .await;
    assert_eq!(res.fields(), ["on"]);
    // Contract dates from 2000 to 2100.
    for (start, end, field) in [
        ("1999-12-31", "2019-12-31", "start_date"),
        ("2019-01-01", "2101-01-01", "end_date"),
    ] {
        let body = json!({"buyer_id": buyer, "holder_id": holder, "reference": "R", "title": "T",
            "clause_type": "execution_condition", "start_date": start, "end_date": end,
            "commitment_hours": 10});
        let res = app.post("/api/v1/contracts", &fac(), &body).await;
        assert_eq!(res.fields(), [field]);
    }
}

#[actix_web::test]
async fn answers_carry_the_headers_that_keep_them_private() {
    let app = crate::operations::serve(&[("CORS_ALLOWED_ORIGINS", "http://localhost:5173")]).await;
    for path in [
        "/api/v1/organisations",
        "/api/v1/stats/key-figures?year=2019",
    ] {
        let res = app.get(path, &fac()).await;
        assert_eq!(res.status, 200);
        assert_eq!(
            res.header("cache-control").as_deref(),
            Some("no-store"),
            "{path}"
        );
        assert_eq!(
            res.header("x-content-type-options").as_deref(),
            Some("nosniff")
        );
    }
    // Problems too.
    let res = app.get("/api/v1/organisations?limit=0", &fac()).await;
    res.problem(422);
    assert_eq!(res.header("cache-control").as_deref(), Some("no-store"));
    assert_eq!(
        res.header("x-content-type-options").as_deref(),
        Some("nosniff")
    );
    let res = app
        .send("GET", "/api/v1/organisations", None, &[], None)
        .await;
    res.problem(401);
    assert_eq!(
        res.header("x-content-type-options").as_deref(),
        Some("nosniff")
    );
    for path in ["/health", "/openapi.json", "/no/such/path"] {
        let res = app.send("GET", path, None, &[], None).await;
        assert_eq!(
            res.header("x-content-type-options").as_deref(),
            Some("nosniff"),
            "{path}"
        );
    }
    // The public card keeps its own caching.
    app.post("/api/v1/stats/publications", &fac(), &json!({"year": 2019}))
        .await;
    let res = app
        .send("GET", "/public/key-figures/2019.svg", None, &[], None)
        .await;
    assert_eq!(
        res.header("cache-control").as_deref(),
        Some("public, max-age=300")
    );
    assert_eq!(
        res.header("x-content-type-options").as_deref(),
        Some("nosniff")
    );
    // Refused preflights, whatever is refused, answer a problem.
    for headers in [
        vec![
            ("Origin", "https://evil.example"),
            ("Access-Control-Request-Method", "GET"),
        ],
        vec![
            ("Origin", "http://localhost:5173"),
            ("Access-Control-Request-Method", "TRACE"),
        ],
        vec![
            ("Origin", "http://localhost:5173"),
            ("Access-Control-Request-Method", "GET"),
            ("Access-Control-Request-Headers", "x-evil"),
        ],
    ] {
        let res = app
            .send("OPTIONS", "/api/v1/organisations", None, &headers, None)
            .await;
        assert!(res.status >= 400 && res.status < 500, "{}", res.status);
        res.problem(res.status);
    }
}

#[actix_web::test]
async fn headers_too_large_answer_a_problem() {
    let app = crate::operations::serve(&[]).await;
    let big = "x".repeat(200 * 1024);
    let res = app
        .send("GET", "/health", None, &[("X-Big", big.as_str())], None)
        .await;
    res.problem(431);
    let many: Vec<(String, String)> = (0..120).map(|i| (format!("x-h{i}"), "v".into())).collect();
    let refs: Vec<(&str, &str)> = many.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let res = app.send("GET", "/health", None, &refs, None).await;
    res.problem(431);
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

// The third review (issue 24): a holder changed through an import, names
// handed to strangers, months that cannot be worked, dates moved under
// placements, and figures that could be differenced.

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

/// Sends raw bytes to the server and reads what it answers until it closes.
async fn raw(app: &TestApp, request: Vec<u8>) -> (u16, String, String) {
    use std::io::{Read, Write};
    let addr = app.addr.trim_start_matches("http://").to_string();
    actix_web::rt::task::spawn_blocking(move || {
        let mut s = std::net::TcpStream::connect(addr).unwrap();
        s.set_read_timeout(Some(std::time::Duration::from_secs(10)))
            .unwrap();
        s.write_all(&request).unwrap();
        let mut out = Vec::new();
        let _ = s.read_to_end(&mut out);
        let text = String::from_utf8_lossy(&out).to_string();
        let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
        let status = head
            .split(' ')
            .nth(1)
            .and_then(|c| c.parse().ok())
            .unwrap_or(0);
        (status, head.to_ascii_lowercase(), body.to_string())
    })
    .await
    .unwrap()
}

#[actix_web::test]
async fn malformed_requests_answer_a_problem() {
    let app = spawn().await;
    let long_line = format!(
        "GET /health?q={} HTTP/1.1\r\nHost: x\r\n\r\n",
        "a".repeat(100 * 1024)
    );
    for (why, request) in [
        (
            "a NUL in a header",
            b"GET /health HTTP/1.1\r\nHost: x\r\nX-A: a\0b\r\n\r\n".to_vec(),
        ),
        (
            "a control character in a header",
            b"GET /health HTTP/1.1\r\nHost: x\r\nX-A: a\x01b\r\n\r\n".to_vec(),
        ),
        (
            "an obs-folded header",
            b"GET /health HTTP/1.1\r\nHost: x\r\nX-A: a\r\n b\r\n\r\n".to_vec(),
        ),
        ("a 100 kB request line", long_line.into_bytes()),
        ("no request line", b"\x16\x03\x01 hello\r\n\r\n".to_vec()),
    ] {
        let (status, head, body) = raw(&app, request).await;
        assert!((400..500).contains(&status), "{why}: {status} {head}");
        assert!(
            head.contains("content-type: application/problem+json"),
            "{why}: {head}"
        );
        let problem: Value =
            serde_json::from_str(&body).unwrap_or_else(|e| panic!("{why}: {e} {body}"));
        assert_eq!(problem["status"], status, "{why}");
    }
    // The server still answers.
    assert_eq!(
        app.send("GET", "/health", None, &[], None).await.status,
        200
    );
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
