-- Customer care pages (the dashboard, the order list's saved views, the customer page).

-- A user's saved view of the order list: a name and the list's query string (its
-- filters, checked by core::order_list when saved). One name once per user: saving
-- the name again replaces its filters.
CREATE TABLE saved_view (
    id         TEXT PRIMARY KEY,
    user_id    TEXT NOT NULL REFERENCES app_user (id),
    name       TEXT NOT NULL,
    query      TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    CONSTRAINT saved_view_user_name_key UNIQUE (user_id, name)
);

-- The customer page lists every order of one email, newest first: with the id after
-- the email it walks one customer's orders in order and stops after the page (0009
-- dropped the email-only index, which no query used then).
CREATE INDEX sales_order_customer_idx ON sales_order (customer_email, id);

-- The dashboard's low stock: the SKUs that backordered lines wait for. Few lines are
-- backordered at a time, so the partial index stays small.
CREATE INDEX order_line_backordered_idx ON order_line (product_id) WHERE status = 'backordered';

-- The dashboard's "late against promise": shipments awaiting delivery whose promised
-- delivery passed, found by status and time instead of reading every open shipment.
CREATE INDEX shipment_promised_delivery_idx ON shipment (status, promised_delivery_at);
