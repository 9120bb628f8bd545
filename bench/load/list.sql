-- What GET /api/v1/placements?limit=50 runs for a facilitator (the first
-- page; one row more than the page tells whether there is a next one).
SELECT "placements"."id", "placements"."beneficiary_id", "placements"."contract_id", "placements"."employer_id", "placements"."modality", "placements"."job_title", "placements"."start_date", "placements"."end_date", "placements"."weekly_hours", "placements"."version", "placements"."created_at", "placements"."updated_at" FROM "placements" WHERE true ORDER BY "placements"."created_at" ASC, "placements"."id" ASC LIMIT 51;
