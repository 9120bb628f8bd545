DROP TABLE access_trail;
DROP FUNCTION access_trail_append_only();
