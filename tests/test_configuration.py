"""Configuration mistakes stop start-up with a sentence that names the field."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.errors import ConfigurationError
from bot.network import GeoPoint, load_network, parse_network
from bot.settings import load_settings
from tests.sample_network import network_toml

ROOT = Path(__file__).resolve().parent.parent
# A key made the way the README says (a row of one character is now refused as guessable).
VALID_SECRET = "Q3v9XkR2mPz7LwT4bN8cYh1JdF6sA0uGeK5tVqWo"


def test_the_committed_example_network_file_is_valid():
    network = load_network(ROOT / "network.example.toml")
    assert network.quorum == 2
    assert network.timeouts.alert_lifetime.total_seconds() == 4 * 3600
    assert {n.key for n in network.neighborhoods} == {"las-cruces-downtown", "vado", "clovis"}


def test_timeouts_default_to_ten_minutes_one_hour_and_four_hours_and_can_be_set():
    assert parse_network(network_toml()).timeouts.reminder.total_seconds() == 600
    network = parse_network(network_toml(extra="\n[timeouts]\nalert_lifetime_minutes = 120\n"))
    assert network.timeouts.alert_lifetime.total_seconds() == 7200
    assert network.timeouts.report_expiry.total_seconds() == 3600


def test_settled_outbox_messages_are_kept_seven_days_unless_the_network_file_says_otherwise():
    assert parse_network(network_toml()).retention.outbox_days == 7
    assert parse_network(network_toml(extra="\n[retention]\noutbox_days = 2\n")).retention.outbox_days == 2
    with pytest.raises(ConfigurationError, match=r"retention\.outbox_days"):
        parse_network(network_toml(extra="\n[retention]\noutbox_days = 0\n"))


def test_the_still_active_quiet_window_defaults_to_five_minutes_and_can_be_set():
    assert parse_network(network_toml()).timeouts.still_active_quiet.total_seconds() == 300
    network = parse_network(network_toml(extra="\n[timeouts]\nstill_active_quiet_minutes = 2\n"))
    assert network.timeouts.still_active_quiet.total_seconds() == 120
    with pytest.raises(ConfigurationError, match=r"timeouts\.still_active_quiet_minutes"):
        parse_network(network_toml(extra="\n[timeouts]\nstill_active_quiet_minutes = -1\n"))


def test_a_reminder_that_would_come_after_expiry_is_refused_naming_the_fields():
    with pytest.raises(
        ConfigurationError, match="timeouts: .*reminder_minutes must be less than unconfirmed_report_minutes"
    ):
        parse_network(network_toml(extra="\n[timeouts]\nreminder_minutes = 60\nunconfirmed_report_minutes = 30\n"))
    with pytest.raises(ConfigurationError, match=r"timeouts\.alert_lifetime_minutes"):
        parse_network(network_toml(extra="\n[timeouts]\nalert_lifetime_minutes = 0\n"))


def test_quorum_below_two_is_refused_naming_the_field():
    with pytest.raises(ConfigurationError) as raised:
        parse_network(network_toml(quorum=1))
    assert "quorum" in str(raised.value) and "2" in str(raised.value)


def test_a_bad_channel_language_names_its_exact_place():
    text = network_toml().replace('languages = ["es", "en"]', 'languages = ["es", "fr"]')
    with pytest.raises(ConfigurationError) as raised:
        parse_network(text)
    assert "neighborhoods[1].channels[0].languages[1]" in str(raised.value)


def test_missing_translation_of_a_neighborhood_name_is_refused():
    text = network_toml().replace('names = { en = "Vado", es = "Vado" }', 'names = { en = "Vado" }')
    with pytest.raises(ConfigurationError, match="'vado' needs a name in every language: missing es"):
        parse_network(text)


def test_duplicate_keys_unknown_fields_and_bad_toml_are_refused():
    with pytest.raises(ConfigurationError, match="used twice"):
        parse_network(network_toml().replace('key = "clovis"', 'key = "vado"'))
    with pytest.raises(ConfigurationError, match="hotlin.*not a known setting"):
        parse_network(network_toml().replace("hotline =", "hotlin = 1\nhotline ="))
    with pytest.raises(ConfigurationError, match="not valid TOML"):
        parse_network("verifier_group_id = ")
    with pytest.raises(ConfigurationError, match="time zone"):
        parse_network(network_toml().replace("America/Denver", "Mars/Olympus"))


def test_positive_chat_ids_are_refused_because_groups_and_channels_are_negative():
    with pytest.raises(ConfigurationError, match="verifier_group_id"):
        parse_network(network_toml().replace("verifier_group_id = -", "verifier_group_id = "))


def test_missing_network_file_says_how_to_create_one(tmp_path):
    with pytest.raises(ConfigurationError, match="network.example.toml"):
        load_network(tmp_path / "network.toml")


def test_shared_location_maps_to_the_nearest_covering_neighborhood():
    network = parse_network(network_toml())
    assert network.nearest_neighborhood(GeoPoint(latitude=32.1120, longitude=-106.6630)).key == "vado"
    assert network.nearest_neighborhood(GeoPoint(latitude=32.3130, longitude=-106.7780)).key == "las-cruces-downtown"
    assert network.nearest_neighborhood(GeoPoint(latitude=40.0, longitude=-100.0)) is None


def test_settings_come_from_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "123:abc")
    monkeypatch.setenv("VIGIL_SECRET_KEY", VALID_SECRET)
    monkeypatch.setenv("VIGIL_DATABASE", str(tmp_path / "db.sqlite3"))
    settings = load_settings(env_file=None)
    assert settings.database == tmp_path / "db.sqlite3"
    assert settings.telegram_base_url == "https://api.telegram.org/bot"


def test_settings_are_read_from_a_dotenv_file(monkeypatch, tmp_path):
    for name in ("TELEGRAM_BOT_TOKEN", "VIGIL_SECRET_KEY"):
        monkeypatch.delenv(name, raising=False)
    env = tmp_path / ".env"
    env.write_text(
        f"TELEGRAM_BOT_TOKEN=42:xyz\nVIGIL_SECRET_KEY={VALID_SECRET}\nVIGIL_NETWORK_FILE=/etc/vigil/net.toml\n"
    )
    settings = load_settings(env_file=env)
    assert settings.network_file == Path("/etc/vigil/net.toml")


def test_missing_token_and_short_secret_are_explained(monkeypatch):
    monkeypatch.delenv("TELEGRAM_BOT_TOKEN", raising=False)
    monkeypatch.setenv("VIGIL_SECRET_KEY", "short")
    with pytest.raises(ConfigurationError) as raised:
        load_settings(env_file=None)
    message = str(raised.value)
    assert "TELEGRAM_BOT_TOKEN: is missing" in message
    assert "VIGIL_SECRET_KEY" in message and "32" in message
    assert "short" not in message.replace("shorter", "")  # the secret's value is never echoed


def test_malformed_token_is_refused_without_echoing_it(monkeypatch):
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "not-a-token-secretvalue")
    monkeypatch.setenv("VIGIL_SECRET_KEY", VALID_SECRET)
    with pytest.raises(ConfigurationError) as raised:
        load_settings(env_file=None)
    assert "BotFather" in str(raised.value)
    assert "secretvalue" not in str(raised.value)


def test_the_example_lists_the_downtown_federal_courthouse_as_a_known_place():
    network = load_network(ROOT / "network.example.toml")
    downtown = network.neighborhood("las-cruces-downtown")
    assert downtown is not None
    courthouse = downtown.known_place("federal-courthouse")
    assert courthouse is not None and courthouse.point is not None and courthouse.radius_km == 0.3
    assert "courthouse" in courthouse.name("en") and "juzgado" in courthouse.name("es")
    assert [place.code for place in network.known_places()] == ["las-cruces-downtown/federal-courthouse"]


# Appended to the sample network, these belong to its last neighborhood (Clovis).
_OFFICE = '\n[[neighborhoods.known_places]]\nkey = "ice-office"\nnames = { en = "the ICE office" }\n'


def test_a_known_place_needs_no_point_and_its_name_falls_back_to_the_one_given():
    network = parse_network(network_toml(extra=_OFFICE))
    (place,) = network.known_places()
    assert (place.neighborhood_key, place.key, place.area) == ("clovis", "ice-office", None)
    assert network.known_place_name(place, "es") == "the ICE office"


def test_a_known_place_with_a_point_but_no_radius_is_refused_naming_the_field():
    with pytest.raises(ConfigurationError, match=r"neighborhoods\[2\]\.known_places\[0\].*radius_km"):
        parse_network(network_toml(extra=_OFFICE + "point = { latitude = 34.4, longitude = -103.2 }\n"))


def test_two_known_places_with_one_key_are_refused():
    with pytest.raises(ConfigurationError, match="two known places have the same key"):
        parse_network(network_toml(extra=_OFFICE + _OFFICE))
