//! Figures, computed in PostgreSQL: rows never come into Rust to be summed.

use chrono::NaiveDate;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Date, Nullable, Numeric, Text, Uuid as SqlUuid};
use rust_decimal::Decimal;
use uuid::Uuid;

use crate::access::ContractScope;
use crate::domain::breakdown::BreakdownKey;
use crate::domain::outcome::Situation;
use crate::error::{ApiError, ApiResult};

/// Which contracts the figures are about: the caller's scope, then the
/// filters they asked for.
#[derive(Debug, Clone)]
pub struct Selection {
    pub scope: ContractScope,
    pub buyer_id: Option<Uuid>,
    pub contract_id: Option<Uuid>,
    pub operation: Option<String>,
    pub operation_id: Option<Uuid>,
    /// Only people whose referent is this organisation (their placements,
    /// their hours).
    pub referent_id: Option<Uuid>,
}

impl Selection {
    /// The whole territory, unfiltered.
    pub fn everything() -> Selection {
        Selection {
            scope: ContractScope::All,
            buyer_id: None,
            contract_id: None,
            operation: None,
            operation_id: None,
            referent_id: None,
        }
    }
}

/// The SQL condition on `contracts c` for a selection, with binds $1..$6.
const CONTRACTS: &str = "
    ($1::uuid IS NULL OR c.holder_id = $1)
    AND ($2::uuid IS NULL OR c.buyer_id = $2)
    AND ($3::uuid IS NULL OR c.buyer_id = $3)
    AND ($4::uuid IS NULL OR c.id = $4)
    AND ($5::text IS NULL OR c.operation = $5)
    AND ($6::uuid IS NULL OR c.operation_id = $6)";

/// The SQL condition on `placements p` for the selection's referent, bound
/// last, as `$n`.
fn referent(n: usize) -> String {
    format!(
        "(${n}::uuid IS NULL OR p.beneficiary_id IN \
         (SELECT id FROM beneficiaries WHERE referent_id = ${n}))"
    )
}

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
            .bind::<Nullable<SqlUuid>, _>($s.operation_id)
    }};
}

/// A query over a selection of contracts: `template` names the contracts'
/// condition `{contracts}` (on `contracts c`, binds $1 to $6, bound here)
/// and the referent's `{referent}` (on `placements p`, bound by the caller
/// as `$referent_at`, after its own binds).
pub fn selected(
    template: &str,
    s: &Selection,
    referent_at: usize,
) -> diesel::query_builder::BoxedSqlQuery<'static, diesel::pg::Pg, diesel::query_builder::SqlQuery>
{
    let sql = template
        .replace("{contracts}", CONTRACTS)
        .replace("{referent}", &referent(referent_at));
    bind_selection!(diesel::sql_query(sql).into_boxed(), s)
}

#[derive(Debug, Clone, PartialEq, Eq, QueryableByName)]
pub struct KeyFigureCounts {
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
    /// Distinct holders of contracts with a placement active in the year.
    #[diesel(sql_type = BigInt)]
    pub holders: i64,
}

impl Selection {
    /// The whole territory, no filter: what the rollups answer.
    pub fn is_whole_territory(&self) -> bool {
        self.scope == ContractScope::All
            && self.buyer_id.is_none()
            && self.contract_id.is_none()
            && self.operation.is_none()
            && self.operation_id.is_none()
            && self.referent_id.is_none()
    }
}

/// The key figures: from the rollups for the whole territory (the costly
/// case: every placement and month of two years), from the rows for a
/// selection of contracts (few by construction).
pub fn key_figures(
    conn: &mut PgConnection,
    s: &Selection,
    year: i32,
) -> ApiResult<KeyFigureCounts> {
    if s.is_whole_territory() {
        key_figures_rollup(conn, year)
    } else {
        key_figures_live(conn, s, year)
    }
}

/// The last year `person_years` holds.
fn rollup_horizon(conn: &mut PgConnection) -> ApiResult<i32> {
    #[derive(QueryableByName)]
    struct Horizon {
        #[diesel(sql_type = diesel::sql_types::Integer)]
        year: i32,
    }
    let horizon: Horizon = diesel::sql_query("SELECT year FROM rollup_horizon").get_result(conn)?;
    Ok(horizon.year)
}

