-- PostgreSQL twin of ../0013_photo_evidence.sql (same number; SQLite's types become BIGINT, BYTEA, DOUBLE PRECISION).
-- Issue 9, items 4 to 6: what a verifier card says about a report's photos. A perceptual fingerprint
-- of each cleaned picture (to spot a photo already sent with an earlier report) and, for an image
-- sent as a file, hints made from its metadata before cleaning ("taken 3 minutes before it was
-- sent", "taken 140 km from Downtown Las Cruces", "taken at a known place"). Never the time or the
-- coordinates themselves. Everything goes with its report (ON DELETE CASCADE) and /forgetme.

-- A draft's photo carries its evidence until Send moves it to the report (or the draft is deleted).
ALTER TABLE draft_media ADD COLUMN fingerprint BIGINT;   -- 64-bit pHash, signed; NULL: none
ALTER TABLE draft_media ADD COLUMN taken_hint TEXT;       -- bot.domain.evidence.TakenHint.code()
ALTER TABLE draft_media ADD COLUMN place_hint TEXT;       -- bot.domain.evidence.PlaceHint.code()
ALTER TABLE draft_media ADD COLUMN known_place TEXT;      -- bot.domain.evidence.KnownPlace.code

CREATE TABLE photo_evidence (
    report_id     BIGINT NOT NULL REFERENCES reports (id) ON DELETE CASCADE,
    position      BIGINT NOT NULL,  -- the photo's place among the report's media
    fingerprint   BIGINT,
    taken_hint    TEXT,
    place_hint    TEXT,
    known_place   TEXT,
    -- The earlier report the same picture was already sent with (the line goes when that report does).
    recycled_from BIGINT REFERENCES reports (id) ON DELETE SET NULL,
    PRIMARY KEY (report_id, position)
);
CREATE INDEX photo_evidence_by_recycled_from ON photo_evidence (recycled_from);
-- The window of recent reports that new photos are compared with.
CREATE INDEX reports_by_created_at ON reports (created_at);
