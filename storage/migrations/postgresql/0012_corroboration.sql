-- PostgreSQL twin of ../0012_corroboration.sql (same number; SQLite's types become BIGINT, BYTEA, DOUBLE PRECISION).
-- Issue 9, item 3: corroboration instead of duplicates. A new report for a neighborhood that already
-- has an open report (pending, or a live alert) is attached to it: it keeps its own row (public
-- reference, reporter contact, words, signs and cleaned photos) with status 'merged', and points at
-- the report it joined. Its reply in the verifier group is its "card" (card_chat_id/card_message_id).
-- Detaching it makes it 'pending' again, with attached_to NULL and a card of its own.
-- It stays with its own row for retention and /forgetme; its closed_at is set when the report it
-- joined closes, so its reporter is reached for the outcome and then forgotten like the original one.
ALTER TABLE reports ADD COLUMN attached_to BIGINT REFERENCES reports (id) ON DELETE SET NULL;
CREATE INDEX reports_by_attached_to ON reports (attached_to);
