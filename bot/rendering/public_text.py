"""The public text on the card: the preview of exactly what will be posted, whose confirmations a
change cleared, the buttons that change it, and the prompt a verifier answers with a note."""

from __future__ import annotations

from collections.abc import Sequence

from bot import callback_data as cb
from bot.domain.public_text import CurrentText, TextChangeKind
from bot.domain.reports import RecordedVote, Report
from bot.domain.verification import VoteKind
from bot.i18n import Html, Translator, escape
from bot.languages import LANGUAGE_NAMES
from bot.ports import Button


def preview_lines(tr: Translator, current: CurrentText, preview: Html, posted_in: Sequence[str]) -> list[str]:
    """The post as it will go out (rendered by bot.rendering.alert, in the card's language), set
    apart from the card's own lines, with the languages the channels get it in."""
    languages = " · ".join(LANGUAGE_NAMES[language] for language in posted_in)
    head = tr.gettext(
        "📣 <b>Public post, version {version}</b> — exactly what will be posted ({languages}); "
        "a confirmation approves this version:",
        version=current.text.version,
        languages=languages,
    )
    lines: list[str] = [head, "┈┈┈┈┈┈┈┈", preview, "┈┈┈┈┈┈┈┈"]
    if current.changed_by:
        lines.append(tr.gettext("✏️ Last changed by {name}.", name=current.changed_by))
    return lines


def cleared_line(tr: Translator, votes: Sequence[RecordedVote], version: int) -> list[str]:
    """Whose confirmations were of an earlier version: they no longer count."""
    names = [v.verifier_name for v in votes if v.kind is VoteKind.CONFIRM and v.text_version != version]
    if not names:
        return []
    return [
        tr.ngettext(
            "♻️ The public text changed after {names} confirmed: that confirmation was cleared. "
            "Confirm again to approve version {version}.",
            "♻️ The public text changed after {names} confirmed: those confirmations were cleared. "
            "Confirm again to approve version {version}.",
            len(names),
            names=Html(", ".join(escape(name) for name in names)),
            version=version,
        )
    ]


def buttons(tr: Translator, report: Report, current: CurrentText) -> tuple[Button, ...]:
    row: list[Button] = []
    if report.description.strip():
        if current.text.words:
            row.append(Button(tr.gettext("🙊 Remove their words"), _edit(report, TextChangeKind.REMOVE_WORDS)))
        else:
            row.append(Button(tr.gettext("🗣 Include their words"), _edit(report, TextChangeKind.INCLUDE_WORDS)))
    if current.text.note:
        row.append(Button(tr.gettext("✏️ Edit the note"), _edit(report, TextChangeKind.SET_NOTE)))
        row.append(Button(tr.gettext("🗑 Remove the note"), _edit(report, TextChangeKind.REMOVE_NOTE)))
    else:
        row.append(Button(tr.gettext("✏️ Write a public note"), _edit(report, TextChangeKind.SET_NOTE)))
    return tuple(row)


def _edit(report: Report, change: TextChangeKind) -> str:
    return cb.encode(cb.EditText(report.id, change))


def note_prompt(tr: Translator, ref: str, limit: int) -> Html:
    return tr.gettext(
        "✏️ <b>Public note for {ref}</b>: reply to this message with the note (cross streets, what is "
        "happening), at most {limit} characters. It is posted as you write it, after the alert, so leave out "
        "names, house numbers and anything else that could identify someone. Changing the text clears the "
        "confirmations given so far.",
        ref=ref,
        limit=limit,
    )
