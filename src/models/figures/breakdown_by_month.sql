-- By month: that month's validated hours, the people who did them (a
-- person's months are the union of their placements'), and the placements
-- that started in it. Hours per month come from `hours_rollup` for a
-- selection of contracts, from the months for a referent's people.
-- The counts fragment is twelve sums, one per bit of a person's months.
WITH active AS MATERIALIZED (
    SELECT p.placement_id AS id, p.beneficiary_id, p.start_date, p.months, p.sole
    FROM {rows} p JOIN contracts c ON c.id = p.contract_id
    WHERE p.year = :year AND {contracts} AND {referent}
),
-- A sole row's months are its person's; the others' are the union of
-- their rows'.
person_months AS (
    SELECT months FROM active WHERE sole
    UNION ALL
    SELECT bit_or(months) FROM active WHERE NOT sole GROUP BY beneficiary_id
),
worked_people AS (
    SELECT m.n AS month_number, w.counts[m.n] AS people
    FROM (SELECT ARRAY[{counts}] AS counts FROM person_months) w
    CROSS JOIN generate_series(1, 12) AS m (n)
),
month_hours AS (
    SELECT h.month, sum(h.hours) AS h
    FROM hours_rollup h JOIN contracts c ON c.id = h.contract_id
    WHERE :referent::uuid IS NULL AND h.month BETWEEN :first AND :last AND {contracts}
    GROUP BY h.month
    UNION ALL
    SELECT m.month, sum(m.worked_hours + m.training_hours)
    FROM monthly_hours m JOIN active a ON a.id = m.placement_id
    WHERE :referent::uuid IS NOT NULL AND m.status = 'validated' AND m.month BETWEEN :first AND :last
    GROUP BY m.month
),
started AS (
    SELECT date_trunc('month', start_date)::date AS month, count(*) AS n
    FROM active WHERE start_date >= :first GROUP BY 1
),
months AS (
    SELECT make_date(:year, n, 1) AS month, n FROM generate_series(1, 12) AS g (n)
)
SELECT to_char(mo.month, 'YYYY-MM') AS key,
       {selection} AS selection,
       coalesce(w.people, 0)::bigint AS participants,
       coalesce(s.n, 0) AS employment_contracts,
       coalesce(mh.h, 0) AS hours
FROM months mo
LEFT JOIN worked_people w ON w.month_number = mo.n
LEFT JOIN month_hours mh ON mh.month = mo.month
LEFT JOIN started s ON s.month = mo.month
WHERE w.people > 0 OR s.n IS NOT NULL OR mh.month IS NOT NULL
