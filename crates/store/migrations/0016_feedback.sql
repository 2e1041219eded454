-- Feedback after delivery (docs/architecture.md, "Feedback").
--
-- Days after an order's delivery its customer is asked; NULL never. Marketplaces ask
-- their own customers and start with it off (core::feedback::default_after_days); the
-- channels that exist get that same default here. Orders delivered long before are
-- never asked (core::feedback::ASK_WITHIN), so this does not mail past customers.
ALTER TABLE channel ADD COLUMN feedback_after_days BIGINT
    CONSTRAINT channel_feedback_after_days_check CHECK (feedback_after_days BETWEEN 1 AND 90);
UPDATE channel SET feedback_after_days = 7 WHERE kind NOT IN ('amazon', 'ebay', 'etsy');

-- When a rating of 2 or lower asked customer care to follow the order up; NULL when
-- nothing did.
ALTER TABLE sales_order ADD COLUMN follow_up_at BIGINT;
CREATE INDEX sales_order_follow_up_idx ON sales_order (follow_up_at) WHERE follow_up_at IS NOT NULL;

-- Each order that came due, decided once (core::feedback::RequestOutcome): sent, with
-- to whom, until when its link works and when it was answered; or why not.
CREATE TABLE feedback_request (
    order_id     TEXT PRIMARY KEY REFERENCES sales_order (id),
    outcome      TEXT NOT NULL
        CONSTRAINT feedback_request_outcome_check CHECK (outcome IN ('sent', 'no_address', 'opted_out')),
    email        TEXT,
    decided_at   BIGINT NOT NULL,
    expires_at   BIGINT,
    answered_at  BIGINT
);

-- Due orders are found from their deliveries, within a bounded window.
CREATE INDEX shipment_delivered_idx ON shipment (delivered_at);

-- A customer's answers: one per order (the first stands), the delivery's rating and
-- the comment; item ratings below.
CREATE TABLE feedback (
    id              TEXT PRIMARY KEY,
    order_id        TEXT NOT NULL CONSTRAINT feedback_order_key UNIQUE REFERENCES sales_order (id),
    channel_id      TEXT NOT NULL REFERENCES channel (id),
    delivery_rating BIGINT CONSTRAINT feedback_delivery_rating_check CHECK (delivery_rating BETWEEN 1 AND 5),
    -- The lowest rating given, for the rating filters.
    lowest_rating   BIGINT NOT NULL CONSTRAINT feedback_lowest_rating_check CHECK (lowest_rating BETWEEN 1 AND 5),
    highest_rating  BIGINT NOT NULL CONSTRAINT feedback_highest_rating_check CHECK (highest_rating BETWEEN 1 AND 5),
    comment         TEXT,
    created_at      BIGINT NOT NULL
);
CREATE INDEX feedback_channel_idx ON feedback (channel_id, id);
CREATE INDEX feedback_created_idx ON feedback (created_at);

-- One item's rating in an answer.
CREATE TABLE feedback_item (
    feedback_id TEXT NOT NULL REFERENCES feedback (id),
    line_id     TEXT NOT NULL REFERENCES order_line (id),
    product_id  TEXT NOT NULL REFERENCES product (id),
    sku         TEXT NOT NULL,
    rating      BIGINT NOT NULL CONSTRAINT feedback_item_rating_check CHECK (rating BETWEEN 1 AND 5),
    PRIMARY KEY (feedback_id, line_id)
);
CREATE INDEX feedback_item_sku_idx ON feedback_item (sku);

-- Addresses that asked for no more feedback emails (lower-cased).
CREATE TABLE feedback_opt_out (
    email      TEXT PRIMARY KEY,
    created_at BIGINT NOT NULL
);

-- Secrets every instance of the server shares, made on first use (the feedback link
-- signing key): a row, so instances on one database agree without configuration.
CREATE TABLE server_secret (
    name       TEXT PRIMARY KEY,
    value      TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
