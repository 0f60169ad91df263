-- PostgreSQL twin of ../0010_media.sql (same number; SQLite's types become BIGINT, BYTEA, DOUBLE PRECISION).
-- Issue 11: videos and voice notes join photos in drafts and reports. Every file is stored already
-- cleaned (bot/media.py: remuxed or re-encoded without any metadata) and goes with its draft or report.

-- A draft's media: photos, videos and voice notes, in the order the resident sent them.
ALTER TABLE draft_photos RENAME TO draft_media;
ALTER TABLE draft_media ADD COLUMN kind TEXT NOT NULL DEFAULT 'photo';  -- bot.domain.draft.MediaKind
ALTER TABLE draft_media ADD COLUMN duration BIGINT NOT NULL DEFAULT 0;  -- seconds

-- A report's media waiting for the verifier group. Photos and videos travel in one album; each voice
-- note in a message of its own: outbox_id names the card_album message that carries the item
-- (NULL for rows queued before this migration: their report has a single album).
ALTER TABLE report_media ADD COLUMN kind TEXT NOT NULL DEFAULT 'photo';
ALTER TABLE report_media ADD COLUMN width BIGINT NOT NULL DEFAULT 0;
ALTER TABLE report_media ADD COLUMN height BIGINT NOT NULL DEFAULT 0;
ALTER TABLE report_media ADD COLUMN duration BIGINT NOT NULL DEFAULT 0;
ALTER TABLE report_media ADD COLUMN outbox_id BIGINT;
CREATE INDEX report_media_by_outbox ON report_media (outbox_id);

-- Telegram's file ids of what reached the verifier group (the name stayed from when it held photos only).
ALTER TABLE report_photos ADD COLUMN kind TEXT NOT NULL DEFAULT 'photo';

-- One-time notes a resident was already given (the first voice note's warning), under their
-- pseudonym only. Erased by /forgetme with their other settings.
CREATE TABLE resident_notices (
    pseudonym TEXT NOT NULL,
    notice    TEXT NOT NULL,
    PRIMARY KEY (pseudonym, notice)
);
