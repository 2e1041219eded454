-- Delivery quality and perfect orders (core::report::{delivery, perfect}): daily
-- roll-ups of the orders placed each day in the seller's time zone, like 0022's.

-- Delivered shipments per key, whole days late and whose fault (on_time, warehouse,
-- carrier, both, unknown): a histogram, so percentiles of any period are exact.
CREATE TABLE report_delivery_daily (
    day          TEXT NOT NULL,
    channel_id   TEXT NOT NULL,
    location_id  TEXT NOT NULL,
    carrier      TEXT NOT NULL,
    service      TEXT NOT NULL,
    ship_country TEXT NOT NULL,
    days_late    BIGINT NOT NULL,
    cause        TEXT NOT NULL,
    shipments    BIGINT NOT NULL,
    PRIMARY KEY (day, channel_id, location_id, carrier, service, ship_country, days_late, cause)
);

-- Shipped shipments per key and whole hours (started) from placement to shipment.
CREATE TABLE report_ship_time_daily (
    day          TEXT NOT NULL,
    channel_id   TEXT NOT NULL,
    location_id  TEXT NOT NULL,
    carrier      TEXT NOT NULL,
    service      TEXT NOT NULL,
    ship_country TEXT NOT NULL,
    hours        BIGINT NOT NULL,
    shipments    BIGINT NOT NULL,
    PRIMARY KEY (day, channel_id, location_id, carrier, service, ship_country, hours)
);

-- Decided orders per channel, location and carrier of the first shipment: judged,
-- perfect, cancelled by the customer, and failed per component.
CREATE TABLE report_perfect_daily (
    day                TEXT NOT NULL,
    channel_id         TEXT NOT NULL,
    location_id        TEXT NOT NULL,
    carrier            TEXT NOT NULL,
    decided            BIGINT NOT NULL,
    perfect            BIGINT NOT NULL,
    customer_cancelled BIGINT NOT NULL,
    late               BIGINT NOT NULL,
    incomplete         BIGINT NOT NULL,
    damaged            BIGINT NOT NULL,
    wrong              BIGINT NOT NULL,
    PRIMARY KEY (day, channel_id, location_id, carrier)
);

-- The judged orders that were not perfect, and which components they failed (0/1).
CREATE TABLE report_perfect_failure (
    day         TEXT NOT NULL,
    order_id    TEXT NOT NULL,
    number      TEXT NOT NULL,
    channel_id  TEXT NOT NULL,
    location_id TEXT NOT NULL,
    carrier     TEXT NOT NULL,
    late        BIGINT NOT NULL,
    incomplete  BIGINT NOT NULL,
    damaged     BIGINT NOT NULL,
    wrong       BIGINT NOT NULL,
    PRIMARY KEY (day, order_id)
);
