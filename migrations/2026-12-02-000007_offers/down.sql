DROP TRIGGER IF EXISTS proposals_changes_update ON proposals;
DROP TRIGGER IF EXISTS proposals_changes_insert ON proposals;
DROP TRIGGER IF EXISTS offers_changes_update ON offers;
DROP TRIGGER IF EXISTS offers_changes_insert ON offers;
DROP FUNCTION IF EXISTS record_offer_change();
DELETE FROM changes WHERE entity IN ('offer', 'proposal');
ALTER TABLE changes DROP CONSTRAINT changes_entity_check;
ALTER TABLE changes ADD CONSTRAINT changes_entity_check
    CHECK (entity IN ('contract', 'beneficiary', 'placement', 'hours', 'outcome', 'operation'));
DROP TABLE IF EXISTS proposals;
DROP TABLE IF EXISTS offers;
