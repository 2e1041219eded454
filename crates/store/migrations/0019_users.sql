-- People who sign in to the web UI. The email is kept lowercase and is how they sign
-- in; the password only as an argon2id hash (PHC string). A disabled user cannot sign
-- in and their sessions end.
CREATE TABLE app_user (
    id            TEXT PRIMARY KEY,
    name          TEXT NOT NULL,
    email         TEXT NOT NULL CONSTRAINT app_user_email_key UNIQUE,
    role          TEXT NOT NULL
        CONSTRAINT app_user_role_check CHECK (role IN ('admin', 'manager', 'warehouse', 'support', 'viewer')),
    password_hash TEXT NOT NULL,
    created_at    BIGINT NOT NULL,
    updated_at    BIGINT NOT NULL,
    disabled_at   BIGINT
);

-- A signed-in browser. The cookie holds a random token; only its SHA-256 is kept, so
-- a copy of the database signs no one in. `csrf_token` is what the session's forms
-- must send back.
CREATE TABLE user_session (
    id           TEXT PRIMARY KEY,
    token_hash   TEXT NOT NULL CONSTRAINT user_session_token_key UNIQUE,
    user_id      TEXT NOT NULL REFERENCES app_user (id),
    csrf_token   TEXT NOT NULL,
    user_agent   TEXT NOT NULL,
    created_at   BIGINT NOT NULL,
    last_seen_at BIGINT NOT NULL,
    ended_at     BIGINT
);
CREATE INDEX user_session_user ON user_session (user_id, created_at);

-- Failed attempts that count towards a limit (wrong passwords, customer look-ups that
-- found nothing), by kind and by who made them (an email, an address). Rows older
-- than any window are deleted as new ones come.
CREATE TABLE throttle_event (
    bucket  TEXT NOT NULL,
    subject TEXT NOT NULL,
    at      BIGINT NOT NULL
);
CREATE INDEX throttle_event_subject ON throttle_event (bucket, subject, at);

-- Every change made in the web UI: who, what, on what, when.
CREATE TABLE audit_entry (
    id       TEXT PRIMARY KEY,
    at       BIGINT NOT NULL,
    user_id  TEXT REFERENCES app_user (id),
    actor    TEXT NOT NULL,
    action   TEXT NOT NULL,
    subject  TEXT NOT NULL,
    detail   TEXT NOT NULL
);
CREATE INDEX audit_entry_user ON audit_entry (user_id, id);
