-- Idempotency keys, kept so that a request can never run twice: each run of a keyed
-- request holds a fresh claim, and its write transaction marks the key `committed`
-- in the same transaction as the write (only under the claim it holds). The response
-- is stored afterwards for a request that changed something; a key whose request
-- changed nothing is forgotten. Keys expire (24 h unless the server is told otherwise)
-- and are pruned. Replaces idempotency_key, whose rows are carried over.
CREATE TABLE idempotent_request (
    principal        TEXT NOT NULL,
    key              TEXT NOT NULL,
    -- SHA-256 of the method, path, query and the body in canonical form.
    request_hash     TEXT NOT NULL,
    -- The run of the request that may commit under this key.
    claim            TEXT NOT NULL,
    state            TEXT NOT NULL
        CONSTRAINT idempotent_request_state_check CHECK (state IN ('in_flight', 'committed', 'done')),
    status_code      BIGINT,
    -- JSON array of the response headers worth replaying (Location, Content-Type).
    response_headers TEXT,
    response_body    TEXT,
    created_at       BIGINT NOT NULL,
    -- When the run holding the claim was last known to be running: it beats every few
    -- seconds, so a run not heard from for longer died with its process.
    alive_at         BIGINT NOT NULL,
    expires_at       BIGINT NOT NULL,
    CONSTRAINT idempotent_request_pkey PRIMARY KEY (principal, key)
);
CREATE INDEX idempotent_request_expires_idx ON idempotent_request (expires_at);

INSERT INTO idempotent_request
    (principal, key, request_hash, claim, state, status_code, response_headers, response_body, created_at, alive_at,
     expires_at)
SELECT principal, key, request_hash, 'carried-over', state, status_code, response_headers, response_body,
       created_at, created_at, created_at + 86400000000
FROM idempotency_key;

DROP TABLE idempotency_key;
