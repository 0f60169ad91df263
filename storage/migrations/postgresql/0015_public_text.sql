-- PostgreSQL twin of ../0015_public_text.sql (same number; SQLite's types become BIGINT, BYTEA, DOUBLE PRECISION).
-- Issue 9, item 9: the public words are the verifiers' call, and the quorum confirms exactly those
-- words. Additive only: no table is rebuilt.

-- A pending report's public text, once a verifier changed it (no row: the default, version 1, which
-- says where, which signs and when, and none of the resident's words). It goes with its report.
CREATE TABLE public_texts (
    report_id     BIGINT PRIMARY KEY REFERENCES reports (id) ON DELETE CASCADE,
    version       BIGINT NOT NULL CHECK (version >= 1),
    include_words BIGINT NOT NULL DEFAULT 0 CHECK (include_words IN (0, 1)),  -- the resident's words
    note          TEXT    NOT NULL DEFAULT '',                                 -- a verifier's public note
    changed_by    TEXT    NOT NULL,                                            -- first name, for the card
    changed_at    TEXT    NOT NULL
);

-- The version of the public text a confirmation approved; votes cast before this migration were
-- cast on the only text there was, version 1.
ALTER TABLE votes ADD COLUMN text_version BIGINT NOT NULL DEFAULT 1;

-- Exactly what an alert posted (JSON), so that its later edits keep those words; NULL for alerts
-- published before this migration, whose posts quoted the resident's words.
ALTER TABLE alerts ADD COLUMN public_text TEXT;
