"""The drill scenario library: the built-in one loads and covers the issue's seven situations in
English and Spanish; an organizers' own file is checked with messages a volunteer can act on."""

from __future__ import annotations

import pytest

from bot import callback_data as cb
from bot.domain.drills import Decision, LanguageMix, Pace
from bot.domain.evidence import same_picture
from bot.domain.rejection import RejectionReason
from bot.drills import pictures
from bot.drills.library import builtin_scenarios, load_library, parse_scenarios, place_for
from bot.errors import ConfigurationError
from bot.photos import sanitize_image

GOOD = """
[[scenarios]]
key = "county-fair"
title = { en = "Agents at the county fair", es = "Agentes en la feria del condado" }
neighborhood = "vado"
indicators = ["markings"]
words = { en = "ICE at the fair gate", es = "ICE en la entrada de la feria" }
answers = { many = "few" }
expected = { decision = "rejected", reason = "not_enforcement" }
"""


def test_the_built_in_library_has_the_seven_scenarios_with_their_expected_outcomes():
    library = {s.key: s for s in builtin_scenarios()}
    assert len(library) == 7
    assert sum(s.residents for s in library.values()) == 10  # a surge: 7 scenarios and 3 corroborating
    assert library["courthouse-lunch"].expected.reason is RejectionReason.NOT_ENFORCEMENT
    assert library["old-raid-photo"].earlier_days > 0
    assert library["worksite"].residents == 3
    assert library["highway-checkpoint"].expected.in_person
    assert library["school-rumor"].expected.rumor_check
    assert library["wrong-place"].expected.reason is RejectionReason.WRONG_PLACE
    home = library["home-address"]
    assert home.expected.as_expected().decision is Decision.PUBLISHED
    assert home.expected.address in home.words.en and home.expected.address in home.words.es
    for scenario in library.values():
        assert scenario.title.en != scenario.title.es and scenario.words.en != scenario.words.es


def test_the_old_photo_is_the_picture_sent_before_and_no_other_scenario_picture():
    earlier = sanitize_image(pictures.draw("old-raid")).fingerprint
    again = sanitize_image(pictures.draw("old-raid", copy=True)).fingerprint
    assert earlier is not None and again is not None and same_picture(earlier, again)
    for other in ("raid", "raid-1", "raid-2", "lunch", "checkpoint", "vans", "door"):
        fingerprint = sanitize_image(pictures.draw(other)).fingerprint
        assert fingerprint is not None and not same_picture(earlier, fingerprint)


def test_an_organizers_file_adds_its_scenarios(tmp_path):
    own = tmp_path / "ours.toml"
    own.write_text(GOOD, encoding="utf-8")
    library = load_library(own)
    assert [s.key for s in library][-1] == "county-fair"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ('reason = "not_enforcement"', 'reason = "lunch"'),
        ('answers = { many = "few" }', 'answers = { many = "dozens" }'),
        ('neighborhood = "vado"', 'neighborhood = "Vado Town"'),
        ('decision = "rejected", reason = "not_enforcement"', 'decision = "published", reason = "not_enforcement"'),
        ('words = { en = "ICE at the fair gate", es = "ICE en la entrada de la feria" }', 'words = { en = "ICE" }'),
    ],
)
def test_a_bad_scenario_file_says_what_to_fix(change, message):
    bad = GOOD.replace(change, message)
    with pytest.raises(ConfigurationError) as raised:
        parse_scenarios(bad, source="drill scenario file ours.toml")
    text = str(raised.value)
    assert text.startswith("The drill scenario file ours.toml has problems:")
    assert "scenarios[0]" in text  # names the scenario as written
    assert "Traceback" not in text and "pydantic" not in text


def test_the_plain_messages_name_the_field_and_the_allowed_answers():
    with pytest.raises(ConfigurationError) as raised:
        parse_scenarios(GOOD.replace('many = "few"', 'many = "dozens"'))
    assert "answers.many: 'dozens' is not a quick answer; use one of few, some, many, unsure" in str(raised.value)
    with pytest.raises(ConfigurationError) as raised:
        parse_scenarios(GOOD.replace('es = "ICE en la entrada de la feria"', 'fr = "ICE"'))
    text = str(raised.value)
    assert "scenarios[0].words.es: is missing" in text
    assert "scenarios[0].words.fr: is not a known setting" in text


def test_a_file_that_reuses_a_built_in_key_or_is_not_toml_is_refused(tmp_path):
    own = tmp_path / "ours.toml"
    own.write_text(GOOD.replace("county-fair", "worksite"), encoding="utf-8")
    with pytest.raises(ConfigurationError, match="reuses built-in scenario keys: worksite"):
        load_library(own)
    own.write_text("[[scenarios]\nkey =", encoding="utf-8")
    with pytest.raises(ConfigurationError, match="is not valid TOML"):
        load_library(own)
    with pytest.raises(ConfigurationError, match="cannot be read"):
        load_library(tmp_path / "missing.toml")


def test_a_network_without_the_scenarios_neighborhood_uses_its_own_in_turn():
    assert place_for("vado", ("vado", "clovis"), 5) == "vado"
    assert place_for("vado", ("north", "south"), 3) == "south"


def test_the_drill_menu_button_carries_its_whole_state_and_is_parsed_strictly():
    menu = cb.DrillMenu(cb.DrillStep.GO, 0b1010101, Pace.ONE_AT_A_TIME, LanguageMix.SPANISH, True)
    assert cb.decode(cb.encode(menu)) == menu
    for bad in (
        "v1:drill:go:055:one:es:1",
        "v1:drill:go:55:two:es:1",
        "v1:drill:go:55:one:fr:1",
        "v1:drill:go:fffff1:one:es:1",
    ):
        with pytest.raises(cb.InvalidCallbackData):
            cb.decode(bad)


def test_the_drill_channel_must_not_be_a_neighborhoods_channel_or_a_person():
    from bot.network import parse_network
    from tests.sample_network import CLOVIS_EN_CHANNEL, network_toml

    def with_drill_channel(value: int) -> str:
        return f"drill_channel = {value}\n" + network_toml()

    assert parse_network(with_drill_channel(-1009000000001)).drill_channel == -1009000000001
    with pytest.raises(ConfigurationError, match="drill_channel must not be a neighborhood's channel"):
        parse_network(with_drill_channel(CLOVIS_EN_CHANNEL))
    with pytest.raises(ConfigurationError, match="drill_channel: a channel's chat id is negative"):
        parse_network(with_drill_channel(5002))
