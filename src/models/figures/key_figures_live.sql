-- A selection's key figures from the rows, API.md's definitions to the letter:
-- - participants: people with a placement active in the year; their age is
--   taken on the later of 1 January and the start of their earliest
--   placement active in the year;
-- - employment contracts: placements starting in the year;
-- - hours: validated worked + training hours of the year's months (and of
--   the year before, for the comparison).
WITH scoped AS (
    SELECT p.id, p.beneficiary_id, p.start_date, p.end_date, c.holder_id
    FROM placements p JOIN contracts c ON c.id = p.contract_id
    WHERE {contracts} AND {referent}
),
people AS (
    SELECT a.beneficiary_id, b.sex, b.qpv_resident,
           age_band(person_age(b.id, b.birth_date, greatest(:first, a.first_start))) = 'under_26' AS young
    FROM (SELECT beneficiary_id, min(start_date) AS first_start
          FROM scoped
          WHERE start_date <= :last AND (end_date IS NULL OR end_date >= :first)
          GROUP BY beneficiary_id) a
    JOIN beneficiaries b ON b.id = a.beneficiary_id
),
hours AS (
    SELECT coalesce(sum(h.worked_hours + h.training_hours) FILTER (WHERE h.month >= :first), 0) AS this_year,
           coalesce(sum(h.worked_hours + h.training_hours) FILTER (WHERE h.month < :first), 0) AS last_year
    FROM monthly_hours h JOIN scoped s ON s.id = h.placement_id
    WHERE h.status = 'validated' AND h.month >= :previous_first AND h.month <= :last
)
SELECT (SELECT count(*) FROM people) AS participants,
       (SELECT count(*) FROM people WHERE sex = 'F') AS women,
       (SELECT count(*) FROM people WHERE sex = 'M') AS men,
       (SELECT count(*) FROM people WHERE young) AS under_26,
       (SELECT count(*) FROM people WHERE qpv_resident) AS qpv_residents,
       (SELECT count(*) FROM scoped WHERE start_date BETWEEN :first AND :last) AS employment_contracts,
       hours.this_year AS hours,
       hours.last_year AS previous_year_hours,
       (SELECT count(DISTINCT holder_id) FROM scoped
        WHERE start_date <= :last AND (end_date IS NULL OR end_date >= :first)) AS holders
FROM hours
