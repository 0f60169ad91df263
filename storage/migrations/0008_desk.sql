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

-- "I'm going to check": one claim per verifier and report, with the ETA they gave. The first name
-- is shown on the card and goes with the report; no Telegram id is kept (the reminder at the ETA
-- replies to the card in the group and names them by first name).
CREATE TABLE desk_claims (
    report_id          INTEGER NOT NULL REFERENCES reports (id) ON DELETE CASCADE,
    verifier_pseudonym TEXT    NOT NULL,
    verifier_name      TEXT    NOT NULL,
    claimed_at         TEXT    NOT NULL,
    until              TEXT    NOT NULL,
    reminded           INTEGER NOT NULL DEFAULT 0 CHECK (reminded IN (0, 1)),
    PRIMARY KEY (report_id, verifier_pseudonym)
);

-- A confirmation by a verifier who went and saw it. The quorum rule does not change.
ALTER TABLE votes ADD COLUMN in_person INTEGER NOT NULL DEFAULT 0 CHECK (in_person IN (0, 1));

-- Deadline kinds are checked by the code (bot.domain.lifecycle.DeadlineKind), like outbox kinds:
-- the claim reminder is a new kind, and the next feature's must not need another rebuild.
CREATE TABLE deadlines_new (
    report_id INTEGER NOT NULL REFERENCES reports (id) ON DELETE CASCADE,
    kind      TEXT    NOT NULL,
    due_at    TEXT    NOT NULL,
    PRIMARY KEY (report_id, kind)
);
INSERT INTO deadlines_new (report_id, kind, due_at) SELECT report_id, kind, due_at FROM deadlines;
DROP TABLE deadlines;
ALTER TABLE deadlines_new RENAME TO deadlines;
CREATE INDEX deadlines_by_due ON deadlines (due_at);
