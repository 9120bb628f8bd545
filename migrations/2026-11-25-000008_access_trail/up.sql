-- Who saw or changed a person's data, and when. Append-only in the
-- database itself: privileges do not bind the table's owner, a trigger does.
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
