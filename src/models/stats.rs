//! Figures, computed in PostgreSQL: rows never come into Rust to be summed.

use chrono::NaiveDate;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Date, Nullable, Numeric, Text, Uuid as SqlUuid};
use rust_decimal::Decimal;
use uuid::Uuid;

use crate::access::ContractScope;
use crate::error::ApiResult;

/// Which contracts the figures are about: the caller's scope, then the
/// filters they asked for.
#[derive(Debug, Clone)]
pub struct Selection {
    pub scope: ContractScope,
    pub buyer_id: Option<Uuid>,
    pub contract_id: Option<Uuid>,
    pub operation: Option<String>,
}

/// The SQL condition on `contracts c` for a selection, with binds $1..$5.
const CONTRACTS: &str = "
    ($1::uuid IS NULL OR c.holder_id = $1)
    AND ($2::uuid IS NULL OR c.buyer_id = $2)
    AND ($3::uuid IS NULL OR c.buyer_id = $3)
    AND ($4::uuid IS NULL OR c.id = $4)
    AND ($5::text IS NULL OR c.operation = $5)";

macro_rules! bind_selection {
    ($query:expr, $s:expr) => {{
        let (held, bought) = match $s.scope {
            ContractScope::All => (None, None),
            ContractScope::HeldBy(o) => (Some(o), None),
            ContractScope::BoughtBy(o) => (None, Some(o)),
        };
        $query
            .bind::<Nullable<SqlUuid>, _>(held)
            .bind::<Nullable<SqlUuid>, _>(bought)
            .bind::<Nullable<SqlUuid>, _>($s.buyer_id)
            .bind::<Nullable<SqlUuid>, _>($s.contract_id)
            .bind::<Nullable<Text>, _>($s.operation.clone())
    }};
}

#[derive(Debug, Clone, PartialEq, Eq, QueryableByName)]
pub struct KeyFigures {
    #[diesel(sql_type = BigInt)]
    pub participants: i64,
    #[diesel(sql_type = BigInt)]
    pub women: i64,
    #[diesel(sql_type = BigInt)]
    pub men: i64,
    #[diesel(sql_type = BigInt)]
    pub under_26: i64,
    #[diesel(sql_type = BigInt)]
    pub qpv_residents: i64,
    #[diesel(sql_type = BigInt)]
    pub employment_contracts: i64,
    #[diesel(sql_type = Numeric)]
    pub hours: Decimal,
    #[diesel(sql_type = Numeric)]
    pub previous_year_hours: Decimal,
}

/// API.md's definitions, to the letter:
/// - participants: people with a placement active in the year; their age
///   is taken on the later of 1 January and the start of their earliest
///   placement active in the year;
/// - employment contracts: placements starting in the year;
/// - hours: validated worked + training hours of the year's months.
pub fn key_figures(conn: &mut PgConnection, s: &Selection, year: i32) -> ApiResult<KeyFigures> {
    let sql = format!(
        "WITH scoped AS (
            SELECT p.id, p.beneficiary_id, p.start_date, p.end_date
            FROM placements p JOIN contracts c ON c.id = p.contract_id
            WHERE {CONTRACTS}
        ),
        people AS (
            SELECT a.beneficiary_id, b.sex, b.qpv_code,
                   extract(year FROM age(greatest($6, a.first_start), b.birth_date)) < 26 AS young
            FROM (SELECT beneficiary_id, min(start_date) AS first_start
                  FROM scoped
                  WHERE start_date <= $7 AND (end_date IS NULL OR end_date >= $6)
                  GROUP BY beneficiary_id) a
            JOIN beneficiaries b ON b.id = a.beneficiary_id
        ),
        hours AS (
            SELECT coalesce(sum(h.worked_hours + h.training_hours) FILTER (WHERE h.month >= $6), 0) AS this_year,
                   coalesce(sum(h.worked_hours + h.training_hours) FILTER (WHERE h.month < $6), 0) AS last_year
            FROM monthly_hours h JOIN scoped s ON s.id = h.placement_id
            WHERE h.status = 'validated' AND h.month >= $8 AND h.month <= $7
        )
        SELECT (SELECT count(*) FROM people) AS participants,
               (SELECT count(*) FROM people WHERE sex = 'F') AS women,
               (SELECT count(*) FROM people WHERE sex = 'M') AS men,
               (SELECT count(*) FROM people WHERE young) AS under_26,
               (SELECT count(*) FROM people WHERE qpv_code IS NOT NULL) AS qpv_residents,
               (SELECT count(*) FROM scoped WHERE start_date BETWEEN $6 AND $7) AS employment_contracts,
               hours.this_year AS hours,
               hours.last_year AS previous_year_hours
        FROM hours"
    );
    let (first, last) = year_bounds(year);
    let (previous_first, _) = year_bounds(year - 1);
    let q = bind_selection!(diesel::sql_query(sql), s)
        .bind::<Date, _>(first)
        .bind::<Date, _>(last)
        .bind::<Date, _>(previous_first);
    Ok(q.get_result(conn)?)
}

pub fn year_bounds(year: i32) -> (NaiveDate, NaiveDate) {
    (
        NaiveDate::from_ymd_opt(year, 1, 1).expect("checked year"),
        NaiveDate::from_ymd_opt(year, 12, 31).expect("checked year"),
    )
}
