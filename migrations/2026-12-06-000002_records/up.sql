-- The clause's records: organisations, operations, contracts, people,
-- placements, their monthly hours and outcomes, offers and proposals, the
-- published years, the DECP records contracts came from, and who saw or
-- changed a person's data. The CHECKs repeat the API's rules, so a bug in the service cannot
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
    -- The observatories' type of buyer.
    buyer_category  text CHECK (buyer_category IN (
                      'municipality', 'intermunicipality', 'department', 'region', 'state', 'hospital',
                      'social_landlord', 'public_body', 'semi_public_company', 'private_company', 'other')),
    CONSTRAINT organisations_siret_key UNIQUE (siret),
    CONSTRAINT organisations_identifier_pair CHECK ((identifier_type IS NULL) = (identifier IS NULL)),
    CONSTRAINT organisations_siae_company CHECK (siae_type IS NULL OR kind = 'company'),
    CONSTRAINT organisations_buyer_category_kind CHECK (buyer_category IS NULL OR kind IN ('buyer', 'department'))
);

-- Urban-renewal (and other) operations that contracts belong to.
CREATE TABLE operations (
    id           uuid PRIMARY KEY,
    name         text NOT NULL CHECK (length(btrim(name)) BETWEEN 1 AND 200),
    programme    text NOT NULL CHECK (programme IN ('npnru', 'pnru', 'other')),
    qpv_codes    text[] NOT NULL DEFAULT '{}' CHECK (qpv_codes_valid(qpv_codes) AND cardinality(qpv_codes) <= 100),
    start_date   date NOT NULL,
    end_date     date,
    target_hours numeric(12, 2) CHECK (target_hours >= 0),
    version      integer NOT NULL DEFAULT 1 CHECK (version >= 1),
    created_at   timestamptz NOT NULL DEFAULT now(),
    updated_at   timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT operations_dates CHECK (end_date IS NULL OR end_date >= start_date)
);
-- Names are unique whatever their case: "Tarterêts" and "TARTERÊTS" are one operation.
CREATE UNIQUE INDEX operations_name_key ON operations (lower(name));

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
    -- The operation's name is the text of `operation` (the service writes
    -- both in one statement); a contract with only a text keeps it.
    operation_id      uuid REFERENCES operations (id),
    cpv_code          text CHECK (
                        cpv_code ~ '^[0-9]{8}$'
                        AND (substr(cpv_code, 1, 2)::int BETWEEN 3 AND 45 OR substr(cpv_code, 1, 2)::int BETWEEN 48 AND 98)),
    market_nature     text CHECK (market_nature IN ('works', 'supplies', 'services')),
    -- Whether market_nature was given (kept through CPV changes) or
    -- derived from the CPV division (follows it).
    market_nature_given boolean NOT NULL DEFAULT false,
    CONSTRAINT contracts_dates CHECK (end_date >= start_date),
    CONSTRAINT contracts_buyer_reference_key UNIQUE (buyer_id, reference)
);

-- A person. Erasure (models::beneficiary::erase) keeps the row and
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

-- What became of a person after a placement (API.md, "Outcomes"): one
-- outcome per ended placement, and its follow-up six months on. Codes, not
-- identity: erasure keeps them.
CREATE TABLE outcomes (
    placement_id          uuid PRIMARY KEY REFERENCES placements (id),
    situation             text NOT NULL CHECK (situation IN (
                            'permanent_job', 'fixed_term_6_months_plus', 'business_creation',
                            'fixed_term_short', 'subsidised_job', 'other_siae', 'qualifying_training',
                            'other_training', 'job_seeking', 'inactive', 'unknown')),
    qualification_gained  boolean NOT NULL DEFAULT false,
    follow_up_situation   text CHECK (follow_up_situation IN (
                            'permanent_job', 'fixed_term_6_months_plus', 'business_creation',
                            'fixed_term_short', 'subsidised_job', 'other_siae', 'qualifying_training',
                            'other_training', 'job_seeking', 'inactive', 'unknown')),
    follow_up_observed_on date,
    version               integer NOT NULL DEFAULT 1 CHECK (version >= 1),
    created_at            timestamptz NOT NULL DEFAULT now(),
    updated_at            timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT outcomes_follow_up CHECK ((follow_up_situation IS NULL) = (follow_up_observed_on IS NULL))
);

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
CREATE INDEX operations_paging ON operations (created_at, id);
CREATE INDEX operations_updated ON operations (updated_at, id);

