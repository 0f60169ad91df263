-- Issue 13: verifiers are protected too; one reply per "Still active"; an outbox that is purged.

-- Verifiers are known by the same keyed pseudonym (HMAC) as reporters, never by their Telegram id.
-- SQLite cannot change a column's type in place, so both ballot tables are rebuilt. The key is
-- secret and not in the database, so SQL cannot compute a pseudonym: existing rows are copied as
-- 'unkeyed:<id>' and Vigil replaces each with its pseudonym at start-up, before it handles any
-- update (storage.repository.Repository.key_legacy_verifiers), then checkpoints the WAL.
-- A first name stays only as long as the report that shows it: both tables go with the report.

CREATE TABLE votes_keyed (
    report_id          INTEGER NOT NULL REFERENCES reports (id) ON DELETE CASCADE,
    verifier_pseudonym TEXT    NOT NULL,
    verifier_name      TEXT    NOT NULL,
    kind               TEXT    NOT NULL CHECK (kind IN ('confirm', 'false_alarm')),
    cast_at            TEXT    NOT NULL,
    UNIQUE (report_id, verifier_pseudonym)
);
INSERT INTO votes_keyed (report_id, verifier_pseudonym, verifier_name, kind, cast_at)
    SELECT report_id, 'unkeyed:' || verifier_id, verifier_name, kind, cast_at FROM votes ORDER BY rowid;
DROP TABLE votes;
ALTER TABLE votes_keyed RENAME TO votes;

CREATE TABLE alert_votes_keyed (
    id                 INTEGER PRIMARY KEY,
    report_id          INTEGER NOT NULL REFERENCES alerts (report_id) ON DELETE CASCADE,
    verifier_pseudonym TEXT    NOT NULL,
    verifier_name      TEXT    NOT NULL,
    action             TEXT    NOT NULL CHECK (action IN ('still_active', 'all_clear', 'retract')),
    cast_at            TEXT    NOT NULL,
    -- For "Still active": whether this press told the channels (a reply under every post). A press
    -- soon after one that did only extends the alert: one action, one reply.
    notified           INTEGER NOT NULL DEFAULT 0 CHECK (notified IN (0, 1))
);
-- Before this migration every "Still active" replied in the channels.
INSERT INTO alert_votes_keyed (id, report_id, verifier_pseudonym, verifier_name, action, cast_at, notified)
    SELECT id, report_id, 'unkeyed:' || verifier_id, verifier_name, action, cast_at, action = 'still_active'
    FROM alert_votes ORDER BY id;
DROP TABLE alert_votes;
ALTER TABLE alert_votes_keyed RENAME TO alert_votes;
CREATE UNIQUE INDEX alert_votes_one_ending_per_verifier
    ON alert_votes (report_id, verifier_pseudonym) WHERE action IN ('all_clear', 'retract');


-- Settled outbox messages are purged after retention.outbox_days; this finds them by age.
CREATE INDEX outbox_settled_by_age ON outbox (finished_at) WHERE status IN ('sent', 'failed', 'unknown', 'skipped');
