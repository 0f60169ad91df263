-- PostgreSQL twin of ../0017_request_ids.sql. A request handled once, whatever surface it came from:
-- a Telegram update ("telegram:<update id>"), later a web-desk request ("web:<id>"). Replaces
-- processed_updates, whose integer key only a Telegram update could fill.
CREATE TABLE handled_requests (
    request_id TEXT PRIMARY KEY,
    handled_at TEXT NOT NULL
);

INSERT INTO handled_requests (request_id, handled_at)
SELECT 'telegram:' || update_id, processed_at FROM processed_updates;

DROP TABLE processed_updates;

CREATE INDEX handled_requests_by_age ON handled_requests (handled_at);
