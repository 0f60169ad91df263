-- PostgreSQL twin of ../0002_privacy.sql (same number; SQLite's types become BIGINT, BYTEA, DOUBLE PRECISION).
-- Protecting reporters: pseudonymous track records, mutes, flood buckets, and the anonymous
-- counts that are all that remains of a report after the retention period.

-- Keyed by the HMAC pseudonym; counts only, so a seized copy says how often someone was right,
-- never who they are. Deleted after a quiet period (retention.reporter_record_days) or /forgetme.
CREATE TABLE reporter_records (
    pseudonym      TEXT    PRIMARY KEY,
    confirmed      BIGINT NOT NULL DEFAULT 0,
    false_alarms   BIGINT NOT NULL DEFAULT 0,
    unconfirmed    BIGINT NOT NULL DEFAULT 0,
    last_report_at TEXT    NOT NULL
);

CREATE TABLE reporter_mutes (
    pseudonym TEXT PRIMARY KEY,
    until     TEXT NOT NULL,
    muted_at  TEXT NOT NULL
);

-- Token buckets: key is 'reporter:<pseudonym>' or 'intake' for the whole network.
CREATE TABLE intake_buckets (
    key        TEXT PRIMARY KEY,
    tokens     DOUBLE PRECISION NOT NULL,
    updated_at TEXT NOT NULL
);

-- What is left of purged reports: how many, where, and how they ended, per day.
CREATE TABLE report_statistics (
    day              TEXT    NOT NULL,
    neighborhood_key TEXT    NOT NULL,
    status           TEXT    NOT NULL,
    count            BIGINT NOT NULL,
    PRIMARY KEY (day, neighborhood_key, status)
);

CREATE INDEX reports_by_reporter ON reports (reporter_pseudonym, status);
CREATE INDEX reports_by_closing ON reports (closed_at);
