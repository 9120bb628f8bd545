//! Every line judged by the API's own rules (`domain::organisation`,
//! `contract`, `person`, `placement`, `hours`), its keys matched against
//! the file's earlier sheets and what the service holds, read set-wise
//! once; what passes becomes the plan written on commit. A line that names
//! a refused one is refused too, saying which.

use std::collections::{HashMap, HashSet};

use chrono::NaiveDate;
use diesel::PgConnection;
use rust_decimal::Decimal;
use uuid::Uuid;

use super::lines::{CellError, Lines, PlacementKey};
use super::{Outcome, Report};
use crate::auth::Principal;
use crate::domain::calendar::Month;
use crate::domain::codes::{HoursStatus, OrgKind};
use crate::domain::contract::{self as contract_rules, ContractFields, LAST_DAY};
use crate::domain::history::Sheet;
use crate::domain::organisation::{self as organisation_rules, OrganisationFields, Party};
use crate::domain::person::{self as person_rules, PersonFields};
use crate::domain::placement::{
    self as placement_rules, Context, PlacementDraft, PlacementFields, WorkSpan,
};
use crate::error::{ApiError, ApiResult, Violations};
use crate::models::contract::{self as contract_model, ContractRow};
use crate::models::history::{self as model, MonthRow, MonthWrite, PersonWrite};
use crate::models::{contract_life, organisation as organisation_model};

/// Where a key leads: what it names, or the row that refused it.
#[derive(Debug, Clone, Copy)]
enum Slot<T> {
    Ok(T),
    Refused(u32),
}

impl<T: Copy> Slot<T> {
    /// What a key found leads to; else why: the row that refused `what`
    /// in `sheet`, or `missing` when nothing has the key.
    fn found(
        slot: Option<&Slot<T>>,
        what: &str,
        sheet: Sheet,
        missing: impl FnOnce() -> String,
    ) -> Result<T, String> {
        match slot {
            Some(Slot::Ok(t)) => Ok(*t),
            Some(Slot::Refused(row)) => {
                Err(format!("names the {what} refused at row {row} of {sheet}"))
            }
            None => Err(missing()),
        }
    }
}

#[derive(Debug, Clone, Copy)]
struct Org {
    id: Uuid,
    kind: OrgKind,
}

/// The organisations of the service and the file, by SIRET and by name.
struct Directory {
    by_siret: HashMap<String, Slot<Org>>,
    by_name: HashMap<String, Vec<Slot<Org>>>,
}

fn siret_key(text: &str) -> Option<String> {
    let compact: String = text.chars().filter(|c| !c.is_whitespace()).collect();
    (compact.len() == 14 && compact.bytes().all(|b| b.is_ascii_digit())).then_some(compact)
}

fn name_key(text: &str) -> String {
    text.trim().to_lowercase()
}

impl Directory {
    fn add(&mut self, siret: Option<&str>, name: Option<&str>, slot: Slot<Org>) {
        if let Some(s) = siret.and_then(siret_key) {
            self.by_siret.insert(s, slot);
        }
        if let Some(n) = name {
            self.by_name.entry(name_key(n)).or_default().push(slot);
        }
    }

    /// An organisation named by its SIRET or its name.
    fn resolve(&self, text: &str) -> Result<Org, String> {
        let sheet = Sheet::Organisations;
        match siret_key(text) {
            Some(siret) => Slot::found(self.by_siret.get(&siret), "organisation", sheet, || {
                format!("no organisation has the SIRET {siret}, in the file or the service")
            }),
            None => match self.by_name.get(&name_key(text)).map(Vec::as_slice) {
                Some([_, _, ..]) => Err(format!(
                    "{text:?} names several organisations: give its SIRET"
                )),
                found => Slot::found(found.and_then(<[_]>::first), "organisation", sheet, || {
                    format!("no organisation is named {text:?}, in the file or the service")
                }),
            },
        }
    }
}

/// A contract as the later sheets see it: its id and dates as they stand.
#[derive(Debug, Clone, Copy)]
struct Contract {
    id: Uuid,
    start: NaiveDate,
    end: NaiveDate,
}

#[derive(Debug, Clone, Copy)]
struct Person {
    id: Uuid,
    birth_date: NaiveDate,
    /// Whether the service holds them (else the file brings them).
    stored: bool,
}