/// Extends `person_years` to `year` (open placements reach every later
/// year). A write: `serve` and `migrate` run it at start for the next
/// year, so reads never have to.
pub fn extend_rollups(conn: &mut PgConnection, year: i32) -> ApiResult<()> {
    diesel::sql_query("SELECT extend_person_years($1)")
        .bind::<diesel::sql_types::Integer, _>(year)
        .execute(conn)?;
    Ok(())
}

/// The whole territory's figures from `person_years` and `hours_rollup`
/// (kept by the triggers of the migration `rollups`), same definitions as the live query;
/// a year past the rollups' horizon is computed from the rows.
pub fn key_figures_rollup(conn: &mut PgConnection, year: i32) -> ApiResult<KeyFigureCounts> {
    if year > rollup_horizon(conn)? {
        return key_figures_live(conn, &Selection::everything(), year);
    }
    let (first, last) = year_bounds(year);
    let (previous_first, _) = year_bounds(year - 1);
    let sql = "
        WITH people AS (
            SELECT count(*) AS participants,
                   count(*) FILTER (WHERE sex = 'F') AS women,
                   count(*) FILTER (WHERE sex = 'M') AS men,
                   count(*) FILTER (WHERE age_band(age) = 'under_26') AS under_26,
                   count(*) FILTER (WHERE qpv) AS qpv_residents
            FROM person_years WHERE year = $4
        ),
        hours AS (
            SELECT coalesce(sum(hours) FILTER (WHERE month >= $1), 0) AS this_year,
                   coalesce(sum(hours) FILTER (WHERE month < $1), 0) AS last_year
            FROM hours_rollup WHERE month BETWEEN $3 AND $2
        )
        SELECT people.participants, people.women, people.men, people.under_26, people.qpv_residents,
               (SELECT count(*) FROM placements WHERE start_date BETWEEN $1 AND $2) AS employment_contracts,
               hours.this_year AS hours, hours.last_year AS previous_year_hours,
               (SELECT count(DISTINCT c.holder_id) FROM contracts c
                WHERE EXISTS (SELECT 1 FROM placement_years py WHERE py.contract_id = c.id AND py.year = $4)) AS holders
        FROM people, hours";
    Ok(diesel::sql_query(sql)
        .bind::<Date, _>(first)
        .bind::<Date, _>(last)
        .bind::<Date, _>(previous_first)
        .bind::<diesel::sql_types::Integer, _>(year)
        .get_result(conn)?)
}

/// API.md's definitions, to the letter:
/// - participants: people with a placement active in the year; their age
///   is taken on the later of 1 January and the start of their earliest
///   placement active in the year;
/// - employment contracts: placements starting in the year;
/// - hours: validated worked + training hours of the year's months.
pub fn key_figures_live(
    conn: &mut PgConnection,
    s: &Selection,
    year: i32,
) -> ApiResult<KeyFigureCounts> {
    let sql = format!(
        "WITH scoped AS (
            SELECT p.id, p.beneficiary_id, p.start_date, p.end_date, c.holder_id
            FROM placements p JOIN contracts c ON c.id = p.contract_id
            WHERE {CONTRACTS} AND {on_referent}
        ),
        people AS (
            SELECT a.beneficiary_id, b.sex, b.qpv_resident,
                   age_band(person_age(b.id, b.birth_date, greatest($7, a.first_start))) = 'under_26' AS young
            FROM (SELECT beneficiary_id, min(start_date) AS first_start
                  FROM scoped
                  WHERE start_date <= $8 AND (end_date IS NULL OR end_date >= $7)
                  GROUP BY beneficiary_id) a
            JOIN beneficiaries b ON b.id = a.beneficiary_id
        ),
        hours AS (
            SELECT coalesce(sum(h.worked_hours + h.training_hours) FILTER (WHERE h.month >= $7), 0) AS this_year,
                   coalesce(sum(h.worked_hours + h.training_hours) FILTER (WHERE h.month < $7), 0) AS last_year
            FROM monthly_hours h JOIN scoped s ON s.id = h.placement_id
            WHERE h.status = 'validated' AND h.month >= $9 AND h.month <= $8
        )
        SELECT (SELECT count(*) FROM people) AS participants,
               (SELECT count(*) FROM people WHERE sex = 'F') AS women,
               (SELECT count(*) FROM people WHERE sex = 'M') AS men,
               (SELECT count(*) FROM people WHERE young) AS under_26,
               (SELECT count(*) FROM people WHERE qpv_resident) AS qpv_residents,
               (SELECT count(*) FROM scoped WHERE start_date BETWEEN $7 AND $8) AS employment_contracts,
               hours.this_year AS hours,
               hours.last_year AS previous_year_hours,
               (SELECT count(DISTINCT holder_id) FROM scoped
                WHERE start_date <= $8 AND (end_date IS NULL OR end_date >= $7)) AS holders
        FROM hours",
        on_referent = referent(10)
    );
    let (first, last) = year_bounds(year);
    let (previous_first, _) = year_bounds(year - 1);
    let q = bind_selection!(diesel::sql_query(sql), s)
        .bind::<Date, _>(first)
        .bind::<Date, _>(last)
        .bind::<Date, _>(previous_first)
        .bind::<Nullable<SqlUuid>, _>(s.referent_id);
    Ok(q.get_result(conn)?)
}

