DROP TRIGGER contracts_signed_as_written ON contracts;
DROP FUNCTION contracts_signed_as_written();
DROP TABLE penalty_waivers;
DROP TABLE contract_reports;
DROP TABLE contract_orders;
DROP TABLE contract_amendments;
DELETE FROM changes WHERE entity IN ('order', 'amendment', 'report');
ALTER TABLE contracts
    DROP COLUMN pricing, DROP COLUMN max_amount_excl_tax, DROP COLUMN initial_amount_excl_tax,
    DROP COLUMN initial_end_date, DROP COLUMN initial_commitment_hours, DROP COLUMN initial_commitment_source,
    DROP COLUMN penalty_per_missing_hour, DROP COLUMN penalty_cap_rate, DROP COLUMN report_due_on, DROP COLUMN amendments;
