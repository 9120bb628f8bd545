//! The demo territory, loaded whole or not at all.

use diesel::{Connection, PgConnection, QueryResult};

/// Loads the demo territory (idempotent); returns how many organisations
/// were new.
pub fn load(conn: &mut PgConnection) -> QueryResult<usize> {
    conn.transaction(crate::models::demo::load)
}
