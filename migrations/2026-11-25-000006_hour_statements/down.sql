DROP TABLE idempotency_keys;
DROP TRIGGER monthly_hours_rollup_insert ON monthly_hours;
DROP TRIGGER monthly_hours_rollup_update ON monthly_hours;
DROP TRIGGER monthly_hours_rollup_delete ON monthly_hours;
DROP FUNCTION hours_rollup_add();
DROP FUNCTION hours_rollup_change();
DROP FUNCTION hours_rollup_remove();
CREATE FUNCTION hours_rollup_apply(p_placement uuid, p_month date, p_delta numeric) RETURNS void
LANGUAGE sql AS $$
    INSERT INTO hours_rollup (contract_id, month, hours)
    SELECT contract_id, p_month, p_delta FROM placements WHERE id = p_placement
    ON CONFLICT (contract_id, month) DO UPDATE SET hours = hours_rollup.hours + excluded.hours;
$$;
CREATE FUNCTION hours_rollup_trigger() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') AND OLD.status = 'validated' THEN
        PERFORM hours_rollup_apply(OLD.placement_id, OLD.month, -(OLD.worked_hours + OLD.training_hours));
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') AND NEW.status = 'validated' THEN
        PERFORM hours_rollup_apply(NEW.placement_id, NEW.month, NEW.worked_hours + NEW.training_hours);
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER monthly_hours_rollup AFTER INSERT OR UPDATE OR DELETE ON monthly_hours
    FOR EACH ROW EXECUTE FUNCTION hours_rollup_trigger();
