DROP INDEX placements_territory_paging;
DROP TRIGGER placements_territory ON placements;
DROP FUNCTION placements_territory();
ALTER TABLE placements DROP CONSTRAINT placements_person_territory;
ALTER TABLE placements DROP CONSTRAINT placements_contract_territory;
ALTER TABLE placements DROP COLUMN territory_id;
ALTER TABLE beneficiaries DROP CONSTRAINT beneficiaries_id_territory_key;
ALTER TABLE contracts DROP CONSTRAINT contracts_id_territory_key;
DROP TRIGGER contracts_territory_fixed ON contracts;
DROP TRIGGER beneficiaries_territory_fixed ON beneficiaries;
DROP FUNCTION territory_fixed();
CREATE OR REPLACE FUNCTION person_years_refresh(p_people uuid[]) RETURNS void
LANGUAGE plpgsql SET jit = off AS $$
DECLARE
    horizon integer := (SELECT year FROM rollup_horizon);
BEGIN
    PERFORM 1 FROM beneficiaries WHERE id = ANY (p_people) ORDER BY id FOR NO KEY UPDATE;
    PERFORM 1 FROM person_years WHERE beneficiary_id = ANY (p_people) ORDER BY year, beneficiary_id FOR UPDATE;
    WITH fresh AS (
        SELECT y.year, b.id AS beneficiary_id, min(p.start_date) AS first_start, b.sex, b.qpv_resident AS qpv,
               person_age(b.id, b.birth_date, greatest(make_date(y.year, 1, 1), min(p.start_date))) AS age,
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
    work AS (
        SELECT year, beneficiary_id, count(*) FILTER (WHERE start_date >= make_date(year, 1, 1))::int AS starts,
               sum(centihours)::bigint AS centihours
        FROM placement_years
        WHERE beneficiary_id = ANY (p_people)
        GROUP BY 1, 2
    ),
    gone AS (
        DELETE FROM person_years o
        WHERE o.beneficiary_id = ANY (p_people)
          AND NOT EXISTS (SELECT 1 FROM fresh f WHERE f.year = o.year AND f.beneficiary_id = o.beneficiary_id)
    )
    INSERT INTO person_years AS o (year, beneficiary_id, first_start, sex, qpv, age, qualification_level, eligibility,
                                   starts, centihours)
    SELECT f.year, f.beneficiary_id, f.first_start, f.sex, f.qpv, f.age, f.qualification_level, f.eligibility,
           coalesce(w.starts, 0), coalesce(w.centihours, 0)
    FROM fresh f LEFT JOIN work w ON w.year = f.year AND w.beneficiary_id = f.beneficiary_id
    ORDER BY 1, 2
    ON CONFLICT (year, beneficiary_id) DO UPDATE
        SET first_start = excluded.first_start, sex = excluded.sex, qpv = excluded.qpv, age = excluded.age,
            qualification_level = excluded.qualification_level, eligibility = excluded.eligibility,
            starts = excluded.starts, centihours = excluded.centihours
        WHERE (o.first_start, o.sex, o.qpv, o.age, o.qualification_level, o.eligibility, o.starts, o.centihours)
              IS DISTINCT FROM (excluded.first_start, excluded.sex, excluded.qpv, excluded.age,
                                excluded.qualification_level, excluded.eligibility, excluded.starts, excluded.centihours);

    UPDATE placement_years o SET sole = s.sole
    FROM (
        SELECT year, beneficiary_id, count(*) = 1 AS sole
        FROM placement_years WHERE beneficiary_id = ANY (p_people) GROUP BY 1, 2
    ) s
    WHERE o.year = s.year AND o.beneficiary_id = s.beneficiary_id AND o.sole IS DISTINCT FROM s.sole;
END $$;
ALTER TABLE person_years DROP COLUMN territory_id;
