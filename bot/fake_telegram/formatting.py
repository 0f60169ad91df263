"""Texts, captions and inline keyboards checked the way Telegram checks them."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlparse

from bot.fake_telegram.errors import ApiError, bad_request
from bot.fake_telegram.html_text import parse_html, trim
from bot.fake_telegram.params import Params
from bot.text_length import utf16_length

MAX_TEXT = 4096
MAX_CAPTION = 1024
MAX_CALLBACK_ANSWER = 200
MAX_CALLBACK_DATA_BYTES = 64
_BUTTON_ACTIONS = (
    "callback_data",
    "url",
    "web_app",
    "login_url",
    "switch_inline_query",
    "switch_inline_query_current_chat",
    "switch_inline_query_chosen_chat",
    "copy_text",
    "callback_game",
    "pay",
)


def formatted_text(params: Params, field: str, entities_field: str) -> tuple[str, list[dict[str, Any]]]:
    """The text of `field` after parse_mode (or explicit entities) and Telegram's trimming."""
    raw = params.string(field) or ""
    parse_mode = params.string("parse_mode")
    if parse_mode is None:
        entities = params.json(entities_field) or []
        if not isinstance(entities, list):
            raise bad_request(f"can't parse {entities_field} JSON object")
        _check_entities(raw, entities)
        text, entities = raw, entities
    elif parse_mode.lower() == "html":
        text, entities = parse_html(raw)
    elif parse_mode.lower() in ("markdown", "markdownv2"):
        # Refuse loudly rather than pretend: Vigil renders HTML only, and a fake that accepted
        # unparsed Markdown would hide escaping bugs.
        raise ApiError(400, f"Bad Request: the fake Bot API does not implement parse_mode {parse_mode}")
    else:
        raise bad_request("unsupported parse_mode")
    return trim(text, entities)


def _check_entities(text: str, entities: list[Any]) -> None:
    total = utf16_length(text)
    for entity in entities:
        if not isinstance(entity, dict) or {"type", "offset", "length"} - entity.keys():
            raise bad_request("can't parse entities JSON object")
        if entity["offset"] < 0 or entity["length"] <= 0 or entity["offset"] + entity["length"] > total:
            raise bad_request("entity beginning out of range")


def message_text(params: Params, *, editing: bool = False) -> tuple[str, list[dict[str, Any]]]:
    text, entities = formatted_text(params, "text", "entities")
    if not text:
        raise bad_request("message text is empty")
    if utf16_length(text) > MAX_TEXT:
        raise bad_request("MESSAGE_TOO_LONG" if editing else "message is too long")
    return text, entities


def caption_text(params: Params, field: str = "caption") -> tuple[str, list[dict[str, Any]]]:
    text, entities = formatted_text(params, field, "caption_entities")
    if utf16_length(text) > MAX_CAPTION:
        raise bad_request("message caption is too long")
    return text, entities


def inline_keyboard(params: Params, *, private: bool) -> dict[str, Any] | None:
    """The inline keyboard a message will carry, or None (other keyboards never show on messages).
    `private`: the chat is a private chat with the bot, the only place a ``web_app`` button may go."""
    markup = params.json("reply_markup")
    if markup is None:
        return None
    if not isinstance(markup, dict):
        raise bad_request("can't parse reply keyboard markup JSON object")
    if "inline_keyboard" not in markup:
        if not ({"keyboard", "remove_keyboard", "force_reply"} & markup.keys()):
            raise bad_request("can't parse reply keyboard markup JSON object")
        return None
    rows = markup["inline_keyboard"]
    if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
        raise bad_request("can't parse inline keyboard button: InlineKeyboardButton must be an Object")
    clean_rows = []
    for row in rows:
        clean_row = []
        for button in row:
            clean_row.append(_checked_button(button, private=private))
        if clean_row:
            clean_rows.append(clean_row)
    return {"inline_keyboard": clean_rows} if clean_rows else None


def _checked_button(button: Any, *, private: bool) -> dict[str, Any]:
    if not isinstance(button, dict):
        raise bad_request("can't parse inline keyboard button: InlineKeyboardButton must be an Object")
    text = button.get("text")
    if not isinstance(text, str) or not text.strip():
        raise bad_request("can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard")
    actions = [name for name in _BUTTON_ACTIONS if name in button]
    if len(actions) != 1:
        raise bad_request("can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard")
    if "callback_data" in button:
        data = button["callback_data"]
        if not isinstance(data, str) or not 1 <= len(data.encode("utf-8")) <= MAX_CALLBACK_DATA_BYTES:
            raise bad_request("BUTTON_DATA_INVALID")
    if "url" in button:
        parsed = urlparse(str(button["url"]))
        if parsed.scheme not in ("http", "https", "tg") or (parsed.scheme != "tg" and not parsed.netloc):
            raise bad_request("BUTTON_URL_INVALID")
    if "web_app" in button:
        # Telegram opens a Mini App from an inline button only in a private chat with the bot, and only
        # over https (in a group: a direct Mini App link t.me/<bot>/<app> on a URL button instead).
        if not private:
            raise bad_request("BUTTON_TYPE_INVALID")
        web_app = button["web_app"]
        url = web_app.get("url") if isinstance(web_app, dict) else None
        if not isinstance(url, str) or urlparse(url).scheme != "https" or not urlparse(url).netloc:
            raise bad_request(f"inline keyboard button Web App URL '{url}' is invalid: Only HTTPS links are allowed")
    return {key: value for key, value in button.items()}


def check_callback_answer(text: str | None) -> None:
    if text is not None and utf16_length(text) > MAX_CALLBACK_ANSWER:
        raise bad_request("MESSAGE_TOO_LONG")
