-- Issue 22: one active instance, one standby. The lease says which Vigil is active: its holder, the
-- epoch (a fencing token that grows with each new holder; every state change checks it in its own
-- transaction) and until when. One row at most. bot/domain/lease.py holds the rules.
CREATE TABLE leader_lease (
    id         INTEGER PRIMARY KEY CHECK (id = 1),
    holder     TEXT    NOT NULL,   -- the instance's name (VIGIL_INSTANCE, or host and process id)
    epoch      INTEGER NOT NULL,
    taken_at   TEXT    NOT NULL,
    expires_at TEXT    NOT NULL
);

-- The instances that asked for the lease lately, active or waiting: /status and the health page
-- show them. An instance's name only; nothing about people.
CREATE TABLE instances (
    name    TEXT PRIMARY KEY,
    role    TEXT NOT NULL,   -- 'active' or 'standby'
    seen_at TEXT NOT NULL
);
