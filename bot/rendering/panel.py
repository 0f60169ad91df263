"""The resident's draft: one message with buttons that always shows what will be sent."""

from __future__ import annotations

from bot import callback_data as cb
from bot.domain.draft import Draft, MediaKind
from bot.domain.indicators import Indicator
from bot.i18n import Html, Translator, escape
from bot.network import Network
from bot.ports import Button, Keyboard
from bot.rendering.labels import indicator_label


def render_panel(tr: Translator, draft: Draft, network: Network) -> tuple[Html, Keyboard]:
    lines: list[str] = [tr.gettext("📝 <b>Your report</b> (not sent yet)")]
    neighborhood = network.neighborhood(draft.neighborhood_key) if draft.neighborhood_key else None
    if neighborhood is None:
        lines.append(tr.gettext("📍 Where: <i>choose below</i>"))
    else:
        lines.append(tr.gettext("📍 Where: <b>{place}</b>", place=neighborhood.name(tr.language)))
    if photos := len(draft.of_kind(MediaKind.PHOTO)):
        lines.append(tr.ngettext("📷 {n} photo", "📷 {n} photos", photos))
    if videos := len(draft.of_kind(MediaKind.VIDEO)):
        lines.append(tr.ngettext("🎥 {n} video", "🎥 {n} videos", videos))
    if voices := len(draft.of_kind(MediaKind.VOICE)):
        lines.append(tr.ngettext("🎤 {n} voice note", "🎤 {n} voice notes", voices))
    if draft.description:
        lines.append(f"💬 {escape(draft.description)}")
    if draft.indicators:
        lines.append("👁 " + ", ".join(indicator_label(tr, i) for i in draft.ordered_indicators()))
    lines.append("")
    if neighborhood is None:
        lines.append(tr.gettext("Where is this happening? Tap a place."))
        return Html("\n".join(lines)), _neighborhood_keyboard(tr, network)
    lines.append(
        tr.gettext(
            "Tap what you see (optional). You can also send more photos, videos or a few words, "
            "such as cross streets. Then tap <b>Send to verifiers</b>."
        )
    )
    return Html("\n".join(lines)), _review_keyboard(tr, draft)


def _neighborhood_keyboard(tr: Translator, network: Network) -> Keyboard:
    buttons = [
        Button(n.name(tr.language), cb.encode(cb.Form(cb.FormStep.NEIGHBORHOOD, n.key))) for n in network.neighborhoods
    ]
    rows = [tuple(buttons[i : i + 2]) for i in range(0, len(buttons), 2)]
    rows.append((Button(tr.gettext("✖️ Cancel"), cb.encode(cb.Form(cb.FormStep.CANCEL))),))
    return tuple(rows)


def _review_keyboard(tr: Translator, draft: Draft) -> Keyboard:
    rows: list[tuple[Button, ...]] = [
        (
            Button(
                ("☑️ " if indicator in draft.indicators else "⬜ ") + indicator_label(tr, indicator),
                cb.encode(cb.Form(cb.FormStep.INDICATOR, indicator.value)),
            ),
        )
        for indicator in Indicator
    ]
    rows.append((Button(tr.gettext("✅ Send to verifiers"), cb.encode(cb.Form(cb.FormStep.SUBMIT))),))
    rows.append(
        (
            Button(tr.gettext("📍 Change place"), cb.encode(cb.Form(cb.FormStep.CHANGE_NEIGHBORHOOD))),
            Button(tr.gettext("✖️ Cancel"), cb.encode(cb.Form(cb.FormStep.CANCEL))),
        )
    )
    return tuple(rows)
