-- Personal data: who saw or changed a person's data, the QPV fact that
-- outlives the QPV code, and a person's age once the birth date is erased.

-- The access trail. Append-only in the database itself: privileges do not
-- bind the table's owner, a trigger does.
CREATE TABLE access_trail (
    id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at             timestamptz NOT NULL DEFAULT clock_timestamp(),
    sub            text NOT NULL,
    role           text NOT NULL,
    org            uuid,
    action         text NOT NULL CHECK (action IN ('read', 'create', 'update', 'export', 'erase')),
    beneficiary_id uuid NOT NULL REFERENCES beneficiaries (id),
    request_id     text NOT NULL
);
CREATE INDEX access_trail_beneficiary ON access_trail (beneficiary_id, id);

CREATE FUNCTION access_trail_append_only() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the access trail is append-only: % is refused', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END $$;

CREATE TRIGGER access_trail_no_update BEFORE UPDATE OR DELETE ON access_trail
    FOR EACH ROW EXECUTE FUNCTION access_trail_append_only();
CREATE TRIGGER access_trail_no_truncate BEFORE TRUNCATE ON access_trail
    FOR EACH STATEMENT EXECUTE FUNCTION access_trail_append_only();

-- While a person has an identity, the QPV fact follows the QPV code;
-- erasure clears the code and keeps the fact.
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