#[derive(Debug, Clone, Copy)]
struct Placement {
    id: Uuid,
    start: NaiveDate,
    end: Option<NaiveDate>,
    contract_end: NaiveDate,
}

/// What a committed import writes.
#[derive(Default)]
pub(super) struct Plan {
    /// The territory the import lands in.
    territory: Uuid,
    organisations: Vec<(Uuid, OrganisationFields, bool)>,
    contracts: Vec<(Uuid, ContractFields, bool)>,
    people: Vec<(Uuid, String, PersonFields, bool)>,
    placements: Vec<(Uuid, PlacementFields, bool)>,
    months: Vec<(MonthWrite<'static>, Option<String>, bool)>,
}

impl Plan {
    /// Writes the plan: organisations and contracts (hundreds) through
    /// their models' own writes, people, placements and months set-wise;
    /// each person written gets their own trail entry.
    pub(super) fn write(self, c: &mut PgConnection, p: &Principal) -> ApiResult<()> {
        for (id, fields, created) in &self.organisations {
            if *created {
                // An imported facilitator's organisation works inside the
                // import's territory; one changed keeps its own.
                let territory = (fields.kind == OrgKind::Facilitator).then_some(self.territory);
                organisation_model::insert(c, *id, fields, territory)?;
            } else {
                organisation_model::save_fields(c, *id, fields)?;
            }
        }
        for (id, fields, created) in &self.contracts {
            if *created {
                contract_model::insert(c, *id, fields, self.territory)?;
            } else {
                contract_model::lock_id(c, *id)?;
                let life = contract_life::of_one(c, *id)?;
                contract_model::save(c, *id, fields, &life)?;
            }
        }
        let people = |created: bool| -> Vec<PersonWrite<'_>> {
            self.people
                .iter()
                .filter(|(_, _, _, c)| *c == created)
                .map(|(id, r, f, _)| PersonWrite {
                    id: *id,
                    external_ref: r,
                    fields: f,
                })
                .collect()
        };
        let (new_people, changed_people) = (people(true), people(false));
        model::write_people(c, self.territory, &new_people, &changed_people)?;
        let placements = |created: bool| -> Vec<(Uuid, &PlacementFields)> {
            self.placements
                .iter()
                .filter(|(_, _, c)| *c == created)
                .map(|(id, f, _)| (*id, f))
                .collect()
        };
        model::write_placements(c, &placements(true), &placements(false))?;
        let months = |created: bool| -> Vec<MonthWrite<'_>> {
            self.months
                .iter()
                .filter(|(_, _, c)| *c == created)
                .map(|(m, reason, _)| MonthWrite {
                    reason: reason.as_deref(),
                    ..*m
                })
                .collect()
        };
        model::write_months(c, p, &months(true), &months(false))?;
        use crate::models::trail::{record, TrailAction};
        let ids = |w: &[PersonWrite<'_>]| w.iter().map(|w| w.id).collect::<Vec<_>>();
        record(c, p, TrailAction::Create, &ids(&new_people))?;
        record(c, p, TrailAction::Update, &ids(&changed_people))?;
        Ok(())
    }
}

/// Maps a rule's field to the sheet's column.
fn column(sheet: Sheet, field: &str) -> String {
    match (sheet, field) {
        (Sheet::Contracts, "buyer_id") => "buyer",
        (Sheet::Contracts, "holder_id") => "holder",
        (Sheet::Contracts, "operation_id") => "operation",
        (Sheet::Beneficiaries, "referent_id") => "referent",
        (_, "beneficiary_id") => "person_ref",
        (_, "contract_id") => "contract_reference",
        (_, "employer_id") => "employer",
        (_, f) => f,
    }
    .to_string()
}

/// A line's errors: the cells that did not read, then the rules' (those
/// on a column already refused left out: they would only say it is
/// missing).
fn errors(sheet: Sheet, cells: &[CellError], v: Violations) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = cells
        .iter()
        .map(|(c, m)| (c.to_string(), m.clone()))
        .collect();
    let mut v = v;
    for e in v.list().drain(..) {
        let c = column(sheet, &e.field);
        if !cells.iter().any(|(failed, _)| *failed == c) {
            out.push((c, e.message));
        }
    }
    out
}

fn outcome<T: PartialEq>(old: Option<&T>, new: &T) -> Outcome {
    match old {
        None => Outcome::Created,
        Some(o) if o == new => Outcome::Unchanged,
        Some(_) => Outcome::Updated,
    }
}

