-- Territories: several facilitators on one deployment (API.md,
-- "Territories"). Every deployment has at least one: this migration makes
-- it and puts every existing row in it, so a deployment that never creates
-- a second one answers exactly as before.
CREATE TABLE territories (
    id            uuid PRIMARY KEY,
    name          text NOT NULL CHECK (length(btrim(name)) BETWEEN 1 AND 200),
    -- The Département that reads this territory's figures (the service
    -- checks the organisation is of kind `department`).
    department_id uuid REFERENCES organisations (id),
    -- Postal-code prefixes the territory covers, for the record: rows are
    -- placed by who creates them, never guessed from an address.
    postal_codes  text[] NOT NULL DEFAULT '{}' CHECK (
                    cardinality(postal_codes) <= 500
                    AND array_to_string(postal_codes, ',') ~ '^([0-9]{1,5}(,[0-9]{1,5})*)?$'),
    version       integer NOT NULL DEFAULT 1 CHECK (version >= 1),
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX territories_name_key ON territories (lower(name));
CREATE INDEX territories_department ON territories (department_id);

INSERT INTO territories (id, name) VALUES (gen_random_uuid(), 'Territoire');

-- A facilitator's organisation works inside one territory; no other kind
-- has one.
ALTER TABLE organisations ADD COLUMN territory_id uuid REFERENCES territories (id);
ALTER TABLE organisations ADD CONSTRAINT organisations_territory_kind
    CHECK (territory_id IS NULL OR kind = 'facilitator');
UPDATE organisations SET territory_id = (SELECT id FROM territories) WHERE kind = 'facilitator';
CREATE INDEX organisations_territory ON organisations (territory_id) WHERE territory_id IS NOT NULL;

-- What a territory owns; placements, hours, outcomes, proposals, orders,
-- amendments and reports follow their contract.
ALTER TABLE contracts ADD COLUMN territory_id uuid REFERENCES territories (id);
ALTER TABLE operations ADD COLUMN territory_id uuid REFERENCES territories (id);
ALTER TABLE offers ADD COLUMN territory_id uuid REFERENCES territories (id);
ALTER TABLE beneficiaries ADD COLUMN territory_id uuid REFERENCES territories (id);
UPDATE contracts SET territory_id = (SELECT id FROM territories);
UPDATE operations SET territory_id = (SELECT id FROM territories);
UPDATE offers SET territory_id = (SELECT id FROM territories);
UPDATE beneficiaries SET territory_id = (SELECT id FROM territories);
ALTER TABLE contracts ALTER COLUMN territory_id SET NOT NULL;
ALTER TABLE operations ALTER COLUMN territory_id SET NOT NULL;
ALTER TABLE offers ALTER COLUMN territory_id SET NOT NULL;
ALTER TABLE beneficiaries ALTER COLUMN territory_id SET NOT NULL;
CREATE INDEX contracts_territory ON contracts (territory_id);
CREATE INDEX operations_territory ON operations (territory_id);
CREATE INDEX offers_territory ON offers (territory_id);
CREATE INDEX beneficiaries_territory ON beneficiaries (territory_id);

-- Two facilitators may each name an operation "Centre-ville"; a source
-- tool's ids are its territory's.
DROP INDEX operations_name_key;
CREATE UNIQUE INDEX operations_name_key ON operations (territory_id, lower(name));
DROP INDEX beneficiaries_external_ref_key;
CREATE UNIQUE INDEX beneficiaries_external_ref_key ON beneficiaries (territory_id, external_ref)
    WHERE external_ref IS NOT NULL;

-- A year is published for the whole deployment (territory_id NULL) or for
-- one territory, each once: two partial keys, since NULLs are distinct in
-- a plain one.
ALTER TABLE publications ADD COLUMN territory_id uuid REFERENCES territories (id);
ALTER TABLE publications DROP CONSTRAINT publications_pkey;
CREATE UNIQUE INDEX publications_year_key ON publications (year) WHERE territory_id IS NULL;
CREATE UNIQUE INDEX publications_year_territory_key ON publications (year, territory_id)
    WHERE territory_id IS NOT NULL;
