DELETE FROM publications WHERE territory_id IS NOT NULL;
DROP INDEX publications_year_territory_key;
DROP INDEX publications_year_key;
ALTER TABLE publications ADD PRIMARY KEY (year);
ALTER TABLE publications DROP COLUMN territory_id;
DROP INDEX beneficiaries_external_ref_key;
CREATE UNIQUE INDEX beneficiaries_external_ref_key ON beneficiaries (external_ref)
    WHERE external_ref IS NOT NULL;
DROP INDEX operations_name_key;
CREATE UNIQUE INDEX operations_name_key ON operations (lower(name));
ALTER TABLE beneficiaries DROP COLUMN territory_id;
ALTER TABLE offers DROP COLUMN territory_id;
ALTER TABLE operations DROP COLUMN territory_id;
ALTER TABLE contracts DROP COLUMN territory_id;
ALTER TABLE organisations DROP COLUMN territory_id;
DROP TABLE territories;
