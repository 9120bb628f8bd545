//! Hours in bulk: an hour statement (up to 10,000 months declared) and a
//! bulk decision (up to 10,000 months validated or rejected), each in one
//! transaction and replayed from its first answer under an
//! `Idempotency-Key`.

use diesel::{Connection, PgConnection};
use serde::Serialize;

use crate::access::placements::{Deciding, Declaring};
use crate::auth::Principal;
use crate::error::{ApiError, ApiResult, FieldError};
use crate::models::hours::{self as model, LineOutcome, StatementLine};
use crate::models::idempotency;
use crate::models::worklist::{self, DecisionLine, DecisionOutcome};

/// A line as read from the request: well formed, or what is wrong with it.
pub type Parsed<L> = Result<L, Vec<FieldError>>;

/// A statement line as read from the request.
pub type ParsedStatementLine = Parsed<StatementLine>;

/// Runs `work` in one transaction and serialises what `render` makes of
/// its result. With `key`, the answer is stored with a hash of `body` in
/// the same transaction, and a replay of the same body gets that first
/// answer, byte for byte (another body under the key: 422).
fn once<T, R: Serialize>(
    conn: &mut PgConnection,
    p: &Principal,
    key: Option<&str>,
    body: &[u8],
    what: &str,
    work: impl FnOnce(&mut PgConnection) -> ApiResult<T>,
    render: impl FnOnce(T) -> R,
) -> ApiResult<String> {
    conn.transaction(|c| {
        let answer = |c: &mut PgConnection| -> ApiResult<String> {
            serde_json::to_string(&render(work(c)?))
                .map_err(|e| ApiError::internal(format!("rendering {what}"), e))
        };
        match key {
            Some(k) => idempotency::once(c, p, k, body, answer),
            None => answer(c),
        }
    })
}

/// Only the lines that were read well, in place.
fn well_formed<L: Clone>(lines: &[Parsed<L>]) -> Vec<Option<L>> {
    lines.iter().map(|r| r.as_ref().ok().cloned()).collect()
}

/// Declares a statement's well-formed lines; `render` makes the answer of
/// the lines and their outcomes.
pub fn declare_statement<R: Serialize>(
    conn: &mut PgConnection,
    p: &Principal,
    leave: Declaring,
    key: Option<&str>,
    body: &[u8],
    lines: &[ParsedStatementLine],
    render: impl FnOnce(&[ParsedStatementLine], Vec<Option<LineOutcome>>) -> R,
) -> ApiResult<String> {
    let good = well_formed(lines);
    once(
        conn,
        p,
        key,
        body,
        "an hour statement's answer",
        |c| model::declare_statement(c, p, leave, &good),
        |outcomes| render(lines, outcomes),
    )
}

/// Applies a bulk decision's well-formed lines; `render` makes the answer.
pub fn decide_months<R: Serialize>(
    conn: &mut PgConnection,
    p: &Principal,
    leave: Deciding,
    key: Option<&str>,
    body: &[u8],
    lines: &[Parsed<DecisionLine>],
    render: impl FnOnce(&[Parsed<DecisionLine>], Vec<Option<DecisionOutcome>>) -> R,
) -> ApiResult<String> {
    let good = well_formed(lines);
    once(
        conn,
        p,
        key,
        body,
        "a bulk decision's answer",
        |c| worklist::decide(c, p, leave, &good),
        |outcomes| render(lines, outcomes),
    )
}

/// A page of the facilitator's worklist, its months and their placements'
/// facts read in one snapshot.
pub fn worklist(
    conn: &mut PgConnection,
    scope: crate::access::placements::HoursScope,
    filter: worklist::Filter,
    page: crate::paging::PageRequest,
) -> ApiResult<crate::paging::Page<worklist::WorkRow>> {
    conn.build_transaction()
        .read_only()
        .repeatable_read()
        .run(|c| worklist::list(c, scope, filter, page))
}
