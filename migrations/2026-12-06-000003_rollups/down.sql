DROP TRIGGER monthly_hours_placement_years_insert ON monthly_hours;
DROP TRIGGER monthly_hours_placement_years_update ON monthly_hours;
DROP TRIGGER monthly_hours_placement_years_delete ON monthly_hours;
DROP TRIGGER monthly_hours_rollup_insert ON monthly_hours;
DROP TRIGGER monthly_hours_rollup_update ON monthly_hours;
DROP TRIGGER monthly_hours_rollup_delete ON monthly_hours;
DROP TRIGGER beneficiaries_person_years ON beneficiaries;
DROP TRIGGER placements_rollup_1_placement_years_insert ON placements;
DROP TRIGGER placements_rollup_1_placement_years_update ON placements;
DROP TRIGGER placements_rollup_1_placement_years_delete ON placements;
DROP TRIGGER placements_rollup_2_person_years_insert ON placements;
DROP TRIGGER placements_rollup_2_person_years_update ON placements;
DROP TRIGGER placements_rollup_2_person_years_delete ON placements;
DROP TRIGGER rollup_horizon_placement_years ON rollup_horizon;
DROP FUNCTION placement_years_horizon(), extend_person_years(integer), placement_years_hours(),
    placement_years_placements(), placement_years_refresh(uuid[]), person_years_beneficiaries(),
    person_years_placements(), person_years_refresh(uuid[]), hours_rollup_apply();
DROP TYPE placement_years_delta;
DROP TABLE placement_years, person_years, hours_rollup, rollup_horizon;
