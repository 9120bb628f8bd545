//! The end-of-contract report: gathered in one transaction from the
//! contract as it stood on the report's day, issued (stored as it is),
//! and the penalty's waiver.

use chrono::NaiveDate;
use diesel::{Connection, PgConnection};
use rust_decimal::Decimal;
use uuid::Uuid;

use crate::access;
use crate::auth::Principal;
use crate::domain::life::REASON_MAX;
use crate::domain::numbers;
use crate::domain::report::{
    self, HistoryKind, HistoryLine, ModalityFacts, OutcomeFacts, PenaltyTerms, PeopleFacts,
    ReportContract, ReportData,
};
use crate::domain::violations::Violations;
use crate::error::{ApiError, ApiResult};
use crate::models::contract::{self as contracts, ContractRow};
use crate::models::contract_life::{self, Life};
use crate::models::report::{self as model, IssuedRow};

/// Who issues reports when no facilitator organisation is registered.
const DEFAULT_ISSUER: &str = "Facilitateur de la clause sociale d'insertion";

/// The report of a contract `p` may read, as of `today`.
pub fn current(
    conn: &mut PgConnection,
    p: &Principal,
    id: Uuid,
    today: NaiveDate,
) -> ApiResult<ReportData> {
    let allowed = access::contracts::report(p)?;
    conn.build_transaction()
        .read_only()
        .repeatable_read()
        .run(|c| {
            let row = contracts::within(c, p, id, allowed, "read this contract's report", false)?;
            gather(c, &row, today)
        })
}

/// Everything the report states, from a contract read in the caller's
/// transaction.
pub fn gather(c: &mut PgConnection, row: &ContractRow, today: NaiveDate) -> ApiResult<ReportData> {
    let life = contract_life::of_one(c, row.id)?;
    let signed = row.signed();
    let (as_of, ended) = report::as_of(row.end_date, today);
    let then = life.as_of(&signed, as_of);
    let facts = model::facts(c, row.id, as_of)?;
    let validated: Decimal = facts.months.iter().map(|(_, h)| *h).sum();
    let fulfilment = then.fulfilment(&signed, validated, facts.declared_hours, as_of);
    let terms = PenaltyTerms {
        rate: row.penalty_per_missing_hour,
        cap_rate: row.penalty_cap_rate,
        amount_excl_tax: then.amount_excl_tax,
        waiver: model::waiver(c, row.id)?,
    };
    let penalty = report::penalty(&terms, then.commitment_hours, validated, ended);
    let months = report::months(
        &signed,
        |day| life.as_of(&signed, day),
        &facts.months,
        as_of,
    );
    let issuer = model::facilitator(c)?.unwrap_or_else(|| DEFAULT_ISSUER.to_string());
    let f = row.fields();
    Ok(ReportData {
        issuer,
        as_of,
        ended,
        contract: ReportContract {
            id: row.id,
            reference: row.reference.clone(),
            title: row.title.clone(),
            buyer_id: row.buyer_id,
            buyer: model::name(c, row.buyer_id)?,
            holder_id: row.holder_id,
            holder: model::name(c, row.holder_id)?,
            clause_type: row.clause_type,
            pricing: row.pricing,
            start_date: row.start_date,
            end_date: then.end_date,
            initial_end_date: f.end_date,
            amount_excl_tax: then.amount_excl_tax.map(|a| a.normalize()),
            initial_amount_excl_tax: f.amount_excl_tax.map(|a| a.normalize()),
            max_amount_excl_tax: row.max_amount_excl_tax.map(|a| a.normalize()),
            initial_commitment_hours: f.commitment_hours.normalize(),
            commitment_source: then.commitment_source,
        },
        history: history(row, &life, as_of),
        commitment_hours: then.commitment_hours.normalize(),
        validated_hours: validated.normalize(),
        declared_hours: facts.declared_hours.normalize(),
        expected_hours_to_date: fulfilment.expected_hours_to_date.normalize(),
        share_done: fulfilment.share_done,
        status: fulfilment.status,
        months,
        modalities: facts
            .modalities
            .iter()
            .map(|&(modality, hours, placements, people)| ModalityFacts {
                modality,
                hours: hours.normalize(),
                placements,
                people,
            })
            .collect(),
        people: PeopleFacts {
            participants: facts.people.participants,
            women: facts.people.women,
            men: facts.people.men,
            under_26: facts.people.under_26,
            qpv_residents: facts.people.qpv_residents,
        },
        employment_contracts: facts.employment_contracts,
        outcomes: OutcomeFacts::of(&facts.outcomes),
        penalty,
    })
}

