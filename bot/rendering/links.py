"""Links to messages, built from ids alone (no extra API call)."""

from __future__ import annotations


def message_link(chat_id: int, message_id: int) -> str | None:
    """t.me/c links work for every member of a supergroup or channel, public or private."""
    text = str(chat_id)
    if not text.startswith("-100"):
        return None
    return f"https://t.me/c/{text[4:]}/{message_id}"
