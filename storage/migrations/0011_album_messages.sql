-- Issue 13: /forgetme removes a withdrawn report's photos from the verifier group, so the album's
-- message ids are kept with the photos' file ids (NULL for albums sent before this migration).
ALTER TABLE report_photos ADD COLUMN message_id INTEGER;
