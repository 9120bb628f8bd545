-- The key figures of the whole deployment, of one territory or of a
-- Département's scope from `person_years` and `hours_rollup` (kept by the
-- triggers of the migration `rollups`), with the definitions of
-- key_figures_live.sql. The people are people_of_year.sql's; the hours
-- and holders are the selection's contracts'.
WITH people AS (
    SELECT count(*) AS participants,
           count(*) FILTER (WHERE sex = 'F') AS women,
           count(*) FILTER (WHERE sex = 'M') AS men,
           count(*) FILTER (WHERE age_band(age) = 'under_26') AS under_26,
           count(*) FILTER (WHERE qpv) AS qpv_residents,
           -- Every placement starting in the year is active in it: its
           -- person's row of the year counts it.
           coalesce(sum(starts), 0)::bigint AS employment_contracts
    FROM {people} pe
),
hours AS (
    SELECT coalesce(sum(hours) FILTER (WHERE month >= :first), 0) AS this_year,
           coalesce(sum(hours) FILTER (WHERE month < :first), 0) AS last_year
    FROM hours_rollup hr
    WHERE hr.month BETWEEN :previous_first AND :last
      AND (:territory::uuid IS NULL AND :territory_of::uuid IS NULL AND :department::uuid IS NULL
           OR hr.contract_id IN (SELECT c.id FROM contracts c WHERE {contracts}))
)
SELECT people.participants, people.women, people.men, people.under_26, people.qpv_residents,
       people.employment_contracts,
       hours.this_year AS hours, hours.last_year AS previous_year_hours,
       (SELECT count(DISTINCT c.holder_id) FROM contracts c
        WHERE {contracts}
          AND EXISTS (SELECT 1 FROM placement_years py WHERE py.contract_id = c.id AND py.year = :year)) AS holders
FROM people, hours