-- Filters and the access rules' joins.
CREATE INDEX organisations_kind ON organisations (kind);
CREATE INDEX organisations_identifier ON organisations (identifier_type, identifier);
CREATE INDEX contracts_holder ON contracts (holder_id);
CREATE INDEX contracts_operation ON contracts (operation);
CREATE INDEX contracts_operation_id ON contracts (operation_id);
CREATE INDEX contracts_market_nature ON contracts (market_nature);
CREATE INDEX contracts_cpv_division ON contracts (substr(cpv_code, 1, 2));
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

-- The facilitator's worklist reads the months of one status in paging
-- order (GET /api/v1/hours?status=declared): one index answers the first
-- page of a million months without a scan.
CREATE INDEX monthly_hours_status_paging ON monthly_hours (status, created_at, id);

-- An operation's fulfilment reads its people's QPV from the index alone.
CREATE UNIQUE INDEX beneficiaries_qpv ON beneficiaries (id) INCLUDE (qpv_code, qpv_resident);

-- Personal data: who saw or changed a person's data, the QPV fact that
-- outlives the QPV code, and a person's age once the birth date is erased.

-- The access trail. Append-only in the database itself: privileges do not
-- bind the table's owner, a trigger does.
CREATE TABLE access_trail (
    id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at             timestamptz NOT NULL DEFAULT clock_timestamp(),
    sub            text NOT NULL,
    role           text NOT NULL,
    org            uuid,
    action         text NOT NULL CHECK (action IN ('read', 'create', 'update', 'export', 'erase')),
    beneficiary_id uuid NOT NULL REFERENCES beneficiaries (id),
    request_id     text NOT NULL
);
CREATE INDEX access_trail_beneficiary ON access_trail (beneficiary_id, id);

CREATE FUNCTION access_trail_append_only() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the access trail is append-only: % is refused', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END $$;

CREATE TRIGGER access_trail_no_update BEFORE UPDATE OR DELETE ON access_trail
    FOR EACH ROW EXECUTE FUNCTION access_trail_append_only();
CREATE TRIGGER access_trail_no_truncate BEFORE TRUNCATE ON access_trail
    FOR EACH STATEMENT EXECUTE FUNCTION access_trail_append_only();

-- While a person has an identity, the QPV fact follows the QPV code;
-- erasure clears the code and keeps the fact.
CREATE FUNCTION beneficiaries_qpv_fact() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.erased_at IS NULL THEN
        NEW.qpv_resident := NEW.qpv_code IS NOT NULL;
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER beneficiaries_qpv_fact BEFORE INSERT OR UPDATE ON beneficiaries
    FOR EACH ROW EXECUTE FUNCTION beneficiaries_qpv_fact();

-- An erased person's age on a day, from the facts erasure kept (the
-- figures only ever ask for 1 January or the first day of a placement).
CREATE FUNCTION erased_person_age(p_person uuid, p_day date) RETURNS integer
LANGUAGE sql STABLE AS $$
    SELECT CASE
        WHEN extract(doy FROM p_day) = 1 THEN b.age_jan1_2000 + extract(year FROM p_day)::int - 2000
        ELSE (SELECT min(pl.age_at_start) FROM placements pl WHERE pl.beneficiary_id = p_person AND pl.start_date = p_day)
    END
    FROM beneficiaries b WHERE b.id = p_person
$$;

-- A person's age on a day: from the birth date while there is one (the
-- common case, inlined by the planner), else from the kept facts. Every
-- statement that needs an age calls this, passing the row's birth date.
CREATE FUNCTION person_age(p_person uuid, p_birth date, p_day date) RETURNS integer
LANGUAGE sql STABLE AS $$
    SELECT CASE WHEN p_birth IS NOT NULL THEN age_on(p_birth, p_day) ELSE erased_person_age(p_person, p_day) END
$$;
