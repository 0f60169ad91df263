"""The web desk's sign-in: Telegram's signed launch data (pure rules), and the session made from it."""

from __future__ import annotations

import hashlib
import hmac
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qsl, urlencode

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.domain.web_auth import DeskUser, InvalidInitData, init_data_for, sign_init_data, verify_init_data
from bot.web.desk.sessions import DeskSessions

TOKEN = "123456:TEST-TOKEN-vigil"
NOW = datetime(2026, 12, 5, 7, 10, tzinfo=UTC)
names = st.text(min_size=1, max_size=40)


# Telegram's own example of the data-check-string: sorted key=value lines, hash left out.
def test_the_signature_is_telegrams_hmac_of_the_sorted_fields_under_the_key_from_webappdata():
    fields = {"user": '{"id":7001,"first_name":"Ana"}', "auth_date": "1764918600", "query_id": "AAE"}
    secret = hmac.new(b"WebAppData", TOKEN.encode(), hashlib.sha256).digest()
    check = 'auth_date=1764918600\nquery_id=AAE\nuser={"id":7001,"first_name":"Ana"}'
    expected = hmac.new(secret, check.encode(), hashlib.sha256).hexdigest()
    assert dict(parse_qsl(sign_init_data(fields, TOKEN)))["hash"] == expected


@given(user_id=st.integers(1, 2**52), name=names, language=st.sampled_from(["en", "es", "es-MX", "pt"]))
def test_launch_data_signed_with_the_bots_token_names_the_person(user_id, name, language):
    data = init_data_for(user_id, name, TOKEN, at=NOW - timedelta(minutes=3), language_code=language, start_param="r42")
    assert verify_init_data(data, TOKEN, now=NOW) == DeskUser(user_id, name, language, "r42")


@given(name=names, field=st.sampled_from(["user", "auth_date", "start_param"]), extra=st.text(min_size=1, max_size=5))
def test_any_change_to_signed_launch_data_is_refused(name, field, extra):
    data = dict(parse_qsl(init_data_for(7001, name, TOKEN, at=NOW, start_param="queue")))
    data[field] = data[field] + extra
    with pytest.raises(InvalidInitData):
        verify_init_data(urlencode(data), TOKEN, now=NOW)


def test_another_bots_launch_data_is_refused():
    data = init_data_for(7001, "Ana", "999:ANOTHER", at=NOW)
    with pytest.raises(InvalidInitData, match="signature"):
        verify_init_data(data, TOKEN, now=NOW)


@pytest.mark.parametrize("age", [timedelta(hours=1, seconds=1), timedelta(days=3), timedelta(minutes=-6)])
def test_launch_data_older_than_an_hour_or_from_the_future_is_refused(age):
    with pytest.raises(InvalidInitData, match="too old"):
        verify_init_data(init_data_for(7001, "Ana", TOKEN, at=NOW - age), TOKEN, now=NOW)


@pytest.mark.parametrize("data", ["", "hash=", "user=x&hash=00", "a=1&a=2", "%%%"])
def test_malformed_launch_data_is_refused(data):
    with pytest.raises(InvalidInitData):
        verify_init_data(data, TOKEN, now=NOW)


def test_a_field_given_twice_is_refused_even_when_signed():
    data = init_data_for(7001, "Ana", TOKEN, at=NOW)
    with pytest.raises(InvalidInitData, match="twice"):
        verify_init_data(data + "&auth_date=1", TOKEN, now=NOW)


@given(user_id=st.integers(10**6, 2**52), name=names)  # Telegram's user ids have many digits
def test_a_session_stands_for_the_person_until_it_runs_out_and_names_nobody(user_id, name):
    now = [NOW]
    sessions = DeskSessions(clock=lambda: now[0])
    token = sessions.issue(DeskUser(user_id, name, "es"))
    assert str(user_id) not in token  # random: a token seen in a log says nothing about who used it
    now[0] = NOW + timedelta(minutes=29)
    assert sessions.read(token) == DeskUser(user_id, name, "es")
    now[0] = NOW + timedelta(minutes=30)
    with pytest.raises(InvalidInitData, match="ran out"):
        sessions.read(token)
    with pytest.raises(InvalidInitData):
        DeskSessions(clock=lambda: NOW).read(token)  # another process (a restart) knows none of them


@given(position=st.integers(0, 200), replacement=st.sampled_from("AQgw_-"))
def test_a_forged_session_is_refused(position, replacement):
    sessions = DeskSessions(clock=lambda: NOW)
    token = sessions.issue(DeskUser(7001, "Ana", "es"))
    index = position % len(token)
    tampered = token[:index] + replacement + token[index + 1 :]
    if tampered != token:
        with pytest.raises(InvalidInitData):
            sessions.read(tampered)


def test_sessions_that_ran_out_are_forgotten():
    now = [NOW]
    sessions = DeskSessions(clock=lambda: now[0])
    for user_id in range(100):
        sessions.issue(DeskUser(user_id, "V", "en"))
    now[0] = NOW + timedelta(hours=1)
    sessions.issue(DeskUser(7001, "Ana", "es"))
    assert len(sessions._sessions) == 1
