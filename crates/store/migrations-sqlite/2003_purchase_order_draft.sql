-- SQLite only: purchase orders may be drafts (made from replenishment suggestions, not
-- yet sent). SQLite cannot alter a CHECK constraint, so the table is rebuilt with the
-- same columns, in the same order, under the same name (PostgreSQL alters the
-- constraint, 1005).
--
-- The lines and receipts refer to `purchase_order` by name and keep doing so. Dropping
-- the table orphans their rows for a moment: with foreign keys deferred, each orphan
-- counts as a violation until the row it refers to is inserted again, and the commit
-- fails if any is left, so no row can be lost on the way.
PRAGMA defer_foreign_keys = ON;

CREATE TABLE purchase_order_copy AS SELECT * FROM purchase_order;

DROP TABLE purchase_order;

CREATE TABLE purchase_order (
    id                 TEXT PRIMARY KEY,
    number             TEXT NOT NULL CONSTRAINT purchase_order_number_key UNIQUE,
    status             TEXT NOT NULL
        CONSTRAINT purchase_order_status_check
        CHECK (status IN ('draft', 'open', 'partially_received', 'received', 'closed', 'cancelled')),
    supplier_name      TEXT NOT NULL,
    supplier_reference TEXT,
    supplier_email     TEXT,
    location_id        TEXT NOT NULL REFERENCES location (id),
    currency           TEXT NOT NULL,
    notes              TEXT,
    close_reason       TEXT,
    closed_at          BIGINT,
    created_by         TEXT NOT NULL,
    created_at         BIGINT NOT NULL,
    updated_at         BIGINT NOT NULL,
    version            BIGINT NOT NULL,
    submitted_at       BIGINT,
    CONSTRAINT purchase_order_closed_check CHECK ((status IN ('closed', 'cancelled')) = (closed_at IS NOT NULL))
);

INSERT INTO purchase_order (id, number, status, supplier_name, supplier_reference, supplier_email, location_id,
    currency, notes, close_reason, closed_at, created_by, created_at, updated_at, version, submitted_at)
SELECT id, number, status, supplier_name, supplier_reference, supplier_email, location_id,
    currency, notes, close_reason, closed_at, created_by, created_at, updated_at, version, submitted_at
FROM purchase_order_copy;

DROP TABLE purchase_order_copy;

CREATE INDEX purchase_order_status_idx ON purchase_order (status);
CREATE INDEX purchase_order_location_idx ON purchase_order (location_id);
CREATE INDEX purchase_order_updated_idx ON purchase_order (updated_at);
