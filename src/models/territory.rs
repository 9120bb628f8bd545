//! Territories, and the one rule of which territory a new row lands in.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use uuid::Uuid;

use crate::access::{self, ContractScope};
use crate::auth::Principal;
use crate::db::schema::{organisations, territories};
use crate::domain::codes::OrgKind;
use crate::domain::organisation::Party;
use crate::domain::territory::TerritoryFields;
use crate::error::{ApiError, ApiResult, Violations};
use crate::paging::{Page, PageRequest};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = territories)]
pub struct TerritoryRow {
    pub id: Uuid,
    pub name: String,
    pub department_id: Option<Uuid>,
    pub postal_codes: Vec<String>,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

crate::paging::timestamped!(TerritoryRow);

impl TerritoryRow {
    pub fn fields(&self) -> TerritoryFields {
        TerritoryFields {
            name: self.name.clone(),
            department_id: self.department_id,
            postal_codes: self.postal_codes.clone(),
        }
    }
}

#[derive(Debug, Insertable, AsChangeset)]
#[diesel(table_name = territories, treat_none_as_null = true)]
struct Columns<'a> {
    name: &'a str,
    department_id: Option<Uuid>,
    postal_codes: &'a [String],
}

impl<'a> From<&'a TerritoryFields> for Columns<'a> {
    fn from(f: &'a TerritoryFields) -> Self {
        Columns {
            name: &f.name,
            department_id: f.department_id,
            postal_codes: &f.postal_codes,
        }
    }
}

/// Every role reads every territory: names and Départements are public.
pub fn list(conn: &mut PgConnection, page: PageRequest) -> ApiResult<Page<TerritoryRow>> {
    let mut q = territories::table.into_boxed();
    super::keyset_page!(q, territories, page);
    let rows = q.select(TerritoryRow::as_select()).load(conn)?;
    Ok(Page::cut(rows, &page))
}

pub fn get(conn: &mut PgConnection, id: Uuid) -> ApiResult<TerritoryRow> {
    territories::table
        .find(id)
        .select(TerritoryRow::as_select())
        .first(conn)
        .optional()?
        .ok_or_else(|| ApiError::not_found("territory"))
}

/// The Département named is one (422 on `department_id` otherwise).
fn check_department(conn: &mut PgConnection, f: &TerritoryFields) -> ApiResult<()> {
    let Some(id) = f.department_id else {
        return Ok(());
    };
    let kind: Option<OrgKind> = organisations::table
        .find(id)
        .select(organisations::kind)
        .for_share()
        .first(conn)
        .optional()?;
    let mut v = Violations::default();
    match kind {
        None => v.add("department_id", "no organisation has this id"),
        Some(kind) => Party::Department.check(kind, "department_id", &mut v),
    }
    Ok(v.finish()?)
}

pub fn create(
    conn: &mut PgConnection,
    p: &Principal,
    fields: &TerritoryFields,
) -> ApiResult<TerritoryRow> {
    access::territories::write(p)?;
    check_department(conn, fields)?;
    Ok(diesel::insert_into(territories::table)
        .values((territories::id.eq(Uuid::now_v7()), Columns::from(fields)))
        .returning(TerritoryRow::as_returning())
        .get_result(conn)?)
}

/// The territory, locked for a change by `p`.
pub fn lock(conn: &mut PgConnection, p: &Principal, id: Uuid) -> ApiResult<TerritoryRow> {
    access::territories::write(p)?;
    territories::table
        .find(id)
        .for_update()
        .select(TerritoryRow::as_select())
        .first(conn)
        .optional()?
        .ok_or_else(|| ApiError::not_found("territory"))
}

/// Writes a locked territory's new fields, with its next version.
pub fn save(conn: &mut PgConnection, id: Uuid, new: &TerritoryFields) -> ApiResult<TerritoryRow> {
    check_department(conn, new)?;
    Ok(diesel::update(territories::table.find(id))
        .set((
            Columns::from(new),
            territories::version.eq(territories::version + 1),
            territories::updated_at.eq(diesel::dsl::now),
        ))
        .returning(TerritoryRow::as_returning())
        .get_result(conn)?)
}

/// The territory a new contract, operation, offer's contract or person
/// lands in (API.md, "Territories"): a territory's facilitator's own
/// (naming another is refused as an unknown id); else the one `named`;
/// else the only one there is; with several and none named, 422 on
/// `territory_id`.
pub fn for_new(conn: &mut PgConnection, p: &Principal, named: Option<Uuid>) -> ApiResult<Uuid> {
    if let Some(org) = access::territories::bound(p) {
        let own: Option<Uuid> = organisations::table
            .find(org)
            .select(organisations::territory_id)
            .first::<Option<Uuid>>(conn)
            .optional()?
            .flatten();
        let Some(own) = own else {
            return Err(ApiError::Forbidden(
                "your token's `org` is not the organisation of a territory's facilitator".into(),
            ));
        };
        return match named {
            Some(t) if t != own => Err(ApiError::validation(
                "territory_id",
                "no territory with this id is open to you: leave it out, your territory is taken",
            )),
            _ => Ok(own),
        };
    }
    if let Some(t) = named {
        let found: Option<Uuid> = territories::table
            .find(t)
            .select(territories::id)
            .first(conn)
            .optional()?;
        return found
            .ok_or_else(|| ApiError::validation("territory_id", "no territory has this id"));
    }
    let only: Vec<Uuid> = territories::table
        .select(territories::id)
        .limit(2)
        .load(conn)?;
    match only.as_slice() {
        [one] => Ok(*one),
        _ => Err(ApiError::validation(
            "territory_id",
            "is required: this deployment has several territories (GET /api/v1/territories)",
        )),
    }
}

/// `scope`, as `All` when it covers every territory (a territory's
/// facilitator on a deployment of one, the Département over all of them),
/// so that those figures come from the whole deployment's rollups, as
/// before territories.
pub fn widen(conn: &mut PgConnection, scope: ContractScope) -> ApiResult<ContractScope> {
    let covers_all = match scope {
        ContractScope::Territory(org) => {
            let theirs: Vec<Option<Uuid>> = organisations::table
                .find(org)
                .select(organisations::territory_id)
                .load(conn)?;
            let all: Vec<Uuid> = territories::table
                .select(territories::id)
                .limit(2)
                .load(conn)?;
            matches!((theirs.as_slice(), all.as_slice()), ([Some(t)], [one]) if t == one)
        }
        ContractScope::Department(org) => {
            let others: i64 = territories::table
                .filter(territories::department_id.ne(org))
                .count()
                .get_result(conn)?;
            others == 0
        }
        _ => false,
    };
    Ok(if covers_all {
        ContractScope::All
    } else {
        scope
    })
}

/// Whether the deployment has more than one territory.
pub fn several(conn: &mut PgConnection) -> ApiResult<bool> {
    let n: i64 = territories::table.count().get_result(conn)?;
    Ok(n > 1)
}
