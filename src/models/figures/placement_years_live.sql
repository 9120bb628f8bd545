-- A year's `placement_years` rows computed from the placements and their
-- months, for a year past the rollups' horizon.
(
    SELECT :year::int AS year, p.id AS placement_id, p.beneficiary_id, p.contract_id, p.employer_id, p.modality,
           p.start_date, coalesce(h.centihours, 0) AS centihours, coalesce(h.months, 0) AS months,
           count(*) OVER (PARTITION BY p.beneficiary_id) = 1 AS sole
    FROM placements p
    LEFT JOIN LATERAL (
        SELECT (sum(m.worked_hours + m.training_hours) * 100)::bigint AS centihours,
               bit_or(1 << (extract(month FROM m.month)::int - 1)) AS months
        FROM monthly_hours m
        WHERE m.placement_id = p.id AND m.status = 'validated' AND m.month BETWEEN :first AND :last
    ) h ON true
    WHERE p.start_date <= :last AND (p.end_date IS NULL OR p.end_date >= :first)
)
