-- Payments and refunds: each order's attempts to take money through its channel's
-- provider, and every authorization, capture, void and refund as a transaction. The
-- order's payment_status is derived from the transactions, in the same transaction.

-- One attempt to get an order's money authorized (or captured): its provider, the
-- customer's payment-method token (never a card number) and the provider's answer.
CREATE TABLE payment (
    id          TEXT PRIMARY KEY,
    order_id    TEXT NOT NULL REFERENCES sales_order (id),
    provider    TEXT NOT NULL CONSTRAINT payment_provider_check CHECK (provider IN ('manual', 'channel', 'test')),
    method_token TEXT,
    amount      BIGINT NOT NULL CONSTRAINT payment_amount_check CHECK (amount >= 0),
    currency    TEXT NOT NULL,
    status      TEXT NOT NULL CONSTRAINT payment_status_check CHECK (status IN ('approved', 'declined', 'failed')),
    -- The provider's reference for the authorization, when approved.
    reference   TEXT,
    -- Why it was declined or failed.
    message     TEXT,
    actor       TEXT NOT NULL,
    created_at  BIGINT NOT NULL
);
CREATE INDEX payment_order_idx ON payment (order_id, id);

-- What happened to an approved payment's money. `lines` (JSON) says what a capture,
-- void or refund covered of each order line ([{line_no, quantity, amount}]);
-- `shipping` the part of `amount` that was shipping and its tax.
CREATE TABLE payment_transaction (
    id                  TEXT PRIMARY KEY,
    payment_id          TEXT NOT NULL REFERENCES payment (id),
    order_id            TEXT NOT NULL REFERENCES sales_order (id),
    kind                TEXT NOT NULL
        CONSTRAINT payment_transaction_kind_check CHECK (kind IN ('authorization', 'capture', 'void', 'refund')),
    amount              BIGINT NOT NULL CONSTRAINT payment_transaction_amount_check CHECK (amount > 0),
    currency            TEXT NOT NULL,
    shipment_id         TEXT REFERENCES shipment (id),
    refund_reason       TEXT CONSTRAINT payment_transaction_reason_check CHECK (refund_reason IN
        ('return', 'claim', 'appeasement', 'cancellation', 'exchange_difference', 'other')),
    appeasement_reason  TEXT,
    note                TEXT,
    -- What the refund settles (an RMA or claim number).
    settles             TEXT,
    lines               TEXT NOT NULL,
    shipping            BIGINT NOT NULL DEFAULT 0,
    provider_reference  TEXT NOT NULL,
    actor               TEXT NOT NULL,
    created_at          BIGINT NOT NULL,
    CONSTRAINT payment_transaction_reason_kind_check CHECK ((kind = 'refund') = (refund_reason IS NOT NULL))
);
CREATE INDEX payment_transaction_order_idx ON payment_transaction (order_id, id);
CREATE INDEX payment_transaction_shipment_idx ON payment_transaction (shipment_id);
