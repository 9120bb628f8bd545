-- The clause's records: organisations, contracts, people, placements, their
-- monthly hours, the published years and the DECP records contracts came
-- from. The CHECKs repeat the API's rules, so a bug in the service cannot
-- store what the API would refuse, and every code column holds only the
-- codes the service reads back (db/codes.rs fails loudly on any other).

-- Buyers, holders and employers, the PLIE, the Département, State
-- services, the facilitator.
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

CREATE TABLE contracts (
    id                uuid PRIMARY KEY,
    buyer_id          uuid NOT NULL REFERENCES organisations (id),
    holder_id         uuid NOT NULL REFERENCES organisations (id),
    reference         text NOT NULL CHECK (length(btrim(reference)) BETWEEN 1 AND 100),
    title             text NOT NULL CHECK (length(btrim(title)) BETWEEN 1 AND 500),
    operation         text CHECK (length(btrim(operation)) BETWEEN 1 AND 200),
    clause_type       text NOT NULL CHECK (clause_type IN
                        ('execution_condition', 'award_criterion', 'reserved_market', 'insertion_contract')),
    start_date        date NOT NULL,
    end_date          date NOT NULL,
    amount_excl_tax   numeric(16, 2) CHECK (amount_excl_tax >= 0),
    labour_share      numeric(5, 4) CHECK (labour_share > 0 AND labour_share <= 1),
    insertion_rate    numeric(5, 4) CHECK (insertion_rate > 0 AND insertion_rate <= 1),
    hourly_cost       numeric(10, 2) CHECK (hourly_cost > 0),
    commitment_hours  numeric(12, 2) NOT NULL CHECK (commitment_hours >= 0),
    commitment_source text NOT NULL CHECK (commitment_source IN ('given', 'computed', 'estimated', 'confirmed')),
    version           integer NOT NULL DEFAULT 1 CHECK (version >= 1),
    created_at        timestamptz NOT NULL DEFAULT now(),
    updated_at        timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT contracts_dates CHECK (end_date >= start_date),
    CONSTRAINT contracts_buyer_reference_key UNIQUE (buyer_id, reference)
);

-- A person. Erasure (see the personal-data migration) keeps the row and
-- the facts the figures need, and clears the identity: hence the nullable
-- names, birth date and postal code, bound by beneficiaries_identity.
CREATE TABLE beneficiaries (
    id                  uuid PRIMARY KEY,
    last_name           text CHECK (length(btrim(last_name)) BETWEEN 1 AND 100),
    first_name          text CHECK (length(btrim(first_name)) BETWEEN 1 AND 100),
    sex                 text NOT NULL CHECK (sex IN ('F', 'M')),
    birth_date          date,
    postal_code         text CHECK (postal_code ~ '^[0-9]{5}$'),
    qpv_code            text CHECK (qpv_code ~ '^(QN[0-9]{5}[A-Z]|QP[0-9]{6})$'),
    qualification_level text CHECK (qualification_level IN ('infra_3', '3', '4', '5', '6', '7', '8')),
    eligibility         text[] NOT NULL CHECK (
                          cardinality(eligibility) >= 1 AND eligibility <@ ARRAY[
                            'long_term_unemployed', 'rsa', 'ass', 'aah', 'disabled_worker',
                            'young_low_qualified', 'young_under_26', 'senior_50_plus', 'iae_pathway',
                            'geiq_pathway', 'plie_participant', 'second_chance', 'refugee',
                            'other_validated']::text[]),
    eligibility_reason  text CHECK (length(eligibility_reason) <= 1000),
    referent_id         uuid REFERENCES organisations (id),
    version             integer NOT NULL DEFAULT 1 CHECK (version >= 1),
    created_at          timestamptz NOT NULL DEFAULT now(),
    updated_at          timestamptz NOT NULL DEFAULT now(),
    -- What erasure keeps: when it happened, whether the person lived in a
    -- QPV, and their age on 1 January 2000 (ages on 1 January follow).
    erased_at           timestamptz,
    qpv_resident        boolean NOT NULL DEFAULT false,
    age_jan1_2000       integer,
    CONSTRAINT beneficiaries_identity CHECK (
        erased_at IS NOT NULL
        OR (last_name IS NOT NULL AND first_name IS NOT NULL AND birth_date IS NOT NULL AND postal_code IS NOT NULL)),
    CONSTRAINT beneficiaries_erased CHECK (
        erased_at IS NULL
        OR (last_name IS NULL AND first_name IS NULL AND birth_date IS NULL AND postal_code IS NULL
            AND qpv_code IS NULL AND eligibility_reason IS NULL AND age_jan1_2000 IS NOT NULL)),
    CONSTRAINT beneficiaries_other_reason CHECK (
        erased_at IS NOT NULL OR NOT ('other_validated' = ANY (eligibility)) OR eligibility_reason IS NOT NULL)
);

