-- PostgreSQL twin of ../0007_subscribers.sql (same number; SQLite's types become BIGINT, BYTEA, DOUBLE PRECISION).
-- Issue 12: alerts by direct message. A subscriber is personal data, so only what sending needs is
-- kept: the private chat id, the neighborhoods, the language. No name, no dates. /unsubscribe,
-- /forgetme and a subscriber who blocked the bot delete both rows (and their waiting messages).
CREATE TABLE subscribers (
    chat_id  BIGINT PRIMARY KEY,
    language TEXT    NOT NULL
);

CREATE TABLE subscriptions (
    neighborhood_key TEXT    NOT NULL,
    chat_id          BIGINT NOT NULL REFERENCES subscribers (chat_id) ON DELETE CASCADE,
    PRIMARY KEY (neighborhood_key, chat_id)
);
CREATE INDEX subscriptions_by_chat ON subscriptions (chat_id);

-- The dispatcher takes the next subscriber messages in id order, a few dozen at a time, out of
-- thousands waiting: this index holds only those that wait.
CREATE INDEX outbox_subscribers_waiting ON outbox (id)
    WHERE status = 'pending' AND kind IN ('subscriber_alert', 'subscriber_update');
-- An update (all clear...) replies to each subscriber's own copy of the alert.
CREATE INDEX outbox_by_report_chat ON outbox (report_id, kind, chat_id);
