-- Rollups that keep the key figures and breakdowns fast on a national
-- scale, kept by statement-level triggers over transition tables, in the same transaction as the rows they follow: never stale,
-- and one pass per statement, so a 10,000-line hour statement or a bulk
-- load of ten years of placements costs a few set-wise statements, not a
-- function call per row.
--   hours_rollup: validated worked + training hours per contract and month;
--   person_years: each person active in a year (any contract), with the
--                 start of their earliest placement active that year, the
--                 attributes the figures split by (age on its reference day)
--                 and the person's starts and validated hours of the year (a
--                 breakdown by a person's attribute reads person_years alone);
--   placement_years: each placement active in a year, with its attributes,
--                 its validated hours of the year and which months hold
--                 some, and whether it is its person's only row that year.
-- The placements' triggers fire in a set order (triggers of one event fire
-- in the order of their names): placement_years first, then person_years,
-- whose starts and hours follow from placement_years.
-- Open placements are active every year from their start: person_years
-- holds their years up to rollup_horizon.year; `serve` and `migrate` extend
-- the horizon (extend_person_years) to next year when they start, and a
-- year past it is computed from the rows: reading never writes.

CREATE TABLE hours_rollup (
    contract_id uuid NOT NULL REFERENCES contracts (id),
    month       date NOT NULL,
    hours       numeric(14, 2) NOT NULL,
    PRIMARY KEY (contract_id, month)
);
CREATE INDEX hours_rollup_month ON hours_rollup (month) INCLUDE (contract_id, hours);

-- No foreign key on beneficiary_id: the rows are derived from placements
-- (which hold one) by the triggers below; a check per derived row would
-- only slow a bulk load's refresh.
CREATE TABLE person_years (
    year           integer NOT NULL,
    beneficiary_id uuid NOT NULL,
    first_start    date NOT NULL,
    sex            text NOT NULL,
    qpv            boolean NOT NULL,
    age            integer NOT NULL,
    qualification_level text,
    eligibility    text[] NOT NULL DEFAULT '{}',
    starts         integer NOT NULL DEFAULT 0,
    centihours     bigint NOT NULL DEFAULT 0,
    PRIMARY KEY (year, beneficiary_id)
);
CREATE INDEX person_years_beneficiary ON person_years (beneficiary_id);

-- placement_years: one row per placement and year it is active in (from
-- its start's year to its end's, or to rollup_horizon.year while open),
-- with the placement's attributes the figures split by, its validated
-- worked + training hours of that year in hundredths of an hour (exact,
-- as the NUMERIC(7, 2) months are, and summed as integers: a numeric sum
-- of a year's rows cost a breakdown 30 ms), and which months of the year
-- hold a validated row (bit m-1 for month m). Every breakdown reads the year's
-- rows (one per active placement) instead of the year's months.
CREATE TABLE placement_years (
    year           integer NOT NULL,
    placement_id   uuid NOT NULL,
    beneficiary_id uuid NOT NULL,
    contract_id    uuid NOT NULL,
    employer_id    uuid NOT NULL,
    modality       text NOT NULL,
    start_date     date NOT NULL,
    centihours     bigint NOT NULL DEFAULT 0,
    months         integer NOT NULL DEFAULT 0,
    -- Whether the row is its person's only one that year (a sole row is
    -- one person in whatever row of a breakdown it falls: only the others
    -- need telling apart).
    sole           boolean NOT NULL DEFAULT false,
    PRIMARY KEY (year, placement_id)
);
CREATE INDEX placement_years_placement ON placement_years (placement_id);
-- An operation's fulfilment reads its contracts' rows of every year: by
-- contract they lie on as many pages as rows (13,900 rows, 9,600 pages for
-- an operation of 125 contracts). Covering, the index alone answers.
CREATE INDEX placement_years_contract ON placement_years (contract_id, year)
    INCLUDE (placement_id, beneficiary_id, start_date, centihours, months);

CREATE TABLE rollup_horizon (
    id   boolean PRIMARY KEY DEFAULT true CHECK (id),
    year integer NOT NULL
);
INSERT INTO rollup_horizon (year) VALUES (extract(year FROM now())::int + 1);

