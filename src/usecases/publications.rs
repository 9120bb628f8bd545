//! Publishing a year: the territory's figures computed, masked as the
//! public reads them, and stored, in one transaction.

use diesel::{Connection, PgConnection};

use crate::auth::Principal;
use crate::error::ApiResult;
use crate::models::publication::{self, PublicationRow};
use crate::models::stats::{self, KeyFigureCounts, Selection};

/// Publishes `year`: `public` renders the whole territory's figures as
/// the public may read them (the disclosure rule's masked audience).
/// Returns the stored publication and whether it is the year's first.
pub fn publish(
    conn: &mut PgConnection,
    p: &Principal,
    year: i32,
    public: impl FnOnce(KeyFigureCounts) -> ApiResult<serde_json::Value>,
) -> ApiResult<(PublicationRow, bool)> {
    let scope = crate::access::stats::publish(p)?;
    conn.transaction(|c| {
        crate::access::stats::publish_covers(crate::models::territory::widen(c, scope)?)?;
        let figures = public(stats::key_figures(c, &Selection::everything(), year)?)?;
        publication::publish(c, p, year, figures)
    })
}
