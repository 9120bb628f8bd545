//! The directory's writes that span more than one statement: an
//! organisation changed (its kind held against its ties) and an operation
//! changed (its contracts' texts following its name), each in one
//! transaction.

use diesel::{Connection, PgConnection};
use uuid::Uuid;

use crate::auth::Principal;
use crate::domain::operation::OperationFields;
use crate::domain::organisation::OrganisationFields;
use crate::error::ApiResult;
use crate::models::operation::{self, OperationRow};
use crate::models::organisation::{self, OrganisationRow};
use crate::models::Precondition;

pub fn update_organisation(
    conn: &mut PgConnection,
    p: &Principal,
    id: Uuid,
    precondition: &Precondition,
    change: impl FnOnce(OrganisationFields) -> ApiResult<OrganisationFields>,
) -> ApiResult<OrganisationRow> {
    conn.transaction(|c| organisation::update(c, p, id, precondition, change))
}

pub fn update_operation(
    conn: &mut PgConnection,
    p: &Principal,
    id: Uuid,
    precondition: &Precondition,
    change: impl FnOnce(OperationFields) -> ApiResult<OperationFields>,
) -> ApiResult<OperationRow> {
    conn.transaction(|c| operation::update(c, p, id, precondition, change))
}
