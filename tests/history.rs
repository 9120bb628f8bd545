//! Importing a territory's history through HTTP: the template, a messy
//! workbook, messy CSV files in Windows-1252, the all-or-nothing rule, the
//! re-import, the figures after, and the files refused whole.

use diesel::prelude::*;
use diesel::sql_types::BigInt;
use rust_xlsxwriter::{ExcelDateTime, Format, Workbook};
use serde_json::{json, Value};

use crate::common::{fac, spawn, token, Res, TestApp};
use clauses::auth::Role;

const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

async fn post(app: &TestApp, query: &str, media: &str, body: Vec<u8>) -> Res {
    app.send(
        "POST",
        &format!("/api/v1/imports/history{query}"),
        Some(&fac()),
        &[("Content-Type", media)],
        Some(body),
    )
    .await
}

fn count(app: &TestApp, table: &str) -> i64 {
    #[derive(QueryableByName)]
    struct N {
        #[diesel(sql_type = BigInt)]
        n: i64,
    }
    diesel::sql_query(format!("SELECT count(*) AS n FROM {table}"))
        .get_result::<N>(&mut app.db.conn())
        .unwrap()
        .n
}

/// The errors as (sheet, row, column), sorted.
fn errors(body: &Value) -> Vec<(String, u64, String)> {
    let mut out: Vec<_> = body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["sheet"].as_str().unwrap().to_string(),
                e["row"].as_u64().unwrap(),
                e["column"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    out.sort();
    out
}

fn counts(body: &Value, sheet: &str) -> [u64; 5] {
    let s = &body["sheets"][sheet];
    ["rows", "created", "updated", "unchanged", "refused"].map(|k| {
        s[k].as_u64()
            .unwrap_or_else(|| panic!("{sheet}.{k} in {body}"))
    })
}

#[actix_rt::test]
async fn the_template_downloads_and_imports_cleanly_then_again_unchanged() {
    let app = spawn().await;
    let res = app
        .get("/api/v1/imports/history/template.xlsx", &fac())
        .await;
    assert_eq!(res.status, 200);
    assert_eq!(res.content_type(), XLSX);
    let template = res.body.clone();
    let mut book: calamine::Xlsx<_> =
        calamine::open_workbook_from_rs(std::io::Cursor::new(template.clone())).unwrap();
    use calamine::Reader;
    assert_eq!(
        book.sheet_names(),
        [
            "organisations",
            "contracts",
            "beneficiaries",
            "placements",
            "hours",
            "codes"
        ]
    );
    let codes = book.worksheet_range("codes").unwrap();
    assert!(codes.rows().any(|r| r[0] == "eligibility" && r[1] == "rsa"));

    let dry = post(&app, "", XLSX, template.clone()).await;
    assert_eq!(dry.status, 200, "{}", String::from_utf8_lossy(&dry.body));
    let body = dry.json();
    assert_eq!(body["dry_run"], true);
    assert_eq!(body["errors"], json!([]), "{body}");
    assert_eq!(counts(&body, "organisations"), [2, 2, 0, 0, 0]);
    assert_eq!(counts(&body, "hours"), [1, 1, 0, 0, 0]);
    assert_eq!(count(&app, "beneficiaries"), 0, "a dry run writes nothing");

    let done = post(&app, "?dry_run=false", XLSX, template.clone()).await;
    assert_eq!(done.status, 200, "{}", String::from_utf8_lossy(&done.body));
    let body = done.json();
    assert_eq!(body["dry_run"], false);
    for sheet in ["contracts", "beneficiaries", "placements", "hours"] {
        assert_eq!(counts(&body, sheet), [1, 1, 0, 0, 0], "{sheet}");
    }
    let people = app.get("/api/v1/beneficiaries", &fac()).await.json();
    assert_eq!(people["items"][0]["external_ref"], "P-000123");
    assert_eq!(people["items"][0]["first_name"], "Karim");
    assert_eq!(
        people["items"][0]["eligibility"],
        json!(["long_term_unemployed", "rsa"])
    );
    let contracts = app.get("/api/v1/contracts", &fac()).await.json();
    // 1,200,000 × 0.4 × 0.05 / 30
    assert_eq!(contracts["items"][0]["commitment_hours"], json!(800));
    assert_eq!(contracts["items"][0]["commitment_source"], "computed");

    // The import is one entry of the access trail, with its counts; each
    // person it wrote has their own.
    #[derive(QueryableByName)]
    struct Entry {
        #[diesel(sql_type = diesel::sql_types::Text)]
        sub: String,
        #[diesel(sql_type = diesel::sql_types::Jsonb)]
        details: Value,
    }
    let entries: Vec<Entry> =
        diesel::sql_query("SELECT sub, details FROM access_trail WHERE action = 'import'")
            .load(&mut app.db.conn())
            .unwrap();
    assert_eq!(entries.len(), 1);
    assert_eq!(entries[0].details["hours"]["created"], 1);
    assert!(!entries[0].sub.is_empty());
    let id = people["items"][0]["id"].as_str().unwrap();
    let trail = app
        .get(&format!("/api/v1/beneficiaries/{id}/access-log"), &fac())
        .await;
    assert_eq!(trail.status, 200);
    assert_eq!(trail.json()["items"][0]["action"], "create");
    // In the change feed.
    let changes = app.changes_at_least(&fac(), 4).await;
    for entity in ["contract", "beneficiary", "placement", "hours"] {
        assert!(
            changes.iter().any(|c| c["entity"] == entity),
            "{entity} in {changes:?}"
        );
    }

    let again = post(&app, "?dry_run=false", XLSX, template).await;
    assert_eq!(again.status, 200);
    let body = again.json();
    for sheet in [
        "organisations",
        "contracts",
        "beneficiaries",
        "placements",
        "hours",
    ] {
        let [rows, created, updated, unchanged, refused] = counts(&body, sheet);
        assert_eq!((created, updated, refused), (0, 0, 0), "{sheet}: {body}");
        assert_eq!(unchanged, rows, "{sheet}");
    }
    assert_eq!(count(&app, "monthly_hours"), 1);
}

/// A workbook as people have them: sheets and headers in any case and
/// language, dates as date cells, day numbers and text, numbers as text,
/// SIRETs with blanks, stray blank rows, and refused rows among the good.
fn messy_workbook(with_bad_rows: bool) -> Vec<u8> {
    let mut book = Workbook::new();
    let date = Format::new().set_num_format("dd/mm/yyyy");
    let day = |y: u16, m: u8, d: u8| ExcelDateTime::from_ymd(y, m, d).unwrap();

    let s = book.add_worksheet().set_name("ORGANISATIONS").unwrap();
    for (c, h) in ["Siret ", "Raison sociale", "TYPE", "Catégorie d'acheteur"]
        .iter()
        .enumerate()
    {
        s.write(0, c as u16, *h).unwrap();
    }
    s.write(1, 0, 21910001922678_f64).unwrap();
    s.write(1, 1, "Ville de Grigny").unwrap();
    s.write(1, 2, "buyer").unwrap();
    s.write(1, 3, "Municipality").unwrap();
    s.write(2, 0, " 732 829 320 00074 ").unwrap();
    s.write(2, 1, "Bâtiment Essonne").unwrap();
    s.write(2, 2, "company").unwrap();
    s.write(3, 1, "PLIE Nord Essonne").unwrap();
    s.write(3, 2, "plie").unwrap();
    if with_bad_rows {
        s.write(4, 0, "21910001922679").unwrap();
        s.write(4, 1, "SIRET faux").unwrap();
        s.write(4, 2, "company").unwrap();
    }

    let s = book.add_worksheet().set_name("Marchés").unwrap();
    for (c, h) in [
        "Acheteur",
        "Référence du marché",
        "Titulaire",
        "Objet",
        "Type de clause",
        "Date de début",
        "Date de fin",
        "Heures d'insertion prescrites",
    ]
    .iter()
    .enumerate()
    {
        s.write(0, c as u16, *h).unwrap();
    }
    s.write(1, 0, "ville de grigny ").unwrap();
    s.write(1, 1, "2018-GR-001").unwrap();
    s.write(1, 2, "73282932000074").unwrap();
    s.write(1, 3, "Groupe scolaire").unwrap();
    s.write(1, 4, "execution_condition").unwrap();
    s.write_datetime_with_format(1, 5, day(2018, 1, 1), &date)
        .unwrap();
    s.write(1, 6, "31/12/2019").unwrap();
    s.write(1, 7, 1000).unwrap();

    let s = book.add_worksheet().set_name("beneficiaries").unwrap();
    for (c, h) in [
        "person_ref",
        "Nom",
        "Prénom",
        "sex",
        "Date de naissance",
        "postal_code",
        "eligibility",
        "referent",
    ]
    .iter()
    .enumerate()
    {
        s.write(0, c as u16, *h).unwrap();
    }
    // 1990-01-01 as a day number in a cell with no date format.
    for (c, v) in ["P1", "Diallo", "Moussa", "M"].iter().enumerate() {
        s.write(1, c as u16, *v).unwrap();
    }
    s.write(1, 4, 32874).unwrap();
    s.write(1, 5, 91350).unwrap();
    s.write(1, 6, "rsa").unwrap();
    // Row 3 stays blank; row 4 is Awa.
    for (c, v) in [
        "P2",
        "Traoré",
        "Awa",
        "f",
        " 15/06/1985 ",
        "91100",
        "RSA ; long_term_unemployed",
        "PLIE Nord Essonne",
    ]
    .iter()
    .enumerate()
    {
        s.write(3, c as u16, *v).unwrap();
    }
    if with_bad_rows {
        for (c, v) in ["P3", "Petit", "Léo", "M", "2015-01-01", "91100", "rsa"]
            .iter()
            .enumerate()
        {
            s.write(4, c as u16, *v).unwrap();
        }
    }

    let s = book.add_worksheet().set_name("Placements").unwrap();
    for (c, h) in [
        "person_ref",
        "buyer",
        "contract_reference",
        "start_date",
        "employer",
        "modality",
        "job_title",
        "end_date",
    ]
    .iter()
    .enumerate()
    {
        s.write(0, c as u16, *h).unwrap();
    }
    let placement = |s: &mut rust_xlsxwriter::Worksheet, r: u32, who: &str, start: &str| {
        for (c, v) in [
            who,
            "21910001922678",
            "2018-GR-001",
            start,
            "Bâtiment Essonne",
            "direct_fixed_term",
            "Maçon",
        ]
        .iter()
        .enumerate()
        {
            s.write(r, c as u16, *v).unwrap();
        }
    };
    placement(s, 1, "P1", "2018-02-01");
    placement(s, 2, "P2", "01/03/2018");
    if with_bad_rows {
        placement(s, 3, "P1", "2020-06-01");
        placement(s, 4, "P3", "2018-03-01");
    }

    let s = book.add_worksheet().set_name("Heures").unwrap();
    for (c, h) in [
        "person_ref",
        "buyer",
        "contract_reference",
        "start_date",
        "Mois",
        "worked_hours",
        "training_hours",
        "status",
        "reason",
    ]
    .iter()
    .enumerate()
    {
        s.write(0, c as u16, *h).unwrap();
    }
    let mut r = 1;
    let mut month = |s: &mut rust_xlsxwriter::Worksheet,
                     who: &str,
                     start: &str,
                     m: &str,
                     w: f64,
                     status: &str| {
        for (c, v) in [who, "Ville de Grigny", "2018-GR-001", start, m]
            .iter()
            .enumerate()
        {
            s.write(r, c as u16, *v).unwrap();
        }
        s.write(r, 5, w).unwrap();
        if !status.is_empty() {
            s.write(r, 7, status).unwrap();
        }
        r += 1;
    };
    month(s, "P1", "2018-02-01", "2018-02", 151.67, "");
    month(s, "P1", "2018-02-01", "03/2018", 140.0, "Validated");
    month(s, "P2", "2018-03-01", "2019-02", 100.0, "");
    if with_bad_rows {
        month(s, "P2", "2018-03-01", "2018-03", 250.0, "");
        month(s, "P2", "2018-03-01", "2019-01", 35.0, "rejected");
        month(s, "P9", "2018-03-01", "2019-01", 35.0, "");
    }
    book.save_to_buffer().unwrap()
}

#[actix_rt::test]
async fn a_messy_workbook_is_judged_row_by_row_all_or_nothing() {
    let app = spawn().await;
    let messy = messy_workbook(true);
    let dry = post(&app, "", XLSX, messy.clone()).await;
    assert_eq!(dry.status, 200, "{}", String::from_utf8_lossy(&dry.body));
    let body = dry.json();
    assert_eq!(
        errors(&body),
        [
            ("beneficiaries".into(), 5, "birth_date".into()),
            ("hours".into(), 5, "worked_hours".into()),
            ("hours".into(), 6, "reason".into()),
            ("hours".into(), 7, "person_ref".into()),
            ("organisations".into(), 5, "siret".into()),
            ("placements".into(), 4, "start_date".into()),
            ("placements".into(), 5, "person_ref".into()),
        ],
        "{body}"
    );
    assert_eq!(body["errors_total"], 7);
    assert_eq!(counts(&body, "organisations"), [4, 3, 0, 0, 1]);
    assert_eq!(counts(&body, "contracts"), [1, 1, 0, 0, 0]);
    assert_eq!(counts(&body, "beneficiaries"), [3, 2, 0, 0, 1]);
    assert_eq!(counts(&body, "placements"), [4, 2, 0, 0, 2]);
    assert_eq!(counts(&body, "hours"), [6, 3, 0, 0, 3]);
    let message = |sheet: &str, row: u64| {
        body["errors"]
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["sheet"] == sheet && e["row"] == row)
            .unwrap()["message"]
            .as_str()
            .unwrap()
            .to_string()
    };
    assert!(message("beneficiaries", 5).contains("at least 16"));
    assert!(message("placements", 5).contains("refused at row 5 of beneficiaries"));
    assert!(message("hours", 5).contains("48 hours a week"));

    // A commit with refused rows writes nothing.
    let refused = post(&app, "?dry_run=false", XLSX, messy).await;
    let problem = refused.problem(422);
    assert_eq!(problem["errors_total"], 7);
    assert_eq!(problem["dry_run"], false);
    for table in [
        "beneficiaries",
        "placements",
        "monthly_hours",
        "contracts",
        "organisations",
    ] {
        assert_eq!(count(&app, table), 0, "{table}");
    }
    assert_eq!(count(&app, "access_trail"), 0);

    // Without the bad rows it all goes in, in one transaction.
    let clean = post(&app, "?dry_run=false", XLSX, messy_workbook(false)).await;
    assert_eq!(
        clean.status,
        200,
        "{}",
        String::from_utf8_lossy(&clean.body)
    );
    assert_eq!(count(&app, "monthly_hours"), 3);
    let people = app.get("/api/v1/beneficiaries", &fac()).await.json();
    let awa = people["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["external_ref"] == "P2")
        .unwrap()
        .clone();
    assert_eq!(awa["birth_date"], "1985-06-15");
    assert_eq!(awa["sex"], "F");
    assert_eq!(awa["eligibility"], json!(["long_term_unemployed", "rsa"]));
    assert!(awa["referent_id"].is_string());
    let moussa = people["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["external_ref"] == "P1")
        .unwrap()
        .clone();
    assert_eq!(moussa["birth_date"], "1990-01-01");
    assert_eq!(moussa["postal_code"], "91350");

    // The figures count what it brought, and 2018 is 2019's previous year.
    let f2018 = app
        .get("/api/v1/stats/key-figures?year=2018", &fac())
        .await
        .json();
    assert_eq!(f2018["hours"], json!(291.67), "{f2018}");
    let f2019 = app
        .get("/api/v1/stats/key-figures?year=2019", &fac())
        .await
        .json();
    assert_eq!(f2019["hours"], json!(100), "{f2019}");
    assert_eq!(f2019["previous_year_hours"], json!(291.67));
    assert_eq!(f2019["hours_change"], json!(-191.67));
}

fn windows_1252(text: &str) -> Vec<u8> {
    let (bytes, _, unmappable) = encoding_rs::WINDOWS_1252.encode(text);
    assert!(!unmappable);
    bytes.into_owned()
}

async fn csv(app: &TestApp, sheet: &str, commit: bool, text: &str) -> Res {
    let query = format!("?sheet={sheet}&dry_run={}", !commit);
    post(
        app,
        &query,
        "text/csv; charset=windows-1252",
        windows_1252(text),
    )
    .await
}

#[actix_rt::test]
async fn messy_csv_files_in_windows_1252_with_semicolons_and_decimal_commas() {
    let app = spawn().await;
    let orgs = "SIRET;Raison sociale;Type\r\n\
        21910001922678;Ville de Grigny;buyer\r\n\
        732 829 320 00074;Bâtiment Essonne;company\r\n";
    let res = csv(&app, "organisations", true, orgs).await;
    assert_eq!(res.status, 200, "{}", String::from_utf8_lossy(&res.body));
    assert_eq!(counts(&res.json(), "organisations"), [2, 2, 0, 0, 0]);

    let contracts = "Acheteur;Référence du marché;Titulaire;Objet;Type de clause;Date de début;Date de fin;Montant HT;Part de main-d'œuvre;Taux d'insertion;Coût horaire\r\n\
        21910001922678;2018-GR-001;Bâtiment Essonne;Rénovation énergétique;execution_condition;01/01/2018;31/12/2019;1 000 000;0,4;0,05;25\r\n";
    let res = csv(&app, "contracts", true, contracts).await;
    assert_eq!(res.status, 200, "{}", String::from_utf8_lossy(&res.body));

    let people = "Identifiant de la personne;Nom;Prénom;Sexe;Date de naissance;Code postal;Critères d'éligibilité\r\n\
        A-1; Lefèvre ;Zoé;F;03/04/1992;91100;rsa\r\n\
        A-2;Nguyễn;Minh;M;1988-11-30;91000;ass\r\n";
    // Nguyễn has a letter Windows-1252 lacks: the file says Nguyen.
    let people = people.replace("Nguyễn", "Nguyen");
    let res = csv(&app, "beneficiaries", true, &people).await;
    assert_eq!(res.status, 200, "{}", String::from_utf8_lossy(&res.body));

    let placements =
        "person_ref;buyer;contract_reference;start_date;employer;modality;job_title\r\n\
        A-1;21910001922678;2018-GR-001;01/02/2018;73282932000074;direct_fixed_term;Peintre\r\n\
        A-2;21910001922678;2018-GR-001;01/02/2018;73282932000074;apprenticeship;Électricien\r\n";
    let res = csv(&app, "placements", true, placements).await;
    assert_eq!(res.status, 200, "{}", String::from_utf8_lossy(&res.body));

    let hours =
        "person_ref;buyer;contract_reference;start_date;month;worked_hours;training_hours\r\n\
        A-1;21910001922678;2018-GR-001;01/02/2018;2018-02;151,67;0\r\n\
        A-1;21910001922678;2018-GR-001;01/02/2018;2018-03;140,5;7,25\r\n\
        A-2;21910001922678;2018-GR-001;01/02/2018;2018-02;80;\r\n";
    let res = csv(&app, "hours", true, hours).await;
    assert_eq!(res.status, 200, "{}", String::from_utf8_lossy(&res.body));
    assert_eq!(counts(&res.json(), "hours"), [3, 3, 0, 0, 0]);

    let list = app.get("/api/v1/beneficiaries", &fac()).await.json();
    let zoe = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["external_ref"] == "A-1")
        .unwrap()
        .clone();
    assert_eq!(zoe["last_name"], "Lefèvre");
    assert_eq!(zoe["first_name"], "Zoé");
    let f = app
        .get("/api/v1/stats/key-figures?year=2018", &fac())
        .await
        .json();
    // Worked and training hours: 151.67 + 140.5 + 7.25 + 80, exact.
    assert_eq!(f["hours"], json!(379.42), "{f}");

    // Again: unchanged; a corrected row updates its month alone.
    let res = csv(&app, "hours", true, hours).await;
    assert_eq!(counts(&res.json(), "hours"), [3, 0, 0, 3, 0]);
    let corrected = hours.replace("140,5;7,25", "141,5;7,25");
    let res = csv(&app, "hours", true, &corrected).await;
    assert_eq!(counts(&res.json(), "hours"), [3, 0, 1, 2, 0]);
    let f = app
        .get("/api/v1/stats/key-figures?year=2018", &fac())
        .await
        .json();
    assert_eq!(f["hours"], json!(380.42), "{f}");

    // UTF-8 with a BOM and commas reads the same.
    let utf8 = "\u{feff}person_ref,last_name,first_name,sex,birth_date,postal_code,eligibility\n\
        A-1,Lefèvre,Zoé,F,1992-04-03,91100,rsa\n";
    let res = post(
        &app,
        "?sheet=beneficiaries",
        "text/csv",
        utf8.as_bytes().to_vec(),
    )
    .await;
    assert_eq!(counts(&res.json(), "beneficiaries"), [1, 0, 0, 1, 0]);
}

#[actix_rt::test]
async fn files_that_cannot_be_read_are_refused_whole() {
    let app = spawn().await;
    let fields = |res: &Res| -> Vec<String> { res.fields() };
    // Not what the content type says.
    let res = post(&app, "", XLSX, b"person_ref;name\nP1;x\n".to_vec()).await;
    assert_eq!(fields(&res), ["body"]);
    let res = post(&app, "?sheet=hours", "text/csv", messy_workbook(false)).await;
    assert_eq!(fields(&res), ["body"]);
    // A sheet that does not exist, or none named.
    let res = post(&app, "?sheet=people", "text/csv", b"a\n".to_vec()).await;
    assert_eq!(fields(&res), ["sheet"]);
    let res = post(&app, "", "text/csv", b"a\n".to_vec()).await;
    assert_eq!(fields(&res), ["sheet"]);
    let res = post(&app, "?sheet=contracts", XLSX, messy_workbook(false)).await;
    assert_eq!(res.status, 200, "a workbook's one sheet");
    let mut book = Workbook::new();
    book.add_worksheet().set_name("Feuil1").unwrap();
    let res = post(&app, "", XLSX, book.save_to_buffer().unwrap()).await;
    assert_eq!(fields(&res), ["body"]);
    // Ragged rows, an unknown or repeated column.
    let res = post(
        &app,
        "?sheet=hours",
        "text/csv",
        b"person_ref;buyer;contract_reference;start_date\nP1;B;R;2019-01-01;extra\n".to_vec(),
    )
    .await;
    let body = res.problem(422);
    assert!(body["errors"][0]["message"]
        .as_str()
        .unwrap()
        .contains("row 2"));
    let res = post(
        &app,
        "?sheet=beneficiaries",
        "text/csv",
        b"person_ref;colour;Person Ref\nP1;red;P1\n".to_vec(),
    )
    .await;
    let body = res.problem(422);
    let messages: Vec<&str> = body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["message"].as_str().unwrap())
        .collect();
    assert!(
        messages[0].contains("\"colour\"") && messages[1].contains("repeats"),
        "{messages:?}"
    );
    // An XLSX bomb: a small file that inflates past the limit.
    let mut bomb = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    bomb.start_file(
        "xl/worksheets/sheet1.xml",
        zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated),
    )
    .unwrap();
    std::io::Write::write_all(&mut bomb, &vec![b'0'; 64 << 20]).unwrap();
    let bytes = bomb.finish().unwrap().into_inner();
    assert!(bytes.len() < 1 << 20);
    post(&app, "?dry_run=false", XLSX, bytes).await.problem(413);
    // A body past 64 MiB.
    post(&app, "", XLSX, vec![0; 65 << 20]).await.problem(413);
    // Another media type, a bad dry_run, another role.
    post(&app, "", "application/json", b"{}".to_vec())
        .await
        .problem(415);
    let res = post(&app, "?dry_run=yes", XLSX, messy_workbook(false)).await;
    assert_eq!(fields(&res), ["dry_run"]);
    let org = app.org("plie", "PLIE Sud").await;
    let res = app
        .send(
            "POST",
            "/api/v1/imports/history",
            Some(&token(Role::Plie, Some(org))),
            &[("Content-Type", XLSX)],
            Some(messy_workbook(false)),
        )
        .await;
    res.problem(403);
    for table in ["beneficiaries", "placements", "monthly_hours", "contracts"] {
        assert_eq!(count(&app, table), 0, "{table}");
    }
}
