-- The whole territory's breakdowns without joining a year's placements to
-- its people, nor hashing every (key, person) pair:
--   person_years gains each person's starts and validated hours of the
--   year (a breakdown by a person's attribute then reads person_years
--   alone);
--   placement_years gains `sole`, whether the row is its person's only one
--   that year (a sole row is one person in whatever row of a breakdown it
--   falls: only the others need telling apart).
-- Both follow from placement_years, so the placements' triggers now fire
-- in a set order: placement_years first, then person_years (triggers of
-- one event fire in the order of their names).

ALTER TABLE person_years
    ADD COLUMN starts integer NOT NULL DEFAULT 0,
    ADD COLUMN centihours bigint NOT NULL DEFAULT 0;
ALTER TABLE placement_years ADD COLUMN sole boolean NOT NULL DEFAULT false;

-- An operation's fulfilment reads its contracts' rows of every year: by
-- contract they lie on as many pages as rows (13,900 rows, 9,600 pages for
-- an operation of 125 contracts). Covering indexes let it read them, and
-- its people's QPV, from the indexes alone. (Hours updates were seldom
-- HOT anyway: a year's rows fill their pages.)
DROP INDEX placement_years_contract;
CREATE INDEX placement_years_contract ON placement_years (contract_id, year)
    INCLUDE (placement_id, beneficiary_id, start_date, centihours, months);
CREATE UNIQUE INDEX beneficiaries_qpv ON beneficiaries (id) INCLUDE (qpv_code, qpv_resident);

ALTER TRIGGER placements_placement_years_insert ON placements RENAME TO placements_rollup_1_placement_years_insert;
ALTER TRIGGER placements_placement_years_update ON placements RENAME TO placements_rollup_1_placement_years_update;
ALTER TRIGGER placements_placement_years_delete ON placements RENAME TO placements_rollup_1_placement_years_delete;
ALTER TRIGGER placements_person_years_insert ON placements RENAME TO placements_rollup_2_person_years_insert;
ALTER TRIGGER placements_person_years_update ON placements RENAME TO placements_rollup_2_person_years_update;
ALTER TRIGGER placements_person_years_delete ON placements RENAME TO placements_rollup_2_person_years_delete;

-- A person's rows, recomputed: their years from the placements (as
-- before), their starts and hours from placement_years (kept first), and
-- the sole flag of their placement_years rows.
--
-- Concurrent statements: one refresh of a person at a time (the person's
-- row, locked), and none while another transaction's statement of hours
-- adds to the person's rows (those rows, locked: an hours statement
-- updates them). Each statement below then takes a snapshot that holds
-- what the other transaction committed, so no refresh writes a total
-- computed without it. NO KEY UPDATE: placements referencing the person
-- hold KEY SHARE on it, which this must not wait for.
CREATE OR REPLACE FUNCTION person_years_refresh(p_people uuid[]) RETURNS void
LANGUAGE plpgsql SET jit = off AS $$
DECLARE
    horizon integer := (SELECT year FROM rollup_horizon);
BEGIN
    PERFORM 1 FROM beneficiaries WHERE id = ANY (p_people) ORDER BY id FOR NO KEY UPDATE;
    PERFORM 1 FROM person_years WHERE beneficiary_id = ANY (p_people) ORDER BY year, beneficiary_id FOR UPDATE;
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

-- Hours: as before, by differences, and now also into the person's year
-- (person_years first, then placement_years: the order a refresh locks
-- them in, so the two never wait for each other in a circle).
CREATE OR REPLACE FUNCTION placement_years_hours() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    deltas placement_years_delta[];
    reached uuid[];
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
    -- its year's row, and its person's (refreshed before the differences
    -- below are added to both).
    WITH added AS (
        INSERT INTO placement_years (year, placement_id, beneficiary_id, contract_id, employer_id, modality, start_date)
        SELECT DISTINCT d.year, d.placement_id, p.beneficiary_id, p.contract_id, p.employer_id, p.modality, p.start_date
        FROM unnest(deltas) d JOIN placements p ON p.id = d.placement_id
        WHERE NOT EXISTS (SELECT 1 FROM placement_years o WHERE o.year = d.year AND o.placement_id = d.placement_id)
        ORDER BY 1, 2
        ON CONFLICT DO NOTHING
        RETURNING beneficiary_id
    )
    SELECT array_agg(DISTINCT beneficiary_id) INTO reached FROM added;
    IF reached IS NOT NULL THEN
        PERFORM person_years_refresh(reached);
    END IF;
    WITH per AS (
        SELECT p.beneficiary_id, d.year, sum(d.hours) AS hours
        FROM unnest(deltas) d JOIN placements p ON p.id = d.placement_id
        GROUP BY 1, 2
        ORDER BY 2, 1
    )
    UPDATE person_years o
    SET centihours = o.centihours + (per.hours * 100)::bigint
    FROM per
    WHERE o.year = per.year AND o.beneficiary_id = per.beneficiary_id AND per.hours <> 0;
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

-- The rows already there.
UPDATE person_years o SET starts = w.starts, centihours = w.centihours
FROM (
    SELECT year, beneficiary_id, count(*) FILTER (WHERE start_date >= make_date(year, 1, 1))::int AS starts,
           sum(centihours)::bigint AS centihours
    FROM placement_years GROUP BY 1, 2
) w
WHERE w.year = o.year AND w.beneficiary_id = o.beneficiary_id;
UPDATE placement_years o SET sole = true
FROM (SELECT year, beneficiary_id FROM placement_years GROUP BY 1, 2 HAVING count(*) = 1) s
WHERE s.year = o.year AND s.beneficiary_id = o.beneficiary_id;

ANALYZE person_years;
ANALYZE placement_years;
