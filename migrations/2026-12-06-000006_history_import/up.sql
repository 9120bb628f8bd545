-- A territory's history brought in from another tool (API.md, "Importing a
-- territory's history").

-- The source tool's own id of a person, the key its rows name them by:
-- shown to the facilitator, unique, gone with the identity at erasure.
ALTER TABLE beneficiaries
    ADD COLUMN external_ref text CHECK (length(btrim(external_ref)) BETWEEN 1 AND 100);
CREATE UNIQUE INDEX beneficiaries_external_ref_key ON beneficiaries (external_ref)
    WHERE external_ref IS NOT NULL;
ALTER TABLE beneficiaries DROP CONSTRAINT beneficiaries_erased;
ALTER TABLE beneficiaries ADD CONSTRAINT beneficiaries_erased CHECK (
    erased_at IS NULL
    OR (last_name IS NULL AND first_name IS NULL AND birth_date IS NULL AND postal_code IS NULL
        AND qpv_code IS NULL AND eligibility_reason IS NULL AND external_ref IS NULL
        AND age_jan1_2000 IS NOT NULL));

-- An import is one entry of the access trail: who, when, and what it
-- counted, with no person of its own (each person it wrote has their own
-- `create` or `update` entry beside it).
ALTER TABLE access_trail ALTER COLUMN beneficiary_id DROP NOT NULL;
ALTER TABLE access_trail ADD COLUMN details jsonb;
ALTER TABLE access_trail DROP CONSTRAINT access_trail_action_check;
ALTER TABLE access_trail ADD CONSTRAINT access_trail_action_check
    CHECK (action IN ('read', 'create', 'update', 'export', 'erase', 'import'));
ALTER TABLE access_trail ADD CONSTRAINT access_trail_subject CHECK (
    (action = 'import') = (beneficiary_id IS NULL)
    AND (action = 'import') = (details IS NOT NULL));
