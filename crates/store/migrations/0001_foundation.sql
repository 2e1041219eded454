-- Switchyard's schema. One portable dialect for SQLite and PostgreSQL:
-- ids are TEXT (typed, prefixed, time-sortable), money is BIGINT minor units with its
-- currency beside it, times are BIGINT microseconds since the Unix epoch (they sort,
-- and both engines agree on them). Constraints are named so errors can be mapped.

CREATE TABLE api_key (
    id          TEXT PRIMARY KEY,
    name        TEXT NOT NULL,
    role        TEXT NOT NULL
        CONSTRAINT api_key_role_check CHECK (role IN ('admin', 'manager', 'warehouse', 'support', 'viewer')),
    key_hash    TEXT NOT NULL CONSTRAINT api_key_hash_key UNIQUE,
    prefix      TEXT NOT NULL,
    created_at  BIGINT NOT NULL,
    revoked_at  BIGINT
);

CREATE TABLE product (
    id             TEXT PRIMARY KEY,
    sku            TEXT NOT NULL CONSTRAINT product_sku_key UNIQUE,
    title          TEXT NOT NULL,
    barcode        TEXT,
    weight_grams   BIGINT CONSTRAINT product_weight_check CHECK (weight_grams >= 0),
    price_amount   BIGINT,
    price_currency TEXT,
    cost_amount    BIGINT,
    cost_currency  TEXT,
    created_at     BIGINT NOT NULL,
    updated_at     BIGINT NOT NULL,
    archived_at    BIGINT,
    CONSTRAINT product_price_check CHECK ((price_amount IS NULL) = (price_currency IS NULL) AND price_amount >= 0),
    CONSTRAINT product_cost_check CHECK ((cost_amount IS NULL) = (cost_currency IS NULL) AND cost_amount >= 0)
);
CREATE INDEX product_barcode_idx ON product (barcode);
CREATE INDEX product_updated_idx ON product (updated_at);

CREATE TABLE location (
    id          TEXT PRIMARY KEY,
    code        TEXT NOT NULL CONSTRAINT location_code_key UNIQUE,
    name        TEXT NOT NULL,
    kind        TEXT NOT NULL,
    -- The postal address as JSON; the country is repeated for filtering.
    address     TEXT NOT NULL,
    country     TEXT NOT NULL,
    latitude    DOUBLE PRECISION,
    longitude   DOUBLE PRECISION,
    priority    BIGINT NOT NULL,
    created_at  BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL,
    archived_at BIGINT
);

CREATE TABLE channel (
    id              TEXT PRIMARY KEY,
    code            TEXT NOT NULL CONSTRAINT channel_code_key UNIQUE,
    name            TEXT NOT NULL,
    kind            TEXT NOT NULL,
    shortage_policy TEXT NOT NULL
        CONSTRAINT channel_shortage_policy_check CHECK (shortage_policy IN ('reject', 'backorder')),
    created_at      BIGINT NOT NULL,
    updated_at      BIGINT NOT NULL,
    archived_at     BIGINT
);

-- The locations a channel may ship from, in the order they are tried.
CREATE TABLE channel_location (
    channel_id  TEXT NOT NULL REFERENCES channel (id),
    location_id TEXT NOT NULL REFERENCES location (id),
    position    BIGINT NOT NULL,
    CONSTRAINT channel_location_pkey PRIMARY KEY (channel_id, location_id)
);

-- The balance of one SKU at one location, kept in the same transaction as its ledger.
CREATE TABLE stock_balance (
    product_id  TEXT NOT NULL REFERENCES product (id),
    location_id TEXT NOT NULL REFERENCES location (id),
    on_hand     BIGINT NOT NULL,
    reserved    BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL,
    CONSTRAINT stock_balance_pkey PRIMARY KEY (product_id, location_id),
    CONSTRAINT stock_balance_reserved_check CHECK (reserved >= 0 AND reserved <= on_hand)
);
CREATE INDEX stock_balance_location_idx ON stock_balance (location_id);

-- The append-only inventory ledger.
CREATE TABLE stock_movement (
    id             TEXT PRIMARY KEY,
    product_id     TEXT NOT NULL REFERENCES product (id),
    location_id    TEXT NOT NULL REFERENCES location (id),
    kind           TEXT NOT NULL,
    on_hand_delta  BIGINT NOT NULL,
    reserved_delta BIGINT NOT NULL,
    on_hand_after  BIGINT NOT NULL,
    reserved_after BIGINT NOT NULL,
    reason         TEXT,
    note           TEXT,
    reference      TEXT,
    actor          TEXT NOT NULL,
    created_at     BIGINT NOT NULL
);
CREATE INDEX stock_movement_item_idx ON stock_movement (product_id, location_id);
CREATE INDEX stock_movement_location_idx ON stock_movement (location_id);
CREATE INDEX stock_movement_reference_idx ON stock_movement (reference);