pub fn year_bounds(year: i32) -> (NaiveDate, NaiveDate) {
    (
        NaiveDate::from_ymd_opt(year, 1, 1).expect("checked year"),
        NaiveDate::from_ymd_opt(year, 12, 31).expect("checked year"),
    )
}

/// A breakdown's rows and the number of people of the whole selection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BreakdownCounts {
    pub participants: i64,
    pub rows: Vec<BreakdownCountRow>,
}

#[derive(Debug, Clone, PartialEq, Eq, QueryableByName)]
pub struct BreakdownCountRow {
    #[diesel(sql_type = Nullable<Text>)]
    pub key: Option<String>,
    #[diesel(sql_type = BigInt)]
    pub participants: i64,
    /// The people of the whole selection, the same on every row.
    #[diesel(sql_type = BigInt)]
    pub selection: i64,
    #[diesel(sql_type = BigInt)]
    pub employment_contracts: i64,
    #[diesel(sql_type = Numeric)]
    pub hours: Decimal,
}

/// The shared start of every breakdown, from `placement_years` (one row per
/// placement active in the year, with its validated hours of the year and
/// its months that hold some): the selection's active placements, and its
/// people with their reference day (for the age), starts, hours and months.
/// Binds: $7 and $8 the year's first and last days, $9 the year, $10 the
/// referent.
fn base(rows: &str) -> String {
    format!(
        "WITH active AS (
            SELECT p.placement_id AS id, p.beneficiary_id, p.contract_id, p.employer_id, p.modality,
                   p.start_date, p.centihours, p.months
            FROM {rows} p JOIN contracts c ON c.id = p.contract_id
            WHERE p.year = $9 AND {CONTRACTS} AND {on_referent}
        ),
        people AS (
            SELECT beneficiary_id, greatest($7, min(start_date)) AS reference_day,
                   count(*) FILTER (WHERE start_date >= $7) AS starts, sum(centihours) * 0.01 AS hours,
                   bit_or(months) AS months
            FROM active GROUP BY beneficiary_id
        )",
        on_referent = referent(10)
    )
}

/// Each participant in one row (or, for eligibility, one row per
/// criterion): their placements' starts and hours go with them.
fn by_person(key: &str, rows: &str) -> String {
    format!(
        "{},
        keyed AS (
            SELECT p.starts, p.hours, {key} AS key
            FROM people p JOIN beneficiaries b ON b.id = p.beneficiary_id
        )
        SELECT key, count(*) AS participants, (SELECT count(*) FROM people) AS selection,
               coalesce(sum(starts), 0)::bigint AS employment_contracts,
               coalesce(sum(hours), 0) AS hours
        FROM keyed
        GROUP BY key",
        base(rows)
    )
}

/// Where a placement key reads: the placement's own row, or its contract's.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Reads {
    Placement,
    Contract,
}

