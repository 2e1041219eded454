-- A channel's customer emails: kinds it does not send (a JSON array of kind names),
-- the sender name and the reply-to address. Marketplaces that mail their own
-- customers start with every kind off (core::mail::ChannelEmail::default_for); the
-- channels that exist get that same default here.

ALTER TABLE channel ADD COLUMN email_kinds_off TEXT NOT NULL DEFAULT '[]';
ALTER TABLE channel ADD COLUMN email_sender_name TEXT;
ALTER TABLE channel ADD COLUMN email_reply_to TEXT;

UPDATE channel SET email_kinds_off = '["order_received","backordered","shipped","out_for_delivery","delivered","running_late","cancelled","refund_issued","return_authorized","return_received","exchange_placed","payment_failed"]'
WHERE kind IN ('amazon', 'ebay', 'etsy');

-- When the customer was told a shipment is running late (its promised delivery
-- passed, not delivered): the sweep tells them once per shipment.
ALTER TABLE shipment ADD COLUMN late_notified_at BIGINT;
