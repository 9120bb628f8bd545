//! A file's rows read into typed lines, sheet by sheet, as the reader
//! streams them: each line keeps its spreadsheet row, its keys as written
//! and the cells that did not read; placements are keyed once (a month
//! names its placement by an index, not by four strings).

use std::collections::HashMap;

use chrono::NaiveDate;
use rust_decimal::Decimal;

use crate::domain::calendar::Month;
use crate::domain::codes::{
    BuyerCategory, ClauseType, CommitmentSource, Eligibility, HoursStatus, IdentifierType,
    MarketNature, Modality, OrgKind, QualificationLevel, Sex, SiaeType,
};
use crate::domain::contract::ContractDraft;
use crate::domain::history::{Cells, Header, Sheet, Value};
use crate::domain::organisation::OrganisationDraft;
use crate::domain::person::PersonDraft;
use crate::domain::standing::Pricing;
use crate::error::FieldError;
use crate::sheets::Visitor;

/// A cell refused: its column and why.
pub type CellError = (&'static str, String);

pub struct OrgLine {
    pub row: u32,
    pub errors: Vec<CellError>,
    pub draft: OrganisationDraft,
}

pub struct ContractLine {
    pub row: u32,
    pub errors: Vec<CellError>,
    pub buyer: Option<String>,
    pub holder: Option<String>,
    pub commitment_given: bool,
    pub draft: ContractDraft,
}

pub struct PersonLine {
    pub row: u32,
    pub errors: Vec<CellError>,
    pub person_ref: Option<String>,
    pub referent: Option<String>,
    pub draft: PersonDraft,
}

/// What names a placement: its person, its contract, its first day.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PlacementKey {
    pub person_ref: String,
    pub buyer: String,
    pub contract_reference: String,
    pub start_date: NaiveDate,
}

pub struct PlacementLine {
    pub row: u32,
    pub errors: Vec<CellError>,
    pub key: Option<u32>,
    pub employer: Option<String>,
    pub modality: Option<Modality>,
    pub job_title: Option<String>,
    pub end_date: Option<NaiveDate>,
    pub weekly_hours: Option<Decimal>,
}

pub struct HoursLine {
    pub row: u32,
    pub errors: Vec<CellError>,
    pub key: Option<u32>,
    pub month: Option<Month>,
    pub worked: Option<Decimal>,
    pub training: Option<Decimal>,
    pub status: Option<HoursStatus>,
    pub reason: Option<String>,
}

/// Every line of the file, by sheet.
#[derive(Default)]
pub struct Lines {
    pub organisations: Vec<OrgLine>,
    pub contracts: Vec<ContractLine>,
    pub people: Vec<PersonLine>,
    pub placements: Vec<PlacementLine>,
    pub hours: Vec<HoursLine>,
    pub keys: Vec<PlacementKey>,
    key_index: HashMap<PlacementKey, u32>,
    /// The rows each sheet holds (blank rows and the French header row
    /// left out).
    pub rows: Vec<(Sheet, u64)>,
}

impl Lines {
    fn key(&mut self, key: PlacementKey) -> u32 {
        if let Some(i) = self.key_index.get(&key) {
            return *i;
        }
        let i = u32::try_from(self.keys.len()).expect("fewer than 4 billion placements");
        self.key_index.insert(key.clone(), i);
        self.keys.push(key);
        i
    }
}

struct Current {
    header: Header,
    decimal_comma: bool,
    first: bool,
}

/// Collects a file's lines (`crate::sheets::Visitor`); a header that
/// does not read stops its sheet and is the whole file's error.
#[derive(Default)]
pub struct Collector {
    current: Option<Current>,
    pub header_errors: Vec<FieldError>,
    pub lines: Lines,
}

impl Visitor for Collector {
    fn sheet(&mut self, sheet: Sheet, header: Vec<String>, decimal_comma: bool) {
        if header.iter().all(|h| h.trim().is_empty()) {
            self.header_errors.push(FieldError::new(
                "body",
                format!("sheet {sheet}: the first row must be the header"),
            ));
            self.current = None;
            return;
        }
        match Header::read(sheet, &header) {
            Ok(header) => {
                self.lines.rows.push((sheet, 0));
                self.current = Some(Current {
                    header,
                    decimal_comma,
                    first: true,
                });
            }
            Err(errors) => {
                self.header_errors.extend(errors.into_iter().map(|e| {
                    FieldError::new(
                        "body",
                        format!("sheet {sheet}, header {:?}: {}", e.column, e.message),
                    )
                }));
                self.current = None;
            }
        }
    }

