-- The published record a contract was imported from, kept as received.
CREATE TABLE decp_records (
    contract_id uuid PRIMARY KEY REFERENCES contracts (id),
    raw         jsonb NOT NULL,
    imported_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX organisations_identifier ON organisations (identifier_type, identifier);
