//! Figures read in one snapshot. A breakdown, the annual report and an
//! operation's fulfilment each read several statements that must agree
//! while hours keep coming, so each runs in one read-only transaction
//! (`REPEATABLE READ` where tables must agree with each other), with the
//! work memory their hash aggregates need.

use chrono::NaiveDate;
use diesel::PgConnection;
use uuid::Uuid;

use crate::access::ContractScope;
use crate::auth::Principal;
use crate::domain::breakdown::BreakdownKey;
use crate::domain::disclosure::Audience;
use crate::error::ApiResult;
use crate::models::operation::{self, OperationRow, OperationTotals};
use crate::models::publication::{self, PublicationRow};
use crate::models::stats::{self, Annual, BreakdownCounts, KeyFigureCounts, Selection};
use crate::models::territory;

/// Where a reader's key figures come from.
pub enum KeyFiguresSource {
    /// The year's publication: a reader who would read the whole territory
    /// masked reads it as the public card shows it (API.md, "Disclosure
    /// control", against differencing).
    Published(PublicationRow),
    Live(KeyFigureCounts),
}

/// Whether `audience` reading `s` gets a published year's figures: the
/// whole deployment's, or one territory's (`Some` of it); `None` when not.
fn reads_publication(audience: Audience, s: &Selection) -> Option<Option<Uuid>> {
    if audience != Audience::Masked {
        return None;
    }
    if s.is_whole_territory() {
        return Some(None);
    }
    let one_territory = Selection {
        territory_id: None,
        ..s.clone()
    };
    match s.territory_id {
        Some(t) if one_territory.is_whole_territory() => Some(Some(t)),
        _ => None,
    }
}

/// `s` with its scope as `All` when it covers every territory, so that a
/// deployment of one territory reads its rollups (and its publication) as
/// before territories.
fn widened(c: &mut PgConnection, s: &Selection) -> ApiResult<Selection> {
    Ok(Selection {
        scope: territory::widen(c, s.scope)?,
        ..s.clone()
    })
}

/// The key figures of `s`, widened already.
fn key_figures_in(
    c: &mut PgConnection,
    s: &Selection,
    year: i32,
    audience: Audience,
) -> ApiResult<KeyFiguresSource> {
    if let Some(territory) = reads_publication(audience, s) {
        if let Some(row) = publication::find(c, year, territory)? {
            return Ok(KeyFiguresSource::Published(row));
        }
    }
    Ok(KeyFiguresSource::Live(stats::key_figures(c, s, year)?))
}

/// The year's key figures as `audience` reads them: one statement (the
/// publication, or the live figures when there is none), no transaction.
pub fn key_figures(
    conn: &mut PgConnection,
    s: &Selection,
    year: i32,
    audience: Audience,
) -> ApiResult<KeyFiguresSource> {
    let s = widened(conn, s)?;
    key_figures_in(conn, &s, year, audience)
}

pub fn breakdown(
    conn: &mut PgConnection,
    s: &Selection,
    year: i32,
    by: BreakdownKey,
) -> ApiResult<BreakdownCounts> {
    conn.build_transaction().read_only().run(|c| {
        stats::widen_work_mem(c)?;
        let s = widened(c, s)?;
        stats::breakdown(c, &s, year, by)
    })
}

/// The annual report's figures, in one snapshot: its tables agree with
/// each other.
pub fn annual(
    conn: &mut PgConnection,
    s: &Selection,
    year: i32,
    to_date: NaiveDate,
    keys: &[BreakdownKey],
    with_outcomes: bool,
    audience: Audience,
) -> ApiResult<(Annual, KeyFiguresSource)> {
    conn.build_transaction()
        .repeatable_read()
        .read_only()
        .run(|c| {
            stats::widen_work_mem(c)?;
            let s = &widened(c, s)?;
            // The publication when this reader gets it, so the live
            // figures are not computed only to be thrown away.
            let source = key_figures_in(c, s, year, audience)?;
            // A report over several territories is split by them too.
            let mut keys = keys.to_vec();
            if !matches!(s.scope, ContractScope::Territory(_))
                && s.territory_id.is_none()
                && territory::several(c)?
            {
                keys.push(BreakdownKey::Territory);
            }
            let breakdowns = keys
                .iter()
                .map(|by| Ok((*by, stats::breakdown(c, s, year, *by)?)))
                .collect::<ApiResult<Vec<_>>>()?;
            let contracts = stats::contracts_of_year(c, s, year, to_date)?;
            let outcomes = with_outcomes
                .then(|| stats::outcomes_of_year(c, s, year))
                .transpose()?;
            Ok((
                Annual {
                    breakdowns,
                    contracts,
                    outcomes,
                },
                source,
            ))
        })
}

/// An operation and its totals over the contracts of `scope`: hours as of
/// `on`, people as of `people_on`.
pub fn operation_fulfilment(
    conn: &mut PgConnection,
    p: &Principal,
    scope: ContractScope,
    id: Uuid,
    on: NaiveDate,
    people_on: NaiveDate,
) -> ApiResult<(OperationRow, OperationTotals)> {
    conn.build_transaction()
        .repeatable_read()
        .read_only()
        .run(|c| {
            let operation = operation::get_in(c, p, id)?;
            let totals = operation::totals(c, scope, &operation, on, people_on)?;
            Ok((operation, totals))
        })
}
