//! Contracts from published contract data: both formats, idempotent,
//! estimated commitments, organisations found or created, one bad record
//! never stopping the others.

use crate::common::*;
use serde_json::{json, Value};

use clauses::auth::Role;

fn fixture(name: &str) -> Value {
    let path = format!("{}/tests/fixtures/decp/{name}", env!("CARGO_MANIFEST_DIR"));
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

async fn import(app: &TestApp, token: &str, doc: &Value, query: &str) -> Res {
    app.post(&format!("/api/v1/imports/decp{query}"), token, doc)
        .await
}

async fn contract_by_reference(app: &TestApp, reference: &str) -> Value {
    let all = app.get("/api/v1/contracts?limit=500", &fac()).await.json();
    all["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["reference"] == reference)
        .cloned()
        .unwrap_or(Value::Null)
}

#[actix_web::test]
async fn the_2024_format_imports_and_reimports_unchanged() {
    let app = spawn().await;
    let doc = fixture("decp-2024.json");
    let res = import(&app, &fac(), &doc, "").await;
    assert_eq!(res.status, 200, "{}", String::from_utf8_lossy(&res.body));
    let r = res.json();
    assert_eq!(
        (
            r["created"].clone(),
            r["updated"].clone(),
            r["unchanged"].clone(),
            r["skipped"].clone()
        ),
        (json!(4), json!(0), json!(0), json!(1))
    );
    let errors = r["errors"].as_array().unwrap();
    assert_eq!(errors.len(), 1);
    assert_eq!(errors[0]["index"], json!(3));
    assert_eq!(errors[0]["id"], "2024-GPS-NET-09");
    assert!(errors[0]["problem"]
        .as_str()
        .unwrap()
        .contains("dateNotification"));

    // Mapped as DOMAIN.md says.
    let c = contract_by_reference(&app, "2024-GPS-TX-0118").await;
    assert_eq!(
        c["title"],
        "Réhabilitation de 120 logements, secteur Tarterêts - lot 2 gros oeuvre"
    );
    assert_eq!(c["clause_type"], "execution_condition");
    assert_eq!(c["start_date"], "2024-03-04");
    // Its modification 1 (30 months, €2,520,000, notified 2025-01-10) is
    // an amendment: the values as first published are the initial ones.
    assert_eq!(r["amendments"], json!(1));
    assert_eq!(r["refused_modifications"], json!([]));
    assert_eq!(c["amendments"], json!(1));
    assert_eq!(c["end_date"], "2026-09-03");
    assert_eq!(c["initial_end_date"], "2026-03-03");
    assert_eq!(c["amount_excl_tax"], json!(2520000));
    assert_eq!(
        c["initial_amount_excl_tax"],
        json!(2400000),
        "the amount as first published"
    );
    let amendments = app
        .get(
            &format!("/api/v1/contracts/{}/amendments", c["id"].as_str().unwrap()),
            &fac(),
        )
        .await
        .json();
    assert_eq!(amendments["items"][0]["reference"], "2024-GPS-TX-0118/1");
    assert_eq!(amendments["items"][0]["signed_on"], "2025-01-10");
    // 2,400,000 × 0.40 × 0.05 ÷ 35: an estimate moves only with hours given.
    assert_eq!(c["commitment_hours"], json!(1371.43));
    assert_eq!(c["commitment_source"], "estimated");
    let reserved = contract_by_reference(&app, "2024-GPS-ESAT-003").await;
    assert_eq!(reserved["clause_type"], "reserved_market");
    // 360,000 × 0.65 × 0.05 ÷ 35 (green spaces)
    assert_eq!(reserved["commitment_hours"], json!(334.29));
    let criterion = contract_by_reference(&app, "2024-CE-NET-02").await;
    assert_eq!(criterion["clause_type"], "award_criterion");
    assert_eq!(criterion["commitment_hours"], json!(480));

    // Buyers and holders were created, a foreign holder keeping its identifier.
    let foreign = contract_by_reference(&app, "2024-CE-TX-31").await;
    let holder = app
        .get(
            &format!(
                "/api/v1/organisations/{}",
                foreign["holder_id"].as_str().unwrap()
            ),
            &fac(),
        )
        .await
        .json();
    assert_eq!(
        (
            holder["identifier_type"].as_str(),
            holder["identifier"].as_str(),
            holder["siret"].clone()
        ),
        (Some("HORS-UE"), Some("CH-ZH-2231"), Value::Null)
    );
    let vat = app
        .get(
            &format!(
                "/api/v1/organisations/{}",
                reserved["holder_id"].as_str().unwrap()
            ),
            &fac(),
        )
        .await
        .json();
    assert_eq!(vat["identifier"], "FR40303265045");
    let buyers = app
        .get("/api/v1/organisations?kind=buyer", &fac())
        .await
        .json();
    assert_eq!(buyers["items"].as_array().unwrap().len(), 2);

    // The same document again: all unchanged.
    let r = import(&app, &fac(), &doc, "").await.json();
    assert_eq!(
        (
            r["created"].clone(),
            r["updated"].clone(),
            r["unchanged"].clone(),
            r["skipped"].clone()
        ),
        (json!(0), json!(0), json!(4), json!(1))
    );
    assert_eq!(r["amendments"], json!(0));

    // The contracts are in the change feed.
    let feed = app.changes_at_least(&fac(), 4).await;
    let ids: Vec<&str> = feed
        .iter()
        .filter(|c| c["entity"] == "contract")
        .map(|c| c["id"].as_str().unwrap())
        .collect();
    assert!(ids.contains(&c["id"].as_str().unwrap()));
    // Four created, the amended one updated by its amendment.
    assert_eq!(ids.len(), 5);
    assert_eq!(
        feed.iter().filter(|c| c["entity"] == "amendment").count(),
        1
    );

    // The facilitator confirms an estimate; a changed record updates the rest but not that figure.
    let url = format!("/api/v1/contracts/{}", c["id"].as_str().unwrap());
    let res = app
        .patch(
            &url,
            &fac(),
            &json!({"commitment_source": "confirmed"}),
            None,
        )
        .await;
    assert_eq!(res.json()["commitment_source"], "confirmed");
    let mut changed = doc.clone();
    changed["marches"]["marche"][0]["objet"] = json!("Réhabilitation de 120 logements (lot 2)");
    changed["marches"]["marche"][0]["montant"] = json!(2500000);
    changed["marches"]["marche"][1]["montant"] = json!(400000);
    let r = import(&app, &fac(), &changed, "").await.json();
    assert_eq!(
        (r["updated"].clone(), r["unchanged"].clone()),
        (json!(2), json!(2))
    );
    let c = app.get(&url, &fac()).await.json();
    assert_eq!(c["title"], "Réhabilitation de 120 logements (lot 2)");
    assert_eq!(c["commitment_hours"], json!(1371.43));
    assert_eq!(c["commitment_source"], "confirmed");
    let reserved = contract_by_reference(&app, "2024-GPS-ESAT-003").await;
    assert_eq!(
        reserved["commitment_hours"],
        json!(371.43),
        "an estimate follows the record"
    );
}

#[actix_web::test]
async fn the_2019_format_is_skipped_unless_asked() {
    let app = spawn().await;
    let doc = fixture("decp-2019.json");
    let r = import(&app, &fac(), &doc, "").await.json();
    assert_eq!(
        (r["created"].clone(), r["skipped"].clone()),
        (json!(0), json!(2))
    );
    let r = import(&app, &fac(), &doc, "?include=all").await.json();
    assert_eq!(
        (r["created"].clone(), r["skipped"].clone()),
        (json!(2), json!(0))
    );
    let c = contract_by_reference(&app, "2019-0042").await;
    assert_eq!(c["clause_type"], "execution_condition");
    let buyer = app
        .get(
            &format!("/api/v1/organisations/{}", c["buyer_id"].as_str().unwrap()),
            &fac(),
        )
        .await
        .json();
    assert_eq!(buyer["name"], "Communauté d'agglomération Grand Paris Sud");
    // A single record object is a document too.
    let single = doc["marches"][0].clone();
    let r = import(&app, &fac(), &single, "?include=all").await.json();
    assert_eq!(r["unchanged"], json!(1));
}

#[actix_web::test]
async fn buyers_import_their_own_records_only() {
    let app = spawn().await;
    let res = app
        .post("/api/v1/organisations", &fac(), &json!({"kind": "buyer", "name": "Ville de Corbeil-Essonnes", "siret": "21910174000013"}))
        .await;
    let town = id_of(&res);
    let r = import(
        &app,
        &token(Role::Buyer, Some(town)),
        &fixture("decp-2024.json"),
        "",
    )
    .await
    .json();
    assert_eq!(r["created"], json!(2), "{r}");
    let errors = r["errors"].as_array().unwrap();
    assert_eq!(errors.len(), 3, "two of another buyer, one invalid: {r}");
    for (role, org) in [
        (Role::Company, Some(app.org("company", "A company").await)),
        (Role::Plie, Some(app.org("plie", "A PLIE").await)),
        (Role::State, None),
    ] {
        import(&app, &token(role, org), &fixture("decp-2024.json"), "")
            .await
            .problem(403);
    }
}

#[actix_web::test]
async fn documents_that_are_not_decp_are_refused_whole() {
    let app = spawn().await;
    let res = import(&app, &fac(), &json!({"contracts": []}), "").await;
    assert_eq!(res.fields(), ["body"]);
    let res = import(&app, &fac(), &json!([1]), "").await;
    assert_eq!(res.fields(), ["body"]);
    let res = import(&app, &fac(), &fixture("decp-2024.json"), "?include=some").await;
    assert_eq!(res.fields(), ["include"]);
}

#[actix_web::test]
async fn the_command_line_streams_large_files() {
    let app = spawn().await;
    let path = format!(
        "{}/tests/fixtures/decp/decp-2024.json",
        env!("CARGO_MANIFEST_DIR")
    );
    let run = || {
        std::process::Command::new(env!("CARGO_BIN_EXE_clauses"))
            .args(["import-decp", &path])
            .env("DATABASE_URL", &app.db.url)
            .env("RUST_LOG", "warn")
            .output()
            .unwrap()
    };
    let out = run();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let r: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        (
            r["created"].clone(),
            r["skipped"].clone(),
            r["errors"].as_array().unwrap().len()
        ),
        (json!(4), json!(1), 1)
    );
    let r: Value = serde_json::from_slice(&run().stdout).unwrap();
    assert_eq!(r["unchanged"], json!(4));
}

#[actix_web::test]
async fn the_official_example_with_modifications_reports_the_refused_one() {
    // `exemples/json/marches_avec_modifications.json` of the Ministry's
    // format-commande-publique repository, as published: its modifications
    // are notified in 2022, before the contracts' start in 2024 (and the
    // first buyer's SIRET fails its checksum).
    let app = spawn().await;
    let doc = fixture("marches_avec_modifications.json");
    let r = import(&app, &fac(), &doc, "").await;
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    let r = r.json();
    assert_eq!(r["created"], json!(1), "{r}");
    assert_eq!(r["errors"][0]["id"], "TEST2022");
    assert_eq!(r["amendments"], json!(0));
    let refused = r["refused_modifications"].as_array().unwrap();
    assert_eq!(refused.len(), 1);
    assert_eq!(refused[0]["id"], "TEST2022Bis");
    assert_eq!(refused[0]["index"], json!(1));
    assert_eq!(refused[0]["modification"], "1");
    assert!(
        refused[0]["problem"]
            .as_str()
            .unwrap()
            .contains("signed_on"),
        "{}",
        refused[0]
    );
    let c = contract_by_reference(&app, "TEST2022Bis").await;
    assert_eq!(c["amendments"], json!(0));
    assert_eq!(c["amount_excl_tax"], json!(575000));

    // A modification dated within the contract becomes an amendment once,
    // however often the document is imported.
    let mut fixed = doc.clone();
    let m = &mut fixed["marches"]["marche"][1]["modifications"][0]["modification"];
    m["dateNotificationModification"] = json!("2025-10-18");
    m["dureeMois"] = json!(60);
    for expected in [1, 0] {
        let r = import(&app, &fac(), &fixed, "").await.json();
        assert_eq!(r["amendments"], json!(expected), "{r}");
    }
    let c = contract_by_reference(&app, "TEST2022Bis").await;
    assert_eq!(c["amendments"], json!(1));
    assert_eq!(c["amount_excl_tax"], json!(123457.87));
    // 2024-05-15 + 60 months − 1 day.
    assert_eq!(c["end_date"], "2029-05-14");
    assert_eq!(c["initial_end_date"], "2028-05-14");
}
