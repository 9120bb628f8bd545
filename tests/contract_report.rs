//! The end-of-contract report through HTTP (issue 27): its figures by
//! hand, the same in JSON, in the workbook read back and in the PDF's
//! extracted text; issued reports kept as they were; the waiver; who reads.

use chrono::Datelike;
use serde_json::{json, Value};
use uuid::Uuid;

use crate::common::{fac, id_of, spawn, token, TestApp};
use clauses::auth::Role;

struct Ended {
    app: TestApp,
    buyer: Uuid,
    holder: Uuid,
    contract: Uuid,
    placement: Uuid,
}

/// 2019-01-01 to 2020-12-31, €1,000,000 → 800 h; €60 an hour missing,
/// capped at 20 %. One woman placed, 370.5 hours validated.
async fn ended() -> Ended {
    let app = spawn().await;
    app.post(
        "/api/v1/organisations",
        &fac(),
        &json!({"kind": "facilitator", "name": "MIVE — clause sociale"}),
    )
    .await;
    let buyer = app.org("buyer", "Ville d'Évry-Courcouronnes").await;
    let holder = app.org("company", "Bâtir Ensemble").await;
    let res = app
        .post(
            "/api/v1/contracts",
            &fac(),
            &json!({
                "buyer_id": buyer, "holder_id": holder, "reference": "K-BILAN",
                "title": "Réhabilitation de 120 logements", "clause_type": "execution_condition",
                "start_date": "2019-01-01", "end_date": "2020-12-31",
                "amount_excl_tax": 1000000, "labour_share": 0.40, "insertion_rate": 0.05, "hourly_cost": 25,
                "penalty_per_missing_hour": 60, "penalty_cap_rate": 0.20
            }),
        )
        .await;
    let contract = id_of(&res);
    let person = app.person(None, "Diallo", "F", "2000-03-14").await;
    let placement = app
        .placement(person, contract, holder, "2019-03-01", Some("2020-02-29"))
        .await;
    for (month, hours) in [("2019-03", "120"), ("2019-04", "150.5"), ("2020-02", "100")] {
        assert_eq!(app.hours(placement, month, hours).await.status, 201);
    }
    Ended {
        app,
        buyer,
        holder,
        contract,
        placement,
    }
}

