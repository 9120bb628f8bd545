-- The facilitator's worklist reads the months of one status in paging
-- order (GET /api/v1/hours?status=declared): one index answers the first
-- page of a million months without a scan.
CREATE INDEX monthly_hours_status_paging ON monthly_hours (status, created_at, id);
