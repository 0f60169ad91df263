-- Issue 8: the verifier card and its album go through the outbox like every other message, so a
-- resident's Send never waits on the verifier group's 20 messages a minute, and a card is never
-- lost or doubled by a crash. SQLite cannot change a CHECK constraint, so the outbox is rebuilt.

CREATE TABLE outbox_new (
    id                  INTEGER PRIMARY KEY,
    report_id           INTEGER REFERENCES reports (id) ON DELETE CASCADE,
    kind                TEXT    NOT NULL CHECK (kind IN ('channel_post', 'channel_edit', 'channel_reply',
                                                         'card_album', 'card', 'card_edit',
                                                         'reporter_notice', 'group_notice')),
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

-- A report's cleaned photos (every byte of metadata already removed), kept only until the album
-- reaches the verifier group; from then on Telegram's file ids (report_photos) stand for them.
CREATE TABLE report_media (
    report_id INTEGER NOT NULL REFERENCES reports (id) ON DELETE CASCADE,
    position  INTEGER NOT NULL,
    data      BLOB    NOT NULL,
    PRIMARY KEY (report_id, position)
);
