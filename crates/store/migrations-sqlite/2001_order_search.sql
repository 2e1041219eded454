-- SQLite only: order search (`GET /orders?q=`) as a trigram full-text index over the
-- four columns it searches, so a substring of three or more characters is found
-- without reading every order. Rows are added when an order is inserted; these four
-- columns never change afterwards and orders are never deleted.
CREATE VIRTUAL TABLE order_search USING fts5(
    order_id UNINDEXED, number, external_id, customer_email, customer_name,
    tokenize = 'trigram'
);
INSERT INTO order_search (order_id, number, external_id, customer_email, customer_name)
    SELECT id, number, external_id, customer_email, customer_name FROM sales_order;
CREATE TRIGGER sales_order_search AFTER INSERT ON sales_order BEGIN
    INSERT INTO order_search (order_id, number, external_id, customer_email, customer_name)
        VALUES (new.id, new.number, new.external_id, new.customer_email, new.customer_name);
END;
