//! Publishing a year: the figures of the whole deployment or of one
//! territory computed, masked as the public reads them, and stored, in one
//! transaction.

use diesel::{Connection, PgConnection};
use uuid::Uuid;

use crate::access::{self, ContractScope};
use crate::auth::Principal;
use crate::error::ApiResult;
use crate::models::publication::{self, PublicationRow};
use crate::models::stats::{self, KeyFigureCounts, Selection};
use crate::models::territory;

/// Publishes `year` for the whole deployment, or for the territory named
/// (a territory's facilitator: its own, which it need not name, unless it
/// is the only one): `public` renders the figures as the public may read
/// them (the disclosure rule's masked audience). Returns the stored
/// publication and whether it is the first.
pub fn publish(
    conn: &mut PgConnection,
    p: &Principal,
    year: i32,
    named: Option<Uuid>,
    public: impl FnOnce(KeyFigureCounts) -> ApiResult<serde_json::Value>,
) -> ApiResult<(PublicationRow, bool)> {
    let scope = access::stats::publish(p)?;
    conn.transaction(|c| {
        let whole = territory::widen(c, scope)? == ContractScope::All;
        let target = match (named, whole) {
            (None, true) => None,
            // Its own, checked (another territory is refused as unknown).
            (named, _) => Some(territory::for_new(c, p, named)?),
        };
        let selection = Selection {
            territory_id: target,
            ..Selection::everything()
        };
        let figures = public(stats::key_figures(c, &selection, year)?)?;
        publication::publish(c, p, year, target, figures)
    })
}
