-- Fulfilment and shipping: reserved stock released to a location's floor as shipments,
-- pick lists walking product bins, scan-verified packing, labels from carriers, and
-- tracking to the customer's door.

-- `manual`: an operator releases a location's work; `auto`: the server releases it as it comes.
ALTER TABLE location ADD COLUMN release_mode TEXT NOT NULL DEFAULT 'manual'
    CONSTRAINT location_release_mode_check CHECK (release_mode IN ('manual', 'auto'));

-- Where a product is kept at a location. Pick lists walk bins in text order, so codes
-- like A-03-2 should be zero-padded where they must sort (A-03 before A-10).
CREATE TABLE product_bin (
    product_id  TEXT NOT NULL REFERENCES product (id),
    location_id TEXT NOT NULL REFERENCES location (id),
    bin         TEXT NOT NULL,
    updated_at  BIGINT NOT NULL,
    CONSTRAINT product_bin_pkey PRIMARY KEY (product_id, location_id)
);
CREATE INDEX product_bin_location_idx ON product_bin (location_id, bin);

-- A batch of a location's shipments picked in one walk; `criteria` (JSON) says how it
-- was chosen.
CREATE TABLE pick_list (
    id           TEXT PRIMARY KEY,
    number       TEXT NOT NULL CONSTRAINT pick_list_number_key UNIQUE,
    location_id  TEXT NOT NULL REFERENCES location (id),
    status       TEXT NOT NULL CONSTRAINT pick_list_status_check CHECK (status IN ('open', 'completed')),
    criteria     TEXT NOT NULL,
    created_by   TEXT NOT NULL,
    created_at   BIGINT NOT NULL,
    completed_by TEXT,
    completed_at BIGINT,
    CONSTRAINT pick_list_completed_check CHECK ((status = 'completed') = (completed_at IS NOT NULL))
);
CREATE INDEX pick_list_location_idx ON pick_list (location_id, status);
INSERT INTO counter (name, value) VALUES ('pick_list_number', 1000);

-- What one location sends for one order. `number` is the order's number with the
-- shipment's place among the order's shipments (SO-100513-1).
CREATE TABLE shipment (
    id                   TEXT PRIMARY KEY,
    number               TEXT NOT NULL CONSTRAINT shipment_number_key UNIQUE,
    order_id             TEXT NOT NULL REFERENCES sales_order (id),
    location_id          TEXT NOT NULL REFERENCES location (id),
    status               TEXT NOT NULL
        CONSTRAINT shipment_status_check CHECK (status IN ('released', 'picking', 'packed', 'label_created', 'shipped',
            'in_transit', 'out_for_delivery', 'delivered', 'exception', 'returned_to_sender', 'cancelled')),
    service_level        TEXT NOT NULL,
    pick_list_id         TEXT REFERENCES pick_list (id),
    -- The shipment's tote on its pick list, 1 to n.
    pick_slot            BIGINT,
    carrier              TEXT,
    provider             TEXT CONSTRAINT shipment_provider_check CHECK (provider IN ('manual', 'simulated')),
    service              TEXT,
    tracking_number      TEXT,
    label_cost           BIGINT,
    label_currency       TEXT,
    package_type         TEXT,
    weight_grams         BIGINT CONSTRAINT shipment_weight_check CHECK (weight_grams > 0),
    length_mm            BIGINT,
    width_mm             BIGINT,
    height_mm            BIGINT,
    promised_ship_at     BIGINT,
    promised_delivery_at BIGINT,
    released_at          BIGINT NOT NULL,
    picked_at            BIGINT,
    packed_at            BIGINT,
    label_created_at     BIGINT,
    shipped_at           BIGINT,
    delivered_at         BIGINT,
    cancelled_at         BIGINT,
    -- When the latest tracking event that moved the status happened.
    last_event_at        BIGINT,
    created_at           BIGINT NOT NULL,
    updated_at           BIGINT NOT NULL,
    version              BIGINT NOT NULL,
    CONSTRAINT shipment_tracking_key UNIQUE (carrier, tracking_number),
    CONSTRAINT shipment_label_check CHECK ((tracking_number IS NULL) OR (carrier IS NOT NULL AND provider IS NOT NULL)),
    CONSTRAINT shipment_cost_check CHECK ((label_cost IS NULL) = (label_currency IS NULL) AND label_cost >= 0)
);
CREATE INDEX shipment_order_idx ON shipment (order_id);
CREATE INDEX shipment_floor_idx ON shipment (location_id, status);
CREATE INDEX shipment_status_idx ON shipment (status, promised_ship_at);
CREATE INDEX shipment_pick_list_idx ON shipment (pick_list_id);

-- What a shipment holds: per order line and product (a kit line holds its components).
-- `open` lines travel; a `short` line was short-picked and went back to routing; a
-- `withdrawn` line left with another line of a ship-complete order.
CREATE TABLE shipment_line (
    shipment_id     TEXT NOT NULL REFERENCES shipment (id),
    line_id         TEXT NOT NULL REFERENCES order_line (id),
    product_id      TEXT NOT NULL REFERENCES product (id),
    quantity        BIGINT NOT NULL CONSTRAINT shipment_line_quantity_check CHECK (quantity > 0),
    picked_quantity BIGINT,
    status          TEXT NOT NULL CONSTRAINT shipment_line_status_check CHECK (status IN ('open', 'short', 'withdrawn')),
    CONSTRAINT shipment_line_pkey PRIMARY KEY (shipment_id, line_id, product_id),
    CONSTRAINT shipment_line_picked_check CHECK (picked_quantity >= 0 AND picked_quantity <= quantity)
);
CREATE INDEX shipment_line_line_idx ON shipment_line (line_id);

-- A reservation joins a shipment when its location's work is released; until then it waits.
ALTER TABLE reservation ADD COLUMN shipment_id TEXT REFERENCES shipment (id);
CREATE INDEX reservation_pending_idx ON reservation (location_id, shipment_id);
CREATE INDEX reservation_shipment_idx ON reservation (shipment_id);

-- A shipment's tracking timeline. An event identical to one already recorded (same
-- status, time, place and words) is a duplicate and is ignored; `applied` says
-- whether it moved the shipment, and `note` why not.
CREATE TABLE shipment_event (
    id          TEXT PRIMARY KEY,
    shipment_id TEXT NOT NULL REFERENCES shipment (id),
    status      TEXT NOT NULL
        CONSTRAINT shipment_event_status_check CHECK (status IN ('in_transit', 'out_for_delivery', 'delivered',
            'exception', 'returned_to_sender')),
    occurred_at BIGINT NOT NULL,
    location    TEXT NOT NULL,
    description TEXT NOT NULL,
    source      TEXT NOT NULL,
    applied     BIGINT NOT NULL CONSTRAINT shipment_event_applied_check CHECK (applied IN (0, 1)),
    note        TEXT,
    received_at BIGINT NOT NULL,
    CONSTRAINT shipment_event_key UNIQUE (shipment_id, status, occurred_at, location, description)
);
