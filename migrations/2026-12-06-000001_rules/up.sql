-- The rules the database applies itself, each written once: the records'
-- CHECKs, the rollups and the service's statistics call these. Pure
-- functions of their arguments, small enough for the planner to inline.

-- Age in full years on a day, from a birth date. domain::calendar::age_on
-- is its twin, for the checks made before a row exists. (Timestamps
-- without time zone: the same answer whatever the session's TimeZone, so
-- the function is immutable and inlined.)
CREATE FUNCTION age_on(p_birth date, p_day date) RETURNS integer
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT extract(year FROM age(p_day::timestamp, p_birth::timestamp))::int
$$;

-- The age bands of the breakdowns and the key figures' under_26, in the
-- order of domain::breakdown::AGE_BANDS: under 26, 26 to 49, 50 and over.
CREATE FUNCTION age_band(p_age integer) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT (ARRAY['under_26', '26_49', '50_plus'])[width_bucket(p_age, ARRAY[26, 50]) + 1]
$$;

-- An operation's QPV codes, each as a person's QPV code is written.
CREATE FUNCTION qpv_codes_valid(codes text[]) RETURNS boolean
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT coalesce(bool_and(c ~ '^(QN[0-9]{5}[A-Z]|QP[0-9]{6})$'), true) FROM unnest(codes) AS c
$$;