#[actix_web::test]
async fn the_report_states_the_figures_in_json_xlsx_and_pdf_alike() {
    let e = ended().await;
    let app = &e.app;
    let path = format!("/api/v1/contracts/{}/report", e.contract);
    let res = app.get(&path, &fac()).await;
    assert_eq!(res.status, 200, "{}", String::from_utf8_lossy(&res.body));
    let r = res.json();
    assert_eq!(r["issuer"], "MIVE — clause sociale");
    assert_eq!(r["as_of"], "2020-12-31");
    assert_eq!(r["ended"], true);
    assert_eq!(r["number"], Value::Null);
    assert_eq!(r["contract"]["buyer"], "Ville d'Évry-Courcouronnes");
    assert_eq!(r["commitment_hours"], json!(800));
    assert_eq!(r["validated_hours"], json!(370.5));
    // 370.5 ÷ 800 = 0.463125 → 0.4631.
    assert_eq!(r["share_done"], json!(0.4631));
    assert_eq!(r["expected_hours_to_date"], json!(800));
    assert_eq!(r["status"], "behind");
    let months = r["hours_by_month"].as_array().unwrap();
    assert_eq!(months.len(), 24);
    assert_eq!(months[2]["month"], "2019-03");
    assert_eq!(months[2]["hours"], json!(120));
    assert_eq!(months[23]["cumulative_hours"], json!(370.5));
    assert_eq!(months[23]["expected_hours"], json!(800));
    // 800 × 31 / 731 days = 33.93 by the end of January 2019.
    assert_eq!(months[0]["expected_hours"], json!(33.93));
    assert_eq!(r["hours_by_modality"][0]["modality"], "direct_fixed_term");
    assert_eq!(r["hours_by_modality"][0]["hours"], json!(370.5));
    assert_eq!(r["people"]["participants"], json!(1));
    assert_eq!(r["people"]["women"], json!(1));
    assert_eq!(r["people"]["under_26"], json!(1));
    assert_eq!(r["employment_contracts"], json!(1));
    assert_eq!(r["outcomes"]["ended"], json!(1));
    assert_eq!(r["commitment_history"][0]["kind"], "signed");
    // 800 − 370.5 = 429.5 h × €60 = €25,770, under the cap of €200,000.
    let penalty = &r["penalty"];
    assert_eq!(penalty["missing_hours"], json!(429.5));
    assert_eq!(penalty["rate"], json!(60));
    assert_eq!(penalty["cap"], json!(200000));
    assert_eq!(penalty["amount"], json!(25770));
    assert_eq!(penalty["due"], true);
    assert_eq!(penalty["waived"], false);

    // The workbook: a sheet per table, the same figures, a native chart.
    let res = app.get(&format!("{path}.xlsx"), &fac()).await;
    assert_eq!(res.status, 200);
    assert!(res
        .header("content-disposition")
        .unwrap()
        .contains("bilan-K-BILAN.xlsx"));
    use calamine::{Data, Reader, Xlsx};
    let mut book = Xlsx::new(std::io::Cursor::new(res.body.clone())).unwrap();
    assert_eq!(
        book.sheet_names(),
        [
            "Marché",
            "Engagement",
            "Heures par mois",
            "Modalités",
            "Personnes",
            "Sorties",
            "Pénalité"
        ]
    );
    let months_sheet = book.worksheet_range("Heures par mois").unwrap();
    assert_eq!(months_sheet.get_size().0, 25);
    assert_eq!(months_sheet.get((3, 1)), Some(&Data::Float(120.0)));
    assert_eq!(months_sheet.get((24, 2)), Some(&Data::Float(370.5)));
    let penalty_sheet = book.worksheet_range("Pénalité").unwrap();
    assert_eq!(penalty_sheet.get((4, 1)), Some(&Data::Float(25770.0)));
    // Zip entry names are stored in the clear.
    let has = |needle: &[u8]| res.body.windows(needle.len()).any(|w| w == needle);
    assert!(has(b"xl/charts/chart1.xml"), "no chart in the workbook");

    // The PDF: its text, extracted, holds the same figures.
    let res = app.get(&format!("{path}.pdf"), &fac()).await;
    assert_eq!(res.status, 200);
    assert_eq!(res.content_type(), "application/pdf");
    assert!(res.body.starts_with(b"%PDF-"));
    let text = pdf_extract::extract_text_from_mem(&res.body).unwrap();
    for needle in [
        "MIVE — clause sociale",
        "Bilan de la clause sociale d'insertion",
        "K-BILAN",
        "Ville d'Évry-Courcouronnes",
        "370,5 h",
        "429,5 h",
        "25 770 €",
        "200 000 €",
        "46,31 %",
        "Page 1 / ",
    ] {
        assert!(
            text.contains(needle),
            "{needle:?} not in the PDF's text:\n{text}"
        );
    }
    let pages = text.matches("Page ").count();
    assert!(pages >= 2, "{pages} pages");
    assert!(text.contains(&format!("Page {pages} / {pages}")));

    // The same through ?format= and Accept; any other format is refused.
    let res = app.get(&format!("{path}?format=pdf"), &fac()).await;
    assert_eq!(res.content_type(), "application/pdf");
    let res = app
        .send(
            "GET",
            &path,
            Some(&fac()),
            &[(
                "Accept",
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            )],
            None,
        )
        .await;
    assert!(res
        .content_type()
        .starts_with("application/vnd.openxmlformats"));
    let res = app.get(&format!("{path}?format=csv"), &fac()).await;
    assert_eq!(res.fields(), ["format"]);
    let res = app.get(&format!("{path}.pdf?format=xlsx"), &fac()).await;
    assert_eq!(res.fields(), ["format"]);
}

#[actix_web::test]
async fn each_reader_gets_the_report_under_the_disclosure_rule() {
    let e = ended().await;
    let app = &e.app;
    let path = format!("/api/v1/contracts/{}/report", e.contract);
    // One person: every attribute figure is "< 5" for the buyer, the
    // Département and the State; the holder gets none.
    let department = app.org("department", "Département de l'Essonne").await;
    for t in [
        token(Role::Buyer, Some(e.buyer)),
        token(Role::State, None),
        token(Role::Department, Some(department)),
    ] {
        let r = app.get(&path, &t).await.json();
        assert_eq!(r["people"]["participants"], json!(1));
        for k in ["women", "men", "under_26", "qpv_residents"] {
            assert_eq!(r["people"][k], "< 5", "{k}");
        }
        assert_eq!(r["hours_by_modality"][0]["people"], "< 5");
        assert_eq!(r["validated_hours"], json!(370.5));
    }
    let r = app
        .get(&path, &token(Role::Company, Some(e.holder)))
        .await
        .json();
    for k in ["women", "men", "under_26", "qpv_residents"] {
        assert_eq!(r["people"][k], Value::Null, "{k}");
    }
    let pdf = app
        .get(&format!("{path}.pdf"), &token(Role::Buyer, Some(e.buyer)))
        .await;
    let text = pdf_extract::extract_text_from_mem(&pdf.body).unwrap();
    assert!(text.contains("< 5"), "{text}");
    // A PLIE reads contracts, not their reports; a stranger sees nothing.
    let plie = app.org("plie", "PLIE Cœur Essonne").await;
    app.get(&path, &token(Role::Plie, Some(plie)))
        .await
        .problem(403);
    let stranger = app.org("company", "Autre").await;
    app.get(&path, &token(Role::Company, Some(stranger)))
        .await
        .problem(404);
    app.get(
        &format!("/api/v1/contracts/{}/report", Uuid::now_v7()),
        &fac(),
    )
    .await
    .problem(404);
}

