DROP INDEX organisations_identifier;
DROP TABLE decp_records;
