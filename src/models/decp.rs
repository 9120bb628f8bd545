//! Importing published contract data: organisations found by SIRET (or
//! their other identifier) or created, contracts keyed on the buyer and the
//! DECP id, the raw record kept. Each record in its own savepoint, so one
//! bad record never stops the others.

use chrono::NaiveDate;
use diesel::prelude::*;
use serde::Serialize;
use serde_json::Value;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::db::schema::{contracts, decp_records, organisations};
use crate::domain::codes::{CommitmentSource, OrgKind};
use crate::domain::decp::{DecpContract, Party, PartyId};
use crate::error::{ApiError, ApiResult};

/// A record that could not be imported.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RecordError {
    /// The record's position in the document, from 0.
    pub index: usize,
    /// Its DECP `id`, when it has one.
    #[schema(required = true)]
    pub id: Option<String>,
    pub problem: String,
}

/// What an import did.
#[derive(Debug, Clone, Default, Serialize, ToSchema)]
#[schema(example = json!({"created": 4, "updated": 0, "unchanged": 0, "skipped": 1,
    "errors": [{"index": 3, "id": "2024-GPS-NET-09", "problem": "has no valid dateNotification"}],
    "amendments": 1, "refused_modifications": []}))]
pub struct ImportSummary {
    pub created: usize,
    pub updated: usize,
    pub unchanged: usize,
    /// Records without a social consideration.
    pub skipped: usize,
    pub errors: Vec<RecordError>,
    /// Amendments added from the records' `modifications`.
    pub amendments: usize,
    /// Modifications the amendment rules refused: they stay in the raw
    /// record, and the record is imported.
    pub refused_modifications: Vec<ModificationError>,
}

/// A record's modification that did not become an amendment.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ModificationError {
    /// The record's position in the document, from 0.
    pub index: usize,
    /// The record's DECP `id`.
    pub id: String,
    /// The modification's `id`.
    pub modification: String,
    pub problem: String,
}

/// What importing one record did, and to which contract.
pub enum Outcome {
    Created(Uuid),
    Updated(Uuid),
    Unchanged,
}

/// A refusal's words, for a summary.
pub fn problem(e: ApiError) -> Result<String, ApiError> {
    Ok(match e {
        ApiError::Validation(errors) => errors
            .into_iter()
            .map(|e| format!("{}: {}", e.field, e.message))
            .collect::<Vec<_>>()
            .join("; "),
        ApiError::Forbidden(m) => m,
        ApiError::Conflict { detail, .. } => detail,
        other => return Err(other),
    })
}

impl ImportSummary {
    /// Counts what became of the record at `index` (DECP id `id`): an
    /// outcome, or a refusal that fails the record, not the import. Any
    /// other error is the import's.
    pub fn count(
        &mut self,
        index: usize,
        id: Option<String>,
        result: ApiResult<Outcome>,
    ) -> ApiResult<()> {
        let problem = match result {
            Ok(outcome) => {
                *match outcome {
                    Outcome::Created(_) => &mut self.created,
                    Outcome::Updated(_) => &mut self.updated,
                    Outcome::Unchanged => &mut self.unchanged,
                } += 1;
                return Ok(());
            }
            Err(e) => problem(e)?,
        };
        self.errors.push(RecordError { index, id, problem });
        Ok(())
    }
}

/// A record's DECP `id`, as text.
pub fn record_id(record: &Value) -> Option<String> {
    record.get("id").and_then(|v| {
        v.as_str()
            .map(str::to_string)
            .or_else(|| v.as_i64().map(|n| n.to_string()))
    })
}

