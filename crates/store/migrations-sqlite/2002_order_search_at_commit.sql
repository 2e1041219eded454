-- SQLite only: a new order's row in `order_search` is written by the store with the
-- other append-only rows of its write batch, just before the batch's COMMIT, rather
-- than by a trigger inside the order's own savepoint: FTS5 flushes its pending terms
-- at every savepoint, which made each placement's INSERT about 25 µs dearer while
-- it held the writer's turn. The row still commits or rolls back with its order.
DROP TRIGGER sales_order_search;
