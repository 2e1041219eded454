-- PostgreSQL only: return (RMA) numbers from a sequence, like order numbers (1001).
CREATE SEQUENCE return_number_seq START WITH 100001;