/// An organisation of the record, found by its identifier; created when
/// `may_create`.
fn find_or_create(
    conn: &mut PgConnection,
    party: &Party,
    kind: OrgKind,
    may_create: bool,
) -> ApiResult<Uuid> {
    let found: Option<(Uuid, OrgKind)> = match &party.id {
        PartyId::Siret(s) => organisations::table
            .filter(organisations::siret.eq(s))
            .select((organisations::id, organisations::kind))
            .first(conn)
            .optional()?,
        PartyId::Other(t, v) => organisations::table
            .filter(organisations::identifier_type.eq(t.as_str()))
            .filter(organisations::identifier.eq(v))
            .select((organisations::id, organisations::kind))
            .first(conn)
            .optional()?,
    };
    let (siret, identifier_type, identifier, label) = match &party.id {
        PartyId::Siret(s) => (Some(s.as_str()), None, None, format!("SIRET {s}")),
        PartyId::Other(t, v) => (None, Some(t.as_str()), Some(v.as_str()), format!("{t} {v}")),
    };
    let role = match kind {
        OrgKind::Company => "holder",
        _ => "buyer",
    };
    if let Some((id, found_kind)) = found {
        let fits = match kind {
            OrgKind::Company => found_kind == OrgKind::Company,
            _ => matches!(found_kind, OrgKind::Buyer | OrgKind::Department),
        };
        if !fits {
            return Err(ApiError::validation(
                role,
                format!(
                    "the record's {role} ({label}) is an organisation of kind {}",
                    found_kind.as_str()
                ),
            ));
        }
        return Ok(id);
    }
    if !may_create {
        return Err(ApiError::Forbidden(format!(
            "the record's {role} ({label}) is not a known organisation, and only \
             the facilitator registers organisations"
        )));
    }
    let name = party.name.clone().unwrap_or_else(|| match kind {
        OrgKind::Company => format!("Titulaire {label}"),
        _ => format!("Acheteur {label}"),
    });
    Ok(diesel::insert_into(organisations::table)
        .values((
            organisations::id.eq(Uuid::now_v7()),
            organisations::kind.eq(kind.as_str()),
            organisations::name.eq(name.chars().take(300).collect::<String>()),
            organisations::siret.eq(siret),
            organisations::identifier_type.eq(identifier_type),
            organisations::identifier.eq(identifier),
        ))
        .returning(organisations::id)
        .get_result(conn)?)
}

/// Where an import's contracts land: new ones in `territory`; when
/// `bound` (a territory's facilitator), existing ones must be of it too.
#[derive(Debug, Clone, Copy)]
pub struct Landing {
    pub territory: Uuid,
    pub bound: bool,
}

