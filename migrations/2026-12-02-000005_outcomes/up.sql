-- What became of a person after a placement (API.md, "Outcomes"): one
-- outcome per ended placement, and its follow-up six months on. Codes, not
-- identity: erasure keeps them.
CREATE TABLE outcomes (
    placement_id          uuid PRIMARY KEY REFERENCES placements (id),
    situation             text NOT NULL CHECK (situation IN (
                            'permanent_job', 'fixed_term_6_months_plus', 'business_creation',
                            'fixed_term_short', 'subsidised_job', 'other_siae', 'qualifying_training',
                            'other_training', 'job_seeking', 'inactive', 'unknown')),
    qualification_gained  boolean NOT NULL DEFAULT false,
    follow_up_situation   text CHECK (follow_up_situation IN (
                            'permanent_job', 'fixed_term_6_months_plus', 'business_creation',
                            'fixed_term_short', 'subsidised_job', 'other_siae', 'qualifying_training',
                            'other_training', 'job_seeking', 'inactive', 'unknown')),
    follow_up_observed_on date,
    version               integer NOT NULL DEFAULT 1 CHECK (version >= 1),
    created_at            timestamptz NOT NULL DEFAULT now(),
    updated_at            timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT outcomes_follow_up CHECK ((follow_up_situation IS NULL) = (follow_up_observed_on IS NULL))
);

-- Outcomes enter the change feed, scoped like their placement's person.
ALTER TABLE changes DROP CONSTRAINT changes_entity_check;
ALTER TABLE changes ADD CONSTRAINT changes_entity_check
    CHECK (entity IN ('contract', 'beneficiary', 'placement', 'hours', 'outcome'));

CREATE FUNCTION record_outcome_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO changes (entity, entity_id, op, version, contract_id, beneficiary_id, placement_id)
    SELECT 'outcome', n.placement_id, CASE TG_OP WHEN 'INSERT' THEN 'create' ELSE 'update' END,
           n.version, p.contract_id, p.beneficiary_id, n.placement_id
    FROM new_rows n JOIN placements p ON p.id = n.placement_id;
    RETURN NULL;
END $$;

CREATE TRIGGER outcomes_changes_insert AFTER INSERT ON outcomes REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION record_outcome_change();
CREATE TRIGGER outcomes_changes_update AFTER UPDATE ON outcomes REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION record_outcome_change();