    fn row(&mut self, number: u32, values: Vec<Value>) {
        let Some(current) = &mut self.current else {
            return;
        };
        let mut cells = Cells::new(&values, &current.header, current.decimal_comma);
        if cells.is_blank() {
            return;
        }
        if std::mem::replace(&mut current.first, false) && current.header.is_french_row(&values) {
            return;
        }
        let sheet = current.header.sheet;
        if let Some((_, n)) = self.lines.rows.last_mut() {
            *n += 1;
        }
        match sheet {
            Sheet::Organisations => {
                let line = organisation(number, &mut cells);
                self.lines.organisations.push(line);
            }
            Sheet::Contracts => {
                let line = contract(number, &mut cells);
                self.lines.contracts.push(line);
            }
            Sheet::Beneficiaries => {
                let line = person(number, &mut cells);
                self.lines.people.push(line);
            }
            Sheet::Placements => {
                let key = key(&mut cells).map(|k| self.lines.key(k));
                let line = PlacementLine {
                    row: number,
                    key,
                    employer: required(&mut cells, "employer"),
                    modality: cells.code("modality", Modality::ALL, Modality::as_str),
                    job_title: cells.text("job_title"),
                    end_date: cells.date("end_date"),
                    weekly_hours: cells.decimal("weekly_hours"),
                    errors: std::mem::take(&mut cells.errors),
                };
                self.lines.placements.push(line);
            }
            Sheet::Hours => {
                let key = key(&mut cells).map(|k| self.lines.key(k));
                let month = cells.month("month");
                if month.is_none() && !cells.failed("month") {
                    cells.errors.push(("month", "is required".into()));
                }
                let line = HoursLine {
                    row: number,
                    key,
                    month,
                    worked: cells.decimal("worked_hours"),
                    training: cells.decimal("training_hours"),
                    status: cells.code("status", HoursStatus::ALL, HoursStatus::as_str),
                    reason: cells.text("reason"),
                    errors: std::mem::take(&mut cells.errors),
                };
                self.lines.hours.push(line);
            }
        }
    }
}

fn required(cells: &mut Cells<'_>, column: &'static str) -> Option<String> {
    let text = cells.text(column);
    if text.is_none() && !cells.failed(column) {
        cells.errors.push((column, "is required".into()));
    }
    text
}

fn key(cells: &mut Cells<'_>) -> Option<PlacementKey> {
    let person_ref = required(cells, "person_ref");
    let buyer = required(cells, "buyer");
    let contract_reference = required(cells, "contract_reference");
    let start_date = cells.date("start_date");
    if start_date.is_none() && !cells.failed("start_date") {
        cells.errors.push(("start_date", "is required".into()));
    }
    Some(PlacementKey {
        person_ref: person_ref?,
        buyer: buyer?,
        contract_reference: contract_reference?,
        start_date: start_date?,
    })
}

fn organisation(row: u32, c: &mut Cells<'_>) -> OrgLine {
    let draft = OrganisationDraft {
        kind: c.code("kind", OrgKind::ALL, OrgKind::as_str),
        name: c.text("name"),
        siret: c.text("siret"),
        siae_type: c.code("siae_type", SiaeType::ALL, SiaeType::as_str),
        identifier_type: c.code(
            "identifier_type",
            IdentifierType::ALL,
            IdentifierType::as_str,
        ),
        identifier: c.text("identifier"),
        buyer_category: c.code("buyer_category", BuyerCategory::ALL, BuyerCategory::as_str),
    };
    if draft.siret.is_none() && draft.name.is_none() && !c.failed("name") {
        c.errors.push((
            "siret",
            "or name is required: it is the organisation's key".into(),
        ));
    }
    OrgLine {
        row,
        errors: std::mem::take(&mut c.errors),
        draft,
    }
}

fn contract(row: u32, c: &mut Cells<'_>) -> ContractLine {
    let buyer = required(c, "buyer");
    let holder = required(c, "holder");
    let commitment_hours = c.decimal("commitment_hours");
    let market_nature = c.code("market_nature", MarketNature::ALL, MarketNature::as_str);
    let draft = ContractDraft {
        buyer_id: None,
        holder_id: None,
        reference: c.text("reference"),
        title: c.text("title"),
        operation: c.text("operation"),
        operation_id: None,
        clause_type: c.code("clause_type", ClauseType::ALL, ClauseType::as_str),
        start_date: c.date("start_date"),
        end_date: c.date("end_date"),
        amount_excl_tax: c.decimal("amount_excl_tax"),
        labour_share: c.decimal("labour_share"),
        insertion_rate: c.decimal("insertion_rate"),
        hourly_cost: c.decimal("hourly_cost"),
        commitment_hours,
        commitment_source: CommitmentSource::Given,
        cpv_code: c.text("cpv_code"),
        market_nature,
        market_nature_given: market_nature.is_some(),
        pricing: c
            .code("pricing", Pricing::ALL, Pricing::as_str)
            .unwrap_or(Pricing::LumpSum),
        max_amount_excl_tax: c.decimal("max_amount_excl_tax"),
        penalty_per_missing_hour: c.decimal("penalty_per_missing_hour"),
        penalty_cap_rate: c.decimal("penalty_cap_rate"),
        report_due_on: c.date("report_due_on"),
    };
    ContractLine {
        row,
        errors: std::mem::take(&mut c.errors),
        buyer,
        holder,
        commitment_given: commitment_hours.is_some(),
        draft,
    }
}

fn person(row: u32, c: &mut Cells<'_>) -> PersonLine {
    let person_ref = required(c, "person_ref");
    if person_ref.as_ref().is_some_and(|r| r.chars().count() > 100) {
        c.errors
            .push(("person_ref", "must be at most 100 characters".into()));
    }
    let draft = PersonDraft {
        last_name: c.text("last_name"),
        first_name: c.text("first_name"),
        sex: c.code("sex", Sex::ALL, Sex::as_str),
        birth_date: c.date("birth_date"),
        postal_code: c.text("postal_code"),
        qpv_code: c.text("qpv_code"),
        qualification_level: c.code(
            "qualification_level",
            QualificationLevel::ALL,
            QualificationLevel::as_str,
        ),
        eligibility: c.codes("eligibility", Eligibility::ALL, Eligibility::as_str),
        eligibility_reason: c.text("eligibility_reason"),
        referent_id: None,
    };
    PersonLine {
        row,
        errors: std::mem::take(&mut c.errors),
        person_ref,
        referent: c.text("referent"),
        draft,
    }
}
