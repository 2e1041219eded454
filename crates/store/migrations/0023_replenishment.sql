-- Replenishment: when a purchase order was sent to its supplier (a draft is not sent
-- until it is submitted), which lead times are learned from; and the terms each product is bought on from its supplier (one supplier
-- per product), which reorder suggestions round to and draft purchase orders price
-- with. The `draft` purchase order status is each backend's own migration (PostgreSQL
-- 1005, SQLite 2003): SQLite cannot alter a CHECK constraint in place.

CREATE TABLE supplier_terms (
    product_id     TEXT PRIMARY KEY REFERENCES product (id),
    supplier_name  TEXT NOT NULL,
    -- Days from order to delivery as the supplier promises them; NULL when not given.
    lead_time_days BIGINT CONSTRAINT supplier_terms_lead_time_check CHECK (lead_time_days >= 0),
    -- Minimum order quantity in units (0: none), and units per pack.
    moq            BIGINT NOT NULL DEFAULT 0 CONSTRAINT supplier_terms_moq_check CHECK (moq >= 0),
    pack_size      BIGINT NOT NULL DEFAULT 1 CONSTRAINT supplier_terms_pack_size_check CHECK (pack_size >= 1),
    -- Minor units of `currency`; both NULL when no cost was given.
    unit_cost      BIGINT CONSTRAINT supplier_terms_unit_cost_check CHECK (unit_cost >= 0),
    currency       TEXT,
    updated_by     TEXT NOT NULL,
    updated_at     BIGINT NOT NULL,
    CONSTRAINT supplier_terms_cost_check CHECK ((unit_cost IS NULL) = (currency IS NULL))
);
CREATE INDEX supplier_terms_supplier_idx ON supplier_terms (supplier_name);

ALTER TABLE purchase_order ADD COLUMN submitted_at BIGINT;
UPDATE purchase_order SET submitted_at = created_at;
