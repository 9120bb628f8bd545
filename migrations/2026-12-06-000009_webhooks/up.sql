-- Webhook subscriptions (API.md, "Webhooks"). A subscription is a cursor
-- over the change feed, not a copy of each event per subscriber: the
-- feed's changes after (cursor_xid, cursor_seq) that its owner may read
-- are its messages, in (xid, seq) order. Its owner is a role and an
-- organisation (none: the facilitator without `org`), so the feed's own
-- access rule decides what it is sent.
CREATE TABLE webhooks (
    id              uuid PRIMARY KEY,
    owner_role      text NOT NULL
                    CHECK (owner_role IN ('facilitator', 'plie', 'company', 'buyer', 'department', 'state')),
    owner_org       uuid REFERENCES organisations (id),
    url             text NOT NULL CHECK (length(url) BETWEEN 1 AND 2048),
    -- Entity types of the feed; empty: all.
    events          text[] NOT NULL DEFAULT '{}',
    description     text CHECK (length(description) <= 1000),
    enabled         boolean NOT NULL DEFAULT true,
    disabled_reason text,
    -- The signing secret sealed with WEBHOOK_SECRET_KEY (AES-256-GCM,
    -- nonce first), and during a rotation the one before, until
    -- previous_secret_until.
    secret          bytea NOT NULL,
    previous_secret bytea,
    previous_secret_until timestamptz,
    -- Delivery: the last change delivered or given up, the attempts of
    -- the next one, when it is due, and which process holds it until when.
    cursor_xid      bigint NOT NULL,
    cursor_seq      bigint NOT NULL DEFAULT 0,
    attempts        integer NOT NULL DEFAULT 0,
    next_attempt_at timestamptz NOT NULL DEFAULT now(),
    locked_until    timestamptz,
    version         integer NOT NULL DEFAULT 1 CHECK (version >= 1),
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT webhooks_disabled_reason CHECK (enabled OR disabled_reason IS NOT NULL),
    CONSTRAINT webhooks_previous_secret CHECK ((previous_secret IS NULL) = (previous_secret_until IS NULL))
);
CREATE INDEX webhooks_owner ON webhooks (owner_role, owner_org, created_at, id);
-- The deliverers' scan: enabled subscriptions by when they are due.
CREATE INDEX webhooks_due ON webhooks (next_attempt_at) WHERE enabled;

-- Each attempt, kept 30 days.
CREATE TABLE webhook_deliveries (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    webhook_id  uuid NOT NULL REFERENCES webhooks (id) ON DELETE CASCADE,
    message_id  text NOT NULL,
    cursor      text NOT NULL,
    type        text NOT NULL,
    attempt     integer NOT NULL CHECK (attempt >= 1),
    status_code integer,
    error       text,
    duration_ms integer NOT NULL CHECK (duration_ms >= 0),
    at          timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX webhook_deliveries_webhook ON webhook_deliveries (webhook_id, id);
CREATE INDEX webhook_deliveries_at ON webhook_deliveries (at);
