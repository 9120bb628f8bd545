//! Contracts created and changed, each in one transaction: the parties
//! and the operation checked, the row written, and a change of dates held
//! against the contract's placements and months.

use diesel::{Connection, PgConnection};
use uuid::Uuid;

use crate::auth::Principal;
use crate::domain::contract::ContractFields;
use crate::error::ApiResult;
use crate::models::contract::{self as model, ContractRow};
use crate::models::Precondition;

pub fn create(
    conn: &mut PgConnection,
    p: &Principal,
    fields: &ContractFields,
) -> ApiResult<ContractRow> {
    conn.transaction(|c| model::create(c, p, fields))
}

pub fn update(
    conn: &mut PgConnection,
    p: &Principal,
    id: Uuid,
    precondition: &Precondition,
    operation_asked: Option<String>,
    change: impl FnOnce(ContractFields) -> ApiResult<ContractFields>,
) -> ApiResult<ContractRow> {
    conn.transaction(|c| model::update(c, p, id, precondition, operation_asked, change))
}
