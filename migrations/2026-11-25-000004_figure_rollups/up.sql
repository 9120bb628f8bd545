-- Rollups that keep the key figures fast on a national scale, maintained
-- in the same transaction as the rows they sum, so they are never stale:
--   hours_rollup: validated worked + training hours per contract and month;
--   person_years: each person active in a year (any contract), with the
--                 start of their earliest placement active that year and the
--                 attributes the figures split by.
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

CREATE TABLE person_years (
    year           integer NOT NULL,
    beneficiary_id uuid NOT NULL REFERENCES beneficiaries (id),
    first_start    date NOT NULL,
    sex            text NOT NULL,
    birth_date     date NOT NULL,
    qpv            boolean NOT NULL,
    PRIMARY KEY (year, beneficiary_id)
);
CREATE INDEX person_years_beneficiary ON person_years (beneficiary_id);

CREATE TABLE rollup_horizon (
    id   boolean PRIMARY KEY DEFAULT true CHECK (id),
    year integer NOT NULL
);
INSERT INTO rollup_horizon (year) VALUES (extract(year FROM now())::int + 1);

-- Hours: add what a row brings, take away what it brought.
CREATE FUNCTION hours_rollup_apply(p_placement uuid, p_month date, p_delta numeric) RETURNS void
LANGUAGE sql AS $$
    INSERT INTO hours_rollup (contract_id, month, hours)
    SELECT contract_id, p_month, p_delta FROM placements WHERE id = p_placement
    ON CONFLICT (contract_id, month) DO UPDATE SET hours = hours_rollup.hours + excluded.hours;
$$;

CREATE FUNCTION hours_rollup_trigger() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') AND OLD.status = 'validated' THEN
        PERFORM hours_rollup_apply(OLD.placement_id, OLD.month, -(OLD.worked_hours + OLD.training_hours));
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') AND NEW.status = 'validated' THEN
        PERFORM hours_rollup_apply(NEW.placement_id, NEW.month, NEW.worked_hours + NEW.training_hours);
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER monthly_hours_rollup AFTER INSERT OR UPDATE OR DELETE ON monthly_hours
    FOR EACH ROW EXECUTE FUNCTION hours_rollup_trigger();

-- People: a person's years are recomputed from their placements whenever
-- one of them changes.
CREATE FUNCTION person_years_refresh(p_beneficiary uuid) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    horizon integer := (SELECT year FROM rollup_horizon);
BEGIN
    DELETE FROM person_years WHERE beneficiary_id = p_beneficiary;
    INSERT INTO person_years (year, beneficiary_id, first_start, sex, birth_date, qpv)
    SELECT y.year, p.beneficiary_id, min(p.start_date), b.sex, b.birth_date, b.qpv_code IS NOT NULL
    FROM placements p
    JOIN beneficiaries b ON b.id = p.beneficiary_id
    CROSS JOIN LATERAL generate_series(
        extract(year FROM p.start_date)::int,
        coalesce(extract(year FROM p.end_date)::int, greatest(horizon, extract(year FROM p.start_date)::int))
    ) AS y (year)
    WHERE p.beneficiary_id = p_beneficiary
    GROUP BY y.year, p.beneficiary_id, b.sex, b.birth_date, b.qpv_code;
END $$;

CREATE FUNCTION person_years_placement_trigger() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        PERFORM person_years_refresh(OLD.beneficiary_id);
    END IF;
    IF TG_OP = 'INSERT' OR (TG_OP = 'UPDATE' AND NEW.beneficiary_id <> OLD.beneficiary_id) THEN
        PERFORM person_years_refresh(NEW.beneficiary_id);
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER placements_person_years AFTER INSERT OR DELETE OR UPDATE OF beneficiary_id, start_date, end_date
    ON placements FOR EACH ROW EXECUTE FUNCTION person_years_placement_trigger();

CREATE FUNCTION person_years_beneficiary_trigger() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    UPDATE person_years
    SET sex = NEW.sex, birth_date = NEW.birth_date, qpv = NEW.qpv_code IS NOT NULL
    WHERE beneficiary_id = NEW.id;
    RETURN NULL;
END $$;

CREATE TRIGGER beneficiaries_person_years AFTER UPDATE OF sex, birth_date, qpv_code
    ON beneficiaries FOR EACH ROW EXECUTE FUNCTION person_years_beneficiary_trigger();

-- Open placements reach every later year: extending the horizon adds
-- their years up to it (under a lock, once).
CREATE FUNCTION extend_person_years(p_year integer) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    horizon integer;
BEGIN
    SELECT year INTO horizon FROM rollup_horizon FOR UPDATE;
    IF p_year <= horizon THEN
        RETURN;
    END IF;
    INSERT INTO person_years (year, beneficiary_id, first_start, sex, birth_date, qpv)
    SELECT y.year, p.beneficiary_id, min(p.start_date), b.sex, b.birth_date, b.qpv_code IS NOT NULL
    FROM placements p
    JOIN beneficiaries b ON b.id = p.beneficiary_id
    CROSS JOIN LATERAL generate_series(greatest(horizon + 1, extract(year FROM p.start_date)::int), p_year) AS y (year)
    WHERE p.end_date IS NULL
    GROUP BY y.year, p.beneficiary_id, b.sex, b.birth_date, b.qpv_code
    ON CONFLICT (year, beneficiary_id) DO UPDATE SET first_start = least(person_years.first_start, excluded.first_start);
    UPDATE rollup_horizon SET year = p_year;
END $$;

-- Existing rows.
INSERT INTO hours_rollup (contract_id, month, hours)
SELECT p.contract_id, h.month, sum(h.worked_hours + h.training_hours)
FROM monthly_hours h JOIN placements p ON p.id = h.placement_id
WHERE h.status = 'validated'
GROUP BY p.contract_id, h.month;

SELECT person_years_refresh(id) FROM beneficiaries WHERE EXISTS (SELECT 1 FROM placements p WHERE p.beneficiary_id = beneficiaries.id);

CREATE INDEX placements_open ON placements (start_date) WHERE end_date IS NULL;
CREATE INDEX placements_start_covering ON placements (start_date) INCLUDE (contract_id);
