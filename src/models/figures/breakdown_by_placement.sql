-- Each placement in the row of its own (or its contract's) attribute: a
-- person with placements in two rows counts in both, contracts and hours
-- add up to the totals. The joins fragment brings the tables the key fragment reads beside `p`
-- (the year's rows) and the contracts_join fragment (`contracts c`, which the whole
-- territory joins only for a contract's attribute).
--
-- One pass and one hash aggregate: a row that is its person's only one of
-- the year (`sole`) is one person in its key's row whatever else, so those
-- rows are summed in one group per key, and only the others are told apart
-- person by person. The selection fragment counts the selection's people.
WITH keyed AS (
    SELECT {key} AS key, CASE WHEN p.sole THEN NULL ELSE p.beneficiary_id END AS person, count(*) AS n,
           count(*) FILTER (WHERE p.start_date >= :first) AS starts, sum(p.centihours) AS centihours
    FROM {rows} p {contracts_join} {joins}
    WHERE p.year = :year {condition}
    GROUP BY 1, 2
)
SELECT key::text AS key, sum(CASE WHEN person IS NULL THEN n ELSE 1 END)::bigint AS participants,
       {selection} AS selection, sum(starts)::bigint AS employment_contracts,
       sum(centihours) * 0.01 AS hours
FROM keyed
GROUP BY key
