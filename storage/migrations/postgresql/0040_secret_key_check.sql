-- PostgreSQL twin of ../0040_secret_key_check.sql: which VIGIL_SECRET_KEY made the pseudonyms in this
-- database (an HMAC of a fixed text under the key), so that a changed key is noticed at start-up.
CREATE TABLE secret_key_check (
    id          BIGINT  PRIMARY KEY CHECK (id = 1),
    key_check   TEXT    NOT NULL,
    recorded_at TEXT    NOT NULL
);
