//! A person's own copy: everything held on them, across tables.

use diesel::prelude::*;
use uuid::Uuid;

use super::beneficiary::BeneficiaryRow;
use super::hours::HoursRow;
use super::placement::PlacementRow;
use super::trail::{self, TrailAction};
use crate::access;
use crate::auth::Principal;
use crate::db::schema::{beneficiaries, monthly_hours, placements};
use crate::error::{ApiError, ApiResult};

/// Everything held on a person.
pub struct PersonalData {
    pub person: BeneficiaryRow,
    pub placements: Vec<PlacementRow>,
    pub hours: Vec<HoursRow>,
    pub outcomes: Vec<super::outcome::OutcomeRow>,
    pub trail: Vec<trail::TrailRow>,
}

/// Everything held on a person, for their own copy; trailed as an export
/// (the entry is part of the copy).
pub fn export(conn: &mut PgConnection, p: &Principal, id: Uuid) -> ApiResult<PersonalData> {
    let row = beneficiaries::table
        .filter(access::beneficiaries::export(p)?)
        .filter(beneficiaries::id.eq(id))
        .select(BeneficiaryRow::as_select())
        .first(conn)
        .optional()?
        .ok_or_else(|| ApiError::not_found("beneficiary"))?;
    trail::record(conn, p, TrailAction::Export, &[id])?;
    let placements: Vec<PlacementRow> = placements::table
        .filter(placements::beneficiary_id.eq(id))
        .order((placements::start_date.asc(), placements::id.asc()))
        .select(PlacementRow::as_select())
        .load(conn)?;
    let ids: Vec<Uuid> = placements.iter().map(|pl| pl.id).collect();
    let hours: Vec<HoursRow> = monthly_hours::table
        .filter(monthly_hours::placement_id.eq_any(&ids))
        .order((
            monthly_hours::placement_id.asc(),
            monthly_hours::month.asc(),
        ))
        .select(HoursRow::as_select())
        .load(conn)?;
    let outcomes = super::outcome::of_person(conn, id)?;
    let trail = trail::all(conn, id)?;
    Ok(PersonalData {
        person: row,
        placements,
        hours,
        outcomes,
        trail,
    })
}
