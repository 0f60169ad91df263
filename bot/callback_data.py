"""The one place where button payloads are written and read.

Payloads are versioned (``v1:``) so buttons on old messages can be recognised after an
upgrade, carry only ids, and are parsed strictly: anything else is refused, never guessed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum
from typing import TypeVar

from bot.domain.desk import QUICK_ANSWERS, QuestionKind
from bot.domain.drills import LanguageMix, Pace
from bot.domain.indicators import Indicator
from bot.domain.lifecycle import AlertAction
from bot.domain.public_text import TextChangeKind
from bot.domain.rejection import RejectionReason
from bot.domain.verification import VoteKind
from bot.languages import Language, is_supported

VERSION = "v1"
MAX_BYTES = 64  # Telegram's limit for callback_data

_VOTE_CODES = {VoteKind.CONFIRM: "c", VoteKind.FALSE_ALARM: "f"}
_ALERT_CODES = {AlertAction.STILL_ACTIVE: "s", AlertAction.ALL_CLEAR: "e", AlertAction.RETRACT: "r"}
_REASON_CODES = {
    RejectionReason.NOT_ENFORCEMENT: "notenf",
    RejectionReason.OLD_PHOTO: "old",
    RejectionReason.WRONG_PLACE: "place",
    RejectionReason.UNVERIFIED: "unver",
    RejectionReason.DUPLICATE: "dup",
    RejectionReason.OTHER: "other",
}


class InvalidCallbackData(ValueError):
    pass


@dataclass(frozen=True)
class Vote:
    report_id: int
    kind: VoteKind
    in_person: bool = False  # "📍 Confirm in person": a confirmation by a verifier who went there
    # The version of the public text the card showed when it offered this confirmation: a press on a
    # card whose text has changed since is refused, so a confirmation approves words that were seen.
    # None on buttons drawn before texts had versions (there was only version 1 then).
    text_version: int | None = None

    def __post_init__(self) -> None:
        if self.in_person and self.kind is not VoteKind.CONFIRM:
            raise InvalidCallbackData("only a confirmation can be in person")
        if self.text_version is not None and self.kind is not VoteKind.CONFIRM:
            raise InvalidCallbackData("only a confirmation approves a version of the text")


class FormStep(StrEnum):
    NEIGHBORHOOD = "nb"  # value: neighborhood key
    INDICATOR = "ind"  # value: indicator code
    CHANGE_NEIGHBORHOOD = "place"
    SUBMIT = "send"
    CANCEL = "cancel"


@dataclass(frozen=True)
class Form:
    step: FormStep
    value: str = ""


@dataclass(frozen=True)
class ChooseLanguage:
    language: Language


@dataclass(frozen=True)
class Mute:
    """An admin mutes (or unmutes) the reporter of a report, from its card."""

    report_id: int
    mute: bool


@dataclass(frozen=True)
class Forget:
    """A resident's answer to "erase everything about me?"."""

    confirmed: bool


@dataclass(frozen=True)
class OnAlert:
    """A press on a published alert's card: still active, all clear, or retract."""

    report_id: int
    action: AlertAction


@dataclass(frozen=True)
class Subscribe:
    """On the /subscribe message: tick or untick a neighborhood (`neighborhood_key`), or Done (empty)."""

    neighborhood_key: str = ""

    @property
    def done(self) -> bool:
        return not self.neighborhood_key


@dataclass(frozen=True)
class Rights:
    """ "Know your rights" under an alert sent by direct message."""


@dataclass(frozen=True)
class Ask:
    """A verifier asks the reporter: `question` None opens the prompt with the quick questions."""

    report_id: int
    question: QuestionKind | None = None


@dataclass(frozen=True)
class Answer:
    """The reporter taps a quick answer under a question from the verifiers."""

    question_id: int
    answer: str


@dataclass(frozen=True)
class Which:
    """The resident says what a plain message was, while a question from the verifiers waits:
    their answer to it, or part of a report. The message itself is the one the prompt replies to."""

    question_id: int
    answers_it: bool


