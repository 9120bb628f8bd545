//! The query every figure shares: a year and the contracts (and people)
//! it is about, checked, as the caller's selection.

use serde::Deserialize;
use utoipa::IntoParams;
use uuid::Uuid;

use super::export::ExportFormat;
use crate::access;
use crate::auth::Principal;
use crate::error::{ApiResult, Violations};
use crate::models::stats::Selection;

pub const FIRST_YEAR: i32 = 1990;
pub const LAST_YEAR: i32 = 2100;

/// The year a figure is asked for: required, from 1990 to 2100.
pub fn year(v: &mut Violations, year: Option<i32>) -> Option<i32> {
    let year = v.require("year", year);
    if year.is_some_and(|y| !(FIRST_YEAR..=LAST_YEAR).contains(&y)) {
        v.add("year", format!("must be from {FIRST_YEAR} to {LAST_YEAR}"));
    }
    year
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct FiguresQuery {
    /// The calendar year.
    #[param(required = true, minimum = 1990, maximum = 2100)]
    pub year: Option<i32>,
    /// Only contracts of this territory. A person followed in two territories is two records,
    /// counted in each.
    pub territory_id: Option<Uuid>,
    /// Only contracts of this buyer.
    pub buyer_id: Option<Uuid>,
    /// Only this contract.
    pub contract_id: Option<Uuid>,
    /// Only contracts of this operation (exact text).
    pub operation: Option<String>,
    /// Only contracts linked to this operation.
    pub operation_id: Option<Uuid>,
    /// Only people whose referent is this organisation (their placements and hours). A PLIE
    /// reads its own people's figures exactly.
    pub referent_id: Option<Uuid>,
    /// Left out of the document: each file has its own path (`….csv`, `….xlsx`).
    /// `?format=` and `Accept` still pick one on the JSON path, for the callers
    /// written before.
    #[param(ignore)]
    pub format: Option<ExportFormat>,
}

/// Reads and checks `year` and the contract filters.
pub fn selection(
    p: &Principal,
    q: Option<FiguresQuery>,
    mut v: Violations,
) -> ApiResult<(i32, Selection, Option<ExportFormat>)> {
    let q = q.unwrap_or(FiguresQuery {
        year: None,
        territory_id: None,
        buyer_id: None,
        contract_id: None,
        operation: None,
        operation_id: None,
        referent_id: None,
        format: None,
    });
    access::stats::referent_filter(p, q.referent_id)?;
    let year = year(&mut v, q.year);
    let year = v.finish_with(year)?;
    Ok((
        year,
        Selection {
            scope: access::stats::scope(p),
            territory_id: q.territory_id,
            buyer_id: q.buyer_id,
            contract_id: q.contract_id,
            operation: q.operation,
            operation_id: q.operation_id,
            referent_id: q.referent_id,
        },
        q.format,
    ))
}
