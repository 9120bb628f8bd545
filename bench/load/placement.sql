-- What GET /api/v1/placements/{id} runs for a facilitator (captured with
-- log_statement = 'all'), on a random one of the 100,000 placements.
\set n random(0, 99999)
SELECT "placements"."id", "placements"."beneficiary_id", "placements"."contract_id", "placements"."employer_id", "placements"."modality", "placements"."job_title", "placements"."start_date", "placements"."end_date", "placements"."weekly_hours", "placements"."version", "placements"."created_at", "placements"."updated_at" FROM "placements" WHERE (true AND ("placements"."id" = ('00040000-0000-4000-8000-' || lpad(to_hex(:n::int), 12, '0'))::uuid)) LIMIT 1;