#[actix_web::test]
async fn issued_reports_stay_as_they_were_and_the_waiver_is_the_facilitators() {
    let e = ended().await;
    let app = &e.app;
    let base = format!("/api/v1/contracts/{}", e.contract);
    let buyer = token(Role::Buyer, Some(e.buyer));
    let holder = token(Role::Company, Some(e.holder));

    // The waiver: a reason required, the facilitator only.
    let waiver = format!("{base}/penalty-waiver");
    assert_eq!(
        app.post(&waiver, &fac(), &json!({})).await.fields(),
        ["reason"]
    );
    assert_eq!(
        app.post(&waiver, &fac(), &json!({"reason": "  "}))
            .await
            .fields(),
        ["reason"]
    );
    app.post(&waiver, &buyer, &json!({"reason": "x"}))
        .await
        .problem(403);
    let res = app
        .post(
            &waiver,
            &fac(),
            &json!({"reason": "Tous les moyens mis en œuvre"}),
        )
        .await;
    assert_eq!(res.status, 204);
    let p = &app.get(&format!("{base}/report"), &buyer).await.json()["penalty"];
    assert_eq!(p["waived"], true);
    assert_eq!(p["due"], false);
    assert_eq!(p["reason"], "Tous les moyens mis en œuvre");
    assert_eq!(p["amount"], json!(25770));
    assert_eq!(
        app.send("DELETE", &waiver, Some(&fac()), &[], None)
            .await
            .status,
        204
    );
    app.send("DELETE", &waiver, Some(&fac()), &[], None)
        .await
        .problem(404);
    app.send("DELETE", &waiver, Some(&buyer), &[], None)
        .await
        .problem(403);
    assert_eq!(
        app.get(&format!("{base}/report"), &fac()).await.json()["penalty"]["due"],
        true
    );

    // Issuing: the facilitator, once ended.
    app.post(&format!("{base}/report"), &buyer, &json!({}))
        .await
        .problem(403);
    let year = chrono::Utc::now().year();
    let res = app
        .post(&format!("{base}/report"), &fac(), &json!({}))
        .await;
    assert_eq!(res.status, 201, "{}", String::from_utf8_lossy(&res.body));
    let first = format!("{base}/reports/{year}-0001");
    assert_eq!(res.header("location").unwrap(), first);
    assert_eq!(res.json()["number"], format!("{year}-0001"));

    // Later hours change the live report, never the issued one.
    assert_eq!(app.hours(e.placement, "2020-01", "30").await.status, 201);
    let live = app.get(&format!("{base}/report"), &fac()).await.json();
    assert_eq!(live["validated_hours"], json!(400.5));
    let kept = app.get(&first, &buyer).await;
    assert_eq!(kept.status, 200, "{}", String::from_utf8_lossy(&kept.body));
    let kept = kept.json();
    assert_eq!(kept["validated_hours"], json!(370.5));
    assert_eq!(kept["number"], format!("{year}-0001"));
    assert_eq!(kept["people"]["women"], "< 5");
    let res = app.get(&format!("{first}.pdf"), &holder).await;
    assert_eq!(res.status, 200);
    let text = pdf_extract::extract_text_from_mem(&res.body).unwrap();
    assert!(text.contains(&format!("Bilan n° {year}-0001")), "{text}");
    assert!(text.contains("370,5 h"));
    let res = app.get(&format!("{first}.xlsx"), &holder).await;
    assert_eq!(res.status, 200);
    let res = app
        .post(&format!("{base}/report"), &fac(), &json!({}))
        .await;
    assert_eq!(res.json()["number"], format!("{year}-0002"));
    assert_eq!(res.json()["validated_hours"], json!(400.5));
    app.get(&format!("{base}/reports/{year}-0009"), &fac())
        .await
        .problem(404);
    let plie = app.org("plie", "PLIE Cœur Essonne").await;
    app.get(&first, &token(Role::Plie, Some(plie)))
        .await
        .problem(403);

    // A running contract's report is not issued.
    let running = app
        .post(
            "/api/v1/contracts",
            &fac(),
            &json!({
                "buyer_id": e.buyer, "holder_id": e.holder, "reference": "K-EN-COURS",
                "title": "Groupe scolaire", "clause_type": "execution_condition",
                "start_date": "2025-01-01", "end_date": "2099-12-31", "commitment_hours": 500
            }),
        )
        .await;
    let running = id_of(&running);
    let res = app
        .post(
            &format!("/api/v1/contracts/{running}/report"),
            &fac(),
            &json!({}),
        )
        .await;
    assert_eq!(res.problem(409)["errors"][0]["field"], "end_date");
    let r = app
        .get(&format!("/api/v1/contracts/{running}/report"), &fac())
        .await
        .json();
    assert_eq!(r["ended"], false);
    assert_eq!(r["penalty"]["due"], false);
    assert_eq!(r["penalty"]["amount"], Value::Null);
}
