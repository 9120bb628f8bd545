-- Placements of the selection ended in the year, by the situation recorded
-- on leaving (null: none yet) and the person.
SELECT o.situation, p.beneficiary_id, count(*) AS placements
FROM placements p
JOIN contracts c ON c.id = p.contract_id
LEFT JOIN outcomes o ON o.placement_id = p.id
WHERE {contracts} AND {referent} AND p.end_date BETWEEN :first AND :last
GROUP BY o.situation, p.beneficiary_id
