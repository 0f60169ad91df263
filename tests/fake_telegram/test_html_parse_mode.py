"""Telegram's HTML parse mode as tdlib's parse_html does it: text, UTF-16 entities, errors with byte offsets."""

from __future__ import annotations

from typing import Any

import pytest
from telegram import Bot, MessageEntity
from telegram.constants import ParseMode
from telegram.error import BadRequest

from bot.fake_telegram import ApiError, FakeTelegram
from bot.fake_telegram.html_text import parse_html, trim
from tests.fake_telegram.conftest import ALICE, raw_request


def refusal(source: str) -> str:
    with pytest.raises(ApiError) as refused:
        parse_html(source)
    assert refused.value.error_code == 400
    return refused.value.description


def parsed(source: str) -> tuple[str, list[dict[str, Any]]]:
    """The text as Telegram keeps it: parsed, then cleaned and trimmed."""
    return trim(*parse_html(source))


# --- entities ------------------------------------------------------------------------------


def test_plain_text_has_no_entities():
    assert parse_html("Just words, 100% plain.") == ("Just words, 100% plain.", [])


@pytest.mark.parametrize(
    ("tag", "kind"),
    [
        ("b", "bold"),
        ("strong", "bold"),
        ("i", "italic"),
        ("em", "italic"),
        ("u", "underline"),
        ("ins", "underline"),
        ("s", "strikethrough"),
        ("strike", "strikethrough"),
        ("del", "strikethrough"),
        ("tg-spoiler", "spoiler"),
        ("code", "code"),
        ("pre", "pre"),
        ("blockquote", "blockquote"),
    ],
)
def test_each_documented_tag_becomes_its_entity(tag, kind):
    assert parse_html(f"x <{tag}>word</{tag}> y") == ("x word y", [{"offset": 2, "length": 4, "type": kind}])


def test_tag_names_are_case_insensitive():
    assert parse_html("<B>loud</b>") == ("loud", [{"offset": 0, "length": 4, "type": "bold"}])


def test_nested_tags_give_nested_entities_outer_first():
    text, entities = parse_html("<b>bold <i>both</i></b> <u>under</u>")
    assert text == "bold both under"
    assert entities == [
        {"offset": 0, "length": 9, "type": "bold"},
        {"offset": 5, "length": 4, "type": "italic"},
        {"offset": 10, "length": 5, "type": "underline"},
    ]


def test_entities_over_the_same_span_are_listed_in_telegrams_priority_order():
    # tdlib sorts by offset, then longer first, then type priority (bold 90 < italic 91 < underline 92)
    expected = [
        {"offset": 0, "length": 1, "type": "bold"},
        {"offset": 0, "length": 1, "type": "italic"},
        {"offset": 0, "length": 1, "type": "underline"},
    ]
    assert parse_html("<u><i><b>x</b></i></u>")[1] == expected
    assert parse_html("<b><i><u>x</u></i></b>")[1] == expected


def test_offsets_and_lengths_count_utf16_units_so_an_emoji_counts_twice():
    text, entities = parse_html("😀 <b>é😀x</b> <i>🇲🇽</i>")
    assert text == "😀 é😀x 🇲🇽"
    assert entities == [{"offset": 3, "length": 4, "type": "bold"}, {"offset": 8, "length": 4, "type": "italic"}]


def test_an_empty_tag_leaves_no_entity():
    assert parse_html("<b></b>x<i></i>") == ("x", [])


def test_a_spoiler_span_needs_the_tg_spoiler_class():
    expected = ("secret", [{"offset": 0, "length": 6, "type": "spoiler"}])
    assert parse_html('<span class="tg-spoiler">secret</span>') == expected
    assert parse_html("<span class=tg-spoiler>secret</span>") == expected


@pytest.mark.parametrize(
    "source", ["<span>secret</span>", '<span class="spoiler">secret</span>', 'ok <span class="tg-bold">secret</span>']
)
def test_a_span_without_the_tg_spoiler_class_is_refused(source):
    offset = source.index("<span")
    assert refusal(source) == (
        f'Bad Request: can\'t parse entities: Tag "span" must have class "tg-spoiler" at byte offset {offset}'
    )


