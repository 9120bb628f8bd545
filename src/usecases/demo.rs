//! The demo territory, loaded whole or not at all.

use diesel::{Connection, PgConnection, QueryResult};

use crate::models::{contract, demo, report};

/// Loads the demo territory (idempotent); returns how many organisations
/// were new.
pub fn load(conn: &mut PgConnection) -> QueryResult<usize> {
    conn.transaction(|c| {
        let added = demo::load(c)?;
        let failed = |e: crate::error::ApiError| {
            diesel::result::Error::QueryBuilderError(format!("loading the demo: {e}").into())
        };
        // The amended and the ordered contracts' values, as the API derives them.
        for id in demo::LIVED {
            contract::refresh_id(c, id).map_err(failed)?;
        }
        // An issued report on the ended contract, once.
        let today = chrono::Utc::now().date_naive();
        if report::count(c, demo::REPORTED).map_err(failed)? == 0 {
            let row = contract::lock_id(c, demo::REPORTED).map_err(failed)?;
            let data = super::reports::gather(c, &row, today).map_err(failed)?;
            let body = serde_json::to_value(&data)
                .map_err(|e| failed(crate::error::ApiError::internal("the demo report", e)))?;
            let number = crate::domain::report::number(today, 1);
            report::insert_issued(c, demo::REPORTED, &number, today, &body).map_err(failed)?;
        }
        Ok(added)
    })
}
