"""What a drill says: the banner every drill message starts with, the /drill menu, the refusals,
the card's "would have been posted" lines, and the after-action report. It grades decisions,
never people: no verifier is named (their tags only if the organizer asked)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from bot import callback_data as cb
from bot.domain.buttons import Button, Keyboard
from bot.domain.drills import Decision, LanguageMix, Miss, Pace, ScenarioResult, summarize
from bot.domain.reports import ChannelPost
from bot.drills.library import Scenario
from bot.i18n import N_, Html, Translator, escape
from bot.languages import LANGUAGE_NAMES
from bot.rendering.links import message_link
from bot.rendering.overview import duration
from bot.rendering.rejection import reason_label

BANNER = N_("🧪 DRILL / SIMULACRO — no action needed")

_MISSES: dict[Miss, str] = {
    Miss.DECISION: N_("the decision differed"),
    Miss.REASON: N_("the false alarm's reason differed"),
    Miss.RUMOR_CHECK: N_("no rumor check was posted"),
    Miss.IN_PERSON: N_("nobody went to look in person"),
    Miss.ADDRESS_PUBLIC: N_("the address was in the public words"),
}
_PACES = {Pace.ONE_AT_A_TIME: N_("One at a time"), Pace.SURGE: N_("Surge: 10 reports in 2 minutes")}
_MIXES = {LanguageMix.ENGLISH: N_("English"), LanguageMix.SPANISH: N_("Spanish"), LanguageMix.MIX: N_("Both")}


def banner(tr: Translator) -> Html:
    return tr.gettext(BANNER)


# --- /drill -------------------------------------------------------------------------------------


def menu(tr: Translator, library: Sequence[Scenario], state: cb.DrillMenu, language: str) -> tuple[Html, Keyboard]:
    """The /drill menu: tick scenarios, pick the pace and the language mix, then Start."""
    lines = [
        banner(tr),
        tr.gettext("<b>Start a drill</b>: the desk practises on made-up reports; nobody outside is told."),
        tr.gettext("Pick the scenarios, the pace and the languages, then press Start."),
    ]
    rows: list[tuple[Button, ...]] = []
    for index, scenario in enumerate(library):
        ticked = bool(state.scenarios & (1 << index))
        toggled = cb.DrillMenu(cb.DrillStep.SET, state.scenarios ^ (1 << index), state.pace, state.mix, state.tags)
        label = ("☑️ " if ticked else "⬜ ") + scenario.title.get(language)
        rows.append((Button(label, cb.encode(toggled)),))
    rows.append(
        tuple(
            Button(
                ("🔘 " if pace is state.pace else "") + tr.gettext(label),
                cb.encode(cb.DrillMenu(cb.DrillStep.SET, state.scenarios, pace, state.mix, state.tags)),
            )
            for pace, label in _PACES.items()
        )
    )
    rows.append(
        tuple(
            Button(
                ("🔘 " if mix is state.mix else "") + tr.gettext(label),
                cb.encode(cb.DrillMenu(cb.DrillStep.SET, state.scenarios, state.pace, mix, state.tags)),
            )
            for mix, label in _MIXES.items()
        )
    )
    tags_label = (
        tr.gettext("☑️ Show verifiers' tags in the report")
        if state.tags
        else tr.gettext("⬜ Show verifiers' tags in the report")
    )
    rows.append(
        (
            Button(
                tags_label,
                cb.encode(cb.DrillMenu(cb.DrillStep.SET, state.scenarios, state.pace, state.mix, not state.tags)),
            ),
        )
    )
    rows.append((Button(tr.gettext("▶️ Start the drill"), cb.encode(_with(state, cb.DrillStep.GO))),))
    return Html("\n".join(lines)), tuple(rows)


def _with(state: cb.DrillMenu, step: cb.DrillStep) -> cb.DrillMenu:
    return cb.DrillMenu(step, state.scenarios, state.pace, state.mix, state.tags)


def confirm_with_real_reports(tr: Translator, count: int, state: cb.DrillMenu) -> tuple[Html, Keyboard]:
    text = Html(
        "\n".join(
            [
                banner(tr),
                tr.ngettext(
                    "⚠️ {n} real report is waiting for the desk. A drill adds made-up reports to the same"
                    " group (after every real one). Start it anyway?",
                    "⚠️ {n} real reports are waiting for the desk. A drill adds made-up reports to the same"
                    " group (after every real one). Start it anyway?",
                    count,
                ),
            ]
        )
    )
    keyboard = (
        (Button(tr.gettext("▶️ Yes, start the drill"), cb.encode(_with(state, cb.DrillStep.SURE))),),
        (Button(tr.gettext("✖️ No, not now"), cb.encode(_with(state, cb.DrillStep.CANCEL))),),
    )
    return text, keyboard


def started(tr: Translator, reports: int, pace: Pace) -> Html:
    if pace is Pace.SURGE:
        body = tr.ngettext(
            "The drill has started: {n} simulated report arrives in the group over the next 2 minutes.",
            "The drill has started: {n} simulated reports arrive in the group over the next 2 minutes.",
            reports,
        )
    else:
        body = tr.ngettext(
            "The drill has started: {n} simulated report, one scenario at a time.",
            "The drill has started: {n} simulated reports, one scenario at a time.",
            reports,
        )
    more = tr.gettext("/drill stop ends it early; /drill report shows how it stands.")
    return Html("\n".join([banner(tr), body, more]))


def stopped(tr: Translator) -> Html:
    return Html(f"{banner(tr)}\n" + tr.gettext("The drill is stopped; the after-action report follows."))


def cancelled(tr: Translator) -> Html:
    return Html(f"{banner(tr)}\n" + tr.gettext("No drill was started."))


def refusal(tr: Translator, reason: str) -> Html:
    match reason:
        case "not_an_organizer":
            return tr.gettext("Drills are for the network's organizers, here or in the verifier group.")
        case "already_running":
            return tr.gettext("A drill is already running: /drill stop ends it.")
        case "no_drill":
            return tr.gettext("There is no drill to stop or report on.")
        case _:
            return tr.gettext("Pick at least one scenario first.")


# --- the card ---------------------------------------------------------------------------------


def drill_post_lines(
    tr: Translator, posts: Sequence[ChannelPost], languages_of: Mapping[int, tuple[str, ...]], drill_channel: int | None
) -> list[str]:
    """A drill's posts: in the drill channel, or "would have been posted" (never a public link)."""
    return [
        drill_post_line(
            tr,
            " · ".join(LANGUAGE_NAMES[lang] for lang in languages_of.get(p.channel_id, ())),
            p.message_id,
            drill_channel,
        )
        for p in posts
    ]


