"""Telegram's HTML parse mode: text with tags in, plain text and UTF-16 entities out.

It follows the rules of Telegram's own parser (tdlib ``parse_html`` and ``fix_formatted_text``):
only the documented tags, attributes in quotes or as bare name tokens, ``&lt;``/``&gt;``/``&amp;``/
``&quot;`` and numeric references (the only named references Telegram knows, ``;`` optional; any
other ``&name;`` is kept as typed), and the same error texts ("Unsupported start tag", "Can't find
end tag corresponding to start tag", byte offsets in UTF-8). A bare ``<`` in user text is the
classic bug this catches.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
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
# tdlib's is_space; the NUL sentinel appended to the source marks the end of the text.
_SPACE = " \t\r\n\v\0"
_TAG_NAME_STOP = _SPACE + ">"
_ATTRIBUTE_NAME_STOP = _SPACE + "=>/\"'"
_NAME_TOKEN = re.compile(r"[A-Za-z0-9.\-]*")
_DIGITS = "0123456789"
_HEX_DIGITS = "0123456789abcdefABCDEF"
_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")
# tdlib's MessageEntity::get_type_priority: entities with the same span are listed in this order.
_TYPE_PRIORITY = {
    "bold": 90,
    "italic": 91,
    "code": 20,
    "pre": 11,
    "text_link": 49,
    "text_mention": 49,
    "underline": 92,
    "strikethrough": 93,
    "blockquote": 0,
    "expandable_blockquote": 0,
    "spoiler": 94,
    "custom_emoji": 99,
}


def _parse_error(reason: str) -> ApiError:
    return bad_request(f"can't parse entities: {reason}")


@dataclass
class _OpenTag:
    name: str
    offset: int  # in UTF-16 units of the text built so far
    argument: str = ""  # href, code language, span class, emoji id or the expandable flag, as tdlib keeps it


def _byte_offset(text: str, index: int) -> int:
    return len(text[:index].encode("utf-8"))


def _lower(text: str) -> str:
    return text.translate(_ASCII_LOWER)


def _skip(text: str, i: int, chars: str) -> int:
    while text[i] != "\0" and text[i] in chars:
        i += 1
    return i


def _scan_until(text: str, i: int, stop: str) -> int:
    while text[i] not in stop:
        i += 1
    return i


def parse_html(source: str) -> tuple[str, list[dict[str, Any]]]:
    """tdlib's parse_html, step by step, so that errors and their byte offsets are Telegram's."""
    if "\0" in source:
        raise _parse_error("Text must not contain null bytes")
    s = source + "\0"
    n = len(source)
    out: list[str] = []
    out_units = 0
    entities: list[dict[str, Any]] = []
    stack: list[_OpenTag] = []
    has_surrogate = False
    i = 0
    while i < n:
        char = s[i]
        if char == "&":
            decoded, consumed = _decode_reference(s, i)
            if decoded is not None:
                has_surrogate = has_surrogate or 0xD800 <= ord(decoded) <= 0xDFFF
                out.append(decoded)
                out_units += 1 if 0xD800 <= ord(decoded) <= 0xDFFF else utf16_length(decoded)
                i += consumed
                continue
        if char != "<":
            out.append(char)
            out_units += utf16_length(char)
            i += 1
            continue
        begin = i
        i += 1
        if s[i] == "/":
            if not stack:
                raise _parse_error(f"Unexpected end tag at byte offset {_byte_offset(source, begin)}")
            i = _scan_until(s, i + 1, _TAG_NAME_STOP)
            name = _lower(s[begin + 2 : i])
            i = _skip(s, i, _SPACE)
            if s[i] != ">":
                raise _parse_error(f"Unclosed end tag at byte offset {_byte_offset(source, begin)}")
            i += 1
            open_tag = stack[-1]
            if name and name != open_tag.name:
                raise _parse_error(
                    f"Unmatched end tag at byte offset {_byte_offset(source, begin)}, "
                    f'expected "</{open_tag.name}>", found "</{name}>"'
                )
            stack.pop()
            _close(open_tag, out_units, entities)
            continue
        i = _scan_until(s, i, _TAG_NAME_STOP)
        if s[i] == "\0":
            raise _parse_error(f"Unclosed start tag at byte offset {_byte_offset(source, begin)}")
        name = _lower(s[begin + 1 : i])
        if name not in _TAG_ENTITY:
            raise _parse_error(f'Unsupported start tag "{name}" at byte offset {_byte_offset(source, begin)}')
        argument = ""
        while s[i] != ">":
            i = _skip(s, i, _SPACE)
            if s[i] == ">":
                break
            attribute_begin = i
            i = _scan_until(s, i, _ATTRIBUTE_NAME_STOP)
            attribute = s[attribute_begin:i]  # attribute names are case-sensitive in tdlib
            if not attribute:
                raise _parse_error(
                    f'Empty attribute name in the tag "{name}" at byte offset {_byte_offset(source, begin)}'
                )
            i = _skip(s, i, _SPACE)
            if s[i] != "=":
                if s[i] == "\0":
                    raise _parse_error(f'Unclosed start tag "{name}" at byte offset {_byte_offset(source, begin)}')
                if name == "blockquote" and attribute == "expandable":
                    argument = "1"  # a bare flag such as <blockquote expandable>
                continue
            i = _skip(s, i + 1, _SPACE)
            if s[i] == "\0":
                raise _parse_error(f'Unclosed start tag "{name}" at byte offset {_byte_offset(source, begin)}')
            if s[i] not in "\"'":
                # an unquoted value is an HTML name token: letters, digits, periods and hyphens only
                token = _NAME_TOKEN.match(s, i)
                assert token is not None
                value = _lower(token.group(0))
                if s[token.end()] not in _TAG_NAME_STOP:
                    raise _parse_error(f"Unexpected end of name token at byte offset {_byte_offset(source, i)}")
                i = token.end()
            else:
                quote = s[i]
                i += 1
                chars: list[str] = []
                while s[i] != quote and s[i] != "\0":
                    if s[i] == "&":
                        decoded, consumed = _decode_reference(s, i)
                        if decoded is not None:
                            chars.append(decoded)
                            i += consumed
                            continue
                    chars.append(s[i])
                    i += 1
                if s[i] == quote:
                    i += 1
                value = "".join(chars)
            if s[i] == "\0":
                raise _parse_error(f"Unclosed start tag at byte offset {_byte_offset(source, begin)}")
            if name == "a" and attribute == "href":
                argument = value
            elif name == "code" and attribute == "class" and value.startswith("language-"):
                argument = value[len("language-") :]
            elif name == "span" and attribute == "class" and value.startswith("tg-"):
                argument = value[len("tg-") :]
            elif name == "tg-emoji" and attribute == "emoji-id":
                argument = value
            elif name == "blockquote" and attribute == "expandable":
                argument = "1"
        if name == "span" and argument != "spoiler":
            raise _parse_error(f'Tag "span" must have class "tg-spoiler" at byte offset {_byte_offset(source, begin)}')
        i += 1
        stack.append(_OpenTag(name, out_units, argument))
    if stack:
        raise _parse_error(f'Can\'t find end tag corresponding to start tag "{stack[-1].name}"')
    if has_surrogate:
        raise _parse_error(
            "Text contains invalid Unicode characters after decoding HTML entities, "
            "check for unmatched surrogate code units"
        )
    for entity in entities:
        entity.pop("_language", None)
    entities.sort(key=_entity_order)
    return "".join(out), entities


def _entity_order(entity: dict[str, Any]) -> tuple[int, int, int]:
    priority = 10 if entity["type"] == "pre" and entity.get("language") else _TYPE_PRIORITY.get(entity["type"], 50)
    return entity["offset"], -entity["length"], priority


def _close(tag: _OpenTag, end_units: int, entities: list[dict[str, Any]]) -> None:
    """Add the entity of a closed tag, as tdlib does (an empty one is dropped)."""
    length = end_units - tag.offset
    if length <= 0:
        return
    kind = _TAG_ENTITY[tag.name]
    entity: dict[str, Any] = {"offset": tag.offset, "length": length, "type": kind}
    last = entities[-1] if entities else None
    same_span = last is not None and last["offset"] == tag.offset and last["length"] == length
    if kind == "custom_emoji":
        if not re.fullmatch(r"-?[1-9][0-9]{0,18}", tag.argument) or not -(2**63) <= int(tag.argument) < 2**63:
            raise _parse_error("Invalid custom emoji identifier specified")
        entity["custom_emoji_id"] = tag.argument
    elif kind == "text_link":
        url = tag.argument
        if not url:
            # Telegram tries the link's own text as the URL; the fake keeps no entity instead.
            return
        match = re.match(r"tg://user\?id=(\d+)$", url)
        if match:
            entity = {
                "offset": tag.offset,
                "length": length,
                "type": "text_mention",
                "user": {"id": int(match.group(1))},
            }
        else:
            entity["url"] = url
    elif kind == "pre":
        # <pre><code class="language-x">...</code></pre>: one pre entity with a language
        if same_span and last is not None and last["type"] == "code" and last.get("_language"):
            last["type"] = "pre"
            last["language"] = last.pop("_language")
            return
    elif kind == "code":
        # <code class="language-x"><pre>...</pre></code> is the same thing written inside out
        if same_span and last is not None and last["type"] == "pre" and "language" not in last and tag.argument:
            last["language"] = tag.argument
            return
        if tag.argument:
            entity["_language"] = tag.argument  # kept only until the enclosing pre closes
    elif kind == "blockquote" and tag.argument:
        entity["type"] = "expandable_blockquote"
    entities.append(entity)


def _decode_reference(text: str, start: int) -> tuple[str | None, int]:
    """tdlib's decode_html_entity at text[start] == '&': the character and the length consumed, or None.

    The ';' is optional; only &lt; &gt; &amp; &quot; are named; any other reference stays as typed.
    """
    j = start + 1
    if text[j] == "#":
        j += 1
        digits = _DIGITS
        base = 10
        if text[j] == "x":
            j += 1
            digits = _HEX_DIGITS
            base = 16
        first = j
        while text[j] != "\0" and text[j] in digits:
            j += 1
        code = int(text[first:j], base) if j > first else 0
        if code == 0 or code >= 0x10FFFF or j - start >= 10:
            return None, 0
        decoded = chr(code)
    else:
        first = j
        while text[j] != "\0" and "a" <= _lower(text[j]) <= "z" and text[j].isascii():
            j += 1
        decoded = _NAMED_REFERENCES.get(text[first:j], "")
        if not decoded:
            return None, 0
    if text[j] == ";":
        j += 1
    return decoded, j - start


# tdlib's clean_input_string: control characters become spaces; these are dropped outright.
_DROPPED = frozenset("\r\u2028\u2029\u202a\u202b\u202c\u202d\u202e\u0333\u033f\u030a")


def _clean(text: str, entities: list[dict[str, Any]]) -> tuple[str, list[dict[str, Any]]]:
    out: list[str] = []
    new_offset = [0]  # new UTF-16 offset of every old UTF-16 offset
    units = 0
    for char in text:
        width = utf16_length(char)
        if char not in _DROPPED:
            out.append(" " if char < " " and char != "\n" else char)
            units += width
        new_offset.extend([units] * width)
    kept: list[dict[str, Any]] = []
    for entity in entities:
        start = new_offset[min(entity["offset"], len(new_offset) - 1)]
        end = new_offset[min(entity["offset"] + entity["length"], len(new_offset) - 1)]
        if end > start:
            kept.append({**entity, "offset": start, "length": end - start})
    return "".join(out), kept


def trim(text: str, entities: list[dict[str, Any]]) -> tuple[str, list[dict[str, Any]]]:
    """tdlib's fix_formatted_text: clean the text, then drop trailing spaces and newlines, and leading
    ones only up to the first entity; entities are cut or shifted to match. Other whitespace (tabs
    have become spaces; a no-break space stays) is text like any other.
    """
    text, entities = _clean(text, entities)
    result = text.rstrip(" \n")
    total = utf16_length(result)
    kept: list[dict[str, Any]] = []
    for entity in entities:
        end = min(entity["offset"] + entity["length"], total)
        if end > entity["offset"]:
            kept.append({**entity, "length": end - entity["offset"]})
    first_entity = min((entity["offset"] for entity in kept), default=len(result))
    cut = 0
    while cut < first_entity and cut < len(result) and result[cut] in " \n":
        cut += 1
    return result[cut:], [{**entity, "offset": entity["offset"] - cut} for entity in kept]
