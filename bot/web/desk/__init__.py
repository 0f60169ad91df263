"""The web desk: a Telegram Mini App at /desk/, served by Vigil, acting through the same services as the buttons."""