/// The commitment's history to `as_of`: as signed, then each amendment
/// and order in date order, each with the commitment from then on.
fn history(row: &ContractRow, life: &Life, as_of: NaiveDate) -> Vec<HistoryLine> {
    let signed = row.signed();
    let f = row.fields();
    let mut lines = vec![HistoryLine {
        kind: HistoryKind::Signed,
        date: row.start_date,
        reference: Some(row.reference.clone()),
        amount_excl_tax: f.amount_excl_tax.map(|a| a.normalize()),
        end_date: Some(f.end_date),
        commitment_hours: Some(f.commitment_hours.normalize()),
        commitment_after: f.commitment_hours.normalize(),
        reason: None,
    }];
    let mut events: Vec<HistoryLine> = Vec::new();
    for a in life.amendments.iter().filter(|a| a.signed_on <= as_of) {
        events.push(HistoryLine {
            kind: HistoryKind::Amendment,
            date: a.signed_on,
            reference: Some(a.reference.clone()),
            amount_excl_tax: a.amount_excl_tax.map(|x| x.normalize()),
            end_date: a.end_date,
            commitment_hours: a.commitment_hours.map(|x| x.normalize()),
            commitment_after: Decimal::ZERO,
            reason: a.reason.clone(),
        });
    }
    for o in life.orders.iter().filter(|o| o.ordered_on <= as_of) {
        events.push(HistoryLine {
            kind: HistoryKind::Order,
            date: o.ordered_on,
            reference: Some(o.reference.clone()),
            amount_excl_tax: Some(o.amount_excl_tax.normalize()),
            end_date: Some(o.end_date),
            commitment_hours: Some(o.commitment_hours.normalize()),
            commitment_after: Decimal::ZERO,
            reason: None,
        });
    }
    // Stable: amendments before orders of the same day, each in its order.
    events.sort_by_key(|e| e.date);
    for mut e in events {
        e.commitment_after = life.as_of(&signed, e.date).commitment_hours.normalize();
        lines.push(e);
    }
    lines
}

/// Issues the report of an ended contract: stored as it is now, numbered
/// `YYYY-NNNN` in the contract's reports of the year. 409 before the end.
pub fn issue(
    conn: &mut PgConnection,
    p: &Principal,
    id: Uuid,
    today: NaiveDate,
) -> ApiResult<IssuedRow> {
    access::contracts::facilitate(p, "issue end-of-contract reports")?;
    conn.transaction(|c| {
        let row = contracts::lock(c, p, id)?;
        let data = gather(c, &row, today)?;
        if !data.ended {
            return Err(ApiError::conflict(
                "end_date",
                format!(
                    "the contract runs until {}: its report is issued once it has ended",
                    row.end_date
                ),
            ));
        }
        let seq = model::next_seq(c, id, chrono::Datelike::year(&today))?;
        let number = report::number(today, seq);
        let body = serde_json::to_value(&data)
            .map_err(|e| ApiError::internal("storing an issued report", e))?;
        model::insert_issued(c, id, &number, today, &body)
    })
}

/// An issued report the caller may read, with what it stated.
pub fn issued(
    conn: &mut PgConnection,
    p: &Principal,
    id: Uuid,
    number: &str,
) -> ApiResult<(IssuedRow, ReportData)> {
    let allowed = access::contracts::report(p)?;
    contracts::within(conn, p, id, allowed, "read this contract's reports", false)?;
    let row = model::issued(conn, id, number)?;
    let data = serde_json::from_value(row.body.clone())
        .map_err(|e| ApiError::internal("reading an issued report", e))?;
    Ok((row, data))
}

/// The facilitator waives the penalty, for `reason`.
pub fn waive(
    conn: &mut PgConnection,
    p: &Principal,
    id: Uuid,
    reason: Option<String>,
) -> ApiResult<()> {
    access::contracts::facilitate(p, "waive penalties")?;
    let mut v = Violations::default();
    let reason = v
        .require("reason", reason)
        .map(|r| numbers::text(&mut v, "reason", &r, REASON_MAX));
    let reason = v.finish_with(reason)?;
    conn.transaction(|c| {
        contracts::lock(c, p, id)?;
        model::waive(c, id, &reason)?;
        contracts::touch(c, id)
    })
}

/// Takes the waiver back; 404 when there is none.
pub fn unwaive(conn: &mut PgConnection, p: &Principal, id: Uuid) -> ApiResult<()> {
    access::contracts::facilitate(p, "waive penalties")?;
    conn.transaction(|c| {
        contracts::lock(c, p, id)?;
        if model::unwaive(c, id)? {
            contracts::touch(c, id)
        } else {
            Err(ApiError::not_found("penalty waiver"))
        }
    })
}
