-- How each channel takes money and accepts returns.

ALTER TABLE channel ADD COLUMN payment_provider TEXT NOT NULL DEFAULT 'manual'
    CONSTRAINT channel_payment_provider_check CHECK (payment_provider IN ('manual', 'channel', 'test'));
ALTER TABLE channel ADD COLUMN capture_mode TEXT NOT NULL DEFAULT 'on_shipment'
    CONSTRAINT channel_capture_mode_check CHECK (capture_mode IN ('on_shipment', 'on_placement'));
-- Days after delivery (or shipment) a return may be requested.
ALTER TABLE channel ADD COLUMN return_window_days BIGINT NOT NULL DEFAULT 30
    CONSTRAINT channel_return_window_check CHECK (return_window_days BETWEEN 0 AND 365);
ALTER TABLE channel ADD COLUMN refund_on TEXT NOT NULL DEFAULT 'receipt'
    CONSTRAINT channel_refund_on_check CHECK (refund_on IN ('receipt', 'authorization'));
ALTER TABLE channel ADD COLUMN restocking_fee_percent BIGINT NOT NULL DEFAULT 0
    CONSTRAINT channel_restocking_fee_check CHECK (restocking_fee_percent BETWEEN 0 AND 100);
