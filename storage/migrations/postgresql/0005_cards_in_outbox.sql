-- PostgreSQL twin of ../0005_cards_in_outbox.sql (same number; SQLite's types become BIGINT, BYTEA, DOUBLE PRECISION).
-- Issue 8: the verifier card and its album go through the outbox like every other message, so a
-- resident's Send never waits on the verifier group's 20 messages a minute, and a card is never
-- lost or doubled by a crash. The outbox's new kinds need no change here: migration 0006 makes
-- the code, not a CHECK constraint, say which kinds exist.

-- A report's cleaned photos (every byte of metadata already removed), kept only until the album
-- reaches the verifier group; from then on Telegram's file ids (report_photos) stand for them.
CREATE TABLE report_media (
    report_id BIGINT NOT NULL REFERENCES reports (id) ON DELETE CASCADE,
    position  BIGINT NOT NULL,
    data      BYTEA    NOT NULL,
    PRIMARY KEY (report_id, position)
);
