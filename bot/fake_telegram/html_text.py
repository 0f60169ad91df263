"""Telegram's HTML parse mode: text with tags in, plain text and UTF-16 entities out.

It follows the rules of Telegram's own parser (tdlib ``parse_html``): only the documented tags,
attributes in quotes or bare, ``&lt;``/``&gt;``/``&amp;``/``&quot;`` and numeric references (the only
named references Telegram documents; any other ``&name;`` is kept as typed), and the same error texts ("Unsupported start tag", "Can't
find end tag corresponding to start tag", byte offsets in UTF-8). A bare ``<`` in user text is
the classic bug this catches.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from bot.fake_telegram.errors import ApiError, bad_request
from bot.text_length import utf16_length

_TAG_ENTITY = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "tg-spoiler": "spoiler",
    "span": "spoiler",
    "a": "text_link",
    "code": "code",
    "pre": "pre",
    "blockquote": "blockquote",
    "tg-emoji": "custom_emoji",
}
_NAMED_REFERENCES = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
_NAME_CHARS = re.compile(r"[A-Za-z0-9\-]*")
_ATTRIBUTE_NAME = re.compile(r"[A-Za-z0-9_\-]*")
_BARE_VALUE = re.compile(r"[A-Za-z0-9.\-_:/?=&%#+~]*")


def _parse_error(reason: str) -> ApiError:
    return bad_request(f"can't parse entities: {reason}")


@dataclass
class _OpenTag:
    name: str
    offset: int  # in UTF-16 units of the text built so far
    attributes: dict[str, str] = field(default_factory=dict)


def _byte_offset(text: str, index: int) -> int:
    return len(text[:index].encode("utf-8"))


def parse_html(source: str) -> tuple[str, list[dict[str, Any]]]:
    out: list[str] = []
    out_units = 0
    entities: list[dict[str, Any]] = []
    stack: list[_OpenTag] = []
    i = 0
    n = len(source)
    while i < n:
        char = source[i]
        if char == "&":
            decoded, consumed = _decode_reference(source, i)
            out.append(decoded)
            out_units += utf16_length(decoded)
            i += consumed
            continue
        if char != "<":
            out.append(char)
            out_units += utf16_length(char)
            i += 1
            continue
        begin = i
        i += 1
        if i < n and source[i] == "/":
            i += 1
            name_match = _NAME_CHARS.match(source, i)
            assert name_match is not None
            name = name_match.group(0).lower()
            i = name_match.end()
            if not stack:
                raise _parse_error(f"Unexpected end tag at byte offset {_byte_offset(source, begin)}")
            while i < n and source[i] in " \t\r\n":
                i += 1
            if i >= n or source[i] != ">":
                raise _parse_error(f"Unclosed end tag at byte offset {_byte_offset(source, begin)}")
            i += 1
            open_tag = stack.pop()
            if name != open_tag.name:
                raise _parse_error(
                    f'Unmatched end tag at byte offset {_byte_offset(source, begin)}, '
                    f'expected "</{open_tag.name}>", found "</{name}>"'
                )
            entity = _entity_for(open_tag, out_units, "".join(out))
            if entity is not None:
                entities.append(entity)
            continue
        name_match = _NAME_CHARS.match(source, i)
        assert name_match is not None
        name = name_match.group(0).lower()
        i = name_match.end()
        if name not in _TAG_ENTITY:
            raise _parse_error(f'Unsupported start tag "{name}" at byte offset {_byte_offset(source, begin)}')
        attributes: dict[str, str] = {}
        while True:
            while i < n and source[i] in " \t\r\n":
                i += 1
            if i >= n:
                raise _parse_error(f"Unclosed start tag at byte offset {_byte_offset(source, begin)}")
            if source[i] == ">":
                i += 1
                break
            attribute_match = _ATTRIBUTE_NAME.match(source, i)
            assert attribute_match is not None
            attribute = attribute_match.group(0).lower()
            if not attribute:
                raise _parse_error(
                    f'Empty attribute name in the tag "{name}" at byte offset {_byte_offset(source, begin)}'
                )
            i = attribute_match.end()
            while i < n and source[i] in " \t\r\n":
                i += 1
            if i < n and source[i] != "=":
                # a bare flag such as <blockquote expandable>
                attributes[attribute] = ""
                continue
            if i >= n:
                raise _parse_error(f"Unclosed start tag at byte offset {_byte_offset(source, begin)}")
            i += 1
            while i < n and source[i] in " \t\r\n":
                i += 1
            if i >= n:
                raise _parse_error(f"Unclosed start tag at byte offset {_byte_offset(source, begin)}")
            if source[i] in "\"'":
                quote = source[i]
                end = source.find(quote, i + 1)
                if end < 0:
                    raise _parse_error(
                        f'Unclosed end of the attribute value in the tag "{name}" at byte offset {_byte_offset(source, begin)}'
                    )
                value = _decode_all(source[i + 1 : end])
                i = end + 1
            else:
                value_match = _BARE_VALUE.match(source, i)
                assert value_match is not None
                value = value_match.group(0)
                i = value_match.end()
            attributes[attribute] = value
        if name == "span" and attributes.get("class") != "tg-spoiler":
            raise _parse_error(f'Tag "span" must have class "tg-spoiler" at byte offset {_byte_offset(source, begin)}')
        stack.append(_OpenTag(name, out_units, attributes))
    if stack:
        raise _parse_error(f'Can\'t find end tag corresponding to start tag "{stack[-1].name}"')
    entities.sort(key=lambda e: (e["offset"], -e["length"]))
    return "".join(out), entities


def _entity_for(tag: _OpenTag, end_units: int, text_so_far: str) -> dict[str, Any] | None:
    length = end_units - tag.offset
    if length <= 0:
        return None
    kind = _TAG_ENTITY[tag.name]
    entity: dict[str, Any] = {"offset": tag.offset, "length": length, "type": kind}
    if kind == "text_link":
        url = tag.attributes.get("href", "")
        if not url:
            # Telegram makes <a> without href a plain link of its own text, or nothing at all.
            return None
        match = re.match(r"tg://user\?id=(\d+)$", url)
        if match:
            return {"offset": tag.offset, "length": length, "type": "text_mention", "user": {"id": int(match.group(1))}}
        entity["url"] = url
    elif kind == "blockquote" and "expandable" in tag.attributes:
        entity["type"] = "expandable_blockquote"
    elif kind == "pre" and tag.attributes.get("language"):
        entity["language"] = tag.attributes["language"]
    elif kind == "custom_emoji":
        entity["custom_emoji_id"] = tag.attributes.get("emoji-id", "")
    return entity


def _decode_reference(source: str, start: int) -> tuple[str, int]:
    """Decode the reference at source[start] == '&'; unknown ones stay as typed."""
    match = re.match(r"&(#[0-9]{1,7}|#x[0-9A-Fa-f]{1,6}|[A-Za-z]{1,10});", source[start:])
    if not match:
        return "&", 1
    body = match.group(1)
    if body.startswith("#x"):
        code = int(body[2:], 16)
    elif body.startswith("#"):
        code = int(body[1:])
    elif body in _NAMED_REFERENCES:
        return _NAMED_REFERENCES[body], match.end()
    else:
        return "&", 1
    if code == 0 or code > 0x10FFFF or 0xD800 <= code <= 0xDFFF:
        return "&", 1
    return chr(code), match.end()


def _decode_all(value: str) -> str:
    out: list[str] = []
    i = 0
    while i < len(value):
        if value[i] == "&":
            decoded, consumed = _decode_reference(value, i)
            out.append(decoded)
            i += consumed
        else:
            out.append(value[i])
            i += 1
    return "".join(out)


def trim(text: str, entities: list[dict[str, Any]]) -> tuple[str, list[dict[str, Any]]]:
    """Telegram drops leading and trailing whitespace of a message and shifts entities to match."""
    stripped_left = text.lstrip()
    cut = utf16_length(text) - utf16_length(stripped_left)
    result = stripped_left.rstrip()
    total = utf16_length(result)
    kept: list[dict[str, Any]] = []
    for entity in entities:
        start = max(entity["offset"] - cut, 0)
        end = min(entity["offset"] + entity["length"] - cut, total)
        if end > start:
            kept.append({**entity, "offset": start, "length": end - start})
    return result, kept
