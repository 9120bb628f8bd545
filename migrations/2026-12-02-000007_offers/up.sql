-- Jobs to fill on a contract (offers), published for the network's web
-- sites, and the people proposed on them (proposals), whose hire becomes a
-- placement.

CREATE TABLE offers (
    id             uuid PRIMARY KEY,
    contract_id    uuid NOT NULL REFERENCES contracts (id),
    employer_id    uuid NOT NULL REFERENCES organisations (id),
    job_title      text NOT NULL CHECK (length(btrim(job_title)) BETWEEN 1 AND 200),
    contract_type  text NOT NULL CHECK (contract_type IN
                     ('cdi', 'cdd', 'cddi', 'temporary', 'apprenticeship', 'professionalisation', 'other')),
    hours_per_week numeric(5, 2) NOT NULL CHECK (hours_per_week > 0 AND hours_per_week <= 48),
    positions      integer NOT NULL CHECK (positions BETWEEN 1 AND 10000),
    start_date     date NOT NULL,
    end_date       date,
    postal_code    text NOT NULL CHECK (postal_code ~ '^[0-9]{5}$'),
    description    text CHECK (length(description) <= 4000),
    qpv_priority   boolean NOT NULL DEFAULT false,
    external_url   text CHECK (external_url ~ '^https://' AND length(external_url) <= 2000),
    status         text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'filled', 'closed')),
    -- Hires so far: never more than the positions (the hire's UPDATE
    -- checks it under the row lock, and so does this CHECK).
    hired          integer NOT NULL DEFAULT 0,
    version        integer NOT NULL DEFAULT 1 CHECK (version >= 1),
    created_at     timestamptz NOT NULL DEFAULT now(),
    updated_at     timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT offers_dates CHECK (end_date IS NULL OR end_date >= start_date),
    CONSTRAINT offers_hired CHECK (hired >= 0 AND hired <= positions)
);
CREATE INDEX offers_paging ON offers (created_at, id);
CREATE INDEX offers_updated ON offers (updated_at, id);
CREATE INDEX offers_contract ON offers (contract_id);
CREATE INDEX offers_employer ON offers (employer_id);
CREATE INDEX offers_open ON offers (created_at, id) WHERE status = 'open';

CREATE TABLE proposals (
    id             uuid PRIMARY KEY,
    offer_id       uuid NOT NULL REFERENCES offers (id),
    beneficiary_id uuid NOT NULL REFERENCES beneficiaries (id),
    note           text CHECK (length(note) <= 2000),
    status         text NOT NULL DEFAULT 'proposed'
                   CHECK (status IN ('proposed', 'interview', 'hired', 'declined', 'withdrawn')),
    reason         text CHECK (length(reason) BETWEEN 1 AND 1000),
    -- Who proposed: the token's subject, role and organisation.
    proposed_by    text NOT NULL,
    proposer_role  text NOT NULL,
    proposer_org   uuid,
    placement_id   uuid REFERENCES placements (id),
    version        integer NOT NULL DEFAULT 1 CHECK (version >= 1),
    created_at     timestamptz NOT NULL DEFAULT now(),
    updated_at     timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT proposals_offer_person_key UNIQUE (offer_id, beneficiary_id),
    CONSTRAINT proposals_declined_reason CHECK (status <> 'declined' OR reason IS NOT NULL),
    CONSTRAINT proposals_hired_placement CHECK ((status = 'hired') = (placement_id IS NOT NULL))
);
CREATE INDEX proposals_paging ON proposals (offer_id, created_at, id);
CREATE INDEX proposals_beneficiary ON proposals (beneficiary_id);

-- Offers and proposals enter the change feed, scoped by their contract
-- (and a proposal by its person).
ALTER TABLE changes DROP CONSTRAINT changes_entity_check;
ALTER TABLE changes ADD CONSTRAINT changes_entity_check
    CHECK (entity IN ('contract', 'beneficiary', 'placement', 'hours', 'outcome', 'operation', 'offer', 'proposal'));

CREATE FUNCTION record_offer_change() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    op text := CASE TG_OP WHEN 'INSERT' THEN 'create' ELSE 'update' END;
BEGIN
    IF TG_TABLE_NAME = 'offers' THEN
        INSERT INTO changes (entity, entity_id, op, version, contract_id)
        SELECT 'offer', n.id, op, n.version, n.contract_id FROM new_rows n;
    ELSE
        INSERT INTO changes (entity, entity_id, op, version, contract_id, beneficiary_id)
        SELECT 'proposal', n.id, op, n.version, o.contract_id, n.beneficiary_id
        FROM new_rows n JOIN offers o ON o.id = n.offer_id;
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER offers_changes_insert AFTER INSERT ON offers REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION record_offer_change();
CREATE TRIGGER offers_changes_update AFTER UPDATE ON offers REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION record_offer_change();
CREATE TRIGGER proposals_changes_insert AFTER INSERT ON proposals REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION record_offer_change();
CREATE TRIGGER proposals_changes_update AFTER UPDATE ON proposals REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION record_offer_change();
