-- Organisations: buyers, holders and employers, the PLIE, the Département,
-- State services, the facilitator. The CHECKs repeat the API's rules so a bug
-- in the service cannot store what the API would refuse.
CREATE TABLE organisations (
    id              uuid PRIMARY KEY,
    kind            text NOT NULL
                    CHECK (kind IN ('facilitator', 'plie', 'company', 'buyer', 'department', 'state')),
    name            text NOT NULL CHECK (length(btrim(name)) BETWEEN 1 AND 300),
    siret           text CHECK (siret ~ '^[0-9]{14}$'),
    siae_type       text CHECK (siae_type IN ('ei', 'aci', 'ai', 'etti', 'geiq', 'ea', 'esat')),
    -- A holder without a SIRET (foreign company, overseas territory) keeps
    -- the identifier it has: TVA, TAHITI, RIDET, FRWF, IREP, HORS-UE.
    identifier_type text CHECK (identifier_type IN ('TVA', 'TAHITI', 'RIDET', 'FRWF', 'IREP', 'HORS-UE')),
    identifier      text CHECK (length(identifier) BETWEEN 1 AND 64),
    version         integer NOT NULL DEFAULT 1 CHECK (version >= 1),
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT organisations_siret_key UNIQUE (siret),
    CONSTRAINT organisations_identifier_pair CHECK ((identifier_type IS NULL) = (identifier IS NULL)),
    CONSTRAINT organisations_siae_company CHECK (siae_type IS NULL OR kind = 'company')
);

-- Lists page on (created_at, id): newest last, stable under inserts.
CREATE INDEX organisations_paging ON organisations (created_at, id);
CREATE INDEX organisations_kind ON organisations (kind);
