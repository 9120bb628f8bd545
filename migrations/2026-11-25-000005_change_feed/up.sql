-- The change feed. A sequence alone cannot give partners every change
-- exactly once: numbers are taken before commit, so a reader can pass a
-- slow transaction's change. Each change records its transaction id, and
-- readers are served only changes of transactions older than the oldest
-- one still running (pg_snapshot_xmin of their snapshot): those can no
-- longer gain rows. Order is (xid, seq), a total order that never gains a
-- row below a served cursor.
CREATE TABLE changes (
    seq            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    xid            xid8 NOT NULL DEFAULT pg_current_xact_id(),
    entity         text NOT NULL CHECK (entity IN ('contract', 'beneficiary', 'placement', 'hours')),
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
    IF TG_TABLE_NAME = 'contracts' THEN
        INSERT INTO changes (entity, entity_id, op, version, contract_id)
        SELECT 'contract', n.id, op, n.version, n.id FROM new_rows n;
    ELSIF TG_TABLE_NAME = 'beneficiaries' THEN
        INSERT INTO changes (entity, entity_id, op, version, beneficiary_id)
        SELECT 'beneficiary', n.id, op, n.version, n.id FROM new_rows n;
    ELSIF TG_TABLE_NAME = 'placements' THEN
        INSERT INTO changes (entity, entity_id, op, version, contract_id, beneficiary_id, placement_id)
        SELECT 'placement', n.id, op, n.version, n.contract_id, n.beneficiary_id, n.id FROM new_rows n;
    ELSE
        INSERT INTO changes (entity, entity_id, op, version, contract_id, beneficiary_id, placement_id)
        SELECT 'hours', n.id, op, n.version, p.contract_id, p.beneficiary_id, n.placement_id
        FROM new_rows n JOIN placements p ON p.id = n.placement_id;
    END IF;
    RETURN NULL;
END $$;

-- Statement-level with transition tables: one INSERT per statement, not
-- per row, so a 10,000-line statement stays cheap.
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

-- Lists can follow updates: `updated_since` pages on (updated_at, id).
CREATE INDEX organisations_updated ON organisations (updated_at, id);
CREATE INDEX contracts_updated ON contracts (updated_at, id);
CREATE INDEX beneficiaries_updated ON beneficiaries (updated_at, id);
CREATE INDEX placements_updated ON placements (updated_at, id);
CREATE INDEX monthly_hours_updated ON monthly_hours (updated_at, id);

-- Existing rows enter the feed as created.
INSERT INTO changes (entity, entity_id, op, version, contract_id)
SELECT 'contract', id, 'create', version, id FROM contracts ORDER BY created_at, id;
INSERT INTO changes (entity, entity_id, op, version, beneficiary_id)
SELECT 'beneficiary', id, 'create', version, id FROM beneficiaries ORDER BY created_at, id;
INSERT INTO changes (entity, entity_id, op, version, contract_id, beneficiary_id, placement_id)
SELECT 'placement', id, 'create', version, contract_id, beneficiary_id, id FROM placements ORDER BY created_at, id;
INSERT INTO changes (entity, entity_id, op, version, contract_id, beneficiary_id, placement_id)
SELECT 'hours', h.id, 'create', h.version, p.contract_id, p.beneficiary_id, h.placement_id
FROM monthly_hours h JOIN placements p ON p.id = h.placement_id ORDER BY h.created_at, h.id;