pub(super) fn judge(
    c: &mut PgConnection,
    lines: &Lines,
    today: NaiveDate,
    territory: Uuid,
    report: &mut Report,
) -> ApiResult<Plan> {
    let mut plan = Plan {
        territory,
        ..Plan::default()
    };
    let directory = organisations(c, lines, report, &mut plan)?;
    let contracts = contracts(c, lines, &directory, report, &mut plan)?;
    let people = people(c, lines, &directory, today, report, &mut plan)?;
    let placements = placements(c, lines, &directory, &contracts, &people, report, &mut plan)?;
    hours(lines, &placements, today, report, &mut plan);
    Ok(plan)
}

fn organisations(
    c: &mut PgConnection,
    lines: &Lines,
    report: &mut Report,
    plan: &mut Plan,
) -> ApiResult<Directory> {
    let stored = model::organisations(c)?;
    let mut directory = Directory {
        by_siret: HashMap::new(),
        by_name: HashMap::new(),
    };
    let mut rows_by_siret = HashMap::new();
    let mut rows_by_name: HashMap<String, Vec<usize>> = HashMap::new();
    for (i, o) in stored.iter().enumerate() {
        let org = Org {
            id: o.id,
            kind: o.kind,
        };
        directory.add(o.siret.as_deref(), Some(&o.name), Slot::Ok(org));
        if let Some(s) = &o.siret {
            rows_by_siret.insert(s.clone(), i);
        }
        rows_by_name.entry(name_key(&o.name)).or_default().push(i);
    }
    let mut seen: HashMap<String, u32> = HashMap::new();
    let sheet = Sheet::Organisations;
    for line in &lines.organisations {
        let siret = line.draft.siret.as_deref().and_then(siret_key);
        let key = match (&siret, &line.draft.name) {
            (Some(s), _) => Some(s.clone()),
            (None, Some(n)) => Some(name_key(n)),
            _ => None,
        };
        let mut v = Violations::default();
        if let Some(first) = key.as_ref().and_then(|k| seen.get(k)) {
            v.add(
                if siret.is_some() { "siret" } else { "name" },
                format!("repeats the organisation of row {first}"),
            );
        }
        let fields = organisation_rules::check(line.draft.clone(), &mut v);
        // A SIRET the service does not know may complete an organisation
        // registered by its name alone.
        let unnumbered = |n: &String| {
            rows_by_name
                .get(&name_key(n))
                .and_then(|rows| match rows.as_slice() {
                    [i] if stored[*i].siret.is_none() => Some(&stored[*i]),
                    _ => None,
                })
        };
        let existing = match (&siret, &line.draft.name) {
            (Some(s), name) => rows_by_siret
                .get(s)
                .map(|i| &stored[*i])
                .or_else(|| name.as_ref().and_then(unnumbered)),
            (None, Some(n)) => match rows_by_name.get(&name_key(n)).map(Vec::as_slice) {
                Some([i]) => Some(&stored[*i]),
                Some([_, _, ..]) => {
                    v.add(
                        "name",
                        "names several organisations of the service: give its SIRET",
                    );
                    None
                }
                _ => None,
            },
            _ => None,
        };
        if let (Some(old), Some(new)) = (existing, &fields) {
            if old.kind != new.kind && !v.has("kind") {
                v.add(
                    "kind",
                    format!(
                        "the service holds this organisation as {}: change its kind through PATCH /api/v1/organisations/{}",
                        old.kind, old.id
                    ),
                );
            }
        }
        if let Some(k) = &key {
            seen.entry(k.clone()).or_insert(line.row);
        }
        let fields = match fields {
            Some(f) if v.is_empty() && line.errors.is_empty() => f,
            _ => {
                report.refuse(sheet, line.row, errors(sheet, &line.errors, v));
                if existing.is_none() {
                    let slot = Slot::Refused(line.row);
                    directory.add(siret.as_deref(), line.draft.name.as_deref(), slot);
                }
                continue;
            }
        };
        let old = existing.map(|o| o.fields());
        let result = outcome(old.as_ref(), &fields);
        report.count(sheet, result);
        let id = existing.map_or_else(Uuid::now_v7, |o| o.id);
        if existing.is_none() {
            let org = Org {
                id,
                kind: fields.kind,
            };
            directory.add(fields.siret.as_deref(), Some(&fields.name), Slot::Ok(org));
        }
        if result != Outcome::Unchanged {
            plan.organisations
                .push((id, fields, result == Outcome::Created));
        }
    }
    Ok(directory)
}

