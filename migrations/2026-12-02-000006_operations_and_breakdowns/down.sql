DROP TRIGGER IF EXISTS rollup_horizon_placement_years ON rollup_horizon;
DROP TRIGGER IF EXISTS monthly_hours_placement_years_insert ON monthly_hours;
DROP TRIGGER IF EXISTS monthly_hours_placement_years_update ON monthly_hours;
DROP TRIGGER IF EXISTS monthly_hours_placement_years_delete ON monthly_hours;
DROP TRIGGER IF EXISTS placements_placement_years_insert ON placements;
DROP TRIGGER IF EXISTS placements_placement_years_update ON placements;
DROP TRIGGER IF EXISTS placements_placement_years_delete ON placements;
DROP TRIGGER IF EXISTS operations_changes_insert ON operations;
DROP TRIGGER IF EXISTS operations_changes_update ON operations;
DROP FUNCTION IF EXISTS placement_years_horizon();
DROP FUNCTION IF EXISTS placement_years_hours();
DROP TYPE IF EXISTS placement_years_delta;
DROP FUNCTION IF EXISTS placement_years_placements();
DROP FUNCTION IF EXISTS placement_years_refresh(uuid[]);
DROP FUNCTION IF EXISTS record_operation_change();
DROP TABLE IF EXISTS placement_years;
ALTER TABLE person_years DROP COLUMN IF EXISTS qualification_level, DROP COLUMN IF EXISTS eligibility;
DELETE FROM changes WHERE entity = 'operation';
ALTER TABLE changes DROP CONSTRAINT changes_entity_check;
ALTER TABLE changes ADD CONSTRAINT changes_entity_check
    CHECK (entity IN ('contract', 'beneficiary', 'placement', 'hours', 'outcome'));
ALTER TABLE contracts DROP COLUMN operation_id, DROP COLUMN cpv_code, DROP COLUMN market_nature,
    DROP COLUMN market_nature_given;
ALTER TABLE organisations DROP COLUMN buyer_category;
DROP TABLE IF EXISTS operations;
DROP FUNCTION IF EXISTS qpv_codes_valid(text[]);
