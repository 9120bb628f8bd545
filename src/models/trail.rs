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
    pub beneficiary_id: Uuid,
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
    if people.is_empty() {
        return Ok(());
    }
    let request_id = if p.request_id.is_empty() {
        "none"
    } else {
        p.request_id.as_str()
    };
    let rows: Vec<_> = people
        .iter()
        .map(|id| {
            (
                access_trail::sub.eq(&p.sub),
                access_trail::role.eq(p.role.as_str()),
                access_trail::org.eq(p.org),
                access_trail::action.eq(action.as_str()),
                access_trail::beneficiary_id.eq(*id),
                access_trail::request_id.eq(request_id),
            )
        })
        .collect();
    diesel::insert_into(access_trail::table)
        .values(&rows)
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