CREATE TABLE sales_order (
    id                TEXT PRIMARY KEY,
    number            TEXT NOT NULL CONSTRAINT sales_order_number_key UNIQUE,
    channel_id        TEXT NOT NULL REFERENCES channel (id),
    external_id       TEXT,
    status            TEXT NOT NULL
        CONSTRAINT sales_order_status_check CHECK (status IN ('open', 'on_hold', 'completed', 'cancelled')),
    fulfilment_status TEXT NOT NULL,
    payment_status    TEXT NOT NULL,
    hold_reason       TEXT,
    hold_note         TEXT,
    hold_until        BIGINT,
    currency          TEXT NOT NULL,
    customer_email    TEXT NOT NULL,
    customer_name     TEXT NOT NULL,
    customer_phone    TEXT,
    shipping_address  TEXT NOT NULL,
    billing_address   TEXT NOT NULL,
    ship_country      TEXT NOT NULL,
    subtotal          BIGINT NOT NULL,
    discount_total    BIGINT NOT NULL,
    tax_total         BIGINT NOT NULL,
    shipping_amount   BIGINT NOT NULL,
    shipping_tax      BIGINT NOT NULL,
    grand_total       BIGINT NOT NULL,
    service_level     TEXT NOT NULL,
    notes             TEXT,
    -- JSON array of strings.
    tags              TEXT NOT NULL,
    placed_at         BIGINT NOT NULL,
    created_at        BIGINT NOT NULL,
    updated_at        BIGINT NOT NULL,
    version           BIGINT NOT NULL,
    CONSTRAINT sales_order_channel_external_key UNIQUE (channel_id, external_id),
    CONSTRAINT sales_order_hold_check CHECK ((status = 'on_hold') = (hold_reason IS NOT NULL))
);
CREATE INDEX sales_order_status_idx ON sales_order (status);
CREATE INDEX sales_order_channel_idx ON sales_order (channel_id);
CREATE INDEX sales_order_placed_idx ON sales_order (placed_at);
CREATE INDEX sales_order_updated_idx ON sales_order (updated_at);
CREATE INDEX sales_order_email_idx ON sales_order (customer_email);

CREATE TABLE order_line (
    id          TEXT PRIMARY KEY,
    order_id    TEXT NOT NULL REFERENCES sales_order (id),
    line_no     BIGINT NOT NULL,
    product_id  TEXT NOT NULL REFERENCES product (id),
    sku         TEXT NOT NULL,
    title       TEXT NOT NULL,
    quantity    BIGINT NOT NULL CONSTRAINT order_line_quantity_check CHECK (quantity > 0),
    unit_price  BIGINT NOT NULL,
    discount    BIGINT NOT NULL,
    tax         BIGINT NOT NULL,
    total       BIGINT NOT NULL,
    status      TEXT NOT NULL
        CONSTRAINT order_line_status_check CHECK (status IN ('allocated', 'backordered', 'cancelled', 'shipped', 'delivered')),
    CONSTRAINT order_line_number_key UNIQUE (order_id, line_no)
);
CREATE INDEX order_line_product_idx ON order_line (product_id, status);

-- Stock held for an order line at a location; the sum per (product, location) is the
-- balance's `reserved`.
CREATE TABLE reservation (
    id          TEXT PRIMARY KEY,
    order_id    TEXT NOT NULL REFERENCES sales_order (id),
    line_id     TEXT NOT NULL REFERENCES order_line (id),
    product_id  TEXT NOT NULL REFERENCES product (id),
    location_id TEXT NOT NULL REFERENCES location (id),
    quantity    BIGINT NOT NULL CONSTRAINT reservation_quantity_check CHECK (quantity > 0),
    created_at  BIGINT NOT NULL
);
CREATE INDEX reservation_order_idx ON reservation (order_id);
CREATE INDEX reservation_item_idx ON reservation (product_id, location_id);

-- The order's timeline: who did what, when.
CREATE TABLE order_event (
    id         TEXT PRIMARY KEY,
    order_id   TEXT NOT NULL REFERENCES sales_order (id),
    kind       TEXT NOT NULL,
    actor      TEXT NOT NULL,
    message    TEXT NOT NULL,
    data       TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX order_event_order_idx ON order_event (order_id);

-- Messages for the outside world, written in the transaction that caused them.
CREATE TABLE outbox_message (
    id           TEXT PRIMARY KEY,
    topic        TEXT NOT NULL,
    aggregate_id TEXT NOT NULL,
    payload      TEXT NOT NULL,
    created_at   BIGINT NOT NULL,
    available_at BIGINT NOT NULL,
    attempts     BIGINT NOT NULL DEFAULT 0,
    locked_until BIGINT,
    delivered_at BIGINT
);
CREATE INDEX outbox_message_pending_idx ON outbox_message (delivered_at, available_at);

-- Stored responses for `Idempotency-Key`, per caller.
CREATE TABLE idempotency_key (
    principal     TEXT NOT NULL,
    key           TEXT NOT NULL,
    request_hash  TEXT NOT NULL,
    state         TEXT NOT NULL
        CONSTRAINT idempotency_key_state_check CHECK (state IN ('in_flight', 'done')),
    status_code   BIGINT,
    -- JSON object of the response headers worth replaying (Location, Content-Type).
    response_headers TEXT,
    response_body TEXT,
    created_at    BIGINT NOT NULL,
    CONSTRAINT idempotency_key_pkey PRIMARY KEY (principal, key)
);

CREATE TABLE counter (
    name  TEXT PRIMARY KEY,
    value BIGINT NOT NULL
);
INSERT INTO counter (name, value) VALUES ('order_number', 100000);
