-- Hour statements come 10,000 lines at a time: the hours rollup is kept
-- per statement from transition tables instead of per row.
DROP TRIGGER monthly_hours_rollup ON monthly_hours;
DROP FUNCTION hours_rollup_trigger();
DROP FUNCTION hours_rollup_apply(uuid, date, numeric);

CREATE FUNCTION hours_rollup_add() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO hours_rollup (contract_id, month, hours)
    SELECT p.contract_id, n.month, sum(n.worked_hours + n.training_hours)
    FROM new_rows n JOIN placements p ON p.id = n.placement_id
    WHERE n.status = 'validated'
    GROUP BY p.contract_id, n.month
    ORDER BY 1, 2
    ON CONFLICT (contract_id, month) DO UPDATE SET hours = hours_rollup.hours + excluded.hours;
    RETURN NULL;
END $$;

CREATE FUNCTION hours_rollup_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO hours_rollup (contract_id, month, hours)
    SELECT p.contract_id, d.month, sum(d.hours)
    FROM (SELECT placement_id, month, worked_hours + training_hours AS hours FROM new_rows WHERE status = 'validated'
          UNION ALL
          SELECT placement_id, month, -(worked_hours + training_hours) FROM old_rows WHERE status = 'validated') d
    JOIN placements p ON p.id = d.placement_id
    GROUP BY p.contract_id, d.month
    ORDER BY 1, 2
    ON CONFLICT (contract_id, month) DO UPDATE SET hours = hours_rollup.hours + excluded.hours;
    RETURN NULL;
END $$;

CREATE FUNCTION hours_rollup_remove() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO hours_rollup (contract_id, month, hours)
    SELECT p.contract_id, o.month, -sum(o.worked_hours + o.training_hours)
    FROM old_rows o JOIN placements p ON p.id = o.placement_id
    WHERE o.status = 'validated'
    GROUP BY p.contract_id, o.month
    ORDER BY 1, 2
    ON CONFLICT (contract_id, month) DO UPDATE SET hours = hours_rollup.hours + excluded.hours;
    RETURN NULL;
END $$;

CREATE TRIGGER monthly_hours_rollup_insert AFTER INSERT ON monthly_hours
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION hours_rollup_add();
CREATE TRIGGER monthly_hours_rollup_update AFTER UPDATE ON monthly_hours
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION hours_rollup_change();
CREATE TRIGGER monthly_hours_rollup_delete AFTER DELETE ON monthly_hours
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION hours_rollup_remove();

-- A retried request with the same Idempotency-Key gets the first answer.
CREATE TABLE idempotency_keys (
    principal    text NOT NULL,
    key          text NOT NULL CHECK (length(key) BETWEEN 1 AND 255),
    request_hash text NOT NULL,
    response     text,
    created_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (principal, key)
);
