"""What each public alert event says in CAP, recorded in the event's own transaction.

Called by :mod:`bot.services.announcements` right after the channel posts, edits and replies of
an event are queued, with the same repository: the CAP message commits with the decision or not
at all, so a crash can neither lose one nor invent one. The words are the channel's own, rendered
by :mod:`bot.rendering.alert` (the public text two verifiers approved), as plain text.

Which CAP message each event is:

| event | msgType | urgency | certainty | headline | expires |
|---|---|---|---|---|---|
| published | Alert | Immediate | Observed | the post's headline | its expiry unless someone says it is still active |
| still active | Update | Immediate | Observed | the reply under the post | the new expiry |
| expired | Update | Past | Observed | the EXPIRED banner | the moment it expired (= sent, so already past) |
| all clear | Cancel, responseType AllClear | Past | Observed | the ENDED banner | an hour after it |
| retracted | Cancel | Past | Unlikely | the RETRACTED banner | an hour after it |

An expiry is an Update, not a Cancel: nobody said the activity ended, only that nobody confirmed
it since; the channels get no reply for it either. A Cancel would have consumers announce an end
the verifiers never declared.
"""

from __future__ import annotations

import html
import re
import secrets
from datetime import datetime, timedelta
from enum import StrEnum

from bot.domain.lifecycle import AlertStatus
from bot.domain.public_text import PublicText
from bot.domain.reports import Report
from bot.feed import cap
from bot.i18n import Catalogs
from bot.languages import Language
from bot.network import Network
from bot.rendering.alert import alert_words, closed_banner, render_still_active, verifiers_note
from bot.rendering.labels import quote
from bot.rendering.links import message_link
from storage.feed import StoredCapMessage
from storage.repository import Repository

# Verified immigration-enforcement activity puts people nearby at significant risk of detention
# and of being separated from their families, now: CAP's "Severe" ("significant threat to life or
# property"). Not "Extreme", which CAP keeps for extraordinary threats to life.
SEVERITY = "Severe"
# How long consumers should keep showing an all clear or a retraction.
CANCEL_SHOWN = timedelta(hours=1)

_TAG = re.compile(r"<[^>]+>")


class FeedEvent(StrEnum):
    PUBLISHED = "published"
    STILL_ACTIVE = "still_active"
    ENDED = "ended"
    RETRACTED = "retracted"
    EXPIRED = "expired"

    @classmethod
    def closing(cls, status: AlertStatus) -> FeedEvent:
        return {AlertStatus.ENDED: cls.ENDED, AlertStatus.RETRACTED: cls.RETRACTED}.get(status, cls.EXPIRED)


_MSG_TYPES = {
    FeedEvent.PUBLISHED: cap.MsgType.ALERT,
    FeedEvent.STILL_ACTIVE: cap.MsgType.UPDATE,
    FeedEvent.EXPIRED: cap.MsgType.UPDATE,
    FeedEvent.ENDED: cap.MsgType.CANCEL,
    FeedEvent.RETRACTED: cap.MsgType.CANCEL,
}


def plain(text: str) -> str:
    """A rendered message (Telegram's HTML) as the plain text CAP carries."""
    return html.unescape(_TAG.sub("", text))


def new_alert_key() -> str:
    """Random, so an identifier says nothing about the report, its reporter or how many there were."""
    return f"vigil-{secrets.token_hex(6)}"


async def record_event(
    repo: Repository,
    report: Report,
    network: Network,
    catalogs: Catalogs,
    now: datetime,
    event: FeedEvent,
    *,
    last_active_at: datetime | None = None,
) -> StoredCapMessage | None:
    """Record the CAP message of `event` for a published report's alert (nothing while the network's
    feed is off). A drill's alert says `status=Exercise`, so no consumer can take it for a real one."""
    if not network.feed.enabled or network.feed.sender is None:
        return None
    alert = await repo.alert(report.id)
    if alert is None:
        return None
    alert_key = await repo.cap_alert_key(report.id)
    if alert_key is None:
        alert_key = new_alert_key()
        await repo.set_cap_alert_key(report.id, alert_key)
    earlier = await repo.cap_references(alert_key)
    public_text = alert.public_text or PublicText.legacy_for(report)
    in_person = any(v.in_person and v.text_version == public_text.version for v in await repo.votes(report.id))
    links = await _post_links(repo, report, network)
    expires = _expires(event, now, alert.active_until)
    infos = tuple(
        _info(
            catalogs,
            language,
            network,
            report,
            public_text,
            event,
            now=now,
            expires=expires,
            in_person=in_person,
            last_active_at=last_active_at or alert.last_active_at,
            web=links.get(language),
        )
        for language in _languages(network, report)
    )
    message = cap.CapMessage(
        identifier=f"{alert_key}-{len(earlier) + 1}",
        sender=network.feed.sender,
        sent=now,
        msg_type=_MSG_TYPES[event],
        infos=infos,
        zone=network.zone,
        status=cap.Status.EXERCISE if report.is_drill else cap.Status.ACTUAL,
        references=tuple(earlier),
        incidents=alert_key,
    )
    stored = StoredCapMessage(
        identifier=message.identifier,
        alert_key=alert_key,
        sender=message.sender,
        sent=message.sent_text,
        sent_at=now,
        msg_type=str(message.msg_type),
        status=str(message.status),
        language=infos[0].language,
        title=infos[0].headline,
        summary=infos[0].description,
        xml=cap.build(message),
    )
    await repo.add_cap_message(stored)
    return stored


