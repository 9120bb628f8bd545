-- The trail is append-only: this fails once an import was recorded.
ALTER TABLE access_trail DROP CONSTRAINT access_trail_subject;
ALTER TABLE access_trail DROP CONSTRAINT access_trail_action_check;
ALTER TABLE access_trail ADD CONSTRAINT access_trail_action_check
    CHECK (action IN ('read', 'create', 'update', 'export', 'erase'));
ALTER TABLE access_trail DROP COLUMN details;
ALTER TABLE access_trail ALTER COLUMN beneficiary_id SET NOT NULL;
ALTER TABLE beneficiaries DROP CONSTRAINT beneficiaries_erased;
ALTER TABLE beneficiaries ADD CONSTRAINT beneficiaries_erased CHECK (
    erased_at IS NULL
    OR (last_name IS NULL AND first_name IS NULL AND birth_date IS NULL AND postal_code IS NULL
        AND qpv_code IS NULL AND eligibility_reason IS NULL AND age_jan1_2000 IS NOT NULL));
DROP INDEX beneficiaries_external_ref_key;
ALTER TABLE beneficiaries DROP COLUMN external_ref;