type Contracts = HashMap<(Uuid, String), Slot<Contract>>;

fn contracts(
    c: &mut PgConnection,
    lines: &Lines,
    directory: &Directory,
    report: &mut Report,
    plan: &mut Plan,
) -> ApiResult<Contracts> {
    let stored = model::contracts(c)?;
    let operations: HashMap<String, (Uuid, String)> = model::operations(c, plan.territory)?
        .into_iter()
        .map(|(id, name)| (name_key(&name), (id, name)))
        .collect();
    let mut rows: HashMap<(Uuid, String), &ContractRow> = HashMap::new();
    let mut out: Contracts = HashMap::new();
    // A buyer's reference is unique across territories: another
    // territory's contract can be neither changed nor placed on from here.
    let mut foreign: HashSet<(Uuid, String)> = HashSet::new();
    for r in &stored {
        if r.territory_id != plan.territory {
            foreign.insert((r.buyer_id, r.reference.clone()));
            continue;
        }
        rows.insert((r.buyer_id, r.reference.clone()), r);
        out.insert(
            (r.buyer_id, r.reference.clone()),
            Slot::Ok(Contract {
                id: r.id,
                start: r.start_date,
                end: r.end_date,
            }),
        );
    }
    let sheet = Sheet::Contracts;
    let mut seen: HashMap<(Uuid, String), u32> = HashMap::new();
    for line in &lines.contracts {
        let mut v = Violations::default();
        let mut draft = line.draft.clone();
        let party = |text: &Option<String>, field: &str, v: &mut Violations| {
            let org = text
                .as_deref()
                .map(|t| directory.resolve(t))
                .transpose()
                .unwrap_or_else(|why| {
                    v.add(field, why);
                    None
                });
            org
        };
        let buyer = party(&line.buyer, "buyer_id", &mut v);
        let holder = party(&line.holder, "holder_id", &mut v);
        if let Some(b) = buyer {
            Party::Buyer.check(b.kind, "buyer_id", &mut v);
        }
        if let Some(h) = holder {
            Party::Holder.check(h.kind, "holder_id", &mut v);
        }
        draft.buyer_id = buyer.map(|b| b.id);
        draft.holder_id = holder.map(|h| h.id);
        if let Some((id, name)) = draft
            .operation
            .as_deref()
            .and_then(|o| operations.get(&name_key(o)))
        {
            draft.operation_id = Some(*id);
            draft.operation = Some(name.clone());
        }
        let key = draft
            .buyer_id
            .zip(draft.reference.as_deref().map(|r| r.trim().to_string()));
        let existing = key.as_ref().and_then(|k| rows.get(k)).copied();
        if let Some(row) = existing {
            draft.commitment_source = row.fields().commitment_source;
        }
        if let Some(first) = key.as_ref().and_then(|k| seen.get(k)) {
            v.add("reference", format!("repeats the contract of row {first}"));
        }
        if key.as_ref().is_some_and(|k| foreign.contains(k)) {
            v.add(
                "reference",
                "is the buyer's reference of a contract of another territory",
            );
        }
        if let Some(k) = &key {
            seen.entry(k.clone()).or_insert(line.row);
        }
        let fields =
            contract_rules::check(draft, line.commitment_given, !line.commitment_given, &mut v);
        // A contract's new dates must still hold what hangs on it, with
        // its amendments.
        let mut end = fields.as_ref().map(|f| f.end_date);
        if let (Some(row), Some(f)) = (existing, &fields) {
            if v.is_empty() && row.fields() != *f {
                let life = contract_life::of_one(c, row.id)?;
                let new_end = life.as_of(&f.signed(), LAST_DAY).end_date;
                end = Some(new_end);
                if (f.start_date, new_end) != (row.start_date, row.end_date) {
                    if let Err(e) = contract_model::dates_hold(c, row.id, f.start_date, new_end) {
                        refusal(e, &mut v)?;
                    }
                }
            } else {
                end = Some(row.end_date);
            }
        }
        let fields = match fields {
            Some(f) if v.is_empty() && line.errors.is_empty() => f,
            _ => {
                report.refuse(sheet, line.row, errors(sheet, &line.errors, v));
                if let (Some(k), None) = (key, existing) {
                    out.insert(k, Slot::Refused(line.row));
                }
                continue;
            }
        };
        let old = existing.map(|r| r.fields());
        let result = outcome(old.as_ref(), &fields);
        report.count(sheet, result);
        let id = existing.map_or_else(Uuid::now_v7, |r| r.id);
        out.insert(
            (fields.buyer_id, fields.reference.clone()),
            Slot::Ok(Contract {
                id,
                start: fields.start_date,
                end: end.unwrap_or(fields.end_date),
            }),
        );
        if result != Outcome::Unchanged {
            plan.contracts
                .push((id, fields, result == Outcome::Created));
        }
    }
    Ok(out)
}

