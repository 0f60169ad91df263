-- Issue 18: what the verifier group's card shows now, as a digest of the text and buttons Telegram
-- last confirmed ("<message id>:<sha256>"), so an edit that would change nothing is not sent: it
-- would spend one of the group's 20 messages a minute on Telegram's "message is not modified".
-- NULL when unknown (never shown, or an edit that may or may not have arrived).
ALTER TABLE reports ADD COLUMN card_shown TEXT;
