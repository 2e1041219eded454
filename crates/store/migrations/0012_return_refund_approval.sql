-- Who approved a return's refund: a role that may refund, when it authorized the
-- return or later. A return refunds (on authorization, on receipt, an exchange's
-- difference) only on the authority recorded here. Returns authorized before this
-- migration have none: their refunds wait for someone who may refund to approve them.
ALTER TABLE return_request ADD COLUMN refund_approved_by TEXT;
ALTER TABLE return_request ADD COLUMN refund_approved_role TEXT
    CONSTRAINT return_request_refund_approved_role_check
    CHECK (refund_approved_role IN ('admin', 'manager', 'warehouse', 'support', 'viewer'));
ALTER TABLE return_request ADD COLUMN refund_approved_at BIGINT;
