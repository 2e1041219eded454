-- The stock report's "days since last receipt" reads the newest receipt of every
-- balance. Without this index both databases walked every ledger row (receipts are
-- a few in a thousand of them: reservations, picks and shipments are the rest); with
-- it they read only the receipts. The report names the kind as a literal so the
-- planner can use the partial index.
CREATE INDEX stock_movement_receipt_idx ON stock_movement (product_id, location_id, created_at)
    WHERE kind = 'receipt';
