-- Order lists are newest first (ORDER BY id DESC) and usually filtered by status,
-- fulfilment status or channel. With an index on the filter column alone, the
-- database reads every matching order and sorts them to return one page (a million
-- cancelled orders for `status=cancelled`); with the id after the filter column it
-- walks the index in order and stops after the page.
DROP INDEX sales_order_status_idx;
DROP INDEX sales_order_channel_idx;
CREATE INDEX sales_order_status_idx ON sales_order (status, id);
CREATE INDEX sales_order_fulfilment_idx ON sales_order (fulfilment_status, id);
CREATE INDEX sales_order_channel_idx ON sales_order (channel_id, id);
