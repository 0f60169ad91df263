"""Where a drill's post went, in one line: the drill channel, or where it would have been posted.

Its own module because both the card (bot.rendering.rejection, bot.rendering.card) and the drill's
own messages (bot.rendering.drills) say it, and the drill's messages read the card's labels.
"""

from __future__ import annotations

from bot.i18n import Html, Translator
from bot.rendering.links import message_link


def drill_post_line(tr: Translator, channel: str, message_id: int | None, drill_channel: int | None) -> Html:
    """One post of a drill: a link into the drill channel, or where it would have been posted."""
    if message_id is not None and drill_channel is not None:
        link = message_link(drill_channel, message_id)
        return tr.gettext('🧪 Posted in the drill channel: <a href="{link}">{channel}</a>', link=link, channel=channel)
    return tr.gettext("🧪 Would have been posted in the {channel} channel", channel=channel)
