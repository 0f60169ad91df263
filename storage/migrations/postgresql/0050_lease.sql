-- PostgreSQL twin of ../0050_lease.sql: the lease (holder, epoch as fencing token, expiry) and the
-- instances seen lately.
CREATE TABLE leader_lease (
    id         BIGINT  PRIMARY KEY CHECK (id = 1),
    holder     TEXT    NOT NULL,
    epoch      BIGINT  NOT NULL,
    taken_at   TEXT    NOT NULL,
    expires_at TEXT    NOT NULL
);

CREATE TABLE instances (
    name    TEXT PRIMARY KEY,
    role    TEXT NOT NULL,
    seen_at TEXT NOT NULL
);
