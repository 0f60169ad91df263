-- Issue 9: the verifier desk. Questions to the reporter and their answers, claims ("I'm going to
-- check"), in-person confirmations, and the photos a queued message uploads. Everything here goes
-- with its report (ON DELETE CASCADE), and /forgetme removes a reporter's questions and answers.

-- A verifiers' question to the reporter. Who asked is shown on the card by first name only, kept
-- as long as the report; the reporter is reached through reporter_contacts, never named here.
CREATE TABLE desk_questions (
    id            INTEGER PRIMARY KEY,
    report_id     INTEGER NOT NULL REFERENCES reports (id) ON DELETE CASCADE,
    kind          TEXT    NOT NULL,              -- bot.domain.desk.QuestionKind
    text          TEXT    NOT NULL DEFAULT '',   -- a verifier's own words; '' for a quick question
    asked_by_name TEXT    NOT NULL,
    asked_at      TEXT    NOT NULL,
    outbox_id     INTEGER,                       -- the message that carries it to the reporter
    message_id    INTEGER                        -- its id in the reporter's chat, once delivered
);
CREATE INDEX desk_questions_by_report ON desk_questions (report_id);
CREATE INDEX desk_questions_by_message ON desk_questions (message_id);

CREATE TABLE desk_answers (
    id          INTEGER PRIMARY KEY,
    question_id INTEGER NOT NULL REFERENCES desk_questions (id) ON DELETE CASCADE,
    report_id   INTEGER NOT NULL REFERENCES reports (id) ON DELETE CASCADE,
    kind        TEXT    NOT NULL CHECK (kind IN ('button', 'words', 'photo')),
    text        TEXT    NOT NULL DEFAULT '',     -- the quick answer's code, or the resident's words
    answered_at TEXT    NOT NULL
);
CREATE INDEX desk_answers_by_report ON desk_answers (report_id);

-- A cleaned photo (metadata already removed) waiting for its message to reach the group.
CREATE TABLE outbox_media (
    outbox_id INTEGER PRIMARY KEY REFERENCES outbox (id) ON DELETE CASCADE,
    data      BLOB    NOT NULL
);
