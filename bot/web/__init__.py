"""Vigil's own web server: the surfaces other than Telegram (the web desk, the feed, health)."""
