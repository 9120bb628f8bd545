-- Every contract of the selection active during the year, with its
-- validated hours of the year and up to :to_date.
SELECT c.id, c.reference, c.title, c.buyer_id, c.holder_id, c.operation, c.start_date, c.end_date,
       c.commitment_hours,
       coalesce(sum(h.worked_hours + h.training_hours) FILTER (WHERE h.month BETWEEN :first AND :last), 0) AS hours_year,
       coalesce(sum(h.worked_hours + h.training_hours) FILTER (WHERE h.month <= :to_date), 0) AS hours_to_date
FROM contracts c
LEFT JOIN placements p ON p.contract_id = c.id AND {referent}
LEFT JOIN monthly_hours h ON h.placement_id = p.id AND h.status = 'validated'
WHERE {contracts} AND c.start_date <= :last AND c.end_date >= :first
GROUP BY c.id
ORDER BY c.reference, c.id