-- Hours: a statement adds what its new rows bring and takes away what its
-- old rows brought, per contract and month (ordered, so that concurrent
-- statements lock rollup rows in the same order).
CREATE FUNCTION hours_rollup_apply() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO hours_rollup (contract_id, month, hours)
        SELECT p.contract_id, n.month, sum(n.worked_hours + n.training_hours)
        FROM new_rows n JOIN placements p ON p.id = n.placement_id
        WHERE n.status = 'validated'
        GROUP BY p.contract_id, n.month
        ORDER BY 1, 2
        ON CONFLICT (contract_id, month) DO UPDATE SET hours = hours_rollup.hours + excluded.hours;
    ELSIF TG_OP = 'UPDATE' THEN
        INSERT INTO hours_rollup (contract_id, month, hours)
        SELECT p.contract_id, d.month, sum(d.hours)
        FROM (SELECT placement_id, month, worked_hours + training_hours AS hours FROM new_rows WHERE status = 'validated'
              UNION ALL
              SELECT placement_id, month, -(worked_hours + training_hours) FROM old_rows WHERE status = 'validated') d
        JOIN placements p ON p.id = d.placement_id
        GROUP BY p.contract_id, d.month
        ORDER BY 1, 2
        ON CONFLICT (contract_id, month) DO UPDATE SET hours = hours_rollup.hours + excluded.hours;
    ELSE
        INSERT INTO hours_rollup (contract_id, month, hours)
        SELECT p.contract_id, o.month, -sum(o.worked_hours + o.training_hours)
        FROM old_rows o JOIN placements p ON p.id = o.placement_id
        WHERE o.status = 'validated'
        GROUP BY p.contract_id, o.month
        ORDER BY 1, 2
        ON CONFLICT (contract_id, month) DO UPDATE SET hours = hours_rollup.hours + excluded.hours;
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER monthly_hours_rollup_insert AFTER INSERT ON monthly_hours
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION hours_rollup_apply();
CREATE TRIGGER monthly_hours_rollup_update AFTER UPDATE ON monthly_hours
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION hours_rollup_apply();
CREATE TRIGGER monthly_hours_rollup_delete AFTER DELETE ON monthly_hours
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION hours_rollup_apply();

-- People: the years of a set of people are recomputed from their
-- placements, in one statement whatever the size of the set, and only the
-- rows that differ are written (most of a person's years survive a new
-- placement unchanged). The age comes from person_age (inlined for a
-- person with a birth date, the common case and the one a bulk load
-- meets); their starts and hours come from placement_years (kept first),
-- and the sole flag of their placement_years rows follows. Without JIT:
-- the planner guesses 1,000 years per placement (it cannot see into
-- generate_series over columns) and would spend a third of a second
-- compiling a plan that runs in a tenth of it.
--
-- Concurrent statements: one refresh of a person at a time (the person's
-- row, locked), and none while another transaction's statement of hours
-- adds to the person's rows (those rows, locked: an hours statement
-- updates them). Each statement below then takes a snapshot that holds
-- what the other transaction committed, so no refresh writes a total
-- computed without it. NO KEY UPDATE: placements referencing the person
-- hold KEY SHARE on it, which this must not wait for.
CREATE FUNCTION person_years_refresh(p_people uuid[]) RETURNS void
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

-- A statement on placements refreshes the people whose placements it
-- inserted or deleted, or whose person, start or end it changed.
CREATE FUNCTION person_years_placements() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    people uuid[];
BEGIN
    IF TG_OP = 'INSERT' THEN
        SELECT array_agg(DISTINCT beneficiary_id) INTO people FROM new_rows;
    ELSIF TG_OP = 'DELETE' THEN
        SELECT array_agg(DISTINCT beneficiary_id) INTO people FROM old_rows;
    ELSE
        SELECT array_agg(DISTINCT person) INTO people
        FROM old_rows o
        JOIN new_rows n ON n.id = o.id
        CROSS JOIN LATERAL (VALUES (o.beneficiary_id), (n.beneficiary_id)) AS v (person)
        WHERE (o.beneficiary_id, o.start_date, o.end_date) IS DISTINCT FROM (n.beneficiary_id, n.start_date, n.end_date);
    END IF;
    IF people IS NOT NULL THEN
        PERFORM person_years_refresh(people);
    END IF;
    RETURN NULL;
