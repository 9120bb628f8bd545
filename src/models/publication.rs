use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel::upsert::excluded;

use crate::access;
use crate::auth::Principal;
use crate::db::schema::publications;
use crate::error::ApiResult;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = publications)]
pub struct PublicationRow {
    pub year: i32,
    pub figures: serde_json::Value,
    pub published_by: String,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// Stores the year's snapshot, replacing an earlier one; says whether the
/// year was published for the first time.
pub fn publish(
    conn: &mut PgConnection,
    p: &Principal,
    year: i32,
    figures: serde_json::Value,
) -> ApiResult<(PublicationRow, bool)> {
    access::stats::publish(p)?;
    let row = diesel::insert_into(publications::table)
        .values((
            publications::year.eq(year),
            publications::figures.eq(figures),
            publications::published_by.eq(&p.sub),
        ))
        .on_conflict(publications::year)
        .do_update()
        .set((
            publications::figures.eq(excluded(publications::figures)),
            publications::published_by.eq(excluded(publications::published_by)),
            publications::version.eq(publications::version + 1),
            publications::updated_at.eq(diesel::dsl::now),
        ))
        .returning(PublicationRow::as_returning())
        .get_result(conn)?;
    let first = row.version == 1;
    Ok((row, first))
}

/// A published year, for anyone.
pub fn find(conn: &mut PgConnection, year: i32) -> ApiResult<Option<PublicationRow>> {
    Ok(publications::table
        .find(year)
        .select(PublicationRow::as_select())
        .first(conn)
        .optional()?)
}