@dataclass(frozen=True)
class GoCheck:
    """ "🚶 I'm going to check", with the ETA in minutes."""

    report_id: int
    minutes: int


@dataclass(frozen=True)
class Detach:
    """On the reply of a report attached to another one as corroboration: give it its own card."""

    report_id: int


@dataclass(frozen=True)
class FalseAlarm:
    """👎 False alarm: `reason` None opens the reasons under the card; a reason casts the vote."""

    report_id: int
    reason: RejectionReason | None = None


@dataclass(frozen=True)
class RumorCheck:
    """ "📣 Post a rumor check" on a rejected report's card."""

    report_id: int


@dataclass(frozen=True)
class EditText:
    """A change to the public text on a card: include or remove the resident's words, remove the
    note, or (SET_NOTE) open the prompt a verifier replies to with the note."""

    report_id: int
    change: TextChangeKind


class DrillStep(StrEnum):
    SET = "set"  # the menu with this state (a scenario ticked, the pace or languages picked)
    GO = "go"  # start the drill
    SURE = "sure"  # start it although real reports are open
    CANCEL = "no"  # do not start it


@dataclass(frozen=True)
class DrillMenu:
    """The /drill menu's whole state travels in its buttons: the ticked scenarios (bit i is the
    library's scenario i), the pace, the language mix and whether to show the verifiers' tags."""

    step: DrillStep
    scenarios: int
    pace: Pace
    mix: LanguageMix
    tags: bool = False

    def __post_init__(self) -> None:
        if not 0 <= self.scenarios < 1 << DRILL_SCENARIO_BITS:
            raise InvalidCallbackData("scenario choice out of range")


DRILL_SCENARIO_BITS = 20

Action = (
    DrillMenu
    | Detach
    | Vote
    | Form
    | ChooseLanguage
    | Mute
    | Forget
    | OnAlert
    | Ask
    | Answer
    | GoCheck
    | Subscribe
    | Rights
    | FalseAlarm
    | RumorCheck
    | EditText
    | Which
)
ActionT = TypeVar("ActionT", bound=Action)

# Each family's word after the version: the one place it is named (encode, decode and the handlers'
# patterns all take it from here).
FAMILIES: dict[type[Action], str] = {
    Vote: "vote",
    GoCheck: "claim",
    Form: "form",
    ChooseLanguage: "lang",
    Mute: "mute",
    Forget: "forget",
    OnAlert: "alert",
    Ask: "ask",
    Answer: "ans",
    Subscribe: "sub",
    Rights: "rights",
    FalseAlarm: "no",
    RumorCheck: "rumor",
    Detach: "detach",
    EditText: "text",
    Which: "which",
    DrillMenu: "drill",
}


def pattern(kind: type[Action]) -> str:
    """The regular expression a CallbackQueryHandler routes a family's payloads with (any payload of
    that family; the handler still decodes it strictly)."""
    return rf"^{VERSION}:{re.escape(FAMILIES[kind])}(?::|$)"


def _prefix(kind: type[Action]) -> str:
    return f"{VERSION}:{FAMILIES[kind]}"


_ANSWER_CODES = frozenset(code for codes in QUICK_ANSWERS.values() for code in codes)

