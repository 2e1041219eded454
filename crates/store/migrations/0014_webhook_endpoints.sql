-- Webhook endpoints: where events are sent, what each wants, the secrets its requests
-- are signed with, whether it is enabled, and since when every try has failed. A
-- deleted endpoint keeps its row (its deliveries and attempts refer to it) and
-- receives nothing more. Filters are JSON arrays: event types as given, channels by
-- id, so a channel whose code changes stays in the filter.
CREATE TABLE webhook_endpoint (
    id                    TEXT PRIMARY KEY,
    url                   TEXT NOT NULL,
    description           TEXT,
    event_types           TEXT NOT NULL,
    channel_ids           TEXT NOT NULL,
    status                TEXT NOT NULL
        CONSTRAINT webhook_endpoint_status_check CHECK (status IN ('enabled', 'disabled')),
    disabled_reason       TEXT
        CONSTRAINT webhook_endpoint_disabled_reason_check CHECK (disabled_reason IN ('manual', 'failing')),
    disabled_at           BIGINT,
    secret                TEXT NOT NULL,
    -- The secret the last rotation replaced, signing beside the new one until then.
    previous_secret       TEXT,
    previous_secret_until BIGINT,
    -- When the first of the failed tries since the last success was made.
    failing_since         BIGINT,
    created_at            BIGINT NOT NULL,
    updated_at            BIGINT NOT NULL,
    deleted_at            BIGINT,
    -- Bumped by every change, which is made only to the version it read.
    version               BIGINT NOT NULL,
    CONSTRAINT webhook_endpoint_disabled_check
        CHECK ((status = 'disabled') = (disabled_reason IS NOT NULL AND disabled_at IS NOT NULL)),
    CONSTRAINT webhook_endpoint_previous_secret_check
        CHECK ((previous_secret IS NULL) = (previous_secret_until IS NULL))
);
CREATE INDEX webhook_endpoint_status_idx ON webhook_endpoint (status);

-- An endpoint's audit timeline: who created, changed, disabled, enabled or deleted it
-- or rotated its secret, and the disabling of one that kept failing.
CREATE TABLE webhook_endpoint_event (
    id          TEXT PRIMARY KEY,
    endpoint_id TEXT NOT NULL REFERENCES webhook_endpoint (id),
    kind        TEXT NOT NULL
        CONSTRAINT webhook_endpoint_event_kind_check
        CHECK (kind IN ('created', 'updated', 'disabled', 'enabled', 'secret_rotated', 'deleted')),
    actor       TEXT NOT NULL,
    message     TEXT NOT NULL,
    created_at  BIGINT NOT NULL
);
CREATE INDEX webhook_endpoint_event_endpoint_idx ON webhook_endpoint_event (endpoint_id, id);
