//! Figures, computed in PostgreSQL: rows never come into Rust to be summed.

use chrono::NaiveDate;
use diesel::pg::Pg;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Date, Integer, Nullable, Numeric, Text, Uuid as SqlUuid};
use rust_decimal::Decimal;
use uuid::Uuid;

use super::named;
use crate::access::{self, ContractScope};
use crate::domain::breakdown::BreakdownKey;
use crate::domain::outcome::Situation;
use crate::error::{ApiError, ApiResult};

/// Which contracts the figures are about: the caller's scope, then the
/// filters they asked for.
#[derive(Debug, Clone)]
pub struct Selection {
    pub scope: ContractScope,
    /// Only the contracts of this territory.
    pub territory_id: Option<Uuid>,
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
            territory_id: None,
            buyer_id: None,
            contract_id: None,
            operation: None,
            operation_id: None,
            referent_id: None,
        }
    }
}

/// The statements of the figures, each in its own file beside this one,
/// with named parameters (`:year`) bound by [`statement`].
mod sql {
    pub const CONTRACTS: &str = include_str!("figures/contracts.sql");
    pub const REFERENT: &str = include_str!("figures/referent.sql");
    pub const PEOPLE_OF_YEAR: &str = include_str!("figures/people_of_year.sql");
    pub const KEY_FIGURES_ROLLUP: &str = include_str!("figures/key_figures_rollup.sql");
    pub const KEY_FIGURES_LIVE: &str = include_str!("figures/key_figures_live.sql");
    pub const PLACEMENT_YEARS_LIVE: &str = include_str!("figures/placement_years_live.sql");
    pub const BY_PERSON: &str = include_str!("figures/breakdown_by_person.sql");
    pub const BY_PERSON_WHOLE: &str = include_str!("figures/breakdown_by_person_whole.sql");
    pub const BY_PLACEMENT: &str = include_str!("figures/breakdown_by_placement.sql");
    pub const BY_MONTH: &str = include_str!("figures/breakdown_by_month.sql");
    pub const CONTRACTS_OF_YEAR: &str = include_str!("figures/contracts_of_year.sql");
    pub const OUTCOMES_OF_YEAR: &str = include_str!("figures/outcomes_of_year.sql");
}

/// The territory rule of the figures, on `alias.territory_id`: the
/// territory asked for (`:territory`) and the caller's, a territory's
/// facilitator's (`:territory_of`, its organisation: read in the statement,
/// so nothing is looked up per request). Both unset, it is true.
fn territory_condition(alias: &str) -> String {
    format!(
        "(:territory::uuid IS NULL OR {alias}.territory_id = :territory)
    AND (:territory_of::uuid IS NULL OR {alias}.territory_id = {})",
        access::territory_of_sql(":territory_of")
    )
}

/// The year's people of a selection that [`Selection::reads_rollups`]:
/// `person_years` rows, and for a Département those of its purchases in
/// territories it does not oversee (figures/people_of_year.sql). Without
/// a Département, the plain rows: a sub-select PostgreSQL flattens, where
/// the union costs the whole deployment's key figures a fifth more.
fn people_of_year(s: &Selection) -> &'static str {
    match s.scope {
        ContractScope::Department(_) => sql::PEOPLE_OF_YEAR,
        _ => "(SELECT * FROM person_years pe WHERE pe.year = :year AND {person_territory})",
    }
}

/// What a figures statement may name: the selection and the year's days.
struct Params<'a> {
    selection: &'a Selection,
    year: i32,
    /// A day the hours are counted up to (`:to_date`), for the statements
    /// that name one.
    to_date: Option<NaiveDate>,
}

type Statement = diesel::query_builder::BoxedSqlQuery<'static, Pg, diesel::query_builder::SqlQuery>;