/// Each placement in the row of its own (or its contract's) attribute: a
/// person with placements in two rows counts in both, contracts and hours
/// add up to the totals. `joins` brings the tables `key` reads beside
/// `p` (the year's rows) and `contracts c`, which the whole territory
/// joins only for a contract's attribute.
fn by_placement(key: &str, joins: &str, reads: Reads, whole: bool, rows: &str) -> String {
    // One pass and one hash aggregate: a row that is its person's only one
    // of the year (`sole`) is one person in its key's row whatever else,
    // so those rows are summed in one group per key, and only the others
    // are told apart person by person. The whole territory's people are
    // person_years' count; a selection's are its sole rows and its other
    // people once each.
    let selection = if whole {
        "(SELECT count(*) FROM person_years WHERE year = $9)"
    } else {
        "(SELECT (coalesce(sum(n) FILTER (WHERE person IS NULL), 0) + count(DISTINCT person))::bigint FROM keyed)"
    };
    let contracts = if whole && reads == Reads::Placement {
        ""
    } else {
        "JOIN contracts c ON c.id = p.contract_id"
    };
    let condition = if whole {
        String::new()
    } else {
        format!("AND {CONTRACTS} AND {}", referent(10))
    };
    format!(
        "WITH keyed AS (
            SELECT {key} AS key, CASE WHEN p.sole THEN NULL ELSE p.beneficiary_id END AS person, count(*) AS n,
                   count(*) FILTER (WHERE p.start_date >= $7) AS starts, sum(p.centihours) AS centihours
            FROM {rows} p {contracts} {joins}
            WHERE p.year = $9 AND $8::date IS NOT NULL {condition}
            GROUP BY 1, 2
        )
        SELECT key::text AS key, sum(CASE WHEN person IS NULL THEN n ELSE 1 END)::bigint AS participants,
               {selection} AS selection, sum(starts)::bigint AS employment_contracts,
               sum(centihours) * 0.01 AS hours
        FROM keyed
        GROUP BY key"
    )
}

/// By month: that month's validated hours, the people who did them (a
/// person's months are the union of their placements'), and the
/// placements that started in it. Hours per month come from `hours_rollup`
/// for a selection of contracts, from the months for a referent's people.
fn by_month(whole: bool, rows: &str) -> String {
    // The people of each month in one pass over the people: twelve sums
    // over each person's months (the union of their placements').
    let counts = (0..12)
        .map(|bit| format!("sum((months >> {bit}) & 1)"))
        .collect::<Vec<_>>()
        .join(", ");
    let selection = if whole {
        "(SELECT count(*) FROM person_years WHERE year = $9)"
    } else {
        "(SELECT count(*) FROM person_months)"
    };
    format!(
        "WITH active AS MATERIALIZED (
            SELECT p.placement_id AS id, p.beneficiary_id, p.start_date, p.months, p.sole
            FROM {rows} p JOIN contracts c ON c.id = p.contract_id
            WHERE p.year = $9 AND {CONTRACTS} AND {on_referent}
        ),
        -- A sole row's months are its person's; the others' are the union
        -- of their rows'.
        person_months AS (
            SELECT months FROM active WHERE sole
            UNION ALL
            SELECT bit_or(months) FROM active WHERE NOT sole GROUP BY beneficiary_id
        ),
        worked_people AS (
            SELECT m.n AS month_number, w.counts[m.n] AS people
            FROM (SELECT ARRAY[{counts}] AS counts FROM person_months) w
            CROSS JOIN generate_series(1, 12) AS m (n)
        ),
        month_hours AS (
            SELECT h.month, sum(h.hours) AS h
            FROM hours_rollup h JOIN contracts c ON c.id = h.contract_id
            WHERE $10::uuid IS NULL AND h.month BETWEEN $7 AND $8 AND {CONTRACTS}
            GROUP BY h.month
            UNION ALL
            SELECT m.month, sum(m.worked_hours + m.training_hours)
            FROM monthly_hours m JOIN active a ON a.id = m.placement_id
            WHERE $10::uuid IS NOT NULL AND m.status = 'validated' AND m.month BETWEEN $7 AND $8
            GROUP BY m.month
        ),
        started AS (
            SELECT date_trunc('month', start_date)::date AS month, count(*) AS n
            FROM active WHERE start_date >= $7 GROUP BY 1
        ),
        months AS (
            SELECT make_date($9, n, 1) AS month, n FROM generate_series(1, 12) AS g (n)
        )
        SELECT to_char(mo.month, 'YYYY-MM') AS key,
               {selection} AS selection,
               coalesce(w.people, 0)::bigint AS participants,
               coalesce(s.n, 0) AS employment_contracts,
               coalesce(mh.h, 0) AS hours
        FROM months mo
        LEFT JOIN worked_people w ON w.month_number = mo.n
        LEFT JOIN month_hours mh ON mh.month = mo.month
        LEFT JOIN started s ON s.month = mo.month
        WHERE w.people > 0 OR s.n IS NOT NULL OR mh.month IS NOT NULL",
        on_referent = referent(10),
    )
}

