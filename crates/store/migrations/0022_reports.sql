-- Reports read daily roll-ups, never the order tables (core::report). A roll-up row
-- sums the orders placed on one day of the seller's time zone.

-- The seller's time zone the days are cut in, and the lease of the one worker that
-- refreshes the roll-ups at a time (every instance runs the sweep; one holds the lease).
CREATE TABLE report_setting (
    id            BIGINT PRIMARY KEY CONSTRAINT report_setting_one_check CHECK (id = 1),
    time_zone     TEXT NOT NULL,
    lease_token   TEXT,
    lease_until   BIGINT,
    refreshed_at  BIGINT,
    updated_at    BIGINT NOT NULL
);
INSERT INTO report_setting (id, time_zone, updated_at) VALUES (1, 'UTC', 0);

-- Orders whose roll-ups may be out of date: written with every order event, in the
-- same transaction, bumping `version`; the refresh recomputes the days of the orders
-- it read and deletes each row only at the version it read.
CREATE TABLE report_change (
    order_id TEXT PRIMARY KEY,
    version  BIGINT NOT NULL
);

-- Channel performance: per day, channel, location and carrier of the order's first
-- shipment ('' before it has one), destination country and currency.
CREATE TABLE report_sales_daily (
    day              TEXT NOT NULL,
    channel_id       TEXT NOT NULL,
    location_id      TEXT NOT NULL,
    carrier          TEXT NOT NULL,
    ship_country     TEXT NOT NULL,
    currency         TEXT NOT NULL,
    orders           BIGINT NOT NULL,
    units            BIGINT NOT NULL,
    gross            BIGINT NOT NULL,
    discount         BIGINT NOT NULL,
    cancelled        BIGINT NOT NULL,
    refunded         BIGINT NOT NULL,
    net              BIGINT NOT NULL,
    cancelled_orders BIGINT NOT NULL,
    returned_orders  BIGINT NOT NULL,
    PRIMARY KEY (day, channel_id, location_id, carrier, ship_country, currency)
);

-- Per SKU: the demand history forecasts read, and the SKU filter of the reports.
CREATE TABLE report_sku_daily (
    day             TEXT NOT NULL,
    product_id      TEXT NOT NULL,
    channel_id      TEXT NOT NULL,
    location_id     TEXT NOT NULL,
    currency        TEXT NOT NULL,
    orders          BIGINT NOT NULL,
    units           BIGINT NOT NULL,
    revenue         BIGINT NOT NULL,
    cancelled_units BIGINT NOT NULL,
    returned_units  BIGINT NOT NULL,
    PRIMARY KEY (day, product_id, channel_id, location_id, currency)
);
CREATE INDEX report_sku_daily_product_idx ON report_sku_daily (product_id, day);

-- Orders per hour of the seller's clock, per channel, location and carrier of the
-- order's first shipment ('' before it has one), as in report_sales_daily.
CREATE TABLE report_hour_daily (
    day         TEXT NOT NULL,
    hour        BIGINT NOT NULL,
    channel_id  TEXT NOT NULL,
    location_id TEXT NOT NULL,
    carrier     TEXT NOT NULL,
    orders      BIGINT NOT NULL,
    PRIMARY KEY (day, hour, channel_id, location_id, carrier)
);
