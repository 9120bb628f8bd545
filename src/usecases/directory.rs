//! The directory's writes that span more than one statement: an
//! organisation changed (its kind held against its ties) and an operation
//! changed (its contracts' texts following its name), each in one
//! transaction.

use diesel::{Connection, PgConnection};
use uuid::Uuid;

use crate::auth::Principal;
use crate::domain::operation::{self as operation_rules, OperationFields};
use crate::domain::organisation::{self as organisation_rules, OrganisationFields};
use crate::domain::patch::Merge;
use crate::domain::territory::{self as territory_rules, TerritoryFields};
use crate::error::{ApiResult, Violations};
use crate::models::operation::{self, OperationRow};
use crate::models::organisation::{self, OrganisationRow};
use crate::models::territory::{self, TerritoryRow};
use crate::models::{check_version, Precondition};

/// An organisation changed; a new kind is held against its ties.
pub fn update_organisation(
    conn: &mut PgConnection,
    p: &Principal,
    id: Uuid,
    precondition: &Precondition,
    patch: impl Merge<OrganisationFields>,
    territory: Option<Uuid>,
    mut v: Violations,
) -> ApiResult<OrganisationRow> {
    conn.transaction(|c| {
        let current = organisation::lock(c, p, id)?;
        check_version(precondition, "organisation", current.version)?;
        let old = current.fields();
        let mut new = old.clone();
        patch.merge(&mut new, &mut v);
        let new = organisation_rules::check(new.into(), &mut v);
        let new = v.finish_with(new)?;
        let territory =
            organisation::territory_of(c, p, new.kind, current.territory_id, territory)?;
        if new == old && territory == current.territory_id {
            return Ok(current);
        }
        if new.kind != old.kind {
            organisation::kind_may_change(c, id)?;
        }
        organisation::save(c, id, &new, territory)
    })
}

/// An operation changed; a new name is carried to its contracts' texts in
/// the same transaction.
pub fn update_operation(
    conn: &mut PgConnection,
    p: &Principal,
    id: Uuid,
    precondition: &Precondition,
    patch: impl Merge<OperationFields>,
    mut v: Violations,
) -> ApiResult<OperationRow> {
    conn.transaction(|c| {
        let current = operation::lock(c, p, id)?;
        check_version(precondition, "operation", current.version)?;
        let old = current.fields();
        let mut new = old.clone();
        patch.merge(&mut new, &mut v);
        let new = operation_rules::check(new.into(), &mut v);
        let new = v.finish_with(new)?;
        if new == old {
            return Ok(current);
        }
        let row = operation::save(c, id, &new)?;
        if new.name != old.name {
            operation::rename_in_contracts(c, id, &new.name)?;
        }
        Ok(row)
    })
}

pub fn create_territory(
    conn: &mut PgConnection,
    p: &Principal,
    fields: &TerritoryFields,
) -> ApiResult<TerritoryRow> {
    conn.transaction(|c| territory::create(c, p, fields))
}

/// A territory changed, its Département checked.
pub fn update_territory(
    conn: &mut PgConnection,
    p: &Principal,
    id: Uuid,
    precondition: &Precondition,
    patch: impl Merge<TerritoryFields>,
    mut v: Violations,
) -> ApiResult<TerritoryRow> {
    conn.transaction(|c| {
        let current = territory::lock(c, p, id)?;
        check_version(precondition, "territory", current.version)?;
        let old = current.fields();
        let mut new = old.clone();
        patch.merge(&mut new, &mut v);
        let new = territory_rules::normalise(new, &mut v);
        v.finish()?;
        if new == old {
            return Ok(current);
        }
        territory::save(c, id, &new)
    })
}
