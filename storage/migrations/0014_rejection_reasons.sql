-- Issue 9, items 7 and 8: a false alarm's reason, and the rumor check ("not confirmed") that two
-- verifiers may post for a rejected report. Everything about a report goes with it (ON DELETE
-- CASCADE); what outlives it is counts only: the reporter's track record by reason (with the
-- record) and the anonymous daily statistics.

-- The reason each false-alarm verifier chose (bot.domain.rejection.RejectionReason); NULL for a
-- confirmation and for false alarms cast before this migration.
ALTER TABLE votes ADD COLUMN reason TEXT;

-- One row per report closed as a false alarm: the reason it kept (NULL when no vote gave one),
-- when, and when its rumor check was posted (NULL: not posted). /stats counts these.
CREATE TABLE rejections (
    report_id             INTEGER PRIMARY KEY REFERENCES reports (id) ON DELETE CASCADE,
    reason                TEXT,
    rejected_at           TEXT    NOT NULL,
    rumor_check_posted_at TEXT
);
CREATE INDEX rejections_by_time ON rejections (rejected_at);

-- "📣 Post a rumor check": one press per verifier and report. The first name is shown on the card
-- and goes with the report, like a vote's.
CREATE TABLE rumor_check_supporters (
    report_id          INTEGER NOT NULL REFERENCES reports (id) ON DELETE CASCADE,
    verifier_pseudonym TEXT    NOT NULL,
    verifier_name      TEXT    NOT NULL,
    pressed_at         TEXT    NOT NULL,
    PRIMARY KEY (report_id, verifier_pseudonym)
);

-- The reporter's false alarms by reason, a part of their track record: deleted with it (after a
-- quiet period, or by /forgetme).
CREATE TABLE reporter_false_alarms (
    pseudonym TEXT    NOT NULL REFERENCES reporter_records (pseudonym) ON DELETE CASCADE,
    reason    TEXT    NOT NULL,
    count     INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (pseudonym, reason)
);

-- What is left of purged rejections, per day of the report (as report_statistics): how many
-- by reason ('' when none was given), and how many of them had a rumor check posted.
CREATE TABLE rejection_statistics (
    day              TEXT    NOT NULL,
    neighborhood_key TEXT    NOT NULL,
    reason           TEXT    NOT NULL,
    count            INTEGER NOT NULL,
    rumor_checks     INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (day, neighborhood_key, reason)
);
