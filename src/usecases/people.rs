//! A person's record: every read or change of it writes its access-trail
//! rows in the same transaction, so a read whose trail cannot be written
//! fails; erasure and the person's own copy likewise.

use chrono::Utc;
use diesel::{Connection, PgConnection};
use uuid::Uuid;

use crate::access::{self, PersonView};
use crate::auth::Principal;
use crate::domain::codes::Eligibility;
use crate::domain::patch::Merge;
use crate::domain::person::{self as rules, PersonFields};
use crate::error::{ApiResult, Violations};
use crate::models::beneficiary::{self as model, BeneficiaryRow, Filter};
use crate::models::personal_data::{self, PersonalData};
use crate::models::trail::{self, TrailAction};
use crate::models::{check_version, Precondition};
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
    territory: Option<Uuid>,
) -> ApiResult<BeneficiaryRow> {
    conn.transaction(|c| model::create(c, p, fields, territory))
}

/// A person's record changed: locked, merged, checked, trailed (even when
/// nothing changed, since the answer shows the record), saved.
pub fn update(
    conn: &mut PgConnection,
    p: &Principal,
    id: Uuid,
    precondition: &Precondition,
    patch: impl Merge<PersonFields>,
    mut v: Violations,
) -> ApiResult<BeneficiaryRow> {
    conn.transaction(|c| {
        let current = model::lock(c, p, id)?;
        check_version(precondition, "beneficiary", current.version)?;
        let old = current.fields();
        let mut new = old.clone();
        patch.merge(&mut new, &mut v);
        let new = rules::check(new.into(), Utc::now().date_naive(), &mut v);
        let new = v.finish_with(new)?;
        let other = |f: &PersonFields| {
            f.eligibility
                .contains(&Eligibility::OtherValidated)
                .then(|| f.eligibility_reason.clone())
        };
        if other(&new).is_some() && other(&new) != other(&old) {
            access::beneficiaries::validate_other(p)?;
        }
        trail::record(c, p, TrailAction::Update, &[id])?;
        if new == old {
            return Ok(current);
        }
        model::check_referent(c, new.referent_id)?;
        model::save(c, id, &new)
    })
}

/// Erases a person for good; their open proposals are withdrawn with it.
pub fn erase(conn: &mut PgConnection, p: &Principal, id: Uuid) -> ApiResult<BeneficiaryRow> {
    conn.transaction(|c| model::erase(c, p, id))
}

/// The person's own copy of everything held about them.
pub fn export(conn: &mut PgConnection, p: &Principal, id: Uuid) -> ApiResult<PersonalData> {
    conn.transaction(|c| personal_data::export(c, p, id))
}
