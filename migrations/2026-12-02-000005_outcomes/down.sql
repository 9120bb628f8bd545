DROP TABLE outcomes;
DROP FUNCTION record_outcome_change();
DELETE FROM changes WHERE entity = 'outcome';
ALTER TABLE changes DROP CONSTRAINT changes_entity_check;
ALTER TABLE changes ADD CONSTRAINT changes_entity_check
    CHECK (entity IN ('contract', 'beneficiary', 'placement', 'hours'));
