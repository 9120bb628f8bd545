DROP FUNCTION person_age(uuid, date, date), erased_person_age(uuid, date);
DROP TABLE access_trail, idempotency_keys, decp_records, publications, proposals, offers, outcomes, monthly_hours,
    placements, beneficiaries, contracts, operations, organisations;
DROP FUNCTION access_trail_append_only(), beneficiaries_qpv_fact();
