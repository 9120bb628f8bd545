-- Each participant of the whole deployment, of one territory or of a
-- Département's scope in one row, from people_of_year.sql (person_years'
-- rows): the year's people with their sex, QPV, age on their reference day
-- (the same definitions), qualification level, eligibility, and their
-- placements' starts and hours of the year. The key fragment reads `pe`;
-- the from fragment may add a lateral (eligibility's criteria).
SELECT {key} AS key, count(*) AS participants,
       (SELECT count(*) FROM {people} x) AS selection,
       coalesce(sum(pe.starts), 0)::bigint AS employment_contracts,
       coalesce(sum(pe.centihours), 0) * 0.01 AS hours
FROM {people} pe {from}
GROUP BY 1
