-- Issue 21: backups that restore. Which secret key this database was written with, as a fingerprint
-- (HMAC-SHA256 of a fixed label, keyed with the key: see storage/backup.py), never the key itself:
-- `vigil restore` and start-up refuse a database made with another key, whose pseudonyms would no
-- longer match anyone. One row at most.
CREATE TABLE key_fingerprint (
    id          INTEGER PRIMARY KEY CHECK (id = 1),
    fingerprint TEXT    NOT NULL
);

-- /healthz proves the database takes writes by writing this one row (the moment it last asked).
CREATE TABLE health_probe (
    id     INTEGER PRIMARY KEY CHECK (id = 1),
    probed TEXT    NOT NULL
);