def _info(
    catalogs: Catalogs,
    language: Language,
    network: Network,
    report: Report,
    text: PublicText,
    event: FeedEvent,
    *,
    now: datetime,
    expires: datetime,
    in_person: bool,
    last_active_at: datetime,
    web: str | None,
) -> cap.Info:
    tr = catalogs(language)
    words = alert_words(tr, text, network, in_person)
    description = "\n".join(words.body)
    # The note and the resident's words (only once a verifier included them) close the post, as in the channel.
    if text.note:
        description += "\n\n" + verifiers_note(catalogs, (language,), text.note)
    if text.words:
        description += "\n\n" + quote(text.words)
    match event:
        case FeedEvent.PUBLISHED:
            headline = words.headline
        case FeedEvent.STILL_ACTIVE:
            headline = render_still_active(catalogs, report, (language,), network, now)
        case _:
            status = {FeedEvent.ENDED: AlertStatus.ENDED, FeedEvent.RETRACTED: AlertStatus.RETRACTED}.get(
                event, AlertStatus.EXPIRED
            )
            headline = closed_banner(tr, network, status, now, last_active_at)
    neighborhood = network.neighborhood(report.neighborhood_key)
    circle = (
        cap.Circle(neighborhood.center.latitude, neighborhood.center.longitude, neighborhood.radius_km)
        if neighborhood and neighborhood.center and neighborhood.radius_km
        else None
    )
    over = event in (FeedEvent.ENDED, FeedEvent.RETRACTED, FeedEvent.EXPIRED)
    return cap.Info(
        language=cap.CAP_LANGUAGES.get(tr.language, tr.language),
        event=plain(tr.gettext("Immigration enforcement activity")),
        urgency="Past" if over else "Immediate",
        severity=SEVERITY,
        certainty="Unlikely" if event is FeedEvent.RETRACTED else "Observed",
        response_type="AllClear" if event is FeedEvent.ENDED else None,
        expires=expires,
        headline=plain(headline),
        description=plain(description),
        instruction=network.rights.get(tr.language) or plain(words.rights),
        contact=network.hotline,
        area_description=neighborhood.name(tr.language) if neighborhood else report.neighborhood_key,
        circle=circle,
        web=web,
        sender_name=network.feed.sender_name,
    )


def _expires(event: FeedEvent, now: datetime, active_until: datetime | None) -> datetime:
    match event:
        case FeedEvent.PUBLISHED | FeedEvent.STILL_ACTIVE:
            return active_until or now
        case FeedEvent.EXPIRED:
            return now
        case _:
            return now + CANCEL_SHOWN


def _languages(network: Network, report: Report) -> list[Language]:
    """One <info> per language the neighborhood's channels are written in."""
    neighborhood = network.neighborhood(report.neighborhood_key)
    languages = [
        language for channel in (neighborhood.channels if neighborhood else ()) for language in channel.languages
    ]
    return list(dict.fromkeys(languages)) or [network.default_language]


async def _post_links(repo: Repository, report: Report, network: Network) -> dict[Language, str]:
    """Per language, the link of a channel post in it that Telegram has confirmed (none before the
    first post is out: the Alert message is written with the decision, before the post exists)."""
    neighborhood = network.neighborhood(report.neighborhood_key)
    languages = {channel.chat_id: channel.languages for channel in (neighborhood.channels if neighborhood else ())}
    links: dict[Language, str] = {}
    for post in await repo.channel_post_messages(report.id):
        if post.telegram_message_id is None:
            continue
        link = message_link(post.message.chat_id, post.telegram_message_id)
        for language in languages.get(post.message.chat_id, ()):
            if link:
                links.setdefault(language, link)
    return links