/// Imports one record read from `raw` for a caller who may import only
/// `only_buyer`'s records (`None`: any buyer's).
pub fn apply(
    conn: &mut PgConnection,
    only_buyer: Option<Uuid>,
    landing: Landing,
    c: &DecpContract,
    raw: &Value,
) -> ApiResult<Outcome> {
    // An import does only what its caller may do through the endpoints: a
    // buyer neither registers organisations nor moves a contract to
    // another holder (PATCH answers 403 on holder_id).
    let facilitator = only_buyer.is_none();
    let buyer_id = find_or_create(conn, &c.buyer, OrgKind::Buyer, facilitator)?;
    if only_buyer.is_some_and(|b| b != buyer_id) {
        return Err(ApiError::Forbidden(
            "the record's buyer is not your organisation".into(),
        ));
    }
    type Existing = (
        Uuid,
        String,
        bool,
        Option<String>,
        Uuid,
        NaiveDate,
        NaiveDate,
        Uuid,
    );
    let existing: Option<Existing> = contracts::table
        .filter(contracts::buyer_id.eq(buyer_id))
        .filter(contracts::reference.eq(&c.id))
        .select((
            contracts::id,
            contracts::initial_commitment_source,
            contracts::market_nature_given,
            contracts::market_nature,
            contracts::holder_id,
            contracts::start_date,
            contracts::end_date,
            contracts::territory_id,
        ))
        .for_update()
        .first(conn)
        .optional()?;
    // A buyer's reference is unique across territories: a territory's
    // facilitator cannot reach another territory's contract through it.
    if existing
        .as_ref()
        .is_some_and(|e| landing.bound && e.7 != landing.territory)
    {
        return Err(ApiError::conflict(
            "id",
            "is the buyer's reference of a contract of another territory",
        ));
    }
    // A buyer names the holder of a contract it creates, as POST does (a
    // company registered on the way has no data to read); an existing
    // contract keeps its holder.
    let holder_id = match &existing {
        Some((.., holder, _, _, _)) if !facilitator => *holder,
        _ => find_or_create(conn, &c.holder, OrgKind::Company, true)?,
    };
    // New dates may not leave the contract's placements or months outside.
    if let Some((id, .., start, end, _)) = &existing {
        if (*start, *end) != (c.start_date, c.end_date) {
            super::contract::dates_hold(conn, *id, c.start_date, c.end_date)?;
        }
    }
    let existing = match existing {
        None => None,
        Some((id, source, nature_given, nature, ..)) => {
            let stored: Option<Value> = decp_records::table
                .find(id)
                .select(decp_records::raw)
                .first(conn)
                .optional()?;
            // A nature the facilitator gave stays; a derived one follows the code.
            Some((id, source, nature_given.then_some(nature).flatten(), stored))
        }
    };
    let derived_nature = c
        .cpv_code
        .as_deref()
        .and_then(|code| crate::domain::cpv::parse(code).ok())
        .map(|cpv| cpv.nature().as_str());
    let columns = (
        contracts::holder_id.eq(holder_id),
        contracts::title.eq(&c.title),
        contracts::clause_type.eq(c.clause_type.as_str()),
        contracts::start_date.eq(c.start_date),
        contracts::end_date.eq(c.end_date),
        contracts::amount_excl_tax.eq(c.amount_excl_tax),
        contracts::cpv_code.eq(c.cpv_code.as_deref()),
        contracts::initial_end_date.eq(c.end_date),
        contracts::initial_amount_excl_tax.eq(c.amount_excl_tax),
    );
    match existing {
        None => {
            let id = Uuid::now_v7();
            diesel::insert_into(contracts::table)
                .values((
                    contracts::id.eq(id),
                    contracts::territory_id.eq(landing.territory),
                    contracts::buyer_id.eq(buyer_id),
                    contracts::reference.eq(&c.id),
                    columns,
                    contracts::labour_share.eq(c.labour_share),
                    contracts::insertion_rate.eq(c.insertion_rate),
                    contracts::hourly_cost.eq(c.hourly_cost),
                    contracts::commitment_hours.eq(c.commitment_hours),
                    contracts::commitment_source.eq(CommitmentSource::Estimated.as_str()),
                    contracts::initial_commitment_hours.eq(c.commitment_hours),
                    contracts::initial_commitment_source.eq(CommitmentSource::Estimated.as_str()),
                    contracts::market_nature.eq(derived_nature),
                ))
                .execute(conn)?;
            diesel::insert_into(decp_records::table)
                .values((decp_records::contract_id.eq(id), decp_records::raw.eq(raw)))
                .execute(conn)?;
            Ok(Outcome::Created(id))
        }
        Some((_, _, _, Some(stored))) if &stored == raw => Ok(Outcome::Unchanged),
        Some((id, source, given_nature, _)) => {
            let bump = (
                contracts::version.eq(contracts::version + 1),
                contracts::updated_at.eq(diesel::dsl::now),
                contracts::market_nature.eq(given_nature.as_deref().or(derived_nature)),
            );
            let target = contracts::table.find(id);
            // An estimate follows the record; a figure the facilitator set stays.
            if source == CommitmentSource::Estimated.as_str() {
                diesel::update(target)
                    .set((
                        columns,
                        contracts::labour_share.eq(c.labour_share),
                        contracts::insertion_rate.eq(c.insertion_rate),
                        contracts::hourly_cost.eq(c.hourly_cost),
                        contracts::commitment_hours.eq(c.commitment_hours),
                        contracts::initial_commitment_hours.eq(c.commitment_hours),
                        bump,
                    ))
                    .execute(conn)?;
            } else {
                diesel::update(target).set((columns, bump)).execute(conn)?;
            }
            diesel::insert_into(decp_records::table)
                .values((decp_records::contract_id.eq(id), decp_records::raw.eq(raw)))
                .on_conflict(decp_records::contract_id)
                .do_update()
                .set((
                    decp_records::raw.eq(raw),
                    decp_records::imported_at.eq(diesel::dsl::now),
                ))
                .execute(conn)?;
            // The record gives the contract as signed: its amendments and
            // orders apply on top again.
            if !super::contract_life::of_one(conn, id)?.is_empty() {
                super::contract::refresh_id(conn, id)?;
            }
            Ok(Outcome::Updated(id))
        }
    }
}
