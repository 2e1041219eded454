-- Payment requests waiting for their provider's answer. A change that moves money
-- (placement, a shipment, a cancellation, a refund) writes its request here in its own
-- transaction; the provider is asked after the commit, outside any transaction, and
-- the answer is written (payment or payment_transaction) in a second one that deletes
-- the request. A request left here by a process that stopped is asked again by the
-- sweep with the same id, which the provider keeps as its idempotency key.
CREATE TABLE payment_request (
    -- The payment's (an authorization) or the transaction's id: the idempotency key.
    id          TEXT PRIMARY KEY,
    order_id    TEXT NOT NULL REFERENCES sales_order (id),
    provider    TEXT NOT NULL,
    kind        TEXT NOT NULL
        CONSTRAINT payment_request_kind_check CHECK (kind IN ('authorization', 'capture', 'void', 'refund')),
    amount      BIGINT NOT NULL CONSTRAINT payment_request_amount_check CHECK (amount > 0),
    currency    TEXT NOT NULL,
    -- The payment method's token the provider charges.
    token       TEXT,
    -- JSON: the payment or transaction to write when the provider approves.
    record      TEXT NOT NULL,
    created_at  BIGINT NOT NULL
);
CREATE INDEX payment_request_order_idx ON payment_request (order_id, id);
CREATE INDEX payment_request_created_idx ON payment_request (created_at);
