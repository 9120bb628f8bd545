-- A published year: a snapshot of the territory's key figures, served
-- without a token until the facilitator publishes the year again.
CREATE TABLE publications (
    year         integer PRIMARY KEY CHECK (year BETWEEN 1990 AND 2100),
    figures      jsonb NOT NULL,
    published_by text NOT NULL,
    version      integer NOT NULL DEFAULT 1 CHECK (version >= 1),
    created_at   timestamptz NOT NULL DEFAULT now(),
    updated_at   timestamptz NOT NULL DEFAULT now()
);
