-- Contracts, beneficiaries, placements and monthly hours. The constraints
-- repeat the rules the API enforces, so a bug cannot store impossible data.

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
CREATE INDEX contracts_paging ON contracts (created_at, id);
CREATE INDEX contracts_holder ON contracts (holder_id);
CREATE INDEX contracts_operation ON contracts (operation);

CREATE TABLE beneficiaries (
    id                  uuid PRIMARY KEY,
    last_name           text NOT NULL CHECK (length(btrim(last_name)) BETWEEN 1 AND 100),
    first_name          text NOT NULL CHECK (length(btrim(first_name)) BETWEEN 1 AND 100),
    sex                 text NOT NULL CHECK (sex IN ('F', 'M')),
    birth_date          date NOT NULL,
    postal_code         text NOT NULL CHECK (postal_code ~ '^[0-9]{5}$'),
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
    CONSTRAINT beneficiaries_other_reason CHECK (
        NOT ('other_validated' = ANY (eligibility)) OR eligibility_reason IS NOT NULL)
);
CREATE INDEX beneficiaries_paging ON beneficiaries (created_at, id);
CREATE INDEX beneficiaries_referent ON beneficiaries (referent_id);
CREATE INDEX beneficiaries_last_name ON beneficiaries (lower(last_name) text_pattern_ops);

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
    CONSTRAINT placements_dates CHECK (end_date IS NULL OR end_date >= start_date)
);
CREATE INDEX placements_paging ON placements (created_at, id);
CREATE INDEX placements_contract ON placements (contract_id);
CREATE INDEX placements_beneficiary ON placements (beneficiary_id);
CREATE INDEX placements_employer ON placements (employer_id);
CREATE INDEX placements_start ON placements (start_date);

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
CREATE INDEX monthly_hours_month ON monthly_hours (month) INCLUDE (placement_id, worked_hours, training_hours) WHERE status = 'validated';
