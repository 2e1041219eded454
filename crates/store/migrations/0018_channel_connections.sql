-- Channel connections: where a channel's API is, the credentials (a JSON object, kept
-- to be used and never answered), options (JSON object), how often it is polled and
-- up to when its orders have been fetched, which pushes are on, and the stock buffer
-- and cap of the quantity it is offered.
CREATE TABLE channel_connection (
    channel_id            TEXT PRIMARY KEY REFERENCES channel (id),
    base_url              TEXT NOT NULL,
    credentials           TEXT NOT NULL,
    options               TEXT NOT NULL,
    poll_interval_seconds BIGINT NOT NULL,
    push_stock            BIGINT NOT NULL,
    push_fulfilments      BIGINT NOT NULL,
    push_cancellations    BIGINT NOT NULL,
    -- 'units' or 'percent', with its value.
    buffer_kind           TEXT NOT NULL
        CONSTRAINT channel_connection_buffer_check CHECK (buffer_kind IN ('units', 'percent')),
    buffer_value          BIGINT NOT NULL,
    max_offered           BIGINT,
    -- Orders changed up to this time have been fetched; the next poll asks from a
    -- little before it.
    polled_until          BIGINT,
    -- When the last poll was made and what went wrong with it, if anything.
    polled_at             BIGINT,
    poll_error            TEXT,
    created_at            BIGINT NOT NULL,
    updated_at            BIGINT NOT NULL
);

-- The listing map: which listing of a channel sells one of our SKUs. `listing_id` is
-- the channel's product or listing (a Shopify product, a WooCommerce product, an
-- Amazon seller SKU, an eBay offer), `item_id` the part of it stock is set on (a
-- Shopify inventory item, a WooCommerce variation), when the channel has one. A SKU
-- may have a buffer of its own instead of the connection's.
CREATE TABLE channel_listing (
    channel_id   TEXT NOT NULL REFERENCES channel (id),
    product_id   TEXT NOT NULL REFERENCES product (id),
    listing_id   TEXT NOT NULL,
    item_id      TEXT,
    buffer_kind  TEXT
        CONSTRAINT channel_listing_buffer_check CHECK (buffer_kind IN ('units', 'percent')),
    buffer_value BIGINT,
    created_at   BIGINT NOT NULL,
    updated_at   BIGINT NOT NULL,
    PRIMARY KEY (channel_id, product_id),
    CONSTRAINT channel_listing_buffer_pair_check CHECK ((buffer_kind IS NULL) = (buffer_value IS NULL))
);

-- Balances whose availability may have changed since stock sync last looked: written
-- with every ledger row, in the same transaction, bumping `version`; stock sync reads
-- a row, works out the figures, and deletes it only at the version it read.
CREATE TABLE stock_change (
    product_id  TEXT NOT NULL,
    location_id TEXT NOT NULL,
    version     BIGINT NOT NULL,
    PRIMARY KEY (product_id, location_id)
);

-- What each channel is offered of each listed SKU, and what it was last told: a push
-- is due while `version` is ahead of `pushed_version`. A push carries the figure of
-- the version it claimed, under a lease, so one (channel, SKU) is pushed by one worker
-- at a time, always with the latest figure: many changes between two pushes are one
-- push, and an older figure never follows a newer one.
CREATE TABLE channel_stock (
    channel_id     TEXT NOT NULL REFERENCES channel (id),
    product_id     TEXT NOT NULL REFERENCES product (id),
    offered        BIGINT NOT NULL,
    version        BIGINT NOT NULL,
    pushed_offered BIGINT,
    pushed_version BIGINT NOT NULL,
    pushed_at      BIGINT,
    next_try_at    BIGINT NOT NULL,
    tries          BIGINT NOT NULL,
    lease_until    BIGINT,
    lease_token    TEXT,
    last_error     TEXT,
    updated_at     BIGINT NOT NULL,
    PRIMARY KEY (channel_id, product_id)
);
CREATE INDEX channel_stock_due_idx ON channel_stock (channel_id, next_try_at);

-- The channel's own id of an order line, for fulfilments pushed back to it.
ALTER TABLE order_line ADD COLUMN external_id TEXT;