/// `template`, with the selection's conditions filled in (`{contracts}` on
/// `contracts c`, `{referent}` on `placements p`), as a query with every
/// parameter it names bound: the one place that knows which value each
/// name holds.
fn statement(template: &str, p: &Params) -> ApiResult<Statement> {
    let sql = named::fill(
        template,
        &[
            ("people", people_of_year(p.selection)),
            ("contracts", sql::CONTRACTS),
            ("referent", sql::REFERENT),
            ("person_territory", &territory_condition("pe")),
            ("contract_territory", &territory_condition("c")),
            ("overseen", &access::overseen_territories_sql("department")),
        ],
    );
    let (sql, names) = named::positional(&sql);
    let s = p.selection;
    let (mut held_by, mut bought_by, mut territory_of, mut department) = (None, None, None, None);
    match s.scope {
        ContractScope::All => {}
        ContractScope::HeldBy(o) => held_by = Some(o),
        ContractScope::BoughtBy(o) => bought_by = Some(o),
        ContractScope::Territory(o) => territory_of = Some(o),
        ContractScope::Department(o) => department = Some(o),
    }
    let (first, last) = year_bounds(p.year);
    let mut q = diesel::sql_query(sql).into_boxed();
    for name in names {
        q = match name {
            "held_by" => q.bind::<Nullable<SqlUuid>, _>(held_by),
            "bought_by" => q.bind::<Nullable<SqlUuid>, _>(bought_by),
            "territory_of" => q.bind::<Nullable<SqlUuid>, _>(territory_of),
            "department" => q.bind::<Nullable<SqlUuid>, _>(department),
            "territory" => q.bind::<Nullable<SqlUuid>, _>(s.territory_id),
            "buyer" => q.bind::<Nullable<SqlUuid>, _>(s.buyer_id),
            "contract" => q.bind::<Nullable<SqlUuid>, _>(s.contract_id),
            "operation" => q.bind::<Nullable<Text>, _>(s.operation.clone()),
            "operation_id" => q.bind::<Nullable<SqlUuid>, _>(s.operation_id),
            "referent" => q.bind::<Nullable<SqlUuid>, _>(s.referent_id),
            "year" => q.bind::<Integer, _>(p.year),
            "first" => q.bind::<Date, _>(first),
            "last" => q.bind::<Date, _>(last),
            "previous_first" => q.bind::<Date, _>(year_bounds(p.year - 1).0),
            "to_date" => match p.to_date {
                Some(day) => q.bind::<Date, _>(day),
                None => return Err(ApiError::bug("a figures statement wants :to_date")),
            },
            other => {
                return Err(ApiError::bug(format!(
                    "a figures statement names an unknown parameter :{other}"
                )))
            }
        };
    }
    Ok(q)
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
    /// The whole deployment, one territory (asked for, or the caller's) or
    /// a Département's scope, nothing else: what the rollups answer, since
    /// a territory's people are its own (`person_years` carries their
    /// territory) and the people of a Département's purchases elsewhere
    /// are few (figures/people_of_year.sql).
    pub fn reads_rollups(&self) -> bool {
        matches!(
            self.scope,
            ContractScope::All | ContractScope::Territory(_) | ContractScope::Department(_)
        ) && self.buyer_id.is_none()
            && self.contract_id.is_none()
            && self.operation.is_none()
            && self.operation_id.is_none()
            && self.referent_id.is_none()
    }

    /// The whole deployment, no filter.
    pub fn is_whole_territory(&self) -> bool {
        self.scope == ContractScope::All
            && self.territory_id.is_none()
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
    if s.reads_rollups() {
        key_figures_rollup(conn, s, year)
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

/// The figures of the whole deployment or of one territory (a selection
/// that [`Selection::reads_rollups`]) from the rollups; a year past their
/// horizon is computed from the rows.
pub fn key_figures_rollup(
    conn: &mut PgConnection,
    s: &Selection,
    year: i32,
) -> ApiResult<KeyFigureCounts> {
    if year > rollup_horizon(conn)? || !s.reads_rollups() {
        return key_figures_live(conn, s, year);
    }
    let p = Params {
        selection: s,
        year,
        to_date: None,
    };
    Ok(statement(sql::KEY_FIGURES_ROLLUP, &p)?.get_result(conn)?)
}

/// A selection's figures from the rows (API.md's definitions, written out
/// in `figures/key_figures_live.sql`).
pub fn key_figures_live(
    conn: &mut PgConnection,
    s: &Selection,
    year: i32,
) -> ApiResult<KeyFigureCounts> {
    let p = Params {
        selection: s,
        year,
        to_date: None,
    };
    Ok(statement(sql::KEY_FIGURES_LIVE, &p)?.get_result(conn)?)
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

/// Where a placement key reads: the placement's own row, or its contract's.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Reads {
    Placement,
    Contract,
}

/// The statement of a breakdown by `by`: over the year's placement rows
/// (`rows`: `placement_years`, or the live rows past the horizon), for the
/// whole deployment (`whole`: from the rollups alone) or a selection; a
/// person's attribute reads `person_years` alone for the whole deployment
/// or one territory (`people_rollup`).
fn breakdown_sql(by: BreakdownKey, whole: bool, people_rollup: bool, rows: &str) -> String {
    if people_rollup && by.is_person_attribute() {
        let (key, from) = match by {
            BreakdownKey::Sex => ("pe.sex", ""),
            BreakdownKey::AgeBand => ("age_band(pe.age)", ""),
            BreakdownKey::Qpv => ("CASE WHEN pe.qpv THEN 'yes' ELSE 'no' END", ""),
            BreakdownKey::QualificationLevel => ("pe.qualification_level", ""),
            _ => (
                "e.criterion",
                "CROSS JOIN LATERAL unnest(pe.eligibility) AS e (criterion)",
            ),
        };
        return named::fill(sql::BY_PERSON_WHOLE, &[("key", key), ("from", from)]);
    }
    let by_person = |key: &str| named::fill(sql::BY_PERSON, &[("rows", rows), ("key", key)]);
    let by_placement = |key: &str, joins: &str, reads: Reads| {
        // The whole territory's people are person_years' count; a
        // selection's are its sole rows and its other people once each.
        let selection = if whole {
            "(SELECT count(*) FROM person_years WHERE year = :year)"
        } else {
            "(SELECT (coalesce(sum(n) FILTER (WHERE person IS NULL), 0) + count(DISTINCT person))::bigint FROM keyed)"
        };
        let contracts_join = if whole && reads == Reads::Placement {
            ""
        } else {
            "JOIN contracts c ON c.id = p.contract_id"
        };
        let condition = if whole {
            ""
        } else {
            "AND {contracts} AND {referent}"
        };
        named::fill(
            sql::BY_PLACEMENT,
            &[
                ("rows", rows),
                ("key", key),
                ("joins", joins),
                ("contracts_join", contracts_join),
                ("condition", condition),
                ("selection", selection),
            ],
        )
    };
    match by {
        BreakdownKey::Sex => by_person("b.sex"),
        BreakdownKey::AgeBand => {
            by_person("age_band(person_age(b.id, b.birth_date, p.reference_day))")
        }
        BreakdownKey::QualificationLevel => by_person("b.qualification_level"),
        BreakdownKey::Eligibility => by_person("unnest(b.eligibility)"),
        BreakdownKey::Qpv => by_person("CASE WHEN b.qpv_resident THEN 'yes' ELSE 'no' END"),
        BreakdownKey::Modality => by_placement("p.modality", "", Reads::Placement),
        BreakdownKey::Contract => by_placement("p.contract_id", "", Reads::Placement),
        BreakdownKey::Operation => by_placement("c.operation", "", Reads::Contract),
        BreakdownKey::Territory => by_placement("c.territory_id", "", Reads::Contract),
        BreakdownKey::ClauseType => by_placement("c.clause_type", "", Reads::Contract),
        BreakdownKey::MarketNature => by_placement("c.market_nature", "", Reads::Contract),
        BreakdownKey::CpvDivision => by_placement("substr(c.cpv_code, 1, 2)", "", Reads::Contract),
        BreakdownKey::BuyerCategory => by_placement(
            "bo.buyer_category",
            "JOIN organisations bo ON bo.id = c.buyer_id",
            Reads::Contract,
        ),
        BreakdownKey::EmployerSiaeType => by_placement(
            "eo.siae_type",
            "JOIN organisations eo ON eo.id = p.employer_id",
            Reads::Placement,
        ),
        BreakdownKey::Month => {
            // The people of each month in one pass over the people: twelve
            // sums over each person's months (the union of their placements').
            let counts = (0..12)
                .map(|bit| format!("sum((months >> {bit}) & 1)"))
                .collect::<Vec<_>>()
                .join(", ");
            let selection = if whole {
                "(SELECT count(*) FROM person_years WHERE year = :year)"
            } else {
                "(SELECT count(*) FROM person_months)"
            };
            named::fill(
                sql::BY_MONTH,
                &[
                    ("rows", rows),
                    ("counts", &counts),
                    ("selection", selection),
                ],
            )
        }
    }
}

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
    // placement_years and person_years hold the years up to the horizon;
    // past it (open placements reach every later year), the year's rows
    // are computed from the placements.
    let past_horizon = year > rollup_horizon(conn)?;
    let rows = if past_horizon {
        sql::PLACEMENT_YEARS_LIVE
    } else {
        "placement_years"
    };
    let whole = s.is_whole_territory() && !past_horizon;
    let people_rollup = s.reads_rollups() && !past_horizon;
    let p = Params {
        selection: s,
        year,
        to_date: None,
    };
    let rows: Vec<BreakdownCountRow> =
        statement(&breakdown_sql(by, whole, people_rollup, rows), &p)?.load(conn)?;
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
    rows.sort_by_key(|r| by.order(r.key.as_deref()));
    BreakdownCounts { participants, rows }
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
    /// Filled in by [`contracts_of_year`], by the contract's rule.
    #[diesel(sql_type = Numeric)]
    pub expected_hours_to_date: Decimal,
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
    let p = Params {
        selection: s,
        year,
        to_date: Some(to_date),
    };
    let mut rows: Vec<ContractYear> = statement(sql::CONTRACTS_OF_YEAR, &p)?.load(conn)?;
    // Each contract as it stood on `to_date`: its amendments and orders by then.
    let ids: Vec<Uuid> = rows.iter().map(|r| r.id).collect();
    let lives = super::contract_life::of(conn, &ids)?;
    let lived: Vec<Uuid> = lives.keys().copied().collect();
    let signed: std::collections::HashMap<Uuid, crate::domain::standing::Signed> =
        super::contract::rows(conn, &lived)?
            .into_iter()
            .map(|r| (r.id, r.signed()))
            .collect();
    let first = NaiveDate::from_ymd_opt(year, 1, 1).unwrap_or(to_date);
    for r in &mut rows {
        if let (Some(life), Some(signed)) = (lives.get(&r.id), signed.get(&r.id)) {
            let then = life.as_of(signed, to_date);
            r.end_date = then.end_date;
            r.commitment_hours = then.commitment_hours;
            r.expected_hours_to_date = then.expected_to_date(signed, to_date);
        } else {
            r.expected_hours_to_date = crate::domain::fulfilment::expected_to_date(
                r.commitment_hours,
                r.start_date,
                r.end_date,
                to_date,
            );
        }
    }
    rows.retain(|r| r.end_date >= first);
    Ok(rows)
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
    let p = Params {
        selection: s,
        year,
        to_date: None,
    };
    let rows: Vec<SituationCount> = statement(sql::OUTCOMES_OF_YEAR, &p)?.load(conn)?;
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

#[cfg(test)]
mod tests {
    use super::*;

    /// Every statement of the figures fills all its fragments and names
    /// only parameters that `statement` binds.
    #[test]
    fn every_statement_is_whole_and_bound() {
        let selection = Selection {
            referent_id: Some(Uuid::nil()),
            ..Selection::everything()
        };
        let p = Params {
            selection: &selection,
            year: 2019,
            to_date: NaiveDate::from_ymd_opt(2019, 6, 30),
        };
        let mut statements = vec![
            sql::KEY_FIGURES_ROLLUP.to_string(),
            sql::KEY_FIGURES_LIVE.to_string(),
            sql::CONTRACTS_OF_YEAR.to_string(),
            sql::OUTCOMES_OF_YEAR.to_string(),
        ];
        for by in BreakdownKey::ALL {
            for (whole, people_rollup) in [(true, true), (false, true), (false, false)] {
                for rows in ["placement_years", sql::PLACEMENT_YEARS_LIVE] {
                    statements.push(breakdown_sql(*by, whole, people_rollup, rows));
                }
            }
        }
        for template in statements {
            let q = statement(&template, &p).expect("every name is bound");
            let text = diesel::debug_query::<Pg, _>(&q).to_string();
            assert!(!text.contains('{'), "a fragment is left in {text}");
            assert!(text.contains("$1"), "no parameter in {text}");
        }
    }

    #[test]
    fn an_unknown_parameter_is_a_bug_not_a_silent_null() {
        let everything = Selection::everything();
        let p = Params {
            selection: &everything,
            year: 2019,
            to_date: None,
        };
        assert!(statement("SELECT :nobody", &p).is_err());
        assert!(statement("SELECT :to_date", &p).is_err());
    }
}
