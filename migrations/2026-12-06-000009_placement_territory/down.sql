DROP INDEX placements_territory_paging;
CREATE FUNCTION placements_one_territory() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM new_rows n
               JOIN beneficiaries b ON b.id = n.beneficiary_id
               JOIN contracts c ON c.id = n.contract_id
               WHERE b.territory_id <> c.territory_id) THEN
        RAISE EXCEPTION 'a placement joins a person and a contract of different territories'
            USING ERRCODE = 'check_violation', CONSTRAINT = 'placements_one_territory';
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER placements_one_territory_insert AFTER INSERT ON placements
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION placements_one_territory();
CREATE TRIGGER placements_one_territory_update AFTER UPDATE ON placements
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION placements_one_territory();
DROP TRIGGER placements_territory ON placements;
DROP FUNCTION placements_territory();
ALTER TABLE placements DROP CONSTRAINT placements_person_territory;
ALTER TABLE placements DROP CONSTRAINT placements_contract_territory;
ALTER TABLE placements DROP COLUMN territory_id;
ALTER TABLE beneficiaries DROP CONSTRAINT beneficiaries_id_territory_key;
ALTER TABLE contracts DROP CONSTRAINT contracts_id_territory_key;
