//! Hours in bulk: an hour statement (up to 10,000 months declared) and a
//! bulk decision (up to 10,000 months validated or rejected), each in one
//! transaction and replayed from its first result under an
//! `Idempotency-Key`.

use diesel::{Connection, PgConnection};
use serde::{de::DeserializeOwned, Serialize};

use crate::access::placements::{Deciding, Declaring};
use crate::auth::Principal;
use crate::error::{ApiResult, FieldError};
use crate::models::hours::{self as model, LineOutcome, StatementLine};
use crate::models::idempotency;
use crate::models::worklist::{self, DecisionLine, DecisionOutcome};

/// A line as read from the request: well formed, or what is wrong with it.
pub type Parsed<L> = Result<L, Vec<FieldError>>;

/// A statement line as read from the request.
pub type ParsedStatementLine = Parsed<StatementLine>;

/// Runs `work` in one transaction. With `key`, its result is stored with a
/// hash of `body` in the same transaction, and a replay of the same body
/// gets that first result (another body under the key: 422).
fn once<T: Serialize + DeserializeOwned>(
    conn: &mut PgConnection,
    p: &Principal,
    key: Option<&str>,
    body: &[u8],
    work: impl FnOnce(&mut PgConnection) -> ApiResult<T>,
) -> ApiResult<T> {
    conn.transaction(|c| match key {
        Some(k) => idempotency::once(c, p, k, body, work),
        None => work(c),
    })
}

/// Only the lines that were read well, in place.
fn well_formed<L: Clone>(lines: &[Parsed<L>]) -> Vec<Option<L>> {
    lines.iter().map(|r| r.as_ref().ok().cloned()).collect()
}

/// Every line's outcome, in order: a line read badly is refused with what
/// is wrong with it (`refused`), the others get what the model made of them.
fn merge<L, O>(
    lines: &[Parsed<L>],
    outcomes: Vec<Option<O>>,
    refused: impl Fn(Vec<FieldError>) -> O,
) -> Vec<O> {
    lines
        .iter()
        .zip(outcomes)
        .map(|(line, outcome)| match (line, outcome) {
            (Err(errors), _) => refused(errors.clone()),
            (Ok(_), Some(o)) => o,
            (Ok(_), None) => refused(vec![]),
        })
        .collect()
}

/// Declares a statement's well-formed lines: one outcome per line, in order.
pub fn declare_statement(
    conn: &mut PgConnection,
    p: &Principal,
    leave: Declaring,
    key: Option<&str>,
    body: &[u8],
    lines: &[ParsedStatementLine],
) -> ApiResult<Vec<LineOutcome>> {
    let good = well_formed(lines);
    once(conn, p, key, body, |c| {
        let outcomes = model::declare_statement(c, p, leave, &good)?;
        Ok(merge(lines, outcomes, LineOutcome::Rejected))
    })
}

/// Applies a bulk decision's well-formed lines: one outcome per line.
pub fn decide_months(
    conn: &mut PgConnection,
    p: &Principal,
    leave: Deciding,
    key: Option<&str>,
    body: &[u8],
    lines: &[Parsed<DecisionLine>],
) -> ApiResult<Vec<DecisionOutcome>> {
    let good = well_formed(lines);
    once(conn, p, key, body, |c| {
        let outcomes = worklist::decide(c, p, leave, &good)?;
        Ok(merge(lines, outcomes, DecisionOutcome::Refused))
    })
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
