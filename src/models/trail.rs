//! The access trail: one row per person for every operation that returns or
//! changes a personal field, written in the same transaction, so that a
//! read whose trail cannot be written fails.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use uuid::Uuid;

use crate::auth::Principal;
use crate::db::schema::access_trail;
use crate::error::ApiResult;
use crate::paging::{Keyed, Order, Page, PageRequest, SeqKey};

crate::domain::codes::code_enum! {
    /// What was done with a person's data.
    TrailAction {
        Read => "read",
        Create => "create",
        Update => "update",
        Export => "export",
        Erase => "erase",
        Import => "import",
    }
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = access_trail)]
pub struct TrailRow {
    pub id: i64,
    pub at: DateTime<Utc>,
    pub sub: String,
    pub role: String,
    pub org: Option<Uuid>,
    pub action: String,
    /// None only for an import's own entry, which no person's trail holds.
    pub beneficiary_id: Option<Uuid>,
    pub request_id: String,
}

impl Keyed for TrailRow {
    type Key = SeqKey;

    fn key(&self, _: Order) -> SeqKey {
        SeqKey(self.id)
    }
}

pub fn record(
    conn: &mut PgConnection,
    p: &Principal,
    action: TrailAction,
    people: &[Uuid],
) -> ApiResult<()> {
    use diesel::sql_types::{Array, Nullable, Text, Uuid as SqlUuid};
    if people.is_empty() {
        return Ok(());
    }
    // One statement whatever the number of people (an import writes
    // tens of thousands).
    diesel::sql_query(
        "INSERT INTO access_trail (sub, role, org, action, beneficiary_id, request_id)
         SELECT $1, $2, $3, $4, person, $5 FROM unnest($6::uuid[]) AS person",
    )
    .bind::<Text, _>(&p.sub)
    .bind::<Text, _>(p.role.as_str())
    .bind::<Nullable<SqlUuid>, _>(p.org)
    .bind::<Text, _>(action.as_str())
    .bind::<Text, _>(request_id(p))
    .bind::<Array<SqlUuid>, _>(people)
    .execute(conn)?;
    Ok(())
}

fn request_id(p: &Principal) -> &str {
    if p.request_id.is_empty() {
        "none"
    } else {
        p.request_id.as_str()
    }
}

/// An import's own entry: who, when, and what it counted.
pub fn record_import(
    conn: &mut PgConnection,
    p: &Principal,
    counts: &serde_json::Value,
) -> ApiResult<()> {
    diesel::insert_into(access_trail::table)
        .values((
            access_trail::sub.eq(&p.sub),
            access_trail::role.eq(p.role.as_str()),
            access_trail::org.eq(p.org),
            access_trail::action.eq(TrailAction::Import.as_str()),
            access_trail::request_id.eq(request_id(p)),
            access_trail::details.eq(counts),
        ))
        .execute(conn)?;
    Ok(())
}

/// A page of a person's trail, oldest first.
pub fn page(
    conn: &mut PgConnection,
    beneficiary: Uuid,
    page: PageRequest<SeqKey>,
) -> ApiResult<Page<TrailRow>> {
    let rows = access_trail::table
        .filter(access_trail::beneficiary_id.eq(beneficiary))
        .filter(access_trail::id.gt(page.after.map_or(0, |k| k.0)))
        .order(access_trail::id.asc())
        .limit(page.fetch())
        .select(TrailRow::as_select())
        .load(conn)?;
    Ok(Page::cut(rows, &page))
}

/// A person's whole trail, oldest first (for their own copy).
pub fn all(conn: &mut PgConnection, beneficiary: Uuid) -> ApiResult<Vec<TrailRow>> {
    Ok(access_trail::table
        .filter(access_trail::beneficiary_id.eq(beneficiary))
        .order(access_trail::id.asc())
        .select(TrailRow::as_select())
        .load(conn)?)
}
