-- No query reads orders by exact customer email: the order search (`?q=`) goes
-- through SQLite's trigram index (`order_search`) or PostgreSQL's trigram indexes,
-- and customer pages look an order up by id or number. The index only cost every
-- placement an insert at a random place in a B-tree: on SQLite one more page in
-- each group commit's log and in every checkpoint.
DROP INDEX sales_order_email_idx;
