-- Erasure that keeps the figures: an erased person keeps no identity (no
-- names, birth date, postal code, QPV code, free text) but the facts the
-- figures need: sex, qualification, eligibility codes, whether they lived in
-- a QPV, their age on 1 January 2000 (ages on 1 January follow from it) and
-- at the start of each placement (the other days an age is taken on).
ALTER TABLE beneficiaries
    ALTER COLUMN last_name DROP NOT NULL,
    ALTER COLUMN first_name DROP NOT NULL,
    ALTER COLUMN birth_date DROP NOT NULL,
    ALTER COLUMN postal_code DROP NOT NULL,
    ADD COLUMN erased_at timestamptz,
    ADD COLUMN qpv_resident boolean NOT NULL DEFAULT false,
    ADD COLUMN age_jan1_2000 integer,
    ADD CONSTRAINT beneficiaries_identity CHECK (
        erased_at IS NOT NULL
        OR (last_name IS NOT NULL AND first_name IS NOT NULL AND birth_date IS NOT NULL AND postal_code IS NOT NULL)),
    ADD CONSTRAINT beneficiaries_erased CHECK (
        erased_at IS NULL
        OR (last_name IS NULL AND first_name IS NULL AND birth_date IS NULL AND postal_code IS NULL
            AND qpv_code IS NULL AND eligibility_reason IS NULL AND age_jan1_2000 IS NOT NULL));
ALTER TABLE beneficiaries DROP CONSTRAINT beneficiaries_other_reason;
ALTER TABLE beneficiaries ADD CONSTRAINT beneficiaries_other_reason CHECK (
    erased_at IS NOT NULL OR NOT ('other_validated' = ANY (eligibility)) OR eligibility_reason IS NOT NULL);
UPDATE beneficiaries SET qpv_resident = qpv_code IS NOT NULL;

ALTER TABLE placements ADD COLUMN age_at_start integer;

-- While a person has an identity, the QPV fact follows the QPV code.
CREATE FUNCTION beneficiaries_qpv_fact() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.erased_at IS NULL THEN
        NEW.qpv_resident := NEW.qpv_code IS NOT NULL;
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER beneficiaries_qpv_fact BEFORE INSERT OR UPDATE ON beneficiaries
    FOR EACH ROW EXECUTE FUNCTION beneficiaries_qpv_fact();

-- A person's age in full years on a day: from the birth date while there
-- is one; once erased, from the kept facts (the figures only ever ask for
-- 1 January or the first day of a placement).
CREATE FUNCTION person_age(p_person uuid, p_day date) RETURNS integer
LANGUAGE sql STABLE AS $$
    SELECT CASE
        WHEN b.birth_date IS NOT NULL THEN extract(year FROM age(p_day, b.birth_date))::int
        WHEN extract(doy FROM p_day) = 1 THEN b.age_jan1_2000 + extract(year FROM p_day)::int - 2000
        ELSE (SELECT min(pl.age_at_start) FROM placements pl WHERE pl.beneficiary_id = p_person AND pl.start_date = p_day)
    END
    FROM beneficiaries b WHERE b.id = p_person
$$;

-- person_years keeps the age on its reference day, not the birth date.
ALTER TABLE person_years ADD COLUMN age integer;
UPDATE person_years SET age = extract(year FROM age(greatest(make_date(year, 1, 1), first_start), birth_date))::int;
ALTER TABLE person_years ALTER COLUMN age SET NOT NULL, DROP COLUMN birth_date;

CREATE OR REPLACE FUNCTION person_years_refresh(p_beneficiary uuid) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    horizon integer := (SELECT year FROM rollup_horizon);
BEGIN
    DELETE FROM person_years WHERE beneficiary_id = p_beneficiary;
    INSERT INTO person_years (year, beneficiary_id, first_start, sex, qpv, age)
    SELECT s.year, s.beneficiary_id, s.first_start, s.sex, s.qpv,
           person_age(s.beneficiary_id, greatest(make_date(s.year, 1, 1), s.first_start))
    FROM (
        SELECT y.year, p.beneficiary_id, min(p.start_date) AS first_start, b.sex, b.qpv_resident AS qpv
        FROM placements p
        JOIN beneficiaries b ON b.id = p.beneficiary_id
        CROSS JOIN LATERAL generate_series(
            extract(year FROM p.start_date)::int,
            coalesce(extract(year FROM p.end_date)::int, greatest(horizon, extract(year FROM p.start_date)::int))
        ) AS y (year)
        WHERE p.beneficiary_id = p_beneficiary
        GROUP BY y.year, p.beneficiary_id, b.sex, b.qpv_resident
    ) s;
END $$;

CREATE OR REPLACE FUNCTION person_years_beneficiary_trigger() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM person_years_refresh(NEW.id);
    RETURN NULL;
END $$;
DROP TRIGGER beneficiaries_person_years ON beneficiaries;
CREATE TRIGGER beneficiaries_person_years AFTER UPDATE OF sex, birth_date, qpv_code, qpv_resident, erased_at
    ON beneficiaries FOR EACH ROW EXECUTE FUNCTION person_years_beneficiary_trigger();

CREATE OR REPLACE FUNCTION extend_person_years(p_year integer) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    horizon integer;
BEGIN
    SELECT year INTO horizon FROM rollup_horizon FOR UPDATE;
    IF p_year <= horizon THEN
        RETURN;
    END IF;
    INSERT INTO person_years (year, beneficiary_id, first_start, sex, qpv, age)
    SELECT s.year, s.beneficiary_id, s.first_start, s.sex, s.qpv,
           person_age(s.beneficiary_id, greatest(make_date(s.year, 1, 1), s.first_start))
    FROM (
        SELECT y.year, p.beneficiary_id, min(p.start_date) AS first_start, b.sex, b.qpv_resident AS qpv
        FROM placements p
        JOIN beneficiaries b ON b.id = p.beneficiary_id
        CROSS JOIN LATERAL generate_series(greatest(horizon + 1, extract(year FROM p.start_date)::int), p_year) AS y (year)
        WHERE p.end_date IS NULL
        GROUP BY y.year, p.beneficiary_id, b.sex, b.qpv_resident
    ) s
    ON CONFLICT (year, beneficiary_id) DO UPDATE
        SET first_start = least(person_years.first_start, excluded.first_start),
            age = person_age(excluded.beneficiary_id, greatest(make_date(excluded.year, 1, 1),
                                                               least(person_years.first_start, excluded.first_start)));
    UPDATE rollup_horizon SET year = p_year;
END $$;
