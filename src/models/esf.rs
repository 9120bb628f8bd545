//! The European Social Fund's common indicators of a year (API.md,
//! "Outcomes"), counted in one SQL statement.

use chrono::NaiveDate;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Date, Nullable, Text, Uuid as SqlUuid};
use uuid::Uuid;

use crate::access;
use crate::error::ApiResult;

/// An indicator's count, women and men.
#[derive(Debug, Clone, PartialEq, Eq, QueryableByName)]
pub struct IndicatorCount {
    #[diesel(sql_type = Text)]
    pub indicator: String,
    #[diesel(sql_type = BigInt)]
    pub women: i64,
    #[diesel(sql_type = BigInt)]
    pub men: i64,
    #[diesel(sql_type = BigInt)]
    pub total: i64,
}

/// Entrants: people whose earliest placement (ever, any contract) starts in
/// the year, aged in full years on that day. Leavers: people with no open
/// placement whose latest end is in the year; their exit placement is the
/// one ending last, then starting last, then created last, and its outcome
/// is theirs. Only the indicators with someone in them come back.
const SQL: &str = "
WITH people AS (
    SELECT b.id, b.sex, b.eligibility, b.qualification_level, b.birth_date
    FROM beneficiaries b
    WHERE ($3::uuid IS NULL OR b.referent_id = $3)
      -- A territory's facilitator: its territory's people.
      AND ($4::uuid IS NULL
           OR b.territory_id = {territory_of})
),
entrants AS (
    SELECT pe.*, person_age(pe.id, pe.birth_date, f.first_start) AS age
    FROM (SELECT p.beneficiary_id, min(p.start_date) AS first_start
          FROM placements p JOIN people pe ON pe.id = p.beneficiary_id
          GROUP BY p.beneficiary_id) f
    JOIN people pe ON pe.id = f.beneficiary_id
    WHERE f.first_start BETWEEN $1 AND $2
),
exits AS (
    SELECT DISTINCT ON (p.beneficiary_id) p.beneficiary_id, p.id AS placement_id, p.end_date
    FROM placements p JOIN people pe ON pe.id = p.beneficiary_id
    WHERE NOT EXISTS (SELECT 1 FROM placements q
                      WHERE q.beneficiary_id = p.beneficiary_id AND q.end_date IS NULL)
    ORDER BY p.beneficiary_id, p.end_date DESC, p.start_date DESC, p.created_at DESC, p.id DESC
),
leavers AS (
    SELECT pe.*, o.situation, o.qualification_gained, o.follow_up_situation
    FROM exits e
    JOIN people pe ON pe.id = e.beneficiary_id
    LEFT JOIN outcomes o ON o.placement_id = e.placement_id
    WHERE e.end_date BETWEEN $1 AND $2
),
counted (indicator, sex) AS (
    SELECT 'EECO01', sex FROM entrants
    UNION ALL SELECT 'EECO03', sex FROM entrants WHERE 'long_term_unemployed' = ANY (eligibility)
    UNION ALL SELECT 'EECO06', sex FROM entrants WHERE age < 18
    UNION ALL SELECT 'EECO07', sex FROM entrants WHERE age BETWEEN 18 AND 29
    UNION ALL SELECT 'EECO08', sex FROM entrants WHERE age >= 55
    UNION ALL SELECT 'EECO09', sex FROM entrants WHERE qualification_level = 'infra_3'
    UNION ALL SELECT 'EECO10', sex FROM entrants WHERE qualification_level IN ('3', '4')
    UNION ALL SELECT 'EECO11', sex FROM entrants WHERE qualification_level IN ('5', '6', '7', '8')
    UNION ALL SELECT 'EECO12', sex FROM entrants WHERE eligibility && ARRAY['disabled_worker', 'aah']
    UNION ALL SELECT 'leavers', sex FROM leavers
    UNION ALL SELECT 'EECR01', sex FROM leavers WHERE situation = 'job_seeking'
    UNION ALL SELECT 'EECR02', sex FROM leavers WHERE situation IN ('qualifying_training', 'other_training')
    UNION ALL SELECT 'EECR03', sex FROM leavers WHERE qualification_gained
    -- Employment, durable or transitional, and a job in another SIAE.
    UNION ALL SELECT 'EECR04', sex FROM leavers WHERE situation IN (
        'permanent_job', 'fixed_term_6_months_plus', 'business_creation',
        'fixed_term_short', 'subsidised_job', 'other_siae')
    UNION ALL SELECT 'EECR05', sex FROM leavers WHERE follow_up_situation IN (
        'permanent_job', 'fixed_term_6_months_plus', 'business_creation',
        'fixed_term_short', 'subsidised_job', 'other_siae')
)
SELECT indicator,
       count(*) FILTER (WHERE sex = 'F') AS women,
       count(*) FILTER (WHERE sex = 'M') AS men,
       count(*) AS total
FROM counted
GROUP BY indicator";

pub fn indicators(
    conn: &mut PgConnection,
    first: NaiveDate,
    last: NaiveDate,
    referent_id: Option<Uuid>,
    territory_of: Option<Uuid>,
) -> ApiResult<Vec<IndicatorCount>> {
    let sql = super::named::fill(SQL, &[("territory_of", &access::territory_of_sql("$4"))]);
    Ok(diesel::sql_query(sql)
        .bind::<Date, _>(first)
        .bind::<Date, _>(last)
        .bind::<Nullable<SqlUuid>, _>(referent_id)
        .bind::<Nullable<SqlUuid>, _>(territory_of)
        .load(conn)?)
}
