-- Each participant in one row (or, for eligibility, one row per criterion):
-- their placements' starts and hours go with them. The rows fragment is the year's
-- placement_years (one row per placement active in the year, with its
-- validated hours of the year and its months that hold some); the key fragment reads
-- the person `b` and their reference day (for the age).
WITH active AS (
    SELECT p.placement_id AS id, p.beneficiary_id, p.contract_id, p.employer_id, p.modality,
           p.start_date, p.centihours, p.months
    FROM {rows} p JOIN contracts c ON c.id = p.contract_id
    WHERE p.year = :year AND {contracts} AND {referent}
),
people AS (
    SELECT beneficiary_id, greatest(:first, min(start_date)) AS reference_day,
           count(*) FILTER (WHERE start_date >= :first) AS starts, sum(centihours) * 0.01 AS hours,
           bit_or(months) AS months
    FROM active GROUP BY beneficiary_id
),
keyed AS (
    SELECT p.starts, p.hours, {key} AS key
    FROM people p JOIN beneficiaries b ON b.id = p.beneficiary_id
)
SELECT key, count(*) AS participants, (SELECT count(*) FROM people) AS selection,
       coalesce(sum(starts), 0)::bigint AS employment_contracts,
       coalesce(sum(hours), 0) AS hours
FROM keyed
GROUP BY key
