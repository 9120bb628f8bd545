-- Urban-renewal (and other) operations that contracts belong to, the
-- attributes the regional observatories break hours down by, and the
-- rollup that makes every breakdown read one row per placement of the year
-- instead of its months.

CREATE FUNCTION qpv_codes_valid(codes text[]) RETURNS boolean
LANGUAGE sql IMMUTABLE AS $$
    SELECT coalesce(bool_and(c ~ '^(QN[0-9]{5}[A-Z]|QP[0-9]{6})$'), true) FROM unnest(codes) AS c
$$;

CREATE TABLE operations (
    id           uuid PRIMARY KEY,
    name         text NOT NULL CHECK (length(btrim(name)) BETWEEN 1 AND 200),
    programme    text NOT NULL CHECK (programme IN ('npnru', 'pnru', 'other')),
    qpv_codes    text[] NOT NULL DEFAULT '{}' CHECK (qpv_codes_valid(qpv_codes) AND cardinality(qpv_codes) <= 100),
    start_date   date NOT NULL,
    end_date     date,
    target_hours numeric(12, 2) CHECK (target_hours >= 0),
    version      integer NOT NULL DEFAULT 1 CHECK (version >= 1),
    created_at   timestamptz NOT NULL DEFAULT now(),
    updated_at   timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT operations_dates CHECK (end_date IS NULL OR end_date >= start_date)
);
-- Names are unique whatever their case: "Tarterêts" and "TARTERÊTS" are one operation.
CREATE UNIQUE INDEX operations_name_key ON operations (lower(name));
CREATE INDEX operations_paging ON operations (created_at, id);
CREATE INDEX operations_updated ON operations (updated_at, id);

-- A contract's operation text follows its operation's name (the service
-- writes both in one statement); contracts with only a text keep it.
ALTER TABLE contracts
    ADD COLUMN operation_id uuid REFERENCES operations (id),
    ADD COLUMN cpv_code text CHECK (
        cpv_code ~ '^[0-9]{8}$'
        AND (substr(cpv_code, 1, 2)::int BETWEEN 3 AND 45 OR substr(cpv_code, 1, 2)::int BETWEEN 48 AND 98)),
    ADD COLUMN market_nature text CHECK (market_nature IN ('works', 'supplies', 'services')),
    -- Whether market_nature was given (kept through CPV changes) or
    -- derived from the CPV division (follows it).
    ADD COLUMN market_nature_given boolean NOT NULL DEFAULT false;
CREATE INDEX contracts_operation_id ON contracts (operation_id);
CREATE INDEX contracts_market_nature ON contracts (market_nature);
CREATE INDEX contracts_cpv_division ON contracts (substr(cpv_code, 1, 2));

-- The observatories' type of buyer.
ALTER TABLE organisations
    ADD COLUMN buyer_category text CHECK (buyer_category IN (
        'municipality', 'intermunicipality', 'department', 'region', 'state', 'hospital',
        'social_landlord', 'public_body', 'semi_public_company', 'private_company', 'other')),
    ADD CONSTRAINT organisations_buyer_category_kind CHECK (buyer_category IS NULL OR kind IN ('buyer', 'department'));
UPDATE organisations SET buyer_category = 'department' WHERE kind = 'department';

-- Operations enter the change feed; every role reads them.
ALTER TABLE changes DROP CONSTRAINT changes_entity_check;
ALTER TABLE changes ADD CONSTRAINT changes_entity_check
    CHECK (entity IN ('contract', 'beneficiary', 'placement', 'hours', 'outcome', 'operation'));

CREATE FUNCTION record_operation_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO changes (entity, entity_id, op, version)
    SELECT 'operation', n.id, CASE TG_OP WHEN 'INSERT' THEN 'create' ELSE 'update' END, n.version
    FROM new_rows n;
    RETURN NULL;
END $$;

CREATE TRIGGER operations_changes_insert AFTER INSERT ON operations REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION record_operation_change();
CREATE TRIGGER operations_changes_update AFTER UPDATE ON operations REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION record_operation_change();

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
    PRIMARY KEY (year, placement_id)
);
CREATE INDEX placement_years_placement ON placement_years (placement_id);
CREATE INDEX placement_years_contract ON placement_years (contract_id, year);

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

CREATE TRIGGER placements_placement_years_insert AFTER INSERT ON placements
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION placement_years_placements();
CREATE TRIGGER placements_placement_years_update AFTER UPDATE ON placements
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION placement_years_placements();
CREATE TRIGGER placements_placement_years_delete AFTER DELETE ON placements
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION placement_years_placements();

-- Hours: by differences, as hours_rollup, so concurrent statements on one
-- placement's year never lose each other's hours (an UPDATE ... SET x =
-- x + d is re-applied to the row a concurrent writer left). A placement
-- has one row per month, so a month's bit is cleared by the validated row
-- that leaves and set by the one that comes.
CREATE TYPE placement_years_delta AS (placement_id uuid, year integer, hours numeric, cleared integer, set integer);

CREATE FUNCTION placement_years_hours() RETURNS trigger
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

CREATE TRIGGER monthly_hours_placement_years_insert AFTER INSERT ON monthly_hours
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION placement_years_hours();
CREATE TRIGGER monthly_hours_placement_years_update AFTER UPDATE ON monthly_hours
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION placement_years_hours();
CREATE TRIGGER monthly_hours_placement_years_delete AFTER DELETE ON monthly_hours
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION placement_years_hours();

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

-- person_years also holds the two attributes the breakdowns split people
-- by that it lacked, so that the whole territory's breakdowns by
-- qualification level and eligibility read no beneficiary: the refresh and
-- the people's trigger of the rollups migration are replaced here to keep
-- them (the same statements, two columns more).
ALTER TABLE person_years
    ADD COLUMN qualification_level text,
    ADD COLUMN eligibility text[] NOT NULL DEFAULT '{}';

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

CREATE OR REPLACE FUNCTION person_years_beneficiaries() RETURNS trigger
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

UPDATE person_years py SET qualification_level = b.qualification_level, eligibility = b.eligibility
FROM beneficiaries b WHERE b.id = py.beneficiary_id;

-- The rows of the placements already there.
SELECT placement_years_refresh(coalesce((SELECT array_agg(id) FROM placements), '{}'));

ANALYZE placement_years;
