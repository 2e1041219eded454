-- Routing: what each location can do, where it ships and at what cost and speed, how a
-- channel may split orders, kits, and the promises made when stock is reserved.

ALTER TABLE location ADD COLUMN timezone TEXT NOT NULL DEFAULT 'UTC';
-- Daily cut-off in the location's time zone, in minutes after midnight (960 = 16:00).
ALTER TABLE location ADD COLUMN cutoff_minutes BIGINT NOT NULL DEFAULT 960;
-- Working days between the order reaching the location and the parcel leaving it.
ALTER TABLE location ADD COLUMN handling_days BIGINT NOT NULL DEFAULT 0;
ALTER TABLE location ADD COLUMN ships_to_customers BIGINT NOT NULL DEFAULT 1;
ALTER TABLE location ADD COLUMN allows_pickup BIGINT NOT NULL DEFAULT 0;
-- Set while the location is temporarily out of routing (an outage, a stock take).
ALTER TABLE location ADD COLUMN disabled_at BIGINT;

-- Where a location ships: a destination (country, optionally a region or a postal-code
-- prefix) and a service level, with its cost and transit time. The most specific
-- matching zone of a location applies.
CREATE TABLE shipping_zone (
    id                TEXT PRIMARY KEY,
    location_id       TEXT NOT NULL REFERENCES location (id),
    country           TEXT NOT NULL,
    region            TEXT,
    postal_prefix     TEXT,
    service_level     TEXT NOT NULL
        CONSTRAINT shipping_zone_service_level_check CHECK (service_level IN ('standard', 'express', 'next_day')),
    currency          TEXT NOT NULL,
    cost_per_shipment BIGINT NOT NULL CONSTRAINT shipping_zone_cost_check CHECK (cost_per_shipment >= 0),
    cost_per_kg       BIGINT NOT NULL CONSTRAINT shipping_zone_cost_per_kg_check CHECK (cost_per_kg >= 0),
    transit_days      BIGINT NOT NULL CONSTRAINT shipping_zone_transit_check CHECK (transit_days >= 0),
    created_at        BIGINT NOT NULL
);
CREATE INDEX shipping_zone_location_idx ON shipping_zone (location_id);

-- `allow`: split an order across locations when it must; `ship_complete`: one location or wait.
ALTER TABLE channel ADD COLUMN split_policy TEXT NOT NULL DEFAULT 'allow';

-- A kit is sold as one SKU and reserves its components.
CREATE TABLE kit_component (
    kit_id       TEXT NOT NULL REFERENCES product (id),
    component_id TEXT NOT NULL REFERENCES product (id),
    quantity     BIGINT NOT NULL CONSTRAINT kit_component_quantity_check CHECK (quantity > 0),
    CONSTRAINT kit_component_pkey PRIMARY KEY (kit_id, component_id)
);

-- Higher priority orders are allocated first when backordered stock arrives.
ALTER TABLE sales_order ADD COLUMN priority BIGINT NOT NULL DEFAULT 0;
ALTER TABLE sales_order ADD COLUMN promised_ship_at BIGINT;
ALTER TABLE sales_order ADD COLUMN promised_delivery_at BIGINT;

-- When a backordered line is expected to be served (from inbound purchase orders).
ALTER TABLE order_line ADD COLUMN expected_at BIGINT;

-- The promise made for the shipment a reservation belongs to.
ALTER TABLE reservation ADD COLUMN promised_ship_at BIGINT;
ALTER TABLE reservation ADD COLUMN promised_delivery_at BIGINT;

-- `switchyard check` and cancellation find a line's reservations.
CREATE INDEX reservation_line_idx ON reservation (line_id);