/// Each participant of the whole territory in one row, from `person_years`
/// alone: it holds the year's people with their sex, QPV, age on their
/// reference day (the same definitions), qualification level, eligibility,
/// and their placements' starts and hours of the year. `key` reads `pe`
/// (person_years), `from` may add a lateral (eligibility's criteria).
/// Binds: $1, $2 the year's first and last days, $3 the year.
fn by_person_whole(key: &str, from: &str) -> String {
    format!(
        "SELECT {key} AS key, count(*) AS participants,
               (SELECT count(*) FROM person_years WHERE year = $3) AS selection,
               coalesce(sum(pe.starts), 0)::bigint AS employment_contracts,
               coalesce(sum(pe.centihours), 0) * 0.01 AS hours
        FROM person_years pe {from}
        WHERE pe.year = $3 AND $1::date <= $2::date
        GROUP BY 1"
    )
}

/// A year's `placement_years` rows computed from the placements and their
/// months, for a year past the rollups' horizon. Binds: $7 and $8 the
/// year's first and last days, $9 the year.
const LIVE_PLACEMENT_YEARS: &str = "(
    SELECT $9::int AS year, p.id AS placement_id, p.beneficiary_id, p.contract_id, p.employer_id, p.modality,
           p.start_date, coalesce(h.centihours, 0) AS centihours, coalesce(h.months, 0) AS months,
           count(*) OVER (PARTITION BY p.beneficiary_id) = 1 AS sole
    FROM placements p
    LEFT JOIN LATERAL (
        SELECT (sum(m.worked_hours + m.training_hours) * 100)::bigint AS centihours,
               bit_or(1 << (extract(month FROM m.month)::int - 1)) AS months
        FROM monthly_hours m
        WHERE m.placement_id = p.id AND m.status = 'validated' AND m.month BETWEEN $7 AND $8
    ) h ON true
    WHERE p.start_date <= $8 AND (p.end_date IS NULL OR p.end_date >= $7)
)";

/// Hash aggregates over a year's placements need more than the default
/// 4 MB, or they spill to disk: for the transaction the caller holds.
pub fn widen_work_mem(conn: &mut PgConnection) -> ApiResult<()> {
    diesel::sql_query("SET LOCAL work_mem = '32MB'").execute(conn)?;
    Ok(())
}

/// A year's breakdown by one key, in the caller's transaction (see
/// [`widen_work_mem`]).
pub fn breakdown(
    conn: &mut PgConnection,
    s: &Selection,
    year: i32,
    by: BreakdownKey,
) -> ApiResult<BreakdownCounts> {
    let (first, last) = year_bounds(year);
    // placement_years and person_years hold the years up to the horizon;
    // past it (open placements reach every later year), the year's rows
    // are computed from the placements.
    let past_horizon = year > rollup_horizon(conn)?;
    let rows = if past_horizon {
        LIVE_PLACEMENT_YEARS
    } else {
        "placement_years"
    };
    let whole = s.is_whole_territory() && !past_horizon;
    if whole && by.is_person_attribute() {
        let sql = match by {
            BreakdownKey::Sex => by_person_whole("pe.sex", ""),
            BreakdownKey::AgeBand => by_person_whole("age_band(pe.age)", ""),
            BreakdownKey::Qpv => by_person_whole("CASE WHEN pe.qpv THEN 'yes' ELSE 'no' END", ""),
            BreakdownKey::QualificationLevel => by_person_whole("pe.qualification_level", ""),
            _ => by_person_whole(
                "e.criterion",
                "CROSS JOIN LATERAL unnest(pe.eligibility) AS e (criterion)",
            ),
        };
        let rows: Vec<BreakdownCountRow> = diesel::sql_query(sql)
            .bind::<Date, _>(first)
            .bind::<Date, _>(last)
            .bind::<diesel::sql_types::Integer, _>(year)
            .load(conn)?;
        return Ok(complete(by, rows));
    }
    let sql = match by {
        BreakdownKey::Sex => by_person("b.sex", rows),
        BreakdownKey::AgeBand => by_person(
            "age_band(person_age(b.id, b.birth_date, p.reference_day))",
            rows,
        ),
        BreakdownKey::QualificationLevel => by_person("b.qualification_level", rows),
        BreakdownKey::Eligibility => by_person("unnest(b.eligibility)", rows),
        BreakdownKey::Qpv => by_person("CASE WHEN b.qpv_resident THEN 'yes' ELSE 'no' END", rows),
        BreakdownKey::Modality => by_placement("p.modality", "", Reads::Placement, whole, rows),
        BreakdownKey::Contract => by_placement("p.contract_id", "", Reads::Placement, whole, rows),
        BreakdownKey::Operation => by_placement("c.operation", "", Reads::Contract, whole, rows),
        BreakdownKey::ClauseType => by_placement("c.clause_type", "", Reads::Contract, whole, rows),
        BreakdownKey::MarketNature => {
            by_placement("c.market_nature", "", Reads::Contract, whole, rows)
        }
        BreakdownKey::CpvDivision => {
            by_placement("substr(c.cpv_code, 1, 2)", "", Reads::Contract, whole, rows)
        }
        BreakdownKey::BuyerCategory => by_placement(
            "bo.buyer_category",
            "JOIN organisations bo ON bo.id = c.buyer_id",
            Reads::Contract,
            whole,
            rows,
        ),
        BreakdownKey::EmployerSiaeType => by_placement(
            "eo.siae_type",
            "JOIN organisations eo ON eo.id = p.employer_id",
            Reads::Placement,
            whole,
            rows,
        ),
        BreakdownKey::Month => by_month(whole, rows),
    };
    let q = bind_selection!(diesel::sql_query(sql), s)
        .bind::<Date, _>(first)
        .bind::<Date, _>(last)
        .bind::<diesel::sql_types::Integer, _>(year)
        .bind::<Nullable<SqlUuid>, _>(s.referent_id);
    let rows: Vec<BreakdownCountRow> = q.load(conn)?;
    Ok(complete(by, rows))
}

