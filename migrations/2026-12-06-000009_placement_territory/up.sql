-- A placement carries its territory (its contract's, which is its
-- person's), so a territory's facilitator's pages of placements and months
-- filter on the placement's own column instead of probing each row's
-- contract (issue 29: lists within 5 % of an unscoped facilitator's).
-- Composite foreign keys make the placement's territory its contract's
-- and its person's; they replace the statement trigger of
-- `territory_rollups`.
ALTER TABLE contracts ADD CONSTRAINT contracts_id_territory_key UNIQUE (id, territory_id);
ALTER TABLE beneficiaries ADD CONSTRAINT beneficiaries_id_territory_key UNIQUE (id, territory_id);
ALTER TABLE placements ADD COLUMN territory_id uuid;
UPDATE placements p SET territory_id = c.territory_id FROM contracts c WHERE c.id = p.contract_id;
ALTER TABLE placements ALTER COLUMN territory_id SET NOT NULL;
ALTER TABLE placements ADD CONSTRAINT placements_contract_territory
    FOREIGN KEY (contract_id, territory_id) REFERENCES contracts (id, territory_id);
ALTER TABLE placements ADD CONSTRAINT placements_person_territory
    FOREIGN KEY (beneficiary_id, territory_id) REFERENCES beneficiaries (id, territory_id);

-- The service never names it: the contract does.
CREATE FUNCTION placements_territory() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    NEW.territory_id := (SELECT territory_id FROM contracts WHERE id = NEW.contract_id);
    RETURN NEW;
END $$;
CREATE TRIGGER placements_territory BEFORE INSERT OR UPDATE OF contract_id ON placements
    FOR EACH ROW EXECUTE FUNCTION placements_territory();

DROP TRIGGER placements_one_territory_update ON placements;
DROP TRIGGER placements_one_territory_insert ON placements;
DROP FUNCTION placements_one_territory();

CREATE INDEX placements_territory_paging ON placements (territory_id, created_at, id);
