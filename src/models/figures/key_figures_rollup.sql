-- The whole territory's key figures from `person_years` and `hours_rollup`
-- (kept by the triggers of the migration `rollups`), with the definitions
-- of key_figures_live.sql.
WITH people AS (
    SELECT count(*) AS participants,
           count(*) FILTER (WHERE sex = 'F') AS women,
           count(*) FILTER (WHERE sex = 'M') AS men,
           count(*) FILTER (WHERE age_band(age) = 'under_26') AS under_26,
           count(*) FILTER (WHERE qpv) AS qpv_residents
    FROM person_years WHERE year = :year
),
hours AS (
    SELECT coalesce(sum(hours) FILTER (WHERE month >= :first), 0) AS this_year,
           coalesce(sum(hours) FILTER (WHERE month < :first), 0) AS last_year
    FROM hours_rollup WHERE month BETWEEN :previous_first AND :last
)
SELECT people.participants, people.women, people.men, people.under_26, people.qpv_residents,
       (SELECT count(*) FROM placements WHERE start_date BETWEEN :first AND :last) AS employment_contracts,
       hours.this_year AS hours, hours.last_year AS previous_year_hours,
       (SELECT count(DISTINCT c.holder_id) FROM contracts c
        WHERE EXISTS (SELECT 1 FROM placement_years py WHERE py.contract_id = c.id AND py.year = :year)) AS holders
FROM people, hours