/// Adds the codes of a person-attribute key that nobody has, in order.
fn complete(by: BreakdownKey, mut rows: Vec<BreakdownCountRow>) -> BreakdownCounts {
    // Without a row, the selection has nobody in it.
    let participants = rows.first().map_or(0, |r| r.selection);
    for code in by.codes() {
        if !rows.iter().any(|r| r.key.as_deref() == code) {
            rows.push(BreakdownCountRow {
                key: code.map(str::to_string),
                participants: 0,
                selection: participants,
                employment_contracts: 0,
                hours: Decimal::ZERO,
            });
        }
    }
    rows.sort_by_key(|r| sort_key(by, r.key.as_deref()));
    BreakdownCounts { participants, rows }
}

/// Codes in the order of their lists, other keys alphabetically, null last.
fn sort_key(by: BreakdownKey, key: Option<&str>) -> (bool, usize, String) {
    use crate::domain::codes::{
        BuyerCategory, ClauseType, Eligibility, MarketNature, Modality, QualificationLevel, Sex,
        SiaeType,
    };
    let position = |codes: Vec<&str>| {
        key.and_then(|k| codes.iter().position(|c| *c == k))
            .unwrap_or(usize::MAX)
    };
    let rank = match by {
        BreakdownKey::Sex => position(Sex::ALL.iter().map(|c| c.as_str()).collect()),
        BreakdownKey::AgeBand => position(crate::domain::breakdown::AGE_BANDS.to_vec()),
        BreakdownKey::QualificationLevel => {
            position(QualificationLevel::ALL.iter().map(|c| c.as_str()).collect())
        }
        BreakdownKey::Eligibility => {
            position(Eligibility::ALL.iter().map(|c| c.as_str()).collect())
        }
        BreakdownKey::Modality => position(Modality::ALL.iter().map(|c| c.as_str()).collect()),
        BreakdownKey::Qpv => position(vec!["yes", "no"]),
        BreakdownKey::ClauseType => position(ClauseType::ALL.iter().map(|c| c.as_str()).collect()),
        BreakdownKey::MarketNature => {
            position(MarketNature::ALL.iter().map(|c| c.as_str()).collect())
        }
        BreakdownKey::BuyerCategory => {
            position(BuyerCategory::ALL.iter().map(|c| c.as_str()).collect())
        }
        BreakdownKey::EmployerSiaeType => {
            position(SiaeType::ALL.iter().map(|c| c.as_str()).collect())
        }
        _ => 0,
    };
    (key.is_none(), rank, key.unwrap_or_default().to_string())
}

