-- The outbox's kinds of message are checked by the code that writes them (bot.domain.delivery's
-- MessageKind), not by a CHECK constraint: each new kind would otherwise mean rebuilding the table
-- again, and two features adding kinds at once would each drop the other's from the constraint.

CREATE TABLE outbox_new (
    id                  INTEGER PRIMARY KEY,
    report_id           INTEGER REFERENCES reports (id) ON DELETE CASCADE,
    kind                TEXT    NOT NULL,
    chat_id             INTEGER,
    payload             TEXT    NOT NULL,
    status              TEXT    NOT NULL DEFAULT 'pending'
                        CHECK (status IN ('pending', 'sending', 'sent', 'failed', 'unknown', 'skipped')),
    attempts            INTEGER NOT NULL DEFAULT 0,
    uncertain_attempts  INTEGER NOT NULL DEFAULT 0,
    next_attempt_at     TEXT    NOT NULL,
    created_at          TEXT    NOT NULL,
    finished_at         TEXT,
    telegram_message_id INTEGER,
    last_error          TEXT,
    last_error_at       TEXT
);
INSERT INTO outbox_new SELECT id, report_id, kind, chat_id, payload, status, attempts, uncertain_attempts,
    next_attempt_at, created_at, finished_at, telegram_message_id, last_error, last_error_at FROM outbox;
DROP TABLE outbox;
ALTER TABLE outbox_new RENAME TO outbox;
CREATE INDEX outbox_open_by_chat ON outbox (chat_id, id) WHERE status IN ('pending', 'sending');
CREATE INDEX outbox_by_report ON outbox (report_id, kind);
-- Rebuilding drops the table's indexes; this one came with migration 0004 (the outbox purge).
CREATE INDEX outbox_settled_by_age ON outbox (finished_at) WHERE status IN ('sent', 'failed', 'unknown', 'skipped');
