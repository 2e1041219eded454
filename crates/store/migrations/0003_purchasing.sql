-- Purchasing: purchase orders to suppliers, their lines with what has been received,
-- and which ledger movement received what. Outstanding lines of open purchase orders
-- are the inbound stock behind available-to-promise and backorder dates.

CREATE TABLE purchase_order (
    id                 TEXT PRIMARY KEY,
    number             TEXT NOT NULL CONSTRAINT purchase_order_number_key UNIQUE,
    status             TEXT NOT NULL
        CONSTRAINT purchase_order_status_check
        CHECK (status IN ('open', 'partially_received', 'received', 'closed', 'cancelled')),
    supplier_name      TEXT NOT NULL,
    supplier_reference TEXT,
    supplier_email     TEXT,
    -- Where the goods are delivered.
    location_id        TEXT NOT NULL REFERENCES location (id),
    currency           TEXT NOT NULL,
    notes              TEXT,
    -- Why it was closed or cancelled, and when.
    close_reason       TEXT,
    closed_at          BIGINT,
    created_by         TEXT NOT NULL,
    created_at         BIGINT NOT NULL,
    updated_at         BIGINT NOT NULL,
    version            BIGINT NOT NULL,
    CONSTRAINT purchase_order_closed_check CHECK ((status IN ('closed', 'cancelled')) = (closed_at IS NOT NULL))
);
CREATE INDEX purchase_order_status_idx ON purchase_order (status);
CREATE INDEX purchase_order_location_idx ON purchase_order (location_id);
CREATE INDEX purchase_order_updated_idx ON purchase_order (updated_at);

CREATE TABLE purchase_order_line (
    id                TEXT PRIMARY KEY,
    purchase_order_id TEXT NOT NULL REFERENCES purchase_order (id),
    line_no           BIGINT NOT NULL,
    product_id        TEXT NOT NULL REFERENCES product (id),
    sku               TEXT NOT NULL,
    quantity          BIGINT NOT NULL CONSTRAINT purchase_order_line_quantity_check CHECK (quantity > 0),
    received          BIGINT NOT NULL DEFAULT 0,
    -- Minor units of the order's currency; NULL when no cost was given.
    unit_cost         BIGINT CONSTRAINT purchase_order_line_unit_cost_check CHECK (unit_cost >= 0),
    expected_at       BIGINT NOT NULL,
    CONSTRAINT purchase_order_line_received_check CHECK (received >= 0 AND received <= quantity),
    CONSTRAINT purchase_order_line_number_key UNIQUE (purchase_order_id, line_no)
);
CREATE INDEX purchase_order_line_product_idx ON purchase_order_line (product_id);

-- Which receipt movement of the ledger received units for which line.
CREATE TABLE purchase_order_receipt (
    movement_id       TEXT PRIMARY KEY REFERENCES stock_movement (id),
    purchase_order_id TEXT NOT NULL REFERENCES purchase_order (id),
    line_id           TEXT NOT NULL REFERENCES purchase_order_line (id),
    quantity          BIGINT NOT NULL CONSTRAINT purchase_order_receipt_quantity_check CHECK (quantity > 0)
);
CREATE INDEX purchase_order_receipt_order_idx ON purchase_order_receipt (purchase_order_id);

-- SQLite numbers purchase orders from this row; PostgreSQL from a sequence (1002).
INSERT INTO counter (name, value) VALUES ('purchase_order_number', 1000);
