-- Reports, the ballots on them, and where each alert was posted.
-- Reporters appear only as a keyed pseudonym (HMAC); their private chat id sits in its own
-- table so it can be erased as soon as the report is closed and they have been told.

CREATE TABLE reports (
    id                 INTEGER PRIMARY KEY,
    public_ref         TEXT    NOT NULL UNIQUE,
    reporter_pseudonym TEXT    NOT NULL,
    neighborhood_key   TEXT    NOT NULL,
    indicators         TEXT    NOT NULL DEFAULT '[]',   -- JSON array of indicator codes
    description        TEXT    NOT NULL DEFAULT '',
    reporter_language  TEXT    NOT NULL,
    status             TEXT    NOT NULL DEFAULT 'pending'
                       CHECK (status IN ('pending', 'published', 'rejected', 'expired', 'merged')),
    created_at         TEXT    NOT NULL,                -- ISO 8601, UTC
    closed_at          TEXT,
    card_chat_id       INTEGER,
    card_message_id    INTEGER
);
CREATE INDEX reports_by_status ON reports (status);

-- file_id of the cleaned photo as uploaded to the verifier group, never the resident's original.
CREATE TABLE report_photos (
    report_id INTEGER NOT NULL REFERENCES reports (id) ON DELETE CASCADE,
    position  INTEGER NOT NULL,
    file_id   TEXT    NOT NULL,
    PRIMARY KEY (report_id, position)
);

CREATE TABLE votes (
    report_id     INTEGER NOT NULL REFERENCES reports (id) ON DELETE CASCADE,
    verifier_id   INTEGER NOT NULL,
    verifier_name TEXT    NOT NULL,
    kind          TEXT    NOT NULL CHECK (kind IN ('confirm', 'false_alarm')),
    cast_at       TEXT    NOT NULL,
    UNIQUE (report_id, verifier_id)
);

CREATE TABLE reporter_contacts (
    report_id INTEGER PRIMARY KEY REFERENCES reports (id) ON DELETE CASCADE,
    chat_id   INTEGER NOT NULL
);

CREATE TABLE channel_posts (
    report_id  INTEGER NOT NULL REFERENCES reports (id) ON DELETE CASCADE,
    channel_id INTEGER NOT NULL,
    message_id INTEGER,           -- NULL when the post failed; `error` says why
    error      TEXT,
    posted_at  TEXT    NOT NULL,
    UNIQUE (report_id, channel_id)
);

CREATE TABLE resident_settings (
    pseudonym TEXT PRIMARY KEY,
    language  TEXT NOT NULL
);
