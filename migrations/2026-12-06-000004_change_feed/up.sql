-- The change feed. A sequence alone cannot give partners every change
-- exactly once: numbers are taken before commit, so a reader can pass a
-- slow transaction's change. Each change records its transaction id, and
-- readers are served only changes of transactions older than the oldest
-- one still running (pg_snapshot_xmin of their snapshot): those can no
-- longer gain rows. Order is (xid, seq), a total order that never gains a
-- row below a served cursor.
--
-- One function records the changes of every table the feed follows, each
-- row with the ids the access rules scope it by; every table has the same
-- two statement-level triggers.
CREATE TABLE changes (
    seq            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    xid            xid8 NOT NULL DEFAULT pg_current_xact_id(),
    entity         text NOT NULL CHECK (entity IN (
                     'contract', 'beneficiary', 'placement', 'hours', 'outcome', 'operation', 'offer', 'proposal',
                     'order', 'amendment', 'report')),
    entity_id      uuid NOT NULL,
    op             text NOT NULL CHECK (op IN ('create', 'update')),
    version        integer NOT NULL,
    changed_at     timestamptz NOT NULL DEFAULT clock_timestamp(),
    -- What the access rules need to scope a change.
    contract_id    uuid,
    beneficiary_id uuid,
    placement_id   uuid
);
CREATE INDEX changes_order ON changes (xid, seq);

CREATE FUNCTION record_change() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    op text := CASE TG_OP WHEN 'INSERT' THEN 'create' ELSE 'update' END;
BEGIN
    CASE TG_TABLE_NAME
    WHEN 'contracts' THEN
        INSERT INTO changes (entity, entity_id, op, version, contract_id)
        SELECT 'contract', n.id, op, n.version, n.id FROM new_rows n;
    WHEN 'beneficiaries' THEN
        INSERT INTO changes (entity, entity_id, op, version, beneficiary_id)
        SELECT 'beneficiary', n.id, op, n.version, n.id FROM new_rows n;
    WHEN 'placements' THEN
        INSERT INTO changes (entity, entity_id, op, version, contract_id, beneficiary_id, placement_id)
        SELECT 'placement', n.id, op, n.version, n.contract_id, n.beneficiary_id, n.id FROM new_rows n;
    WHEN 'monthly_hours' THEN
        INSERT INTO changes (entity, entity_id, op, version, contract_id, beneficiary_id, placement_id)
        SELECT 'hours', n.id, op, n.version, p.contract_id, p.beneficiary_id, n.placement_id
        FROM new_rows n JOIN placements p ON p.id = n.placement_id;
    -- Scoped like their placement's person.
    WHEN 'outcomes' THEN
        INSERT INTO changes (entity, entity_id, op, version, contract_id, beneficiary_id, placement_id)
        SELECT 'outcome', n.placement_id, op, n.version, p.contract_id, p.beneficiary_id, n.placement_id
        FROM new_rows n JOIN placements p ON p.id = n.placement_id;
    -- Every role reads operations.
    WHEN 'operations' THEN
        INSERT INTO changes (entity, entity_id, op, version)
        SELECT 'operation', n.id, op, n.version FROM new_rows n;
    -- Scoped by their contract (and a proposal by its person).
    WHEN 'offers' THEN
        INSERT INTO changes (entity, entity_id, op, version, contract_id)
        SELECT 'offer', n.id, op, n.version, n.contract_id FROM new_rows n;
    WHEN 'proposals' THEN
        INSERT INTO changes (entity, entity_id, op, version, contract_id, beneficiary_id)
        SELECT 'proposal', n.id, op, n.version, o.contract_id, n.beneficiary_id
        FROM new_rows n JOIN offers o ON o.id = n.offer_id;
    -- A contract's orders, amendments and issued reports (their tables and
    -- triggers come with the contract's life): scoped by it.
    WHEN 'contract_orders' THEN
        INSERT INTO changes (entity, entity_id, op, version, contract_id)
        SELECT 'order', n.id, op, n.version, n.contract_id FROM new_rows n;
    WHEN 'contract_amendments' THEN
        INSERT INTO changes (entity, entity_id, op, version, contract_id)
        SELECT 'amendment', n.id, op, n.version, n.contract_id FROM new_rows n;
    WHEN 'contract_reports' THEN
        INSERT INTO changes (entity, entity_id, op, version, contract_id)
        SELECT 'report', n.id, op, n.version, n.contract_id FROM new_rows n;
    END CASE;
    RETURN NULL;
END $$;

CREATE TRIGGER contracts_changes_insert AFTER INSERT ON contracts REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION record_change();
CREATE TRIGGER contracts_changes_update AFTER UPDATE ON contracts REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION record_change();
CREATE TRIGGER beneficiaries_changes_insert AFTER INSERT ON beneficiaries REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION record_change();
CREATE TRIGGER beneficiaries_changes_update AFTER UPDATE ON beneficiaries REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION record_change();
CREATE TRIGGER placements_changes_insert AFTER INSERT ON placements REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION record_change();
CREATE TRIGGER placements_changes_update AFTER UPDATE ON placements REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION record_change();
CREATE TRIGGER monthly_hours_changes_insert AFTER INSERT ON monthly_hours REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION record_change();
CREATE TRIGGER monthly_hours_changes_update AFTER UPDATE ON monthly_hours REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION record_change();
CREATE TRIGGER outcomes_changes_insert AFTER INSERT ON outcomes REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION record_change();
CREATE TRIGGER outcomes_changes_update AFTER UPDATE ON outcomes REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION record_change();
CREATE TRIGGER operations_changes_insert AFTER INSERT ON operations REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION record_change();
CREATE TRIGGER operations_changes_update AFTER UPDATE ON operations REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION record_change();
CREATE TRIGGER offers_changes_insert AFTER INSERT ON offers REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION record_change();
CREATE TRIGGER offers_changes_update AFTER UPDATE ON offers REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION record_change();
CREATE TRIGGER proposals_changes_insert AFTER INSERT ON proposals REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION record_change();
CREATE TRIGGER proposals_changes_update AFTER UPDATE ON proposals REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION record_change();
