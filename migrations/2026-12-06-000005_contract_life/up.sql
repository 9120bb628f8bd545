-- A contract's life (issue 27). The contract's columns keep the values
-- it has with every recorded amendment and order applied; `initial_*`
-- keep them as signed, which is what amendments and orders apply to
-- (domain::standing::as_of), so that any day's values can be derived.
ALTER TABLE contracts
    ADD COLUMN pricing text NOT NULL DEFAULT 'lump_sum' CHECK (pricing IN ('lump_sum', 'orders')),
    ADD COLUMN max_amount_excl_tax numeric(16, 2) CHECK (max_amount_excl_tax >= 0),
    ADD COLUMN initial_amount_excl_tax numeric(16, 2) CHECK (initial_amount_excl_tax >= 0),
    ADD COLUMN initial_end_date date,
    ADD COLUMN initial_commitment_hours numeric(12, 2) CHECK (initial_commitment_hours >= 0),
    ADD COLUMN initial_commitment_source text
        CHECK (initial_commitment_source IN ('given', 'computed', 'estimated', 'confirmed')),
    ADD COLUMN penalty_per_missing_hour numeric(12, 2) CHECK (penalty_per_missing_hour >= 0),
    ADD COLUMN penalty_cap_rate numeric(5, 4) CHECK (penalty_cap_rate >= 0 AND penalty_cap_rate <= 1),
    ADD COLUMN report_due_on date,
    -- How many amendments the current values have (contract reads show it).
    ADD COLUMN amendments integer NOT NULL DEFAULT 0 CHECK (amendments >= 0);

UPDATE contracts SET initial_amount_excl_tax = amount_excl_tax, initial_end_date = end_date,
                     initial_commitment_hours = commitment_hours, initial_commitment_source = commitment_source;
ALTER TABLE contracts
    ALTER COLUMN initial_end_date SET NOT NULL,
    ALTER COLUMN initial_commitment_hours SET NOT NULL,
    ALTER COLUMN initial_commitment_source SET NOT NULL,
    ADD CONSTRAINT contracts_initial_dates CHECK (initial_end_date >= start_date);

-- A contract written without its signed values (by SQL, the demo data,
-- a bench) was signed as it is.
CREATE FUNCTION contracts_signed_as_written() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    NEW.initial_end_date := coalesce(NEW.initial_end_date, NEW.end_date);
    NEW.initial_commitment_hours := coalesce(NEW.initial_commitment_hours, NEW.commitment_hours);
    NEW.initial_commitment_source := coalesce(NEW.initial_commitment_source, NEW.commitment_source);
    IF NEW.initial_amount_excl_tax IS NULL AND NEW.pricing = 'lump_sum' THEN
        NEW.initial_amount_excl_tax := NEW.amount_excl_tax;
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER contracts_signed_as_written BEFORE INSERT ON contracts
    FOR EACH ROW EXECUTE FUNCTION contracts_signed_as_written();

-- Amendments (avenants): never changed, a wrong one is corrected by another.
CREATE TABLE contract_amendments (
    id               uuid PRIMARY KEY,
    contract_id      uuid NOT NULL REFERENCES contracts (id),
    reference        text NOT NULL CHECK (length(btrim(reference)) BETWEEN 1 AND 200),
    signed_on        date NOT NULL,
    reason           text CHECK (length(btrim(reason)) BETWEEN 1 AND 2000),
    amount_excl_tax  numeric(16, 2) CHECK (amount_excl_tax >= 0),
    end_date         date,
    commitment_hours numeric(12, 2) CHECK (commitment_hours >= 0),
    -- The order of amendments signed the same day.
    seq              bigint GENERATED ALWAYS AS IDENTITY,
    version          integer NOT NULL DEFAULT 1 CHECK (version = 1),
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT contract_amendments_value CHECK (
        amount_excl_tax IS NOT NULL OR end_date IS NOT NULL OR commitment_hours IS NOT NULL),
    CONSTRAINT contract_amendments_reference_key UNIQUE (contract_id, reference)
);
CREATE INDEX contract_amendments_contract ON contract_amendments (contract_id, signed_on, seq);
CREATE INDEX contract_amendments_paging ON contract_amendments (created_at, id);

-- Orders (bons de commande) under a framework agreement.
CREATE TABLE contract_orders (
    id                uuid PRIMARY KEY,
    contract_id       uuid NOT NULL REFERENCES contracts (id),
    reference         text NOT NULL CHECK (length(btrim(reference)) BETWEEN 1 AND 100),
    ordered_on        date NOT NULL,
    start_date        date NOT NULL,
    end_date          date NOT NULL,
    amount_excl_tax   numeric(16, 2) NOT NULL CHECK (amount_excl_tax >= 0),
    commitment_hours  numeric(12, 2) NOT NULL CHECK (commitment_hours >= 0),
    commitment_source text NOT NULL CHECK (commitment_source IN ('given', 'computed')),
    version           integer NOT NULL DEFAULT 1 CHECK (version >= 1),
    created_at        timestamptz NOT NULL DEFAULT now(),
    updated_at        timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT contract_orders_dates CHECK (end_date >= start_date),
    CONSTRAINT contract_orders_reference_key UNIQUE (contract_id, reference)
);
CREATE INDEX contract_orders_contract ON contract_orders (contract_id, ordered_on);
CREATE INDEX contract_orders_paging ON contract_orders (created_at, id);

-- Issued end-of-contract reports, stored as they were issued.
CREATE TABLE contract_reports (
    id          uuid PRIMARY KEY,
    contract_id uuid NOT NULL REFERENCES contracts (id),
    number      text NOT NULL CHECK (number ~ '^[0-9]{4}-[0-9]{4}$'),
    issued_on   date NOT NULL,
    body        jsonb NOT NULL,
    version     integer NOT NULL DEFAULT 1 CHECK (version = 1),
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT contract_reports_number_key UNIQUE (contract_id, number)
);

-- The facilitator's waiver of a contract's penalty: the holder showed it
-- used every means. Taking it back deletes the row.
CREATE TABLE penalty_waivers (
    contract_id uuid PRIMARY KEY REFERENCES contracts (id),
    reason      text NOT NULL CHECK (length(btrim(reason)) BETWEEN 1 AND 2000),
    waived_at   timestamptz NOT NULL DEFAULT now()
);

-- The change feed follows them: record_change() (the change feed's
-- migration) knows their entities.
CREATE TRIGGER contract_orders_changes_insert AFTER INSERT ON contract_orders REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION record_change();
CREATE TRIGGER contract_orders_changes_update AFTER UPDATE ON contract_orders REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION record_change();
CREATE TRIGGER contract_amendments_changes_insert AFTER INSERT ON contract_amendments REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION record_change();
CREATE TRIGGER contract_reports_changes_insert AFTER INSERT ON contract_reports REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION record_change();
