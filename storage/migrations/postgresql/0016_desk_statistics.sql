-- PostgreSQL twin of ../0016_desk_statistics.sql (same number; SQLite's types become BIGINT, BYTEA, DOUBLE PRECISION).
-- Issue 9, item 10: /stats looks back 30 days, reports are kept 7 by default. Before a report goes,
-- the purge folds what /stats needs into these tables, as it folds counts into report_statistics.
-- Nothing here names or points to a reporter: no report id, no place, no pseudonym of theirs.

-- How long a published report took from the resident's Send to the channel post, by the day it was sent.
CREATE TABLE publication_delays (
    day     TEXT    NOT NULL,   -- YYYY-MM-DD (UTC) the report was sent
    seconds BIGINT NOT NULL
);
CREATE INDEX publication_delays_by_day ON publication_delays (day);

-- One verifier's vote on a report: who, and how long after the report was sent. Who is a tag cut
-- from their pseudonym for this table only (bot.domain.stats.verifier_tag): not the pseudonym, so
-- these rows cannot be joined with a report's reporter_pseudonym (the same person has one pseudonym
-- whether they report or verify). No name: a verifier's first name goes with the report, as before.
-- Kept 30 days, the longest /stats window.
CREATE TABLE vote_delays (
    day          TEXT    NOT NULL,   -- YYYY-MM-DD (UTC) of the vote
    verifier_tag TEXT    NOT NULL,
    seconds      BIGINT NOT NULL
);
CREATE INDEX vote_delays_by_day ON vote_delays (day);