_PATTERNS = {
    "vote": re.compile(r"^v1:vote:(?P<kind>[cfp]):(?P<report>[1-9][0-9]{0,17})(?::t(?P<version>[1-9][0-9]{0,8}))?$"),
    "claim": re.compile(r"^v1:claim:(?P<minutes>15|30|60):(?P<report>[1-9][0-9]{0,17})$"),
    "form": re.compile(r"^v1:form:(?P<step>[a-z]+)(?::(?P<value>[a-z0-9-]{1,32}))?$"),
    "lang": re.compile(r"^v1:lang:(?P<language>[a-z]{2})$"),
    "mute": re.compile(r"^v1:mute:(?P<mode>[mu]):(?P<report>[1-9][0-9]{0,17})$"),
    "forget": re.compile(r"^v1:forget:(?P<answer>yes|no)$"),
    "alert": re.compile(r"^v1:alert:(?P<action>[ser]):(?P<report>[1-9][0-9]{0,17})$"),
    "ask": re.compile(r"^v1:ask:(?P<question>[a-z]{1,8}):(?P<report>[1-9][0-9]{0,17})$"),
    "answer": re.compile(r"^v1:ans:(?P<answer>[a-z]{1,8}):(?P<question>[1-9][0-9]{0,17})$"),
    "sub": re.compile(r"^v1:sub:(?:t:(?P<key>[a-z0-9][a-z0-9-]{0,31})|(?P<done>done))$"),
    "rights": re.compile(r"^v1:rights$"),
    "no": re.compile(r"^v1:no:(?P<reason>[a-z]{1,8}):(?P<report>[1-9][0-9]{0,17})$"),
    "rumor": re.compile(r"^v1:rumor:(?P<report>[1-9][0-9]{0,17})$"),
    "detach": re.compile(r"^v1:detach:(?P<report>[1-9][0-9]{0,17})$"),
    "which": re.compile(r"^v1:which:(?P<choice>[an]):(?P<question>[1-9][0-9]{0,17})$"),
    "drill": re.compile(
        r"^v1:drill:(?P<step>set|go|sure|no):(?P<mask>0|[1-9a-f][0-9a-f]{0,4}):(?P<pace>one|surge)"
        r":(?P<mix>en|es|mix):(?P<tags>[01])$"
    ),
    "text": re.compile(r"^v1:text:(?P<change>words|nowords|note|nonote):(?P<report>[1-9][0-9]{0,17})$"),
}


def encode(action: Action) -> str:
    match action:
        case Vote(report_id, kind, in_person, text_version):
            data = f"{_prefix(Vote)}:{'p' if in_person else _VOTE_CODES[kind]}:{report_id}"
            data += f":t{text_version}" if text_version is not None else ""
        case GoCheck(report_id, minutes):
            data = f"{_prefix(GoCheck)}:{minutes}:{report_id}"
        case Form(step, value):
            data = f"{_prefix(Form)}:{step}" + (f":{value}" if value else "")
        case ChooseLanguage(language):
            data = f"{_prefix(ChooseLanguage)}:{language}"
        case Mute(report_id, mute):
            data = f"{_prefix(Mute)}:{'m' if mute else 'u'}:{report_id}"
        case Forget(confirmed):
            data = f"{_prefix(Forget)}:{'yes' if confirmed else 'no'}"
        case OnAlert(report_id, alert_action):
            data = f"{_prefix(OnAlert)}:{_ALERT_CODES[alert_action]}:{report_id}"
        case Ask(report_id, question):
            data = f"{_prefix(Ask)}:{question or 'menu'}:{report_id}"
        case Answer(question_id, answer):
            data = f"{_prefix(Answer)}:{answer}:{question_id}"
        case Subscribe(key):
            data = f"{_prefix(Subscribe)}:" + (f"t:{key}" if key else "done")
        case Rights():
            data = _prefix(Rights)
        case FalseAlarm(report_id, reason):
            data = f"{_prefix(FalseAlarm)}:{_REASON_CODES[reason] if reason else 'menu'}:{report_id}"
        case RumorCheck(report_id):
            data = f"{_prefix(RumorCheck)}:{report_id}"
        case Detach(report_id):
            data = f"{_prefix(Detach)}:{report_id}"
        case Which(question_id, answers_it):
            data = f"{_prefix(Which)}:{'a' if answers_it else 'n'}:{question_id}"
        case EditText(report_id, change):
            data = f"{_prefix(EditText)}:{change}:{report_id}"
        case DrillMenu(step, scenarios, pace, mix, tags):
            data = f"{_prefix(DrillMenu)}:{step}:{scenarios:x}:{pace}:{mix}:{int(tags)}"
    if len(data.encode()) > MAX_BYTES:
        raise InvalidCallbackData(f"{data!r} is longer than {MAX_BYTES} bytes")
    return data


