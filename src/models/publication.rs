use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel::upsert::{excluded, DecoratableTarget};
use uuid::Uuid;

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
    /// `None`: the whole deployment's.
    pub territory_id: Option<Uuid>,
}

/// Stores the year's snapshot of the whole deployment (`territory` none)
/// or of one territory, replacing an earlier one; says whether it was
/// published for the first time. The caller was let publish it.
pub fn publish(
    conn: &mut PgConnection,
    p: &Principal,
    year: i32,
    territory: Option<Uuid>,
    figures: serde_json::Value,
) -> ApiResult<(PublicationRow, bool)> {
    let insert = diesel::insert_into(publications::table).values((
        publications::year.eq(year),
        publications::territory_id.eq(territory),
        publications::figures.eq(figures),
        publications::published_by.eq(&p.sub),
    ));
    let again = (
        publications::figures.eq(excluded(publications::figures)),
        publications::published_by.eq(excluded(publications::published_by)),
        publications::version.eq(publications::version + 1),
        publications::updated_at.eq(diesel::dsl::now),
    );
    // Each key is a partial index: the conflict names its predicate.
    let row = match territory {
        None => insert
            .on_conflict(publications::year)
            .filter_target(publications::territory_id.is_null())
            .do_update()
            .set(again)
            .returning(PublicationRow::as_returning())
            .get_result(conn)?,
        Some(_) => insert
            .on_conflict((publications::year, publications::territory_id))
            .filter_target(publications::territory_id.is_not_null())
            .do_update()
            .set(again)
            .returning(PublicationRow::as_returning())
            .get_result(conn)?,
    };
    let first = row.version == 1;
    Ok((row, first))
}

/// A published year of the whole deployment or of one territory, for
/// anyone.
pub fn find(
    conn: &mut PgConnection,
    year: i32,
    territory: Option<Uuid>,
) -> ApiResult<Option<PublicationRow>> {
    let q = publications::table
        .filter(publications::year.eq(year))
        .into_boxed();
    let q = match territory {
        None => q.filter(publications::territory_id.is_null()),
        Some(t) => q.filter(publications::territory_id.eq(t)),
    };
    Ok(q.select(PublicationRow::as_select())
        .first(conn)
        .optional()?)
}
