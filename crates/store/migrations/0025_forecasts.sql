-- Stored demand forecasts (core::forecast on core::report::demand histories): per SKU
-- (location_id '') and per SKU × location, 56 days ahead from the day after the
-- history. Kits have none: their sales are their components' demand.

-- When the forecasts were last made, for which seller day, and the lease of the one
-- worker that makes them (every instance runs the sweep; one holds the lease).
CREATE TABLE forecast_setting (
    id           BIGINT PRIMARY KEY CONSTRAINT forecast_setting_one_check CHECK (id = 1),
    made_for     TEXT,
    made_at      BIGINT,
    skus         BIGINT NOT NULL,
    lease_token  TEXT,
    lease_until  BIGINT
);
INSERT INTO forecast_setting (id, skus) VALUES (1, 0);

CREATE TABLE demand_forecast (
    product_id   TEXT NOT NULL REFERENCES product (id),
    -- '' for the SKU everywhere.
    location_id  TEXT NOT NULL,
    method       TEXT NOT NULL,
    error_sd     DOUBLE PRECISION NOT NULL,
    -- The history read: its first day and how many days.
    history_from TEXT NOT NULL,
    history_days BIGINT NOT NULL,
    made_at      BIGINT NOT NULL,
    PRIMARY KEY (product_id, location_id)
);

CREATE TABLE demand_forecast_day (
    product_id  TEXT NOT NULL,
    location_id TEXT NOT NULL,
    day         TEXT NOT NULL,
    mean        DOUBLE PRECISION NOT NULL,
    lo80        DOUBLE PRECISION NOT NULL,
    hi80        DOUBLE PRECISION NOT NULL,
    lo95        DOUBLE PRECISION NOT NULL,
    hi95        DOUBLE PRECISION NOT NULL,
    PRIMARY KEY (product_id, location_id, day)
);
