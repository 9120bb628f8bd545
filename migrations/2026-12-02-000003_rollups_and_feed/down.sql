DROP TABLE changes;
DROP FUNCTION record_change() CASCADE;
DROP FUNCTION extend_person_years(integer);
DROP FUNCTION person_years_beneficiaries() CASCADE;
DROP FUNCTION person_years_placements() CASCADE;
DROP FUNCTION person_years_refresh(uuid[]);
DROP FUNCTION hours_rollup_apply() CASCADE;
DROP TABLE rollup_horizon, person_years, hours_rollup;
