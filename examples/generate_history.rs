//! Writes a generated territory history for `bench/history.sh`: one
//! workbook and the same rows as five CSV files (`;`, decimal commas,
//! DD/MM/YYYY dates, as French Excel writes them), plus `expected.json`,
//! each year's hours summed here, exactly, in hundredths.
//!
//!   cargo run --release --example generate_history -- DIR [PEOPLE PLACEMENTS MONTHS]

use std::collections::BTreeMap;
use std::io::Write;

use rust_xlsxwriter::Workbook;

const BUYERS: usize = 20;
const COMPANIES: usize = 200;
const CONTRACTS: usize = 300;

/// A SIRET with its Luhn check digit.
fn siret(prefix: u64) -> String {
    let body = format!("{prefix:013}");
    for check in 0..10 {
        let s = format!("{body}{check}");
        let sum: u32 = s
            .bytes()
            .rev()
            .enumerate()
            .map(|(i, b)| {
                let d = u32::from(b - b'0');
                if i % 2 == 1 {
                    let d = d * 2;
                    if d > 9 {
                        d - 9
                    } else {
                        d
                    }
                } else {
                    d
                }
            })
            .sum();
        if sum % 10 == 0 {
            return s;
        }
    }
    unreachable!("one check digit fits")
}

fn ymd(y: i32, m: u32, d: u32) -> chrono::NaiveDate {
    chrono::NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

fn add_months(d: chrono::NaiveDate, n: u32) -> chrono::NaiveDate {
    d.checked_add_months(chrono::Months::new(n)).unwrap()
}

fn french(d: chrono::NaiveDate) -> String {
    d.format("%d/%m/%Y").to_string()
}

/// Hundredths as `151,67`.
fn comma(h: u64) -> String {
    format!("{},{:02}", h / 100, h % 100)
}

/// A sheet's name, header and rows.
type Sheet = (&'static str, Vec<&'static str>, Vec<Vec<String>>);

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let dir = std::path::PathBuf::from(args.get(1).expect("DIR"));
    let n = |i: usize, default: usize| args.get(i).map_or(default, |s| s.parse().unwrap());
    let (people, placements, months) = (n(2, 20_000), n(3, 30_000), n(4, 300_000));
    let per_placement = months / placements;
    std::fs::create_dir_all(&dir).unwrap();

    let mut sheets: Vec<Sheet> = Vec::new();
    let buyer = |b: usize| siret(2191000000000 + b as u64 * 7);
    let company = |c: usize| siret(7328293200000 + c as u64 * 13);
    let mut rows = Vec::new();
    for b in 0..BUYERS {
        rows.push(vec![buyer(b), format!("Commune {b}"), "buyer".into()]);
    }
    for c in 0..COMPANIES {
        rows.push(vec![
            company(c),
            format!("Entreprise {c}"),
            "company".into(),
        ]);
    }
    sheets.push(("organisations", vec!["siret", "name", "kind"], rows));

    let mut rows = Vec::new();
    for k in 0..CONTRACTS {
        rows.push(vec![
            buyer(k % BUYERS),
            format!("M-{k:04}"),
            company(k % COMPANIES),
            format!("Travaux {k}"),
            "execution_condition".into(),
            french(ymd(2016, 1, 1)),
            french(ymd(2025, 12, 31)),
            "12000".into(),
        ]);
    }
    sheets.push((
        "contracts",
        vec![
            "buyer",
            "reference",
            "holder",
            "title",
            "clause_type",
            "start_date",
            "end_date",
            "commitment_hours",
        ],
        rows,
    ));

    let mut rows = Vec::new();
    for p in 0..people {
        rows.push(vec![
            format!("H-{p:06}"),
            format!("Nom{p}"),
            format!("Prénom{p}"),
            if p % 9 == 0 { "F" } else { "M" }.into(),
            french(ymd(
                1965 + (p % 35) as i32,
                1 + (p % 12) as u32,
                1 + (p % 28) as u32,
            )),
            format!("91{:03}", p % 1000),
            "rsa".into(),
        ]);
    }
    sheets.push((
        "beneficiaries",
        vec![
            "person_ref",
            "last_name",
            "first_name",
            "sex",
            "birth_date",
            "postal_code",
            "eligibility",
        ],
        rows,
    ));

    let mut placement_rows = Vec::new();
    let mut hour_rows = Vec::new();
    let mut expected: BTreeMap<i32, u64> = BTreeMap::new();
    for i in 0..placements {
        let person = i % people;
        // A person's second placement is on another contract.
        let contract = (i * 7 + (i / people) * 11) % CONTRACTS;
        let start = add_months(ymd(2017, 1, 1), (i % 60) as u32);
        let end = add_months(start, per_placement as u32).pred_opt().unwrap();
        let key = vec![
            format!("H-{person:06}"),
            buyer(contract % BUYERS),
            format!("M-{contract:04}"),
            french(start),
        ];
        let mut row = key.clone();
        row.extend([
            company(contract % COMPANIES),
            "direct_fixed_term".into(),
            "Ouvrier".into(),
            french(end),
        ]);
        placement_rows.push(row);
        for m in 0..per_placement {
            let month = add_months(start, m as u32);
            // 100.00 to 149.99 hours, under the 48-hour cap of any month.
            let hundredths = 10_000 + ((i * 31 + m * 17) % 5_000) as u64;
            *expected.entry(chrono::Datelike::year(&month)).or_default() += hundredths;
            let mut row = key.clone();
            row.extend([month.format("%Y-%m").to_string(), comma(hundredths)]);
            hour_rows.push(row);
        }
    }
    sheets.push((
        "placements",
        vec![
            "person_ref",
            "buyer",
            "contract_reference",
            "start_date",
            "employer",
            "modality",
            "job_title",
            "end_date",
        ],
        placement_rows,
    ));
    sheets.push((
        "hours",
        vec![
            "person_ref",
            "buyer",
            "contract_reference",
            "start_date",
            "month",
            "worked_hours",
        ],
        hour_rows,
    ));

    let mut book = Workbook::new();
    for (name, header, rows) in &sheets {
        let mut csv = std::io::BufWriter::new(
            std::fs::File::create(dir.join(format!("{name}.csv"))).unwrap(),
        );
        writeln!(csv, "{}", header.join(";")).unwrap();
        let s = book.add_worksheet();
        s.set_name(*name).unwrap();
        for (c, h) in header.iter().enumerate() {
            s.write_string(0, c as u16, *h).unwrap();
        }
        for (r, row) in rows.iter().enumerate() {
            writeln!(csv, "{}", row.join(";")).unwrap();
            for (c, cell) in row.iter().enumerate() {
                // The workbook holds numbers as numbers; CSV as text.
                if header[c] == "worked_hours" || header[c] == "commitment_hours" {
                    let v: f64 = cell.replace(',', ".").parse().unwrap();
                    s.write_number(r as u32 + 1, c as u16, v).unwrap();
                } else {
                    s.write_string(r as u32 + 1, c as u16, cell).unwrap();
                }
            }
        }
    }
    book.save(dir.join("history.xlsx")).unwrap();
    let expected: BTreeMap<String, String> = expected
        .into_iter()
        .map(|(y, h)| (y.to_string(), format!("{}.{:02}", h / 100, h % 100)))
        .collect();
    std::fs::write(
        dir.join("expected.json"),
        serde_json::to_string_pretty(&expected).unwrap(),
    )
    .unwrap();
    eprintln!(
        "{}: {people} people, {placements} placements, {} months",
        dir.display(),
        placements * per_placement
    );
}
