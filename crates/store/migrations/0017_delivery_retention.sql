-- Finished deliveries by when they finished, for the sweep that forgets them after
-- core::delivery::RETAIN (the states are core's DeliveryState::DONE).
CREATE INDEX delivery_finished_idx ON delivery (finished_at) WHERE state IN ('delivered', 'skipped');
