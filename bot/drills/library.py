"""The drill scenarios: the built-in library (package data) and an organizers' own file.

A scenario file is TOML written by organizers, so, as for the network file, a problem stops with
one line per problem naming the field as written (``scenarios[2].expected.reason: ...``).
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from bot.domain.desk import QUICK_ANSWERS, QuestionKind
from bot.domain.drills import Decision, Expected
from bot.domain.indicators import Indicator
from bot.domain.rejection import RejectionReason
from bot.errors import ConfigurationError, validated_toml

ScenarioKey = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9-]{0,31}$")]
Words = Annotated[str, StringConstraints(min_length=1, max_length=800)]
MAX_SCENARIOS = 20  # the /drill menu shows each one as a button
MAX_RESIDENTS = 5  # a scenario's first resident and those corroborating it


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Bilingual(_Strict):
    en: Words
    es: Words

    def get(self, language: str) -> str:
        return self.es if language == "es" else self.en


class ExpectedOutcome(_Strict):
    decision: Literal["published", "rejected"]
    reason: RejectionReason | None = None
    rumor_check: bool = False
    in_person: bool = False
    address: Annotated[str, StringConstraints(max_length=200)] = ""

    @model_validator(mode="after")
    def _reason_only_for_a_false_alarm(self) -> ExpectedOutcome:
        if self.decision == "published" and (self.reason is not None or self.rumor_check):
            raise ValueError("a reason or a rumor check is only expected of a rejected report")
        return self

    def as_expected(self) -> Expected:
        return Expected(Decision(self.decision), self.reason, self.rumor_check, self.in_person, self.address)


class Scenario(_Strict):
    key: ScenarioKey
    title: Bilingual
    neighborhood: ScenarioKey
    photo: Annotated[str, StringConstraints(pattern=r"^([a-z0-9-]{1,32})?$")] = ""
    earlier_days: int = Field(default=0, ge=0, le=365)
    indicators: tuple[Indicator, ...] = ()
    words: Bilingual
    more_words: tuple[Bilingual, ...] = Field(default=(), max_length=MAX_RESIDENTS - 1)
    answers: dict[QuestionKind, str] = {}
    expected: ExpectedOutcome

    @model_validator(mode="after")
    def _answers_are_quick_answers(self) -> Scenario:
        for question, answer in self.answers.items():
            allowed = QUICK_ANSWERS[question]
            if not allowed:
                raise ValueError(f"answers.{question}: this question has no quick answers; leave it out")
            if answer not in allowed:
                raise ValueError(
                    f"answers.{question}: '{answer}' is not a quick answer; use one of {', '.join(allowed)}"
                )
        if self.earlier_days and not self.photo:
            raise ValueError("earlier_days needs a photo (the one sent before)")
        return self

    @property
    def residents(self) -> int:
        return 1 + len(self.more_words)

    def words_of(self, resident: int, language: str) -> str:
        return (self.words if resident == 0 else self.more_words[resident - 1]).get(language)


class ScenarioFile(_Strict):
    scenarios: tuple[Scenario, ...] = Field(min_length=1, max_length=MAX_SCENARIOS)

    @model_validator(mode="after")
    def _keys_unique(self) -> ScenarioFile:
        seen: set[str] = set()
        for scenario in self.scenarios:
            if scenario.key in seen:
                raise ValueError(f"scenario key '{scenario.key}' is used twice")
            seen.add(scenario.key)
        return self


def parse_scenarios(text: str, *, source: str = "scenario file") -> tuple[Scenario, ...]:
    return validated_toml(text, ScenarioFile, source=source).scenarios


def builtin_scenarios() -> tuple[Scenario, ...]:
    text = resources.files("bot.drills").joinpath("scenarios/builtin.toml").read_text(encoding="utf-8")
    return parse_scenarios(text, source="built-in scenario file")


def load_library(own_file: Path | None) -> tuple[Scenario, ...]:
    """The built-in scenarios, then the organizers' own (which may not reuse a built-in key)."""
    library = builtin_scenarios()
    if own_file is None:
        return library
    try:
        text = own_file.read_text(encoding="utf-8")
    except OSError as error:
        raise ConfigurationError(f"The drill scenario file {own_file} cannot be read: {error.strerror}") from None
    own = parse_scenarios(text, source=f"drill scenario file {own_file}")
    clash = sorted({s.key for s in own} & {s.key for s in library})
    if clash:
        raise ConfigurationError(
            f"The drill scenario file {own_file} reuses built-in scenario keys: {', '.join(clash)}; rename them"
        )
    if len(library) + len(own) > MAX_SCENARIOS:
        raise ConfigurationError(
            f"The drill scenario file {own_file} has too many scenarios: at most {MAX_SCENARIOS - len(library)}"
        )
    return library + own


def place_for(preferred: str, available: tuple[str, ...], index: int) -> str:
    """The scenario's neighborhood if the network has it, else the network's own in turn."""
    if preferred in available:
        return preferred
    return available[index % len(available)]
