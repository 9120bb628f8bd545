-- Back to the rollups of the operations migration: its functions, its trigger names.
CREATE OR REPLACE FUNCTION placement_years_hours() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    deltas placement_years_delta[];
BEGIN
    IF TG_OP = 'INSERT' THEN
        SELECT array_agg(ROW(placement_id, extract(year FROM month)::int, worked_hours + training_hours,
                             0, 1 << (extract(month FROM month)::int - 1))::placement_years_delta)
        INTO deltas FROM new_rows WHERE status = 'validated';
    ELSIF TG_OP = 'DELETE' THEN
        SELECT array_agg(ROW(placement_id, extract(year FROM month)::int, -(worked_hours + training_hours),
                             1 << (extract(month FROM month)::int - 1), 0)::placement_years_delta)
        INTO deltas FROM old_rows WHERE status = 'validated';
    ELSE
        SELECT array_agg(d) INTO deltas FROM (
            SELECT ROW(placement_id, extract(year FROM month)::int, worked_hours + training_hours,
                       0, 1 << (extract(month FROM month)::int - 1))::placement_years_delta AS d
            FROM new_rows WHERE status = 'validated'
            UNION ALL
            SELECT ROW(placement_id, extract(year FROM month)::int, -(worked_hours + training_hours),
                       1 << (extract(month FROM month)::int - 1), 0)::placement_years_delta
            FROM old_rows WHERE status = 'validated'
        ) x;
    END IF;
    IF deltas IS NULL THEN
        RETURN NULL;
    END IF;
    -- A month past an open placement's years (beyond the horizon) brings
    -- its year's row.
    INSERT INTO placement_years (year, placement_id, beneficiary_id, contract_id, employer_id, modality, start_date)
    SELECT DISTINCT d.year, d.placement_id, p.beneficiary_id, p.contract_id, p.employer_id, p.modality, p.start_date
    FROM unnest(deltas) d JOIN placements p ON p.id = d.placement_id
    WHERE NOT EXISTS (SELECT 1 FROM placement_years o WHERE o.year = d.year AND o.placement_id = d.placement_id)
    ORDER BY 1, 2
    ON CONFLICT DO NOTHING;
    WITH per AS (
        SELECT placement_id, year, sum(hours) AS hours, bit_or(cleared) AS cleared, bit_or(set) AS set
        FROM unnest(deltas) GROUP BY 1, 2
        ORDER BY 2, 1
    )
    UPDATE placement_years o
    SET centihours = o.centihours + (per.hours * 100)::bigint, months = (o.months & ~per.cleared) | per.set
    FROM per
    WHERE o.year = per.year AND o.placement_id = per.placement_id
      AND (per.hours <> 0 OR ((o.months & ~per.cleared) | per.set) <> o.months);
    RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION person_years_refresh(p_people uuid[]) RETURNS void
LANGUAGE plpgsql SET jit = off AS $$
DECLARE
    horizon integer := (SELECT year FROM rollup_horizon);
BEGIN
    WITH fresh AS (
        SELECT y.year, b.id AS beneficiary_id, min(p.start_date) AS first_start, b.sex, b.qpv_resident AS qpv,
               CASE WHEN b.birth_date IS NOT NULL
                    THEN extract(year FROM age(greatest(make_date(y.year, 1, 1), min(p.start_date)), b.birth_date))::int
                    ELSE person_age(b.id, greatest(make_date(y.year, 1, 1), min(p.start_date))) END AS age,
               b.qualification_level, b.eligibility
        FROM unnest(p_people) AS who (id)
        JOIN beneficiaries b ON b.id = who.id
        JOIN placements p ON p.beneficiary_id = b.id
        CROSS JOIN LATERAL generate_series(
            extract(year FROM p.start_date)::int,
            coalesce(extract(year FROM p.end_date)::int, greatest(horizon, extract(year FROM p.start_date)::int))
        ) AS y (year)
        GROUP BY y.year, b.id
    ),
    gone AS (
        DELETE FROM person_years o
        WHERE o.beneficiary_id = ANY (p_people)
          AND NOT EXISTS (SELECT 1 FROM fresh f WHERE f.year = o.year AND f.beneficiary_id = o.beneficiary_id)
    )
    INSERT INTO person_years AS o (year, beneficiary_id, first_start, sex, qpv, age, qualification_level, eligibility)
    SELECT year, beneficiary_id, first_start, sex, qpv, age, qualification_level, eligibility FROM fresh
    ORDER BY 1, 2
    ON CONFLICT (year, beneficiary_id) DO UPDATE
        SET first_start = excluded.first_start, sex = excluded.sex, qpv = excluded.qpv, age = excluded.age,
            qualification_level = excluded.qualification_level, eligibility = excluded.eligibility
        WHERE (o.first_start, o.sex, o.qpv, o.age, o.qualification_level, o.eligibility)
              IS DISTINCT FROM (excluded.first_start, excluded.sex, excluded.qpv, excluded.age,
                                excluded.qualification_level, excluded.eligibility);
END $$;

ALTER TRIGGER placements_rollup_1_placement_years_insert ON placements RENAME TO placements_placement_years_insert;
ALTER TRIGGER placements_rollup_1_placement_years_update ON placements RENAME TO placements_placement_years_update;
ALTER TRIGGER placements_rollup_1_placement_years_delete ON placements RENAME TO placements_placement_years_delete;
ALTER TRIGGER placements_rollup_2_person_years_insert ON placements RENAME TO placements_person_years_insert;
ALTER TRIGGER placements_rollup_2_person_years_update ON placements RENAME TO placements_person_years_update;
ALTER TRIGGER placements_rollup_2_person_years_delete ON placements RENAME TO placements_person_years_delete;
DROP INDEX beneficiaries_qpv;
DROP INDEX placement_years_contract;
CREATE INDEX placement_years_contract ON placement_years (contract_id, year);
ALTER TABLE placement_years DROP COLUMN sole;
ALTER TABLE person_years DROP COLUMN starts, DROP COLUMN centihours;
