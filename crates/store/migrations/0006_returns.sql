-- Returns (RMAs) with their lines and what arrived of them, stock received into
-- quarantine, and claims for goods that went wrong on the way to the customer.

-- Where the order's returns stand, derived from them (`core::returns::order_return_status`).
ALTER TABLE sales_order ADD COLUMN return_status TEXT NOT NULL DEFAULT 'none'
    CONSTRAINT sales_order_return_status_check
    CHECK (return_status IN ('none', 'requested', 'partially_returned', 'returned'));

CREATE TABLE return_request (
    id                  TEXT PRIMARY KEY,
    number              TEXT NOT NULL CONSTRAINT return_request_number_key UNIQUE,
    order_id            TEXT NOT NULL REFERENCES sales_order (id),
    status              TEXT NOT NULL
        CONSTRAINT return_request_status_check
        CHECK (status IN ('requested', 'authorized', 'rejected', 'partially_received', 'received', 'closed', 'cancelled')),
    -- Where the items go back to; set when authorized.
    location_id         TEXT REFERENCES location (id),
    currency            TEXT NOT NULL,
    customer_note       TEXT,
    -- Why it was rejected, or what the operator said when authorizing.
    decision_note       TEXT,
    -- How it was settled, once it was: `refund` or `exchange`.
    settlement          TEXT CONSTRAINT return_request_settlement_check CHECK (settlement IN ('refund', 'exchange')),
    -- Minor units given back so far (refunds) or credited (exchange), the restocking
    -- fee kept, and the shipping refunded.
    credited            BIGINT NOT NULL DEFAULT 0,
    restocking_fee      BIGINT NOT NULL DEFAULT 0,
    shipping_refunded   BIGINT NOT NULL DEFAULT 0,
    -- The replacement order of an exchange, and what it cost beyond the credit
    -- (negative: refunded on the original order).
    exchange_order_id   TEXT REFERENCES sales_order (id),
    exchange_difference BIGINT,
    created_by          TEXT NOT NULL,
    authorized_at       BIGINT,
    decided_at          BIGINT,
    received_at         BIGINT,
    closed_at           BIGINT,
    created_at          BIGINT NOT NULL,
    updated_at          BIGINT NOT NULL,
    version             BIGINT NOT NULL
);
CREATE INDEX return_request_order_idx ON return_request (order_id);
CREATE INDEX return_request_status_idx ON return_request (status);

CREATE TABLE return_line (
    id          TEXT PRIMARY KEY,
    return_id   TEXT NOT NULL REFERENCES return_request (id),
    line_id     TEXT NOT NULL REFERENCES order_line (id),
    line_no     BIGINT NOT NULL,
    product_id  TEXT NOT NULL REFERENCES product (id),
    sku         TEXT NOT NULL,
    quantity    BIGINT NOT NULL CONSTRAINT return_line_quantity_check CHECK (quantity > 0),
    reason      TEXT NOT NULL
        CONSTRAINT return_line_reason_check
        CHECK (reason IN ('too_small', 'too_large', 'damaged', 'defective', 'not_as_described', 'wrong_item',
                          'changed_mind', 'arrived_late', 'other')),
    note        TEXT,
    -- Units that arrived, and units whose money was settled.
    received    BIGINT NOT NULL DEFAULT 0,
    settled     BIGINT NOT NULL DEFAULT 0,
    CONSTRAINT return_line_received_check CHECK (received >= 0 AND received <= quantity),
    CONSTRAINT return_line_settled_check CHECK (settled >= 0 AND settled <= quantity)
);
CREATE INDEX return_line_return_idx ON return_line (return_id);
CREATE INDEX return_line_line_idx ON return_line (line_id);
CREATE INDEX return_line_product_idx ON return_line (product_id);

-- Units of a return line received with one disposition; a restock names its ledger row.
CREATE TABLE return_receipt (
    id             TEXT PRIMARY KEY,
    return_id      TEXT NOT NULL REFERENCES return_request (id),
    return_line_id TEXT NOT NULL REFERENCES return_line (id),
    product_id     TEXT NOT NULL REFERENCES product (id),
    location_id    TEXT NOT NULL REFERENCES location (id),
    disposition    TEXT NOT NULL
        CONSTRAINT return_receipt_disposition_check CHECK (disposition IN ('restock', 'quarantine', 'scrap')),
    quantity       BIGINT NOT NULL CONSTRAINT return_receipt_quantity_check CHECK (quantity > 0),
    movement_id    TEXT REFERENCES stock_movement (id),
    note           TEXT,
    actor          TEXT NOT NULL,
    created_at     BIGINT NOT NULL,
    CONSTRAINT return_receipt_movement_check CHECK ((disposition = 'restock') = (movement_id IS NOT NULL))
);
CREATE INDEX return_receipt_return_idx ON return_receipt (return_id);

-- Returned stock held for inspection: counted, never sellable.
CREATE TABLE stock_quarantine (
    product_id  TEXT NOT NULL REFERENCES product (id),
    location_id TEXT NOT NULL REFERENCES location (id),
    quantity    BIGINT NOT NULL CONSTRAINT stock_quarantine_quantity_check CHECK (quantity >= 0),
    updated_at  BIGINT NOT NULL,
    CONSTRAINT stock_quarantine_pkey PRIMARY KEY (product_id, location_id)
);

CREATE TABLE claim (
    id                   TEXT PRIMARY KEY,
    order_id             TEXT NOT NULL REFERENCES sales_order (id),
    reason               TEXT NOT NULL
        CONSTRAINT claim_reason_check CHECK (reason IN ('item_missing', 'damaged_in_transit', 'wrong_item_sent')),
    resolution           TEXT NOT NULL
        CONSTRAINT claim_resolution_check CHECK (resolution IN ('refund', 'replacement')),
    note                 TEXT,
    currency             TEXT NOT NULL,
    -- Minor units refunded (refund), or the free replacement order (replacement).
    refunded             BIGINT NOT NULL DEFAULT 0,
    replacement_order_id TEXT REFERENCES sales_order (id),
    created_by           TEXT NOT NULL,
    created_at           BIGINT NOT NULL
);
CREATE INDEX claim_order_idx ON claim (order_id);
CREATE INDEX claim_reason_idx ON claim (reason);

CREATE TABLE claim_line (
    claim_id   TEXT NOT NULL REFERENCES claim (id),
    line_id    TEXT NOT NULL REFERENCES order_line (id),
    line_no    BIGINT NOT NULL,
    product_id TEXT NOT NULL REFERENCES product (id),
    sku        TEXT NOT NULL,
    quantity   BIGINT NOT NULL CONSTRAINT claim_line_quantity_check CHECK (quantity > 0),
    CONSTRAINT claim_line_pkey PRIMARY KEY (claim_id, line_id)
);
CREATE INDEX claim_line_line_idx ON claim_line (line_id);

-- SQLite numbers returns from this row; PostgreSQL from a sequence (1003).
INSERT INTO counter (name, value) VALUES ('return_number', 100000);
