-- Every contract of the selection active during the year, with its
-- validated hours of the year and up to :to_date. The dates are today's:
-- models::stats::contracts_of_year takes each contract as it stood on
-- :to_date (an end amended since may have been in the year then).
SELECT c.id, c.reference, c.title, c.buyer_id, c.holder_id, c.operation, c.start_date, c.end_date,
       c.commitment_hours, 0::numeric AS expected_hours_to_date,
       coalesce(sum(h.worked_hours + h.training_hours) FILTER (WHERE h.month BETWEEN :first AND :last), 0) AS hours_year,
       coalesce(sum(h.worked_hours + h.training_hours) FILTER (WHERE h.month <= :to_date), 0) AS hours_to_date
FROM contracts c
LEFT JOIN placements p ON p.contract_id = c.id AND {referent}
LEFT JOIN monthly_hours h ON h.placement_id = p.id AND h.status = 'validated'
WHERE {contracts} AND c.start_date <= :last
  AND (c.end_date >= :first OR c.initial_end_date >= :first
       OR EXISTS (SELECT 1 FROM contract_amendments a WHERE a.contract_id = c.id AND a.end_date >= :first))
GROUP BY c.id
ORDER BY c.reference, c.id