CREATE TABLE placements (
    id             uuid PRIMARY KEY,
    beneficiary_id uuid NOT NULL REFERENCES beneficiaries (id),
    contract_id    uuid NOT NULL REFERENCES contracts (id),
    employer_id    uuid NOT NULL REFERENCES organisations (id),
    modality       text NOT NULL CHECK (modality IN (
                     'direct_permanent', 'direct_fixed_term', 'apprenticeship', 'professionalisation',
                     'temporary_work', 'integration_temporary_work', 'intermediary_association',
                     'geiq', 'siae_subcontracting', 'training')),
    job_title      text NOT NULL CHECK (length(btrim(job_title)) BETWEEN 1 AND 200),
    start_date     date NOT NULL,
    end_date       date,
    weekly_hours   numeric(5, 2) CHECK (weekly_hours > 0 AND weekly_hours <= 48),
    version        integer NOT NULL DEFAULT 1 CHECK (version >= 1),
    created_at     timestamptz NOT NULL DEFAULT now(),
    updated_at     timestamptz NOT NULL DEFAULT now(),
    -- Set when the person is erased: the age on the first day, which the
    -- figures still need once the birth date is gone.
    age_at_start   integer,
    CONSTRAINT placements_dates CHECK (end_date IS NULL OR end_date >= start_date)
);

CREATE TABLE monthly_hours (
    id              uuid PRIMARY KEY,
    placement_id    uuid NOT NULL REFERENCES placements (id),
    month           date NOT NULL CHECK (extract(day FROM month) = 1),
    worked_hours    numeric(7, 2) NOT NULL CHECK (worked_hours >= 0),
    training_hours  numeric(7, 2) NOT NULL DEFAULT 0 CHECK (training_hours >= 0),
    status          text NOT NULL CHECK (status IN ('declared', 'validated', 'rejected')),
    reason          text CHECK (length(reason) BETWEEN 1 AND 1000),
    declared_by     text NOT NULL,
    declared_role   text NOT NULL,
    decided_by      text,
    decided_at      timestamptz,
    version         integer NOT NULL DEFAULT 1 CHECK (version >= 1),
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT monthly_hours_placement_month_key UNIQUE (placement_id, month),
    CONSTRAINT monthly_hours_reject_reason CHECK (status <> 'rejected' OR reason IS NOT NULL)
);

-- A published year: a snapshot of the territory's key figures, served
-- without a token until the facilitator publishes the year again.
CREATE TABLE publications (
    year         integer PRIMARY KEY CHECK (year BETWEEN 1990 AND 2100),
    figures      jsonb NOT NULL,
    published_by text NOT NULL,
    version      integer NOT NULL DEFAULT 1 CHECK (version >= 1),
    created_at   timestamptz NOT NULL DEFAULT now(),
    updated_at   timestamptz NOT NULL DEFAULT now()
);

-- The published record a contract was imported from, kept as received.
CREATE TABLE decp_records (
    contract_id uuid PRIMARY KEY REFERENCES contracts (id),
    raw         jsonb NOT NULL,
    imported_at timestamptz NOT NULL DEFAULT now()
);

-- A retried request with the same Idempotency-Key gets the first answer.
CREATE TABLE idempotency_keys (
    principal    text NOT NULL,
    key          text NOT NULL CHECK (length(key) BETWEEN 1 AND 255),
    request_hash text NOT NULL,
    response     text,
    created_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (principal, key)
);

-- Lists page on (created_at, id), newest last and stable under inserts;
-- `updated_since` pages on (updated_at, id).
CREATE INDEX organisations_paging ON organisations (created_at, id);
CREATE INDEX organisations_updated ON organisations (updated_at, id);
CREATE INDEX contracts_paging ON contracts (created_at, id);
CREATE INDEX contracts_updated ON contracts (updated_at, id);
CREATE INDEX beneficiaries_paging ON beneficiaries (created_at, id);
CREATE INDEX beneficiaries_updated ON beneficiaries (updated_at, id);
CREATE INDEX placements_paging ON placements (created_at, id);
CREATE INDEX placements_updated ON placements (updated_at, id);
CREATE INDEX monthly_hours_updated ON monthly_hours (updated_at, id);

-- Filters and the access rules' joins.
CREATE INDEX organisations_kind ON organisations (kind);
CREATE INDEX organisations_identifier ON organisations (identifier_type, identifier);
CREATE INDEX contracts_holder ON contracts (holder_id);
CREATE INDEX contracts_operation ON contracts (operation);
CREATE INDEX beneficiaries_referent ON beneficiaries (referent_id);
CREATE INDEX beneficiaries_last_name ON beneficiaries (lower(last_name) text_pattern_ops);
CREATE INDEX placements_contract ON placements (contract_id);
CREATE INDEX placements_beneficiary ON placements (beneficiary_id);
CREATE INDEX placements_employer ON placements (employer_id);

-- The key figures: placements active in a period, and validated months.
CREATE INDEX placements_start ON placements (start_date) INCLUDE (contract_id);
CREATE INDEX placements_open ON placements (start_date) WHERE end_date IS NULL;
CREATE INDEX monthly_hours_month ON monthly_hours (month) INCLUDE (placement_id, worked_hours, training_hours)
    WHERE status = 'validated';