#[derive(Debug, Clone, PartialEq, Eq, QueryableByName)]
pub struct ContractYear {
    #[diesel(sql_type = SqlUuid)]
    pub id: Uuid,
    #[diesel(sql_type = Text)]
    pub reference: String,
    #[diesel(sql_type = Text)]
    pub title: String,
    #[diesel(sql_type = SqlUuid)]
    pub buyer_id: Uuid,
    #[diesel(sql_type = SqlUuid)]
    pub holder_id: Uuid,
    #[diesel(sql_type = Nullable<Text>)]
    pub operation: Option<String>,
    #[diesel(sql_type = Date)]
    pub start_date: NaiveDate,
    #[diesel(sql_type = Date)]
    pub end_date: NaiveDate,
    #[diesel(sql_type = Numeric)]
    pub commitment_hours: Decimal,
    #[diesel(sql_type = Numeric)]
    pub hours_year: Decimal,
    #[diesel(sql_type = Numeric)]
    pub hours_to_date: Decimal,
}

/// Every contract of the selection active during the year, with its
/// validated hours of the year and up to `to_date`.
pub fn contracts_of_year(
    conn: &mut PgConnection,
    s: &Selection,
    year: i32,
    to_date: NaiveDate,
) -> ApiResult<Vec<ContractYear>> {
    let sql = format!(
        "SELECT c.id, c.reference, c.title, c.buyer_id, c.holder_id, c.operation, c.start_date, c.end_date,
                c.commitment_hours,
                coalesce(sum(h.worked_hours + h.training_hours) FILTER (WHERE h.month BETWEEN $7 AND $8), 0) AS hours_year,
                coalesce(sum(h.worked_hours + h.training_hours) FILTER (WHERE h.month <= $9), 0) AS hours_to_date
         FROM contracts c
         LEFT JOIN placements p ON p.contract_id = c.id AND {on_referent}
         LEFT JOIN monthly_hours h ON h.placement_id = p.id AND h.status = 'validated'
         WHERE {CONTRACTS} AND c.start_date <= $8 AND c.end_date >= $7
         GROUP BY c.id
         ORDER BY c.reference, c.id",
        on_referent = referent(10)
    );
    let (first, last) = year_bounds(year);
    let q = bind_selection!(diesel::sql_query(sql), s)
        .bind::<Date, _>(first)
        .bind::<Date, _>(last)
        .bind::<Date, _>(to_date)
        .bind::<Nullable<SqlUuid>, _>(s.referent_id);
    Ok(q.load(conn)?)
}

/// Everything of a year, for the annual report.
pub struct Annual {
    pub breakdowns: Vec<(BreakdownKey, BreakdownCounts)>,
    pub contracts: Vec<ContractYear>,
    /// What became of the leavers; not read for a company.
    pub outcomes: Option<OutcomesOfYear>,
}

/// Placements ended in a year, by the situation recorded on leaving (`None`:
/// no outcome recorded yet) and the person, over a selection of contracts:
/// the disclosure rule masks on the people behind a row, not its
/// placements.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OutcomesOfYear {
    /// (situation, person, placements).
    pub by_person: Vec<(Option<Situation>, Uuid, i64)>,
}

#[derive(QueryableByName)]
struct SituationCount {
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Text>)]
    situation: Option<String>,
    #[diesel(sql_type = diesel::sql_types::Uuid)]
    beneficiary_id: Uuid,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    placements: i64,
}

pub fn outcomes_of_year(
    conn: &mut PgConnection,
    s: &Selection,
    year: i32,
) -> ApiResult<OutcomesOfYear> {
    let (first, last) = year_bounds(year);
    let q = selected(
        "SELECT o.situation, p.beneficiary_id, count(*) AS placements
         FROM placements p
         JOIN contracts c ON c.id = p.contract_id
         LEFT JOIN outcomes o ON o.placement_id = p.id
         WHERE {contracts} AND {referent} AND p.end_date BETWEEN $7 AND $8
         GROUP BY o.situation, p.beneficiary_id",
        s,
        9,
    );
    let rows: Vec<SituationCount> = q
        .bind::<diesel::sql_types::Date, _>(first)
        .bind::<diesel::sql_types::Date, _>(last)
        .bind::<diesel::sql_types::Nullable<diesel::sql_types::Uuid>, _>(s.referent_id)
        .load(conn)?;
    let by_person = rows
        .into_iter()
        .map(|r| {
            let situation = match r.situation {
                None => None,
                Some(code) => Some(Situation::parse(&code).ok_or_else(|| {
                    ApiError::bug(format!("reading an outcome: unknown situation {code:?}"))
                })?),
            };
            Ok((situation, r.beneficiary_id, r.placements))
        })
        .collect::<ApiResult<_>>()?;
    Ok(OutcomesOfYear { by_person })
}
