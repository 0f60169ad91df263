-- PostgreSQL twin of ../0004_verifier_privacy.sql. Verifiers are known by a keyed pseudonym, never
-- their Telegram id. PostgreSQL changes a column's type in place, so no table is rebuilt: existing ids
-- become 'unkeyed:<id>' and Vigil replaces each with its pseudonym at start-up
-- (storage.repository.Repository.key_legacy_verifiers), as on SQLite.

ALTER TABLE votes RENAME COLUMN verifier_id TO verifier_pseudonym;
ALTER TABLE votes ALTER COLUMN verifier_pseudonym TYPE TEXT USING 'unkeyed:' || verifier_pseudonym;

ALTER TABLE alert_votes RENAME COLUMN verifier_id TO verifier_pseudonym;
ALTER TABLE alert_votes ALTER COLUMN verifier_pseudonym TYPE TEXT USING 'unkeyed:' || verifier_pseudonym;
-- For "Still active": whether this press told the channels (a reply under every post). A press
-- soon after one that did only extends the alert: one action, one reply.
ALTER TABLE alert_votes ADD COLUMN notified BIGINT NOT NULL DEFAULT 0 CHECK (notified IN (0, 1));
-- Before this migration every "Still active" replied in the channels.
UPDATE alert_votes SET notified = 1 WHERE action = 'still_active';
-- (the unique index alert_votes_one_ending_per_verifier follows the renamed column)

-- Settled outbox messages are purged after retention.outbox_days; this finds them by age.
CREATE INDEX outbox_settled_by_age ON outbox (finished_at) WHERE status IN ('sent', 'failed', 'unknown', 'skipped');
