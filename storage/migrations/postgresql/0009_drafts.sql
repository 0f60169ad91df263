-- PostgreSQL twin of ../0009_drafts.sql (same number; SQLite's types become BIGINT, BYTEA, DOUBLE PRECISION).
-- Issue 13: a resident's draft survives a restart. Keyed by the reporter's pseudonym (never their
-- Telegram id); photos are stored already cleaned of every byte of metadata. Deleted on Send,
-- discard, /forgetme, or by the purge once older than [retention] draft_hours.
CREATE TABLE drafts (
    reporter_pseudonym TEXT    PRIMARY KEY,
    started_at         TEXT    NOT NULL,
    updated_at         TEXT    NOT NULL,
    neighborhood_key   TEXT,
    indicators         TEXT    NOT NULL DEFAULT '[]',
    description        TEXT    NOT NULL DEFAULT '',
    opened_by_message  BIGINT   -- the resident's message that started it: older panels are not its own
);
CREATE INDEX drafts_by_start ON drafts (started_at);

CREATE TABLE draft_photos (
    reporter_pseudonym TEXT    NOT NULL REFERENCES drafts (reporter_pseudonym) ON DELETE CASCADE,
    position           BIGINT NOT NULL,
    data               BYTEA    NOT NULL,
    width              BIGINT NOT NULL,
    height             BIGINT NOT NULL,
    PRIMARY KEY (reporter_pseudonym, position)
);