/// A refusal of the service's own checks, as a line's errors; any other
/// error is the import's.
fn refusal(e: ApiError, v: &mut Violations) -> ApiResult<()> {
    match e {
        ApiError::Validation(errors) | ApiError::Conflict { errors, .. } => {
            for e in errors {
                v.add(e.field, e.message);
            }
            Ok(())
        }
        other => Err(other),
    }
}

fn people(
    c: &mut PgConnection,
    lines: &Lines,
    directory: &Directory,
    today: NaiveDate,
    report: &mut Report,
    plan: &mut Plan,
) -> ApiResult<HashMap<String, Slot<Person>>> {
    let refs: Vec<String> = lines
        .people
        .iter()
        .filter_map(|l| l.person_ref.clone())
        .chain(lines.keys.iter().map(|k| k.person_ref.clone()))
        .collect::<HashSet<_>>()
        .into_iter()
        .collect();
    let stored = model::people(c, plan.territory, &refs)?;
    let mut out: HashMap<String, Slot<Person>> = HashMap::new();
    let mut rows = HashMap::new();
    for r in &stored {
        let Some(external) = &r.external_ref else {
            continue;
        };
        rows.insert(external.clone(), r);
        if let Some(birth_date) = r.birth_date {
            out.insert(
                external.clone(),
                Slot::Ok(Person {
                    id: r.id,
                    birth_date,
                    stored: true,
                }),
            );
        }
    }
    let sheet = Sheet::Beneficiaries;
    let mut seen: HashMap<String, u32> = HashMap::new();
    for line in &lines.people {
        let mut v = Violations::default();
        let mut draft = line.draft.clone();
        if let Some(text) = &line.referent {
            match directory.resolve(text) {
                Ok(org) => {
                    Party::Referent.check(org.kind, "referent_id", &mut v);
                    draft.referent_id = Some(org.id);
                }
                Err(why) => v.add("referent_id", why),
            }
        }
        let existing = line.person_ref.as_ref().and_then(|r| rows.get(r)).copied();
        if existing.is_some_and(|r| r.erased_at.is_some()) {
            v.add(
                "person_ref",
                "this person was erased: the record can no longer change",
            );
        }
        if let Some(first) = line.person_ref.as_ref().and_then(|r| seen.get(r)) {
            v.add("person_ref", format!("repeats the person of row {first}"));
        }
        if let Some(r) = &line.person_ref {
            seen.entry(r.clone()).or_insert(line.row);
        }
        let fields = person_rules::check(draft, today, &mut v);
        let (Some(fields), Some(person_ref), true, true) = (
            fields,
            &line.person_ref,
            v.is_empty(),
            line.errors.is_empty(),
        ) else {
            report.refuse(sheet, line.row, errors(sheet, &line.errors, v));
            if let (Some(r), None) = (&line.person_ref, existing) {
                out.insert(r.clone(), Slot::Refused(line.row));
            }
            continue;
        };
        let old = existing.map(|r| r.fields());
        let result = outcome(old.as_ref(), &fields);
        report.count(sheet, result);
        let id = existing.map_or_else(Uuid::now_v7, |r| r.id);
        out.insert(
            person_ref.clone(),
            Slot::Ok(Person {
                id,
                birth_date: fields.birth_date,
                stored: existing.is_some(),
            }),
        );
        if result != Outcome::Unchanged {
            plan.people
                .push((id, person_ref.clone(), fields, result == Outcome::Created));
        }
    }
    Ok(out)
}

