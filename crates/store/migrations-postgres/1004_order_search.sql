-- PostgreSQL only: order search (`GET /orders?q=`) matches a substring of the number,
-- external id, email or name case-insensitively; trigram indexes on the lower-cased
-- columns find it without reading every order. The extension lives in `public`,
-- whatever schema the migrations run in, and its operator class is named there.
CREATE EXTENSION IF NOT EXISTS pg_trgm WITH SCHEMA public;
CREATE INDEX sales_order_number_trgm ON sales_order USING gin (LOWER(number) public.gin_trgm_ops);
CREATE INDEX sales_order_external_trgm ON sales_order USING gin (LOWER(external_id) public.gin_trgm_ops);
CREATE INDEX sales_order_email_trgm ON sales_order USING gin (LOWER(customer_email) public.gin_trgm_ops);
CREATE INDEX sales_order_name_trgm ON sales_order USING gin (LOWER(customer_name) public.gin_trgm_ops);