def drill_post_line(tr: Translator, channel: str, message_id: int | None, drill_channel: int | None) -> Html:
    """One post of a drill: a link into the drill channel, or where it would have been posted."""
    if message_id is not None and drill_channel is not None:
        link = message_link(drill_channel, message_id)
        return tr.gettext('🧪 Posted in the drill channel: <a href="{link}">{channel}</a>', link=link, channel=channel)
    return tr.gettext("🧪 Would have been posted in the {channel} channel", channel=channel)


# --- the after-action report --------------------------------------------------------------------


def _decision(tr: Translator, decision: Decision, reason: object | None) -> str:
    match decision:
        case Decision.PUBLISHED:
            return tr.gettext("confirmed and published")
        case Decision.REJECTED:
            return tr.gettext("false alarm: {reason}", reason=reason_label(tr, reason))  # type: ignore[arg-type]
        case Decision.EXPIRED:
            return tr.gettext("not settled in time (expired)")
        case _:
            return tr.gettext("still open")


def after_action_report(
    tr: Translator,
    results: Sequence[ScenarioResult],
    scenarios: Mapping[str, Scenario],
    *,
    final: bool,
    tags: Sequence[str] = (),
) -> Html:
    language = tr.language
    title = tr.gettext("📋 <b>After-action report</b>") if final else tr.gettext("📋 <b>The drill so far</b>")
    lines: list[str] = [banner(tr), title]
    for number, result in enumerate(results, start=1):
        scenario = scenarios[result.key]
        expected, actual = result.expected, result.actual
        mark = "✅" if not result.misses else "⚠️"
        lines.append("")
        lines.append(f"{mark} <b>{number}. {escape(scenario.title.get(language))}</b>")
        lines.append(
            tr.gettext(
                "expected: {expected} · actual: {actual}",
                expected=_decision(tr, expected.decision, expected.reason),
                actual=_decision(tr, actual.decision, actual.reason),
            )
        )
        first = result.to_first_action
        decided = result.to_decision
        lines.append(
            tr.gettext(
                "first action: {first} · decision: {decided} · questions asked: {questions} · in person: {in_person}",
                first=duration(tr, first.total_seconds()) if first is not None else "—",
                decided=duration(tr, decided.total_seconds()) if decided is not None else "—",
                questions=actual.questions,
                in_person=tr.gettext("yes") if actual.in_person else tr.gettext("no"),
            )
        )
        if expected.rumor_check:
            lines.append(
                tr.gettext(
                    "rumor check posted: {answer}", answer=tr.gettext("yes") if actual.rumor_check else tr.gettext("no")
                )
            )
        if expected.address:
            kept = Miss.ADDRESS_PUBLIC not in result.misses
            lines.append(
                tr.gettext(
                    "the public words kept the address out: {answer}",
                    answer=tr.gettext("yes") if kept else tr.gettext("no"),
                )
            )
    summary = summarize(results)
    lines.append("")
    lines.append(
        tr.ngettext(
            "<b>{right} of {n} decision matched the expected outcome.</b>",
            "<b>{right} of {n} decisions matched the expected outcome.</b>",
            summary.total,
            right=summary.right,
        )
    )
    if summary.differed:
        lines.append(
            tr.ngettext(
                "{differed} of {n} decision differed from the expected outcome.",
                "{differed} of {n} decisions differed from the expected outcome.",
                summary.total,
                differed=summary.differed,
            )
        )
    if summary.median_to_decision is not None:
        lines.append(
            tr.gettext(
                "Median time to a decision: {time}", time=duration(tr, summary.median_to_decision.total_seconds())
            )
        )
    if summary.missed:
        lines.append(tr.gettext("What was missed:"))
        for key, miss in summary.missed:
            lines.append(f"• {escape(scenarios[key].title.get(language))}: {tr.gettext(_MISSES[miss])}")
    else:
        lines.append(tr.gettext("Nothing was missed."))
    if tags:
        lines.append(tr.gettext("Verifiers' tags (as in /stats): {tags}", tags=", ".join(tags)))
    return Html("\n".join(lines))
