DROP FUNCTION person_age(uuid, date);
DROP TRIGGER beneficiaries_qpv_fact ON beneficiaries;
DROP FUNCTION beneficiaries_qpv_fact();
DROP TABLE access_trail;
DROP FUNCTION access_trail_append_only();
