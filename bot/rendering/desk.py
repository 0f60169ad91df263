"""The desk's messages: the prompt with quick questions, the question the reporter reads, the
answer the verifiers read, and the card's lines about them. No message names the other side."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from bot import callback_data as cb
from bot.domain.delivery import Buttons
from bot.domain.desk import CLAIM_MINUTES, QUICK_ANSWERS, QUICK_QUESTIONS, Claim, Question, QuestionKind
from bot.domain.reports import RecordedVote
from bot.i18n import N_, Html, Translator, escape
from bot.ports import Button, Keyboard
from bot.rendering.labels import local_clock, quote

QUESTION_LABELS: dict[QuestionKind, str] = {
    QuestionKind.HOW_MANY: N_("How many agents do you see?"),
    QuestionKind.DETAINING: N_("Are they detaining people?"),
    QuestionKind.MARKINGS: N_("Do you see agency markings (ICE, CBP, HSI…)?"),
    QuestionKind.STILL_THERE: N_("Are they still there?"),
    QuestionKind.PHOTO: N_("Can you send a photo from a safe distance?"),
}

ANSWER_LABELS: dict[QuestionKind, dict[str, str]] = {
    QuestionKind.HOW_MANY: {
        "few": N_("1 or 2"),
        "some": N_("3 to 5"),
        "many": N_("6 or more"),
        "unsure": N_("I can't tell"),
    },
    QuestionKind.DETAINING: {"yes": N_("Yes"), "no": N_("No"), "unsure": N_("I'm not sure")},
    QuestionKind.MARKINGS: {
        "ice": N_("ICE"),
        "cbp": N_("CBP / Border Patrol"),
        "other": N_("Another agency"),
        "none": N_("No markings"),
    },
    QuestionKind.STILL_THERE: {"yes": N_("Yes, still there"), "no": N_("No, they left")},
}


def question_text(tr: Translator, kind: QuestionKind, own_words: str) -> Html:
    """The question in the reader's language, or the verifier's own words (escaped)."""
    if kind is QuestionKind.OWN:
        return Html(escape(own_words))
    return tr.gettext(QUESTION_LABELS[kind])


def answer_label(tr: Translator, kind: QuestionKind, code: str) -> str:
    return tr.gettext(ANSWER_LABELS[kind][code])


def prompt(tr: Translator, ref: str) -> Html:
    return tr.gettext(
        "❓ <b>Ask the reporter of {ref}</b>: pick a question, or reply to this message with your own. "
        'They get it in their language, from "the network\'s verifiers": they never learn who asked, '
        "and you never learn who they are.",
        ref=ref,
    )


def prompt_buttons(tr: Translator, report_id: int) -> Buttons:
    return tuple(((tr.gettext(QUESTION_LABELS[kind]), cb.encode(cb.Ask(report_id, kind))),) for kind in QUICK_QUESTIONS)


def to_reporter(tr: Translator, ref: str, question: Html, *, has_buttons: bool, chosen: str | None = None) -> Html:
    """The question in the reporter's chat; `chosen`: the quick answer they tapped (the question is then
    edited to show it, without buttons)."""
    if chosen is not None:
        how = tr.gettext(
            "✅ You answered: <b>{answer}</b>. The verifiers have it. To add something, reply to this message "
            "with words or a photo.",
            answer=chosen,
        )
    elif has_buttons:
        how = tr.gettext("Tap an answer below, or reply to this message with words or a photo.")
    else:
        how = tr.gettext("Reply to this message with words or a photo.")
    return Html(
        tr.gettext("❓ <b>The network's verifiers have a question about your report {ref}:</b>", ref=ref)
        + f"\n\n{question}\n\n"
        + tr.gettext("Only answer if it is safe for you. The verifiers do not see your name or your account.")
        + f"\n{how}"
    )


def answer_buttons(tr: Translator, question_id: int, kind: QuestionKind) -> Buttons:
    return tuple(
        ((answer_label(tr, kind, code), cb.encode(cb.Answer(question_id, code))),) for code in QUICK_ANSWERS[kind]
    )


def which_is_it(tr: Translator, ref: str) -> Html:
    """Asked under a plain message while a question from the verifiers waits for its answer."""
    return tr.gettext(
        "The verifiers are waiting for your answer to their question about {ref}. Is this message your answer?",
        ref=ref,
    )


def which_buttons(tr: Translator, question_id: int) -> Keyboard:
    return (
        (Button(tr.gettext("💬 Yes, it answers the verifiers' question"), cb.encode(cb.Which(question_id, True))),),
        (Button(tr.gettext("📝 No, it is a new report"), cb.encode(cb.Which(question_id, False))),),
    )


def answer_in_group(tr: Translator, ref: str, question: Html, answer: Html | None) -> Html:
    """An answer shown to the verifiers, replying to the card; `answer` None for a photo (its caption)."""
    head = tr.gettext("💬 <b>The reporter of {ref} answered</b>", ref=ref)
    lines = [head, tr.gettext("❓ {question}", question=Html(question))]
    if answer is None:
        lines.append(tr.gettext("📷 A photo (metadata removed)."))
    else:
        lines.append(answer)
    return Html("\n".join(lines))


def answer_words(text: str) -> Html:
    return quote(text)


def card_lines(tr: Translator, questions: list[Question], limit: int) -> list[str]:
    if not questions:
        return []
    answered = sum(1 for q in questions if q.answers)
    lines: list[str] = [
        tr.gettext(
            "❓ Questions to the reporter: {asked}/{limit} · answered: {answered}",
            asked=len(questions),
            limit=limit,
            answered=answered,
        )
    ]
    for question in questions:
        words = question_text(tr, question.kind, question.text)
        if question.answers:
            state = tr.ngettext("{n} answer", "{n} answers", question.answers)
        else:
            state = tr.gettext("waiting for an answer")
        lines.append(Html(f"  • {escape(question.asked_by_name)}: {words} — {state}"))
    return lines


# --- going to check ----------------------------------------------------------------------------


def claim_buttons(tr: Translator, report_id: int) -> tuple[Button, ...]:
    return tuple(
        Button(tr.gettext("🚶 {minutes} min", minutes=minutes), cb.encode(cb.GoCheck(report_id, minutes)))
        for minutes in CLAIM_MINUTES
    )


def claim_lines(
    tr: Translator, claims: list[Claim], votes: list[RecordedVote], now: datetime, zone: ZoneInfo
) -> list[str]:
    """Who is on the way, and until when; a check that ran out without a vote shows as expired."""
    voted = {v.verifier for v in votes}
    lines: list[str] = []
    for claim in claims:
        if claim.verifier in voted:
            continue  # they went and voted: the tally says the rest
        until = local_clock(tr, claim.until, zone)
        if claim.is_expired(now):
            lines.append(
                tr.gettext("⌛ {name}'s check ran out at {time} without a vote", name=claim.verifier_name, time=until)
            )
        else:
            lines.append(
                tr.gettext("🚶 {name} is on the way to check, until {time}", name=claim.verifier_name, time=until)
            )
    return lines


def claim_reminder(tr: Translator, ref: str, claim: Claim, zone: ZoneInfo) -> Html:
    return tr.gettext(
        "🚶 {name}: it is {time}, the time you gave for checking {ref}. If you were there, press "
        "📍 Confirm in person (or False alarm); if you cannot go, the card now shows your check as expired.",
        name=claim.verifier_name,
        time=local_clock(tr, claim.until, zone),
        ref=ref,
    )
