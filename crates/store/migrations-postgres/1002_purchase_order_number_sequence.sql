-- PostgreSQL only: purchase order numbers from a sequence, like order numbers (1001).
CREATE SEQUENCE purchase_order_number_seq START WITH 1001;
