-- Issue 23: which VIGIL_SECRET_KEY made the pseudonyms in this database, so that a changed key is
-- noticed at start-up instead of silently giving every resident and verifier a new pseudonym (a
-- verifier who already voted on an open report could vote again). `key_check` is an HMAC of a
-- fixed text under the key: it says nothing about the key, only whether it is the same one.
CREATE TABLE secret_key_check (
    id          INTEGER PRIMARY KEY CHECK (id = 1),
    key_check   TEXT    NOT NULL,
    recorded_at TEXT    NOT NULL
);
