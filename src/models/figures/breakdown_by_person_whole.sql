-- Each participant of the whole deployment or of one territory in one row,
-- from `person_years` alone: it holds the year's people with their sex, QPV, age on their
-- reference day (the same definitions), qualification level, eligibility,
-- and their placements' starts and hours of the year. The key fragment reads `pe`,
-- The from fragment may add a lateral (eligibility's criteria).
SELECT {key} AS key, count(*) AS participants,
       (SELECT count(*) FROM person_years pe WHERE pe.year = :year AND {person_territory}) AS selection,
       coalesce(sum(pe.starts), 0)::bigint AS employment_contracts,
       coalesce(sum(pe.centihours), 0) * 0.01 AS hours
FROM person_years pe {from}
WHERE pe.year = :year AND {person_territory}
GROUP BY 1
