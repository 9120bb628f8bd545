//! A person's record: every read or change of it writes its access-trail
//! rows in the same transaction, so a read whose trail cannot be written
//! fails; erasure and the person's own copy likewise.

use diesel::{Connection, PgConnection};
use uuid::Uuid;

use crate::access::PersonView;
use crate::auth::Principal;
use crate::domain::person::PersonFields;
use crate::error::ApiResult;
use crate::models::beneficiary::{self as model, BeneficiaryRow, Filter};
use crate::models::personal_data::{self, PersonalData};
use crate::models::Precondition;
use crate::paging::{Page, PageRequest};

pub fn list(
    conn: &mut PgConnection,
    p: &Principal,
    filter: Filter,
    page: PageRequest,
) -> ApiResult<(Page<BeneficiaryRow>, PersonView)> {
    conn.transaction(|c| model::list(c, p, filter, page))
}

pub fn get(
    conn: &mut PgConnection,
    p: &Principal,
    id: Uuid,
) -> ApiResult<(BeneficiaryRow, PersonView)> {
    conn.transaction(|c| model::get(c, p, id))
}

pub fn create(
    conn: &mut PgConnection,
    p: &Principal,
    fields: &PersonFields,
) -> ApiResult<BeneficiaryRow> {
    conn.transaction(|c| model::create(c, p, fields))
}

pub fn update(
    conn: &mut PgConnection,
    p: &Principal,
    id: Uuid,
    precondition: &Precondition,
    change: impl FnOnce(PersonFields) -> ApiResult<PersonFields>,
) -> ApiResult<BeneficiaryRow> {
    conn.transaction(|c| model::update(c, p, id, precondition, change))
}

/// Erases a person for good; their open proposals are withdrawn with it.
pub fn erase(conn: &mut PgConnection, p: &Principal, id: Uuid) -> ApiResult<BeneficiaryRow> {
    conn.transaction(|c| model::erase(c, p, id))
}

/// The person's own copy of everything held about them.
pub fn export(conn: &mut PgConnection, p: &Principal, id: Uuid) -> ApiResult<PersonalData> {
    conn.transaction(|c| personal_data::export(c, p, id))
}
