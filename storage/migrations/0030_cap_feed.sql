-- Issue 20: the CAP 1.2 messages of the public feed, one row per message, written in the same
-- transaction as the alert event it announces (publication, still active, all clear, retract,
-- expiry). The XML is stored as it was built and served unchanged: a CAP message never changes
-- once sent, and later messages refer to it by (sender, identifier, sent).
-- Nothing here names or points to a reporter or a verifier: the words are the public ones two
-- verifiers approved, and the alert's key is random (never its report's reference).
-- Which alert key a published report has (its messages share it); goes with the report.
CREATE TABLE cap_alerts (
    report_id INTEGER PRIMARY KEY REFERENCES reports (id) ON DELETE CASCADE,
    alert_key TEXT    NOT NULL UNIQUE
);

CREATE TABLE cap_messages (
    id         INTEGER PRIMARY KEY,
    identifier TEXT    NOT NULL UNIQUE,
    alert_key  TEXT    NOT NULL,
    sender     TEXT    NOT NULL,
    sent       TEXT    NOT NULL,   -- exactly as <sent> says it (the network's time zone)
    sent_at    TEXT    NOT NULL,   -- the same moment in UTC, for ordering and the feed's window
    msg_type   TEXT    NOT NULL,   -- Alert, Update, Cancel
    status     TEXT    NOT NULL,   -- Actual, Exercise
    language   TEXT    NOT NULL,   -- of title and summary: the first <info>
    title      TEXT    NOT NULL,   -- the first <info>'s headline, for the Atom entry
    summary    TEXT    NOT NULL,   -- and its description
    xml        BLOB    NOT NULL
);
CREATE INDEX cap_messages_by_time ON cap_messages (sent_at);
CREATE INDEX cap_messages_by_alert ON cap_messages (alert_key, id);

-- `vigil export` shows the time to publish by day and neighborhood: the purge now keeps the
-- neighborhood with each folded delay (a published alert's place and time are public anyway).
ALTER TABLE publication_delays ADD COLUMN neighborhood_key TEXT;