END $$;

-- A statement on people refreshes those whose attributes the figures split
-- by changed (erasure included: the age then comes from the kept facts).
CREATE FUNCTION person_years_beneficiaries() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    people uuid[];
BEGIN
    SELECT array_agg(n.id) INTO people
    FROM old_rows o
    JOIN new_rows n ON n.id = o.id
    WHERE (o.sex, o.birth_date, o.qpv_resident, o.erased_at, o.age_jan1_2000, o.qualification_level, o.eligibility)
          IS DISTINCT FROM (n.sex, n.birth_date, n.qpv_resident, n.erased_at, n.age_jan1_2000,
                            n.qualification_level, n.eligibility);
    IF people IS NOT NULL THEN
        PERFORM person_years_refresh(people);
    END IF;
    RETURN NULL;
END $$;

-- The rows of a set of placements, recomputed from the placements and
-- their months in one statement; only rows that differ are written. Used
-- when a placement is created, deleted, or changes person, contract,
-- employer or dates, which the hours' own trigger below does not follow.
CREATE FUNCTION placement_years_refresh(p_placements uuid[]) RETURNS void
LANGUAGE plpgsql SET jit = off AS $$
DECLARE
    horizon integer := (SELECT year FROM rollup_horizon);
BEGIN
    WITH fresh AS (
        SELECT y.year, p.id AS placement_id, p.beneficiary_id, p.contract_id, p.employer_id, p.modality, p.start_date,
               coalesce((h.hours * 100)::bigint, 0) AS centihours, coalesce(h.months, 0) AS months
        FROM unnest(p_placements) AS w (id)
        JOIN placements p ON p.id = w.id
        CROSS JOIN LATERAL generate_series(
            extract(year FROM p.start_date)::int,
            coalesce(extract(year FROM p.end_date)::int, greatest(horizon, extract(year FROM p.start_date)::int))
        ) AS y (year)
        LEFT JOIN LATERAL (
            SELECT sum(m.worked_hours + m.training_hours) AS hours,
                   bit_or(1 << (extract(month FROM m.month)::int - 1)) AS months
            FROM monthly_hours m
            WHERE m.placement_id = p.id AND m.status = 'validated'
              AND m.month >= make_date(y.year, 1, 1) AND m.month < make_date(y.year + 1, 1, 1)
        ) h ON true
    ),
    gone AS (
        DELETE FROM placement_years o
        WHERE o.placement_id = ANY (p_placements)
          AND NOT EXISTS (SELECT 1 FROM fresh f WHERE f.year = o.year AND f.placement_id = o.placement_id)
    )
    INSERT INTO placement_years AS o (year, placement_id, beneficiary_id, contract_id, employer_id, modality, start_date, centihours, months)
    SELECT * FROM fresh
    ORDER BY 1, 2
    ON CONFLICT (year, placement_id) DO UPDATE
        SET beneficiary_id = excluded.beneficiary_id, contract_id = excluded.contract_id,
            employer_id = excluded.employer_id, modality = excluded.modality, start_date = excluded.start_date,
            centihours = excluded.centihours, months = excluded.months
        WHERE (o.beneficiary_id, o.contract_id, o.employer_id, o.modality, o.start_date, o.centihours, o.months)
              IS DISTINCT FROM (excluded.beneficiary_id, excluded.contract_id, excluded.employer_id,
                                excluded.modality, excluded.start_date, excluded.centihours, excluded.months);
END $$;

CREATE FUNCTION placement_years_placements() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    horizon integer := (SELECT year FROM rollup_horizon);
    changed uuid[];