def test_a_link_with_href_becomes_a_text_link():
    assert parse_html('See <a href="https://example.org/map?x=1">the map</a>.') == (
        "See the map.",
        [{"offset": 4, "length": 7, "type": "text_link", "url": "https://example.org/map?x=1"}],
    )


def test_a_quoted_href_decodes_its_references_and_may_use_single_quotes():
    text, entities = parse_html("<a href='https://example.org/?a=1&amp;b=&quot;2&quot;'>x</a>")
    assert entities[0]["url"] == 'https://example.org/?a=1&b="2"'


def test_a_link_to_a_user_id_becomes_a_text_mention():
    assert parse_html('<a href="tg://user?id=1001">Alice</a>') == (
        "Alice",
        [{"offset": 0, "length": 5, "type": "text_mention", "user": {"id": 1001}}],
    )


def test_pre_with_an_inner_code_language_is_one_pre_entity_with_the_language():
    assert parse_html('<pre><code class="language-python">print(1)</code></pre>') == (
        "print(1)",
        [{"offset": 0, "length": 8, "type": "pre", "language": "python"}],
    )


def test_a_language_class_on_code_alone_is_just_code():
    assert parse_html('<code class="language-python">x</code>') == ("x", [{"offset": 0, "length": 1, "type": "code"}])


def test_blockquote_may_be_expandable():
    assert parse_html("<blockquote expandable>long</blockquote>") == (
        "long",
        [{"offset": 0, "length": 4, "type": "expandable_blockquote"}],
    )


def test_custom_emoji_needs_a_numeric_id():
    assert parse_html('<tg-emoji emoji-id="5368324170671202286">👍</tg-emoji>') == (
        "👍",
        [{"offset": 0, "length": 2, "type": "custom_emoji", "custom_emoji_id": "5368324170671202286"}],
    )
    assert refusal('<tg-emoji emoji-id="thumbs">👍</tg-emoji>') == (
        "Bad Request: can't parse entities: Invalid custom emoji identifier specified"
    )


# --- character references ------------------------------------------------------------------


def test_the_four_named_references_are_decoded():
    assert parse_html("&lt;b&gt; &amp; &quot;q&quot;") == ('<b> & "q"', [])


def test_the_semicolon_of_a_reference_is_optional():
    assert parse_html("a &lt b &amp c &#65 d") == ("a < b & c A d", [])


def test_unknown_or_miscased_named_references_are_kept_as_typed():
    assert parse_html("&nbsp;&copy; AT&T &LT; & alone") == ("&nbsp;&copy; AT&T &LT; & alone", [])


def test_numeric_references_decimal_and_hex_decode_to_characters():
    assert parse_html("&#128512;&#x1F600;&#x41;&#66;") == ("😀😀AB", [])


def test_a_numeric_reference_emoji_counts_as_two_units_for_later_entities():
    assert parse_html("&#128512;<b>x</b>")[1] == [{"offset": 2, "length": 1, "type": "bold"}]


@pytest.mark.parametrize("source", ["&#0;", "&#;", "&#x;", "&#X41;", "&#x110000;", "&#1114111;", "&#00000000065;"])
def test_invalid_numeric_references_are_kept_as_typed(source):
    # tdlib refuses 0, anything from U+10FFFF up, and references of ten characters or more
    assert parse_html(source) == (source, [])


def test_a_reference_to_half_a_surrogate_pair_is_refused():
    assert refusal("&#xD83D;") == (
        "Bad Request: can't parse entities: Text contains invalid Unicode characters after decoding HTML "
        "entities, check for unmatched surrogate code units"
    )


