-- The whole deployment's or one territory's key figures from
-- `person_years` and `hours_rollup` (kept by the triggers of the
-- migration `rollups`), with the definitions of key_figures_live.sql. A
-- territory's people are its own (person_years carries each person's
-- territory, the one of all their placements' contracts); its hours and
-- holders are its contracts'.
WITH people AS (
    SELECT count(*) AS participants,
           count(*) FILTER (WHERE sex = 'F') AS women,
           count(*) FILTER (WHERE sex = 'M') AS men,
           count(*) FILTER (WHERE age_band(age) = 'under_26') AS under_26,
           count(*) FILTER (WHERE qpv) AS qpv_residents,
           -- Every placement starting in the year is active in it: its
           -- person's row of the year counts it.
           coalesce(sum(starts), 0)::bigint AS employment_contracts
    FROM person_years pe WHERE pe.year = :year AND {person_territory}
),
hours AS (
    SELECT coalesce(sum(hours) FILTER (WHERE month >= :first), 0) AS this_year,
           coalesce(sum(hours) FILTER (WHERE month < :first), 0) AS last_year
    FROM hours_rollup hr
    WHERE hr.month BETWEEN :previous_first AND :last
      AND (:territory::uuid IS NULL AND :territory_of::uuid IS NULL
           OR hr.contract_id IN (SELECT c.id FROM contracts c WHERE {contract_territory}))
)
SELECT people.participants, people.women, people.men, people.under_26, people.qpv_residents,
       people.employment_contracts,
       hours.this_year AS hours, hours.last_year AS previous_year_hours,
       (SELECT count(DISTINCT c.holder_id) FROM contracts c
        WHERE {contract_territory}
          AND EXISTS (SELECT 1 FROM placement_years py WHERE py.contract_id = c.id AND py.year = :year)) AS holders
FROM people, hours