def decode_as(data: str | None, kind: type[ActionT]) -> ActionT | None:
    """The payload as `kind`, or None for anything else (stale, tampered or another family)."""
    try:
        action = decode(data)
    except InvalidCallbackData:
        return None
    return action if isinstance(action, kind) else None


def decode(data: str | None) -> Action:
    if not data:
        raise InvalidCallbackData("empty")
    if match := _PATTERNS["vote"].match(data):
        version = int(match["version"]) if match["version"] else None
        if match["kind"] == "p":
            return Vote(int(match["report"]), VoteKind.CONFIRM, in_person=True, text_version=version)
        kind = next(k for k, code in _VOTE_CODES.items() if code == match["kind"])
        return Vote(int(match["report"]), kind, text_version=version)
    if match := _PATTERNS["claim"].match(data):
        return GoCheck(int(match["report"]), int(match["minutes"]))
    if match := _PATTERNS["form"].match(data):
        try:
            step = FormStep(match["step"])
        except ValueError:
            raise InvalidCallbackData(data) from None
        value = match["value"] or ""
        needs_value = step in (FormStep.NEIGHBORHOOD, FormStep.INDICATOR)
        if needs_value != bool(value):
            raise InvalidCallbackData(data)
        if step is FormStep.INDICATOR and value not in {i.value for i in Indicator}:
            raise InvalidCallbackData(data)
        return Form(step, value)
    if match := _PATTERNS["lang"].match(data):
        if is_supported(match["language"]):
            return ChooseLanguage(match["language"])
    if match := _PATTERNS["mute"].match(data):
        return Mute(int(match["report"]), match["mode"] == "m")
    if match := _PATTERNS["forget"].match(data):
        return Forget(match["answer"] == "yes")
    if match := _PATTERNS["alert"].match(data):
        alert_action = next(a for a, code in _ALERT_CODES.items() if code == match["action"])
        return OnAlert(int(match["report"]), alert_action)
    if match := _PATTERNS["ask"].match(data):
        if match["question"] == "menu":
            return Ask(int(match["report"]))
        if match["question"] in {q.value for q in QuestionKind if q is not QuestionKind.OWN}:
            return Ask(int(match["report"]), QuestionKind(match["question"]))
    if match := _PATTERNS["answer"].match(data):
        if match["answer"] in _ANSWER_CODES:
            return Answer(int(match["question"]), match["answer"])
    if match := _PATTERNS["sub"].match(data):
        return Subscribe(match["key"] or "")
    if _PATTERNS["rights"].match(data):
        return Rights()
    if match := _PATTERNS["no"].match(data):
        if match["reason"] == "menu":
            return FalseAlarm(int(match["report"]))
        reason = next((r for r, code in _REASON_CODES.items() if code == match["reason"]), None)
        if reason is not None:
            return FalseAlarm(int(match["report"]), reason)
    if match := _PATTERNS["rumor"].match(data):
        return RumorCheck(int(match["report"]))
    if match := _PATTERNS["detach"].match(data):
        return Detach(int(match["report"]))
    if match := _PATTERNS["which"].match(data):
        return Which(int(match["question"]), match["choice"] == "a")
    if match := _PATTERNS["drill"].match(data):
        mask = int(match["mask"], 16)
        if mask < 1 << DRILL_SCENARIO_BITS:
            return DrillMenu(
                DrillStep(match["step"]), mask, Pace(match["pace"]), LanguageMix(match["mix"]), match["tags"] == "1"
            )
    if match := _PATTERNS["text"].match(data):
        return EditText(int(match["report"]), TextChangeKind(match["change"]))
    raise InvalidCallbackData(data)