# --- refusals --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("source", "reason"),
    [
        ("Level < 5 today", 'Unsupported start tag "" at byte offset 6'),
        ("I <3 you", 'Unsupported start tag "3" at byte offset 2'),
        ("if a<b, then", 'Unsupported start tag "b," at byte offset 4'),
        ("love you <3", "Unclosed start tag at byte offset 9"),
        ("<b", "Unclosed start tag at byte offset 0"),
        ("line<br>break", 'Unsupported start tag "br" at byte offset 4'),
        ("line<br/>break", 'Unsupported start tag "br/" at byte offset 4'),
        ("<script>x</script>", 'Unsupported start tag "script" at byte offset 0'),
        ("café <x>", 'Unsupported start tag "x" at byte offset 6'),  # byte offsets: é is two bytes
        ("😀<x>", 'Unsupported start tag "x" at byte offset 4'),
    ],
)
def test_a_bare_less_than_or_an_unknown_tag_is_refused_with_its_byte_offset(source, reason):
    assert refusal(source) == f"Bad Request: can't parse entities: {reason}"


def test_an_unclosed_tag_is_refused_naming_the_innermost_open_tag():
    assert (
        refusal("<b>bold") == "Bad Request: can't parse entities: Can't find end tag corresponding to start tag \"b\""
    )
    assert refusal("<b><i>both</i>") == (
        "Bad Request: can't parse entities: Can't find end tag corresponding to start tag \"b\""
    )
    assert refusal("<b><i>both") == (
        "Bad Request: can't parse entities: Can't find end tag corresponding to start tag \"i\""
    )


def test_a_crossed_end_tag_is_refused():
    assert refusal("<b>x<i>y</b></i>") == (
        'Bad Request: can\'t parse entities: Unmatched end tag at byte offset 8, expected "</i>", found "</b>"'
    )


def test_an_end_tag_with_nothing_open_is_refused():
    assert refusal("a</b>") == "Bad Request: can't parse entities: Unexpected end tag at byte offset 1"


def test_an_end_tag_without_its_bracket_is_refused():
    assert refusal("<b>x</b") == "Bad Request: can't parse entities: Unclosed end tag at byte offset 4"


def test_an_empty_end_tag_closes_the_innermost_tag():
    assert parse_html("<b>x</>") == ("x", [{"offset": 0, "length": 1, "type": "bold"}])


@pytest.mark.parametrize(
    ("source", "reason"),
    [
        ('<a href="https://example.org>x</a>', "Unclosed start tag at byte offset 0"),
        ("<b class", 'Unclosed start tag "b" at byte offset 0'),
        ("<b class=", 'Unclosed start tag "b" at byte offset 0'),
        ('<b ="x">y</b>', 'Empty attribute name in the tag "b" at byte offset 0'),
        ('<a href="x"/>y</a>', 'Empty attribute name in the tag "a" at byte offset 0'),
        ("<a href=https://example.org>x</a>", "Unexpected end of name token at byte offset 8"),
    ],
)
def test_malformed_attributes_are_refused(source, reason):
    assert refusal(source) == f"Bad Request: can't parse entities: {reason}"


# --- trimming, as Telegram stores the text ---------------------------------------------------


def test_surrounding_spaces_and_newlines_are_trimmed_and_entities_shift():
    assert parsed("\n\n  <b>Alert</b> now \n ") == ("Alert now", [{"offset": 0, "length": 5, "type": "bold"}])


def test_trailing_whitespace_is_cut_out_of_entities_and_an_entity_of_only_trailing_space_is_dropped():
    assert parsed("<b>hi  </b>") == ("hi", [{"offset": 0, "length": 2, "type": "bold"}])
    assert parsed("hi<i> \n</i>") == ("hi", [])


def test_leading_whitespace_inside_the_first_entity_is_kept():
    # tdlib trims on the left only up to where the first entity begins
    assert parsed("<b>  hi</b>") == ("  hi", [{"offset": 0, "length": 4, "type": "bold"}])


def test_only_ascii_spaces_and_newlines_are_trimmed():
    assert parsed("\u00a0hi\u2003") == ("\u00a0hi\u2003", [])


