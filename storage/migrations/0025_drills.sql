-- Issue 19: drills. A drill's reports are ordinary reports (the same desk, the same rules) marked
-- is_drill, so every query that feeds /stats, track records, recycled-photo matches and the
-- retention counts can leave them out, and the dispatcher can keep their messages inside.
ALTER TABLE reports ADD COLUMN is_drill INTEGER NOT NULL DEFAULT 0;
CREATE INDEX reports_by_drill ON reports (is_drill) WHERE is_drill = 1;

-- One drill: who started it where (the group, or an organizer's private chat, gets its report),
-- its pace and language mix, and when its after-action report was written.
CREATE TABLE drills (
    id          INTEGER PRIMARY KEY,
    chat_id     INTEGER NOT NULL,
    pace        TEXT    NOT NULL CHECK (pace IN ('one', 'surge')),
    languages   TEXT    NOT NULL CHECK (languages IN ('en', 'es', 'mix')),
    show_tags   INTEGER NOT NULL DEFAULT 0,
    started_at  TEXT    NOT NULL,
    stopped_at  TEXT,
    reported_at TEXT,          -- the after-action report was queued (the drill's reports then go)
    report_text TEXT,          -- kept for /drill report until the drill is forgotten
    report_outbox_id INTEGER   -- the message carrying it: the drill's reports go once it has left
);

-- Each simulated resident's report of a drill: its scenario, when it is due, and the report once sent.
-- The report's own row goes when the drill is forgotten (or at the retention limit).
CREATE TABLE drill_reports (
    drill_id     INTEGER NOT NULL REFERENCES drills (id) ON DELETE CASCADE,
    position     INTEGER NOT NULL,
    scenario     TEXT    NOT NULL,   -- the scenario's key
    resident     INTEGER NOT NULL,   -- 0 for the scenario's first resident, 1.. for those corroborating
    language     TEXT    NOT NULL,
    due_at       TEXT,               -- NULL: waits for the previous scenario to settle (one at a time)
    report_id    INTEGER REFERENCES reports (id) ON DELETE SET NULL,
    PRIMARY KEY (drill_id, position)
);
CREATE UNIQUE INDEX drill_reports_by_report ON drill_reports (report_id) WHERE report_id IS NOT NULL;
