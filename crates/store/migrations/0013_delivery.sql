-- Delivering the outbox (docs/architecture.md, "Events out").
--
-- A message is dispatched once, after the write that made it committed: it gets its
-- place in the event feed (`seq`: gap-free, in the order dispatches committed) and the
-- event as receivers see it (`body`), and one delivery per destination that wants it.
-- The old per-message delivery columns were never used: a message now has one delivery
-- per destination instead.
DROP INDEX outbox_message_pending_idx;
ALTER TABLE outbox_message DROP COLUMN available_at;
ALTER TABLE outbox_message DROP COLUMN attempts;
ALTER TABLE outbox_message DROP COLUMN locked_until;
ALTER TABLE outbox_message DROP COLUMN delivered_at;
ALTER TABLE outbox_message ADD COLUMN seq BIGINT;
ALTER TABLE outbox_message ADD COLUMN body TEXT;
CREATE UNIQUE INDEX outbox_message_seq_key ON outbox_message (seq);
CREATE INDEX outbox_message_undispatched_idx ON outbox_message (id) WHERE seq IS NULL;

-- The feed's next place. Dispatchers take this one row in turn (its row lock on
-- PostgreSQL, the one writer on SQLite), so places are handed out without gaps and a
-- reader never sees a later place before an earlier one.
CREATE TABLE outbox_sequence (
    id       BIGINT PRIMARY KEY,
    next_seq BIGINT NOT NULL
);
INSERT INTO outbox_sequence (id, next_seq) VALUES (1, 1);

-- One message on its way to one destination ('email' or a webhook endpoint id).
CREATE TABLE delivery (
    id           TEXT PRIMARY KEY,
    message_id   TEXT NOT NULL CONSTRAINT delivery_message_fkey REFERENCES outbox_message (id),
    -- The message's place in the feed: deliveries of one ordering key to one
    -- destination go out in this order.
    seq          BIGINT NOT NULL,
    destination  TEXT NOT NULL,
    ordering_key TEXT NOT NULL,
    state        TEXT NOT NULL
        CONSTRAINT delivery_state_check CHECK (state IN ('pending', 'delivered', 'skipped', 'dead')),
    tries        BIGINT NOT NULL DEFAULT 0,
    next_try_at  BIGINT NOT NULL,
    -- The worker trying it now, and until when it may (a dead worker's lease runs out).
    lease_owner  TEXT,
    leased_until BIGINT,
    created_at   BIGINT NOT NULL,
    finished_at  BIGINT
);
CREATE INDEX delivery_due_idx ON delivery (next_try_at) WHERE state = 'pending';
CREATE INDEX delivery_queue_idx ON delivery (destination, ordering_key, seq) WHERE state = 'pending';
CREATE INDEX delivery_message_idx ON delivery (message_id);
CREATE INDEX delivery_state_idx ON delivery (state, destination);

-- Every try at a delivery: when, how it went, what the receiver answered.
CREATE TABLE delivery_attempt (
    id           TEXT PRIMARY KEY,
    delivery_id  TEXT NOT NULL CONSTRAINT delivery_attempt_delivery_fkey REFERENCES delivery (id),
    message_id   TEXT NOT NULL,
    destination  TEXT NOT NULL,
    try_number   BIGINT NOT NULL,
    outcome      TEXT NOT NULL
        CONSTRAINT delivery_attempt_outcome_check CHECK (outcome IN ('delivered', 'failed', 'skipped')),
    -- The HTTP status a webhook receiver answered, or the SMTP reply code.
    status_code  BIGINT,
    -- The head of the answer, or the error (core::delivery::REPLY_MAX).
    reply        TEXT,
    latency_ms   BIGINT NOT NULL,
    attempted_at BIGINT NOT NULL
);
CREATE INDEX delivery_attempt_destination_idx ON delivery_attempt (destination, id);
CREATE INDEX delivery_attempt_message_idx ON delivery_attempt (message_id);