def test_tabs_become_spaces_and_carriage_returns_vanish():
    assert trim("a\tb\r\nc", [{"offset": 4, "length": 1, "type": "bold"}]) == (
        "a b\nc",
        [{"offset": 3, "length": 1, "type": "bold"}],
    )


def test_whitespace_only_text_trims_to_nothing():
    assert parsed(" \n <b> </b> \n") == ("", [])


# --- through the real Bot API client --------------------------------------------------------


async def test_html_message_comes_back_with_plain_text_and_entities(fake: FakeTelegram, bot: Bot):
    message = await bot.send_message(ALICE, "😀 <b>Fire</b> at <i>Main &amp; 5th</i>", parse_mode=ParseMode.HTML)
    assert message.text == "😀 Fire at Main & 5th"
    assert message.entities == (
        MessageEntity(MessageEntity.BOLD, 3, 4),
        MessageEntity(MessageEntity.ITALIC, 11, 10),
    )
    assert message.parse_entity(message.entities[1]) == "Main & 5th"  # PTB agrees on the UTF-16 offsets
    assert fake.bot_messages(ALICE)[-1]["text"] == "😀 Fire at Main & 5th"


async def test_a_text_mention_comes_back_with_the_whole_user(bot: Bot):
    message = await bot.send_message(ALICE, '<a href="tg://user?id=1002">Bob</a>, look', parse_mode=ParseMode.HTML)
    mention = message.entities[0]
    assert mention.type == MessageEntity.TEXT_MENTION
    assert (mention.user.id, mention.user.first_name, mention.user.is_bot) == (1002, "Bob", False)


async def test_a_text_mention_of_an_unknown_user_is_refused(fake: FakeTelegram, bot: Bot):
    with pytest.raises(BadRequest) as refused:
        await bot.send_message(ALICE, '<a href="tg://user?id=999">Who</a>', parse_mode=ParseMode.HTML)
    assert refused.value.message == "Entity_mention_user_invalid"
    assert fake.bot_messages(ALICE) == []


async def test_a_bare_less_than_in_user_words_is_refused_and_nothing_is_sent(fake: FakeTelegram, bot: Bot):
    with pytest.raises(BadRequest) as refused:
        await bot.send_message(ALICE, "Water level < 5 ft", parse_mode=ParseMode.HTML)
    # python-telegram-bot drops "Bad Request: " and capitalizes the rest
    assert refused.value.message == 'Can\'t parse entities: unsupported start tag "" at byte offset 12'
    assert fake.bot_messages(ALICE) == []


async def test_the_raw_refusal_carries_telegrams_exact_description(fake: FakeTelegram):
    status, body = await raw_request(
        fake, "sendMessage", json={"chat_id": ALICE, "text": "<b>open", "parse_mode": "HTML"}
    )
    assert status == 400
    assert body == {
        "ok": False,
        "error_code": 400,
        "description": "Bad Request: can't parse entities: Can't find end tag corresponding to start tag \"b\"",
    }


async def test_the_same_words_escaped_are_accepted(bot: Bot):
    message = await bot.send_message(ALICE, "Water level &lt; 5 ft", parse_mode=ParseMode.HTML)
    assert message.text == "Water level < 5 ft"


async def test_without_parse_mode_tags_are_plain_text(bot: Bot):
    message = await bot.send_message(ALICE, "<b>not bold</b> &amp;")
    assert message.text == "<b>not bold</b> &amp;"
    assert message.entities == ()


async def test_explicit_entities_pass_through_and_shift_when_the_text_is_trimmed(bot: Bot):
    message = await bot.send_message(ALICE, "  hello world", entities=[MessageEntity(MessageEntity.BOLD, 8, 5)])
    assert message.text == "hello world"
    assert message.entities == (MessageEntity(MessageEntity.BOLD, 6, 5),)


async def test_markdown_is_refused_loudly_rather_than_faked(bot: Bot):
    with pytest.raises(BadRequest) as refused:
        await bot.send_message(ALICE, "*bold*", parse_mode=ParseMode.MARKDOWN_V2)
    assert refused.value.message == "The fake bot api does not implement parse_mode markdownv2"
