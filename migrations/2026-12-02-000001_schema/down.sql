DROP TABLE idempotency_keys, decp_records, publications, monthly_hours, placements, beneficiaries, contracts, organisations;
