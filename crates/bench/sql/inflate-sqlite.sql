-- Grows a SQLite database the load generator has placed orders in to about a
-- million orders, for the "N orders stored" benchmarks (order list and search, memory,
-- start-up): each order already stored is copied COPIES times with a fresh id, number
-- and external id, as a cancelled order with cancelled lines. Cancelled orders hold no
-- stock and have no reservations, so `switchyard check` stays clean; their timelines,
-- payments and ledger rows are not copied.
--
--   sqlite3 -bail bench.db ".parameter set :copies 94" ".read crates/bench/sql/inflate-sqlite.sql"
--
-- The copy of order X with row number r in the copy table keeps X's time part (the
-- first 10 characters of the id body, so copies sort with their original) and puts r
-- + 2^29, in the id's own base32 alphabet, in the next six: where an id made by the
-- server has its sequence number, which never reaches 2^29 in one run.

PRAGMA foreign_keys = ON;
BEGIN;

CREATE TEMP TABLE copy_n AS
WITH RECURSIVE n(c) AS (SELECT 1 UNION ALL SELECT c + 1 FROM n WHERE c < :copies)
SELECT c FROM n;

CREATE TEMP TABLE order_copy AS SELECT o.* FROM sales_order o, copy_n;
ALTER TABLE order_copy ADD COLUMN original TEXT;
UPDATE order_copy SET original = id;

CREATE TEMP TABLE b32 AS SELECT '0123456789abcdefghjkmnpqrstvwxyz' AS a;
UPDATE order_copy SET
    id = substr(original, 1, 14)
        || (SELECT substr(a, (order_copy.rowid >> 25) % 32 + 17, 1) || substr(a, (order_copy.rowid >> 20) % 32 + 1, 1)
                || substr(a, (order_copy.rowid >> 15) % 32 + 1, 1) || substr(a, (order_copy.rowid >> 10) % 32 + 1, 1)
                || substr(a, (order_copy.rowid >> 5) % 32 + 1, 1) || substr(a, order_copy.rowid % 32 + 1, 1) FROM b32)
        || substr(original, 21),
    number = 'SO-C' || rowid,
    external_id = CASE WHEN external_id IS NULL THEN NULL ELSE external_id || '-c' || rowid END,
    status = 'cancelled',
    fulfilment_status = 'unallocated',
    -- A zero-value order (an exchange's replacement) is paid with no payment records.
    payment_status = CASE WHEN grand_total = 0 THEN payment_status ELSE 'pending' END,
    hold_reason = NULL,
    hold_note = NULL,
    hold_until = NULL;

CREATE TEMP TABLE id_map AS SELECT id, original FROM order_copy;
CREATE INDEX temp.id_map_original ON id_map (original);
ALTER TABLE order_copy DROP COLUMN original;

INSERT INTO sales_order SELECT * FROM order_copy;
-- Orders' search rows are written by the store, not by a trigger
-- (migrations-sqlite/2002): the copies need theirs.
INSERT INTO order_search (order_id, number, external_id, customer_email, customer_name)
    SELECT id, number, external_id, customer_email, customer_name FROM order_copy;

CREATE TEMP TABLE line_copy AS
SELECT l.*, m.id AS copy_of_order FROM order_line l JOIN id_map m ON m.original = l.order_id;
UPDATE line_copy SET
    id = substr(id, 1, 14)
        || (SELECT substr(a, (line_copy.rowid >> 25) % 32 + 17, 1) || substr(a, (line_copy.rowid >> 20) % 32 + 1, 1)
                || substr(a, (line_copy.rowid >> 15) % 32 + 1, 1) || substr(a, (line_copy.rowid >> 10) % 32 + 1, 1)
                || substr(a, (line_copy.rowid >> 5) % 32 + 1, 1) || substr(a, line_copy.rowid % 32 + 1, 1) FROM b32)
        || substr(id, 21),
    order_id = copy_of_order,
    status = 'cancelled',
    expected_at = NULL;
ALTER TABLE line_copy DROP COLUMN copy_of_order;
INSERT INTO order_line SELECT * FROM line_copy;

COMMIT;
