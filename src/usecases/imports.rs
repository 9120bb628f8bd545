//! The DECP import, the same for a document posted to the API and for a
//! file given to `clauses import-decp`: records in batches, each batch in
//! its own transaction, one bad record never stopping the others.

use diesel::{Connection, PgConnection};
use serde_json::Value;

use crate::access;
use crate::auth::Principal;
use crate::domain::decp;
use crate::domain::decp::Estimation;
use crate::domain::decp::Verdict;
use crate::domain::life::AmendmentDraft;
use crate::error::{ApiError, ApiResult};
use crate::models::decp::{self as model, ImportSummary, ModificationError, Outcome, RecordError};
use crate::usecases::contract_life;

/// How many records a file import commits at a time.
pub const FILE_BATCH: usize = 500;

/// Imports `records` (the first at `first_index` of the document) in one
/// transaction, each record in its own savepoint, so that one bad record
/// never stops the others.
/// What the caller asked of an import, the same for every batch.
struct Asked<'a> {
    estimation: &'a Estimation,
    include_all: bool,
    territory: Option<uuid::Uuid>,
}

fn batch(
    conn: &mut PgConnection,
    p: &Principal,
    records: &[&Value],
    first_index: usize,
    asked: &Asked,
    summary: &mut ImportSummary,
) -> ApiResult<()> {
    let Asked {
        estimation,
        include_all,
        territory,
    } = *asked;
    let only_buyer = access::imports::decp(p)?;
    conn.transaction(|c| {
        let landing = model::Landing {
            territory: crate::models::territory::for_new(c, p, territory)?,
            bound: access::territories::bound(p).is_some(),
        };
        for (i, record) in records.iter().enumerate() {
            let index = first_index + i;
            let id = model::record_id(record);
            match decp::read(record, estimation, include_all) {
                Err(Verdict::Skip) => summary.skipped += 1,
                Err(Verdict::Invalid(problem)) => {
                    summary.errors.push(RecordError { index, id, problem })
                }
                Ok(contract) => {
                    let result = c.transaction(|c| {
                        let outcome = model::apply(c, only_buyer, landing, &contract, record)?;
                        if let Outcome::Created(row) | Outcome::Updated(row) = outcome {
                            amend(c, row, &contract, index, summary)?;
                        }
                        Ok(outcome)
                    });
                    summary.count(index, id, result)?;
                }
            }
        }
        Ok(())
    })
}

/// The record's modifications as amendments of its contract, in their
/// order, each in its own savepoint: one the amendment rules refuse is
/// reported and stays in the raw record; one already recorded (by its
/// reference) is not added again.
fn amend(
    c: &mut PgConnection,
    contract_id: uuid::Uuid,
    record: &decp::DecpContract,
    index: usize,
    summary: &mut ImportSummary,
) -> ApiResult<()> {
    for m in &record.modifications {
        let draft = AmendmentDraft {
            reference: Some(m.reference(&record.id)),
            signed_on: m.signed_on,
            reason: Some(format!("Modification {} des données essentielles", m.id)),
            amount_excl_tax: m.amount_excl_tax,
            end_date: m.end_date,
            commitment_hours: None,
        };
        match c.transaction(|c| contract_life::amend_once(c, contract_id, draft)) {
            Ok(Some(_)) => summary.amendments += 1,
            Ok(None) => {}
            Err(e) => summary.refused_modifications.push(ModificationError {
                index,
                id: record.id.clone(),
                modification: m.id.clone(),
                problem: model::problem(e)?,
            }),
        }
    }
    Ok(())
}

/// A whole DECP document (2019 or 2024 format), in one transaction; 422
/// on `body` when it is not one.
pub fn document(
    conn: &mut PgConnection,
    p: &Principal,
    doc: &Value,
    estimation: &Estimation,
    include_all: bool,
    territory: Option<uuid::Uuid>,
) -> ApiResult<ImportSummary> {
    let Some(records) = decp::records(doc) else {
        return Err(ApiError::validation(
            "body",
            "is not a DECP document: expected {\"marches\": [...]} or {\"marches\": {\"marche\": [...]}}",
        ));
    };
    let mut summary = ImportSummary::default();
    let asked = Asked {
        estimation,
        include_all,
        territory,
    };
    batch(conn, p, &records, 0, &asked, &mut summary)?;
    Ok(summary)
}

/// A DECP file of any size, streamed: memory holds one batch of records.
/// Returns what was done and how many records were read.
pub fn stream(
    conn: &mut PgConnection,
    p: &Principal,
    reader: impl std::io::Read,
    estimation: &Estimation,
    include_all: bool,
    territory: Option<uuid::Uuid>,
) -> Result<(ImportSummary, usize), String> {
    let mut summary = ImportSummary::default();
    let mut index = 0;
    let asked = Asked {
        estimation,
        include_all,
        territory,
    };
    let total = decp::stream_records(reader, FILE_BATCH, &mut |records| {
        let refs: Vec<&Value> = records.iter().collect();
        batch(conn, p, &refs, index, &asked, &mut summary).map_err(|e| e.to_string())?;
        index += records.len();
        Ok(())
    })?;
    Ok((summary, total))
}
