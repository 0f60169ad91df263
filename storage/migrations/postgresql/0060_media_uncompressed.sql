-- PostgreSQL twin of ../0060_media_uncompressed.sql (same number).
-- Issue 22: cleaned photos, videos and voice notes are JPEG, MP4 and Ogg: compressed already.
-- PostgreSQL's default for a large BYTEA (EXTENDED) runs pglz over every value before storing it
-- out of line, on the server's CPU, for nothing; EXTERNAL stores it out of line as it is. A 1 MB
-- photo's INSERT and COMMIT took 16-24 ms with EXTENDED, 4-6 ms with EXTERNAL on the development
-- machine (README, "On PostgreSQL"). Rows stored before keep their form; both read the same.
ALTER TABLE draft_media ALTER COLUMN data SET STORAGE EXTERNAL;
ALTER TABLE report_media ALTER COLUMN data SET STORAGE EXTERNAL;
ALTER TABLE outbox_media ALTER COLUMN data SET STORAGE EXTERNAL;