BEGIN
    IF TG_OP = 'INSERT' THEN
        -- A new placement has no months yet: its years, set-wise (a bulk
        -- load inserts hundreds of thousands).
        INSERT INTO placement_years (year, placement_id, beneficiary_id, contract_id, employer_id, modality, start_date)
        SELECT y.year, n.id, n.beneficiary_id, n.contract_id, n.employer_id, n.modality, n.start_date
        FROM new_rows n
        CROSS JOIN LATERAL generate_series(
            extract(year FROM n.start_date)::int,
            coalesce(extract(year FROM n.end_date)::int, greatest(horizon, extract(year FROM n.start_date)::int))
        ) AS y (year)
        ORDER BY 1, 2;
    ELSIF TG_OP = 'DELETE' THEN
        DELETE FROM placement_years WHERE placement_id IN (SELECT id FROM old_rows);
    ELSE
        SELECT array_agg(n.id) INTO changed
        FROM old_rows o JOIN new_rows n ON n.id = o.id
        WHERE (o.beneficiary_id, o.contract_id, o.employer_id, o.modality, o.start_date, o.end_date)
              IS DISTINCT FROM (n.beneficiary_id, n.contract_id, n.employer_id, n.modality, n.start_date, n.end_date);
        IF changed IS NOT NULL THEN
            PERFORM placement_years_refresh(changed);
        END IF;
    END IF;
    RETURN NULL;
END $$;

-- Hours: by differences, as hours_rollup, so concurrent statements on one
-- placement's year never lose each other's hours (an UPDATE ... SET x =
-- x + d is re-applied to the row a concurrent writer left). A placement
-- has one row per month, so a month's bit is cleared by the validated row
-- that leaves and set by the one that comes.
-- The person's year takes the differences too (person_years first, then
-- placement_years: the order a refresh locks them in, so the two never
-- wait for each other in a circle).
CREATE TYPE placement_years_delta AS (placement_id uuid, year integer, hours numeric, cleared integer, set integer);

CREATE FUNCTION placement_years_hours() RETURNS trigger
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

-- Open placements reach every later year: extending the horizon adds
-- their years up to it (under a lock, once).
CREATE FUNCTION extend_person_years(p_year integer) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    horizon integer;
    people uuid[];
BEGIN
    SELECT year INTO horizon FROM rollup_horizon FOR UPDATE;
    IF p_year <= horizon THEN
        RETURN;
    END IF;
    UPDATE rollup_horizon SET year = p_year;
    SELECT array_agg(DISTINCT beneficiary_id) INTO people FROM placements WHERE end_date IS NULL;
    IF people IS NOT NULL THEN
        PERFORM person_years_refresh(people);
    END IF;
END $$;

-- Extending the horizon adds the open placements' new years.
CREATE FUNCTION placement_years_horizon() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    open uuid[];
BEGIN
    IF NEW.year > OLD.year THEN
        SELECT array_agg(id) INTO open FROM placements WHERE end_date IS NULL;
        IF open IS NOT NULL THEN
            PERFORM placement_years_refresh(open);
        END IF;
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER rollup_horizon_placement_years AFTER UPDATE ON rollup_horizon
    FOR EACH ROW EXECUTE FUNCTION placement_years_horizon();

-- The placements' triggers: placement_years first (rollup_1), then
-- person_years (rollup_2).
CREATE TRIGGER placements_rollup_1_placement_years_insert AFTER INSERT ON placements
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION placement_years_placements();
CREATE TRIGGER placements_rollup_1_placement_years_update AFTER UPDATE ON placements
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION placement_years_placements();
CREATE TRIGGER placements_rollup_1_placement_years_delete AFTER DELETE ON placements
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION placement_years_placements();
CREATE TRIGGER placements_rollup_2_person_years_insert AFTER INSERT ON placements
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION person_years_placements();
CREATE TRIGGER placements_rollup_2_person_years_update AFTER UPDATE ON placements
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION person_years_placements();
CREATE TRIGGER placements_rollup_2_person_years_delete AFTER DELETE ON placements
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION person_years_placements();
CREATE TRIGGER beneficiaries_person_years AFTER UPDATE ON beneficiaries
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION person_years_beneficiaries();
CREATE TRIGGER monthly_hours_placement_years_insert AFTER INSERT ON monthly_hours
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION placement_years_hours();
CREATE TRIGGER monthly_hours_placement_years_update AFTER UPDATE ON monthly_hours
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION placement_years_hours();
CREATE TRIGGER monthly_hours_placement_years_delete AFTER DELETE ON monthly_hours
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION placement_years_hours();
