-- PostgreSQL twin of ../0006_outbox_kinds_in_code.sql. The outbox's kinds of message are checked by
-- the code that writes them (bot.domain.delivery's MessageKind), not by a CHECK constraint. PostgreSQL
-- drops a constraint in place (its name is the one PostgreSQL gave the column's CHECK in 0003).
ALTER TABLE outbox DROP CONSTRAINT outbox_kind_check;
