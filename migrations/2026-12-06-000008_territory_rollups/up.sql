-- One territory's key figures and person breakdowns from the rollups, as
-- the whole deployment's are (issue 29: scoped figures as fast as the
-- whole's). A person lies in one territory and is only ever placed on its
-- contracts, so a territory's people of a year are person_years' rows of
-- the people of that territory: person_years carries the person's
-- territory. Both halves of that are made facts of the database here,
-- not only of the service: a person's and a contract's territory never
-- change, and a placement joins a person and a contract of one territory.
-- person_years_refresh of the migration `rollups` is defined again below
-- (with the territory): a landed migration is history, not edited.

DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM placements p
               JOIN beneficiaries b ON b.id = p.beneficiary_id
               JOIN contracts c ON c.id = p.contract_id
               WHERE b.territory_id <> c.territory_id) THEN
        RAISE EXCEPTION 'placements join people and contracts of different territories: move them first';
    END IF;
END $$;

CREATE FUNCTION territory_fixed() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the territory of % % is fixed once set', TG_TABLE_NAME, OLD.id
        USING ERRCODE = 'check_violation', CONSTRAINT = TG_TABLE_NAME || '_territory_fixed';
END $$;
CREATE TRIGGER beneficiaries_territory_fixed BEFORE UPDATE OF territory_id ON beneficiaries
    FOR EACH ROW WHEN (OLD.territory_id IS DISTINCT FROM NEW.territory_id) EXECUTE FUNCTION territory_fixed();
CREATE TRIGGER contracts_territory_fixed BEFORE UPDATE OF territory_id ON contracts
    FOR EACH ROW WHEN (OLD.territory_id IS DISTINCT FROM NEW.territory_id) EXECUTE FUNCTION territory_fixed();

-- A placement carries its territory (its contract's, set by the trigger
-- below: the service never names it), and composite foreign keys make it
-- its person's too. A territory's facilitator's pages of placements and
-- months then filter on the placement's own column instead of probing
-- each row's contract (0.5 ms a page, on one pipelined connection: a
-- quarter of the unscoped rate).
ALTER TABLE contracts ADD CONSTRAINT contracts_id_territory_key UNIQUE (id, territory_id);
ALTER TABLE beneficiaries ADD CONSTRAINT beneficiaries_id_territory_key UNIQUE (id, territory_id);
ALTER TABLE placements ADD COLUMN territory_id uuid;
UPDATE placements p SET territory_id = c.territory_id FROM contracts c WHERE c.id = p.contract_id;
ALTER TABLE placements ALTER COLUMN territory_id SET NOT NULL;
ALTER TABLE placements ADD CONSTRAINT placements_contract_territory
    FOREIGN KEY (contract_id, territory_id) REFERENCES contracts (id, territory_id);
ALTER TABLE placements ADD CONSTRAINT placements_person_territory
    FOREIGN KEY (beneficiary_id, territory_id) REFERENCES beneficiaries (id, territory_id);
CREATE FUNCTION placements_territory() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    NEW.territory_id := (SELECT territory_id FROM contracts WHERE id = NEW.contract_id);
    RETURN NEW;
END $$;
CREATE TRIGGER placements_territory BEFORE INSERT OR UPDATE OF contract_id ON placements
    FOR EACH ROW EXECUTE FUNCTION placements_territory();
CREATE INDEX placements_territory_paging ON placements (territory_id, created_at, id);

ALTER TABLE person_years ADD COLUMN territory_id uuid;
UPDATE person_years py SET territory_id = b.territory_id FROM beneficiaries b WHERE b.id = py.beneficiary_id;
ALTER TABLE person_years ALTER COLUMN territory_id SET NOT NULL;
CREATE INDEX person_years_territory ON person_years (territory_id, year);

-- The refresh of the migration `rollups`, writing the person's territory.
CREATE OR REPLACE FUNCTION person_years_refresh(p_people uuid[]) RETURNS void
LANGUAGE plpgsql SET jit = off AS $$
DECLARE
    horizon integer := (SELECT year FROM rollup_horizon);
BEGIN
    PERFORM 1 FROM beneficiaries WHERE id = ANY (p_people) ORDER BY id FOR NO KEY UPDATE;
    PERFORM 1 FROM person_years WHERE beneficiary_id = ANY (p_people) ORDER BY year, beneficiary_id FOR UPDATE;
    WITH fresh AS (
        SELECT y.year, b.id AS beneficiary_id, b.territory_id, min(p.start_date) AS first_start, b.sex,
               b.qpv_resident AS qpv,
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
    INSERT INTO person_years AS o (year, beneficiary_id, territory_id, first_start, sex, qpv, age,
                                   qualification_level, eligibility, starts, centihours)
    SELECT f.year, f.beneficiary_id, f.territory_id, f.first_start, f.sex, f.qpv, f.age, f.qualification_level, f.eligibility,
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
