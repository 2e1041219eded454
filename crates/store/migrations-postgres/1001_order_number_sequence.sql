-- PostgreSQL only: order numbers from a sequence, so concurrent placements never
-- wait on one counter row (SQLite, with one writer at a time, keeps the counter).
CREATE SEQUENCE order_number_seq START WITH 100001;
