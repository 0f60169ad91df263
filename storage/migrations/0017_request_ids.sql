-- A request handled once, whatever surface it came from: a Telegram update ("telegram:<update id>"),
-- later a web-desk request ("web:<id>"). Replaces processed_updates, whose integer key only a
-- Telegram update could fill. The ids already claimed keep protecting their updates.
CREATE TABLE handled_requests (
    request_id TEXT PRIMARY KEY,
    handled_at TEXT NOT NULL
) WITHOUT ROWID;

INSERT INTO handled_requests (request_id, handled_at)
SELECT 'telegram:' || update_id, processed_at FROM processed_updates;

DROP TABLE processed_updates;

CREATE INDEX handled_requests_by_age ON handled_requests (handled_at);