/// A placement key's person and contract, or the column at fault.
fn parties(
    key: &PlacementKey,
    directory: &Directory,
    contracts: &Contracts,
    people: &HashMap<String, Slot<Person>>,
) -> Result<(Person, Contract), (&'static str, String)> {
    let person = Slot::found(
        people.get(&key.person_ref),
        "person",
        Sheet::Beneficiaries,
        || {
            format!(
                "no person has the person_ref {:?}, in the file or the service",
                key.person_ref
            )
        },
    )
    .map_err(|why| ("person_ref", why))?;
    let buyer = directory
        .resolve(&key.buyer)
        .map_err(|why| ("buyer", why))?;
    let contract = Slot::found(
        contracts.get(&(buyer.id, key.contract_reference.clone())),
        "contract",
        Sheet::Contracts,
        || {
            format!(
                "this buyer has no contract {:?}, in the file or the service",
                key.contract_reference
            )
        },
    )
    .map_err(|why| ("contract_reference", why))?;
    Ok((person, contract))
}

struct Placements {
    /// Per key of the file: the placement, or why it cannot be named.
    by_key: Vec<Result<Placement, (&'static str, String)>>,
    months: HashMap<(Uuid, Month), MonthRow>,
}

#[allow(clippy::too_many_arguments)]
fn placements(
    c: &mut PgConnection,
    lines: &Lines,
    directory: &Directory,
    contracts: &Contracts,
    people: &HashMap<String, Slot<Person>>,
    report: &mut Report,
    plan: &mut Plan,
) -> ApiResult<Placements> {
    let resolved: Vec<_> = lines
        .keys
        .iter()
        .map(|k| parties(k, directory, contracts, people))
        .collect();
    let stored_people: Vec<Uuid> = people
        .values()
        .filter_map(|s| match s {
            Slot::Ok(p) if p.stored => Some(p.id),
            _ => None,
        })
        .collect::<HashSet<_>>()
        .into_iter()
        .collect();
    let stored = model::placements(c, &stored_people)?;
    let rows: HashMap<(Uuid, Uuid, NaiveDate), _> = stored
        .iter()
        .map(|r| ((r.beneficiary_id, r.contract_id, r.start_date), r))
        .collect();
    let ids: Vec<Uuid> = stored.iter().map(|r| r.id).collect();
    let months = model::months(c, &ids)?;
    let mut recorded: HashMap<Uuid, Vec<(Month, Decimal)>> = HashMap::new();
    for ((placement, month), m) in &months {
        recorded
            .entry(*placement)
            .or_default()
            .push((*month, m.worked + m.training));
    }
    for r in recorded.values_mut() {
        r.sort();
    }
    let sheet = Sheet::Placements;
    // The file's placements by person, contract and first day: two rows
    // may name one contract by its buyer's SIRET and by its name.
    let mut judged: HashMap<(Uuid, Uuid, NaiveDate), Result<Placement, u32>> = HashMap::new();
    let mut seen: HashMap<(Uuid, Uuid, NaiveDate), u32> = HashMap::new();
    for line in &lines.placements {
        let mut v = Violations::default();
        let mut fields = None;
        let mut existing = None;
        let mut contract_end = None;
        let mut ids = None;
        if let Some(k) = line.key {
            let employer = line.employer.as_deref().map(|e| directory.resolve(e));
            let employer = match employer {
                Some(Ok(org)) => {
                    Party::Employer.check(org.kind, "employer_id", &mut v);
                    Some(org.id)
                }
                Some(Err(why)) => {
                    v.add("employer_id", why);
                    None
                }
                None => None,
            };
            match &resolved[k as usize] {
                Err((column, why)) => v.add(*column, why.clone()),
                Ok((person, contract)) => {
                    let key = &lines.keys[k as usize];
                    let at = (person.id, contract.id, key.start_date);
                    if let Some(first) = seen.get(&at) {
                        v.add(
                            "start_date",
                            format!("repeats the placement of row {first}"),
                        );
                    }
                    seen.entry(at).or_insert(line.row);
                    ids = Some(at);
                    existing = rows.get(&(person.id, contract.id, key.start_date)).copied();
                    contract_end = Some(contract.end);
                    if let Some(employer_id) = employer {
                        let draft = PlacementDraft {
                            beneficiary_id: person.id,
                            contract_id: contract.id,
                            employer_id,
                            modality: line.modality,
                            job_title: line.job_title.clone(),
                            start_date: Some(key.start_date),
                            end_date: line.end_date,
                            weekly_hours: line.weekly_hours,
                        };
                        let ctx = Context {
                            contract_start: contract.start,
                            contract_end: contract.end,
                            birth_date: person.birth_date,
                            recorded: existing
                                .and_then(|r| recorded.get(&r.id).cloned())
                                .unwrap_or_default(),
                        };
                        fields = placement_rules::check(draft, &ctx, &mut v);
                    }
                }
            }
        }
        let (Some(fields), Some(at), Some(contract_end), true, true) = (
            fields,
            ids,
            contract_end,
            v.is_empty(),
            line.errors.is_empty(),
        ) else {
            report.refuse(sheet, line.row, errors(sheet, &line.errors, v));
            if let Some(at) = ids {
                judged.entry(at).or_insert(Err(line.row));
            }
            continue;
        };
        let old = existing.map(|r| r.fields());
        let result = outcome(old.as_ref(), &fields);
        report.count(sheet, result);
        let id = existing.map_or_else(Uuid::now_v7, |r| r.id);
        judged.insert(
            at,
            Ok(Placement {
                id,
                start: fields.start_date,
                end: fields.end_date,
                contract_end,
            }),
        );
        if result != Outcome::Unchanged {
            plan.placements
                .push((id, fields, result == Outcome::Created));
        }
    }
    // Every key of the file (the hours' too): the file's placement, else
    // the service's.
    let by_key = resolved
        .iter()
        .zip(&lines.keys)
        .map(|(r, key)| {
            let (person, contract) = r.clone()?;
            let at = (person.id, contract.id, key.start_date);
            match judged.get(&at) {
                Some(Ok(p)) => return Ok(*p),
                Some(Err(row)) => {
                    return Err((
                        "start_date",
                        format!("names the placement refused at row {row} of placements"),
                    ))
                }
                None => {}
            }
            rows.get(&at)
                .map(|row| Placement {
                    id: row.id,
                    start: row.start_date,
                    end: row.end_date,
                    contract_end: contract.end,
                })
                .ok_or((
                    "start_date",
                    format!(
                        "this person has no placement on this contract starting on {}, in the file or the service",
                        key.start_date
                    ),
                ))
        })
        .collect();
    Ok(Placements { by_key, months })
}

fn hours(
    lines: &Lines,
    placements: &Placements,
    today: NaiveDate,
    report: &mut Report,
    plan: &mut Plan,
) {
    let sheet = Sheet::Hours;
    let mut seen: HashMap<(Uuid, Month), u32> = HashMap::new();
    for line in &lines.hours {
        let mut v = Violations::default();
        let placement = line.key.map(|k| &placements.by_key[k as usize]);
        let placement = match placement {
            Some(Ok(p)) => Some(*p),
            Some(Err((column, why))) => {
                v.add(*column, why.clone());
                None
            }
            None => None,
        };
        let status = line.status.unwrap_or(HoursStatus::Validated);
        let reason = placement_rules::decision_reason(
            status == HoursStatus::Rejected,
            line.reason.clone(),
            &mut v,
        );
        if line.worked.is_none() && !line.errors.iter().any(|(c, _)| *c == "worked_hours") {
            v.add("worked_hours", "is required");
        }
        let worked = line.worked.unwrap_or_default();
        let training = line.training.unwrap_or_default();
        if let (Some(p), Some(month)) = (placement, line.month) {
            let span = WorkSpan {
                start: p.start,
                end: p.end,
                contract_end: p.contract_end,
                today,
            };
            placement_rules::check_month(month, &span, worked, training, &mut v);
            if let Some(first) = seen.get(&(p.id, month)) {
                v.add("month", format!("repeats the month of row {first}"));
            }
            seen.entry((p.id, month)).or_insert(line.row);
        }
        let (Some(p), Some(month), true, true) =
            (placement, line.month, v.is_empty(), line.errors.is_empty())
        else {
            report.refuse(sheet, line.row, errors(sheet, &line.errors, v));
            continue;
        };
        let existing = placements.months.get(&(p.id, month));
        let new = (worked, training, status, reason.clone());
        let old = existing.map(|m| (m.worked, m.training, m.status, m.reason.clone()));
        let result = outcome(old.as_ref(), &new);
        report.count(sheet, result);
        if result != Outcome::Unchanged {
            plan.months.push((
                MonthWrite {
                    id: existing.map_or_else(Uuid::now_v7, |m| m.id),
                    placement_id: p.id,
                    month,
                    worked,
                    training,
                    status,
                    reason: None,
                },
                reason,
                result == Outcome::Created,
            ));
        }
    }
}
