-- PostgreSQL twin of ../0035_health_probe.sql (SQLite's INTEGER becomes BIGINT).
-- Issue 21: /healthz proves the database takes writes by writing this one row (the moment it last
-- asked). (Which secret key a database was written with is migration 0040's secret_key_check, which
-- start-up, `vigil restore` and `vigil rotate-key` all read.)
CREATE TABLE health_probe (
    id     BIGINT PRIMARY KEY CHECK (id = 1),
    probed TEXT    NOT NULL
);
