-- PostgreSQL twin of ../0011_album_messages.sql (same number; SQLite's types become BIGINT, BYTEA, DOUBLE PRECISION).
-- Issue 13: /forgetme removes a withdrawn report's photos from the verifier group, so the album's
-- message ids are kept with the photos' file ids (NULL for albums sent before this migration).
ALTER TABLE report_photos ADD COLUMN message_id BIGINT;
