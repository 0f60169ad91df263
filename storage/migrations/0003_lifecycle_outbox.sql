-- Issue 3: alerts that live and end, deadlines that survive restarts, an outbox that sends each
-- message once, and the record of which Telegram updates were already handled.
-- Additive only: no existing table is rebuilt, so migration 0002 (privacy) merges cleanly.

-- A published report's alert. The report itself stays 'published'; this row says whether the
-- alert is still active, or ended (all clear), was retracted, or expired for lack of updates.
CREATE TABLE alerts (
    report_id      INTEGER PRIMARY KEY REFERENCES reports (id) ON DELETE CASCADE,
    status         TEXT    NOT NULL DEFAULT 'active'
                   CHECK (status IN ('active', 'ended', 'retracted', 'expired')),
    published_at   TEXT    NOT NULL,
    last_active_at TEXT    NOT NULL,   -- publication, or the latest "Still active"
    closed_at      TEXT
);
CREATE INDEX alerts_by_status ON alerts (status);

-- Verifiers' presses on a published alert. "Still active" may be pressed again and again; the
-- schema allows each verifier one vote to end it (all clear or retract), as for publication.
CREATE TABLE alert_votes (
    id            INTEGER PRIMARY KEY,
    report_id     INTEGER NOT NULL REFERENCES alerts (report_id) ON DELETE CASCADE,
    verifier_id   INTEGER NOT NULL,
    verifier_name TEXT    NOT NULL,
    action        TEXT    NOT NULL CHECK (action IN ('still_active', 'all_clear', 'retract')),
    cast_at       TEXT    NOT NULL
);
CREATE UNIQUE INDEX alert_votes_one_ending_per_verifier
    ON alert_votes (report_id, verifier_id) WHERE action IN ('all_clear', 'retract');

-- Every deadline is a row, so a restart re-arms the scheduler from here and loses nothing.
CREATE TABLE deadlines (
    report_id INTEGER NOT NULL REFERENCES reports (id) ON DELETE CASCADE,
    kind      TEXT    NOT NULL CHECK (kind IN ('remind', 'expire_report', 'expire_alert')),
    due_at    TEXT    NOT NULL,    -- ISO 8601, UTC
    PRIMARY KEY (report_id, kind)
);
CREATE INDEX deadlines_by_due ON deadlines (due_at);

-- Telegram re-sends updates a crashed bot had not confirmed. Each handled update id is written
-- in the same transaction as its effects, so the second delivery finds it and does nothing.
CREATE TABLE processed_updates (
    update_id    INTEGER PRIMARY KEY,
    processed_at TEXT    NOT NULL
);

-- Every message that follows from a state change is written here in the same transaction as
-- the change, then sent by the dispatcher, in id order within each chat.
CREATE TABLE outbox (
    id                  INTEGER PRIMARY KEY,
    report_id           INTEGER REFERENCES reports (id) ON DELETE CASCADE,
    kind                TEXT    NOT NULL CHECK (kind IN ('channel_post', 'channel_edit', 'channel_reply',
                                                         'card_edit', 'reporter_notice', 'group_notice')),
    -- NULL once a reporter's notice is done with: their private chat id is not kept.
    chat_id             INTEGER,
    payload             TEXT    NOT NULL,   -- JSON: text rendered at the state change, and references
    status              TEXT    NOT NULL DEFAULT 'pending'
                        CHECK (status IN ('pending', 'sending', 'sent', 'failed', 'unknown', 'skipped')),
    attempts            INTEGER NOT NULL DEFAULT 0,   -- requests made (a 429 does not count)
    uncertain_attempts  INTEGER NOT NULL DEFAULT 0,   -- requests that may have arrived unconfirmed
    next_attempt_at     TEXT    NOT NULL,
    created_at          TEXT    NOT NULL,
    finished_at         TEXT,
    telegram_message_id INTEGER,
    last_error          TEXT,
    last_error_at       TEXT
);
CREATE INDEX outbox_open_by_chat ON outbox (chat_id, id) WHERE status IN ('pending', 'sending');
CREATE INDEX outbox_by_report ON outbox (report_id, kind);

-- A post resent after Telegram did not confirm the first try may exist twice in the channel.
ALTER TABLE channel_posts ADD COLUMN maybe_twice INTEGER NOT NULL DEFAULT 0;
