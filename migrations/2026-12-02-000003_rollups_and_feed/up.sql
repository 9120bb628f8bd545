-- Rollups that keep the key figures fast on a national scale, and the
-- change feed. Both are kept by statement-level triggers over transition
-- tables, in the same transaction as the rows they follow: never stale,
-- and one pass per statement, so a 10,000-line hour statement or a bulk
-- load of ten years of placements costs a few set-wise statements, not a
-- function call per row.
--   hours_rollup: validated worked + training hours per contract and month;
--   person_years: each person active in a year (any contract), with the
--                 start of their earliest placement active that year and the
--                 attributes the figures split by (age on its reference day).
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
    PRIMARY KEY (year, beneficiary_id)
);
CREATE INDEX person_years_beneficiary ON person_years (beneficiary_id);

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
-- placement unchanged). The age of a person with a birth date is computed
-- inline (the common case, and the one a bulk load meets); an erased
-- person's comes from person_age. Without JIT: the planner guesses 1,000
-- years per placement (it cannot see into generate_series over columns)
-- and would spend a third of a second compiling a plan that runs in a
-- tenth of it.
CREATE FUNCTION person_years_refresh(p_people uuid[]) RETURNS void
LANGUAGE plpgsql SET jit = off AS $$
DECLARE
    horizon integer := (SELECT year FROM rollup_horizon);
BEGIN
    WITH fresh AS (
        SELECT y.year, b.id AS beneficiary_id, min(p.start_date) AS first_start, b.sex, b.qpv_resident AS qpv,
               CASE WHEN b.birth_date IS NOT NULL
                    THEN extract(year FROM age(greatest(make_date(y.year, 1, 1), min(p.start_date)), b.birth_date))::int
                    ELSE person_age(b.id, greatest(make_date(y.year, 1, 1), min(p.start_date))) END AS age
        FROM unnest(p_people) AS who (id)
        JOIN beneficiaries b ON b.id = who.id
        JOIN placements p ON p.beneficiary_id = b.id
        CROSS JOIN LATERAL generate_series(
            extract(year FROM p.start_date)::int,
            coalesce(extract(year FROM p.end_date)::int, greatest(horizon, extract(year FROM p.start_date)::int))
        ) AS y (year)
        GROUP BY y.year, b.id
    ),
    -- The keys it deletes are those `fresh` lacks, the keys it writes
    -- those `fresh` has: the two parts of the statement never meet.
    gone AS (
        DELETE FROM person_years o
        WHERE o.beneficiary_id = ANY (p_people)
          AND NOT EXISTS (SELECT 1 FROM fresh f WHERE f.year = o.year AND f.beneficiary_id = o.beneficiary_id)
    )
    INSERT INTO person_years AS o (year, beneficiary_id, first_start, sex, qpv, age)
    SELECT year, beneficiary_id, first_start, sex, qpv, age FROM fresh
    ORDER BY 1, 2
    ON CONFLICT (year, beneficiary_id) DO UPDATE
        SET first_start = excluded.first_start, sex = excluded.sex, qpv = excluded.qpv, age = excluded.age
        WHERE (o.first_start, o.sex, o.qpv, o.age)
              IS DISTINCT FROM (excluded.first_start, excluded.sex, excluded.qpv, excluded.age);
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

CREATE TRIGGER placements_person_years_insert AFTER INSERT ON placements
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION person_years_placements();
CREATE TRIGGER placements_person_years_update AFTER UPDATE ON placements
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION person_years_placements();
CREATE TRIGGER placements_person_years_delete AFTER DELETE ON placements
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION person_years_placements();

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
    WHERE (o.sex, o.birth_date, o.qpv_resident, o.erased_at, o.age_jan1_2000)
          IS DISTINCT FROM (n.sex, n.birth_date, n.qpv_resident, n.erased_at, n.age_jan1_2000);
    IF people IS NOT NULL THEN
        PERFORM person_years_refresh(people);
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER beneficiaries_person_years AFTER UPDATE ON beneficiaries
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION person_years_beneficiaries();

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

-- The change feed. A sequence alone cannot give partners every change
-- exactly once: numbers are taken before commit, so a reader can pass a
-- slow transaction's change. Each change records its transaction id, and
-- readers are served only changes of transactions older than the oldest
-- one still running (pg_snapshot_xmin of their snapshot): those can no
-- longer gain rows. Order is (xid, seq), a total order that never gains a
-- row below a served cursor.
CREATE TABLE changes (
    seq            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    xid            xid8 NOT NULL DEFAULT pg_current_xact_id(),
    entity         text NOT NULL CHECK (entity IN ('contract', 'beneficiary', 'placement', 'hours')),
    entity_id      uuid NOT NULL,
    op             text NOT NULL CHECK (op IN ('create', 'update')),
    version        integer NOT NULL,
    changed_at     timestamptz NOT NULL DEFAULT clock_timestamp(),
    -- What the access rules need to scope a change.
    contract_id    uuid,
    beneficiary_id uuid,
    placement_id   uuid
);
CREATE INDEX changes_order ON changes (xid, seq);

CREATE FUNCTION record_change() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    op text := CASE TG_OP WHEN 'INSERT' THEN 'create' ELSE 'update' END;
BEGIN
    IF TG_TABLE_NAME = 'contracts' THEN
        INSERT INTO changes (entity, entity_id, op, version, contract_id)
        SELECT 'contract', n.id, op, n.version, n.id FROM new_rows n;
    ELSIF TG_TABLE_NAME = 'beneficiaries' THEN
        INSERT INTO changes (entity, entity_id, op, version, beneficiary_id)
        SELECT 'beneficiary', n.id, op, n.version, n.id FROM new_rows n;
    ELSIF TG_TABLE_NAME = 'placements' THEN
        INSERT INTO changes (entity, entity_id, op, version, contract_id, beneficiary_id, placement_id)
        SELECT 'placement', n.id, op, n.version, n.contract_id, n.beneficiary_id, n.id FROM new_rows n;
    ELSE
        INSERT INTO changes (entity, entity_id, op, version, contract_id, beneficiary_id, placement_id)
        SELECT 'hours', n.id, op, n.version, p.contract_id, p.beneficiary_id, n.placement_id
        FROM new_rows n JOIN placements p ON p.id = n.placement_id;
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER contracts_changes_insert AFTER INSERT ON contracts REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION record_change();
CREATE TRIGGER contracts_changes_update AFTER UPDATE ON contracts REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION record_change();
CREATE TRIGGER beneficiaries_changes_insert AFTER INSERT ON beneficiaries REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION record_change();
CREATE TRIGGER beneficiaries_changes_update AFTER UPDATE ON beneficiaries REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION record_change();
CREATE TRIGGER placements_changes_insert AFTER INSERT ON placements REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION record_change();
CREATE TRIGGER placements_changes_update AFTER UPDATE ON placements REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION record_change();
CREATE TRIGGER monthly_hours_changes_insert AFTER INSERT ON monthly_hours REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION record_change();
CREATE TRIGGER monthly_hours_changes_update AFTER UPDATE ON monthly_hours REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION record_change();
