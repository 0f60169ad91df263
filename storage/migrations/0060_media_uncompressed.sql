-- Issue 22: nothing to change on SQLite, which stores a BLOB as it is. The PostgreSQL twin
-- (postgresql/0060_media_uncompressed.sql) stops the server compressing the media columns' cleaned
-- JPEG, MP4 and Ogg files, which are compressed already.
SELECT 1;
