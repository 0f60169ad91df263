"""Deep links (`?start=...`) and the button payloads of issue 12."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from bot import callback_data as cb
from bot.domain.deep_links import DeepLinks, ReportIn, ShowRights, SubscribeTo, parse_start, payload_of

keys = st.from_regex(r"[a-z0-9][a-z0-9-]{0,31}", fullmatch=True)


def test_links_name_the_bot_and_the_neighborhood():
    links = DeepLinks("vigil_nm_bot")
    assert links.report("clovis") == "https://t.me/vigil_nm_bot?start=report-clovis"
    assert links.subscribe("vado") == "https://t.me/vigil_nm_bot?start=sub-vado"
    assert links.rights() == "https://t.me/vigil_nm_bot?start=rights"


@given(keys, st.sampled_from([ReportIn, SubscribeTo]))
def test_every_link_fits_telegram_and_reads_back(key, kind):
    payload = payload_of(kind(key))
    assert len(payload) <= 64
    assert parse_start(payload) == kind(key)


def test_anything_else_is_plain_start():
    for payload in (
        None,
        "",
        "report-",
        "report-Clovis",
        "sub-" + "x" * 33,
        "rights2",
        "delete-everything",
        "report-clovis;drop",
        "ré",
    ):
        assert parse_start(payload) is None, payload
    assert parse_start("rights") == ShowRights()


@given(keys)
def test_subscribe_buttons_fit_in_64_bytes_and_read_back(key):
    for action in (cb.Subscribe(key), cb.Subscribe(), cb.Rights()):
        data = cb.encode(action)
        assert len(data.encode()) <= cb.MAX_BYTES and cb.decode(data) == action


def test_bad_subscribe_payloads_are_refused():
    for data in ("v1:sub:t:", "v1:sub:t:Clovis", "v1:sub:x:clovis", "v1:rights:es", "v2:rights"):
        assert cb.decode_as(data, cb.Subscribe) is None and cb.decode_as(data, cb.Rights) is None
