-- PostgreSQL only: purchase orders may be drafts (made from replenishment suggestions,
-- not yet sent). SQLite rebuilds the table for the same change (2003).
ALTER TABLE purchase_order DROP CONSTRAINT purchase_order_status_check;
ALTER TABLE purchase_order ADD CONSTRAINT purchase_order_status_check
    CHECK (status IN ('draft', 'open', 'partially_received', 'received', 'closed', 'cancelled'));
