-- An order's own messages (the emails its page lists and resends) found without
-- reading the whole outbox.
CREATE INDEX outbox_message_aggregate_idx ON outbox_message (aggregate_id, id);
