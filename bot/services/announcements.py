"""What a state change tells the world, written to the outbox inside the change's transaction.

Texts are rendered now, in every language of each channel, so what is sent later is exactly
what was true when the state changed. Edits and replies point at the outbox row of the post
they belong to; the dispatcher fills in its Telegram message id when it sends them.

Each event also reaches the neighborhood's subscribers by direct message, in their language:
one outbox row per subscriber, queued after the channel posts in the same transaction (so a
restart neither loses nor repeats them), sent after them and at a lower priority.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime

from bot.domain.buttons import Keyboard
from bot.domain.deep_links import DeepLinks
from bot.domain.delivery import DeliveryStatus, MessageKind, MessageRef, Outgoing, QueuedMessage
from bot.domain.lifecycle import AlertStatus
from bot.domain.public_text import PublicText
from bot.domain.reports import Report
from bot.feed.messages import FeedEvent, record_event
from bot.i18n import Catalogs, Html
from bot.languages import Language, supported_languages
from bot.network import Network
from bot.rendering.alert import (
    render_alert,
    render_closed_alert,
    render_ending_reply,
    render_expired_notice,
    render_rumor_check,
    render_still_active,
)
from bot.rendering.rights import channel_post_buttons, direct_alert_buttons
from storage.repository import Repository


def channel_languages(network: Network, report: Report, chat_id: int) -> tuple[Language, ...]:
    neighborhood = network.neighborhood(report.neighborhood_key)
    for channel in neighborhood.channels if neighborhood else ():
        if channel.chat_id == chat_id:
            return channel.languages
    # The channel left the network file after publication: speak the network's language.
    return (network.default_language,)


async def post_alert(
    repo: Repository,
    report: Report,
    public_text: PublicText,
    network: Network,
    catalogs: Catalogs,
    now: datetime,
    *,
    in_person: bool = False,
    links: DeepLinks | None = None,
) -> int:
    """One post per channel of the neighborhood, then one direct message per subscriber, each saying
    exactly `public_text` (the version the quorum confirmed), which the alert keeps for the post's
    later edits. Returns how many posts were queued. `in_person`: at least one confirming verifier
    went and saw it, which the post says. `links`: the bot's own, for the buttons under each post
    (none without them)."""
    await repo.keep_alert_text(report.id, public_text)
    neighborhood = network.neighborhood(report.neighborhood_key)
    if neighborhood is None:
        return 0
    for channel in neighborhood.channels:
        text = render_alert(catalogs, public_text, channel.languages, network, in_person=in_person)
        buttons = (
            channel_post_buttons(catalogs(channel.languages[0]), links, report.neighborhood_key) if links else None
        )
        await repo.enqueue(report.id, Outgoing(MessageKind.CHANNEL_POST, channel.chat_id, text, keyboard=buttons), now)
    await _to_subscribers(
        repo,
        report,
        network,
        now,
        MessageKind.SUBSCRIBER_ALERT,
        {
            language: (
                render_alert(catalogs, public_text, (language,), network, in_person=in_person),
                direct_alert_buttons(catalogs(language), links, report.neighborhood_key),
            )
            for language in supported_languages()
        },
    )
    # The public feed's CAP message (when the network publishes one), committed with the posts.
    await record_event(repo, report, network, catalogs, now, FeedEvent.PUBLISHED)
    return len(neighborhood.channels)


async def post_rumor_check(
    repo: Repository,
    report: Report,
    network: Network,
    catalogs: Catalogs,
    now: datetime,
    *,
    links: DeepLinks | None = None,
) -> int:
    """A rejected report's "not confirmed", one post per channel of its neighborhood in the channel's
    languages, with the buttons of an alert (report what you see, know your rights). Returns how
    many posts were queued."""
    neighborhood = network.neighborhood(report.neighborhood_key)
    if neighborhood is None:
        return 0
    for channel in neighborhood.channels:
        text = render_rumor_check(catalogs, report, channel.languages, network, now)
        buttons = (
            channel_post_buttons(catalogs(channel.languages[0]), links, report.neighborhood_key) if links else None
        )
        await repo.enqueue(
            report.id, Outgoing(MessageKind.CHANNEL_RUMOR_CHECK, channel.chat_id, text, keyboard=buttons), now
        )
    return len(neighborhood.channels)


async def still_active(repo: Repository, report: Report, network: Network, catalogs: Catalogs, now: datetime) -> None:
    for post in await _live_posts(repo, report.id):
        languages = channel_languages(network, report, post.message.chat_id)
        text = render_still_active(catalogs, report, languages, network, now)
        await repo.enqueue(report.id, _reply(post.message.chat_id, post.id, text), now)
    await _to_subscribers(
        repo,
        report,
        network,
        now,
        MessageKind.SUBSCRIBER_UPDATE,
        {
            language: (render_still_active(catalogs, report, (language,), network, now), None)
            for language in supported_languages()
        },
    )
    await record_event(repo, report, network, catalogs, now, FeedEvent.STILL_ACTIVE)


async def alert_closed(
    repo: Repository,
    report: Report,
    network: Network,
    catalogs: Catalogs,
    now: datetime,
    *,
    status: AlertStatus,
    last_active_at: datetime,
    links: DeepLinks | None = None,
) -> None:
    """Edit every post in place (a banner on top, the buttons kept), and reply to it unless the alert
    merely expired: an expiry is not news worth a notification, an all clear or a retraction is.
    Subscribers get a direct message each time, the expiry included: they cannot see the banner."""
    alert = await repo.alert(report.id)
    # The words the post went out with; an alert from before versioned texts quoted the resident.
    public_text = alert.public_text if alert and alert.public_text else PublicText.legacy_for(report)
    in_person = any(v.in_person and v.text_version == public_text.version for v in await repo.votes(report.id))
    for post in await _live_posts(repo, report.id):
        chat_id = post.message.chat_id
        languages = channel_languages(network, report, chat_id)
        banner = render_closed_alert(
            catalogs, public_text, languages, network, status, now, last_active_at, in_person=in_person
        )
        buttons = channel_post_buttons(catalogs(languages[0]), links, report.neighborhood_key) if links else None
        await repo.enqueue(
            report.id,
            Outgoing(MessageKind.CHANNEL_EDIT, chat_id, banner, edit=MessageRef(outbox_id=post.id), keyboard=buttons),
            now,
        )
        if status is not AlertStatus.EXPIRED:
            reply = render_ending_reply(catalogs, report, languages, network, status, now)
            await repo.enqueue(report.id, _reply(chat_id, post.id, reply), now)
    texts = {
        language: (
            render_expired_notice(catalogs, report, (language,), network, last_active_at)
            if status is AlertStatus.EXPIRED
            else render_ending_reply(catalogs, report, (language,), network, status, now),
            None,
        )
        for language in supported_languages()
    }
    await _to_subscribers(repo, report, network, now, MessageKind.SUBSCRIBER_UPDATE, texts)
    await record_event(repo, report, network, catalogs, now, FeedEvent.closing(status), last_active_at=last_active_at)


async def _to_subscribers(
    repo: Repository,
    report: Report,
    network: Network,
    now: datetime,
    kind: MessageKind,
    texts: Mapping[Language, tuple[Html, Keyboard | None]],
) -> int:
    """One message to each subscriber of the report's neighborhood; an update replies to their copy
    of the alert. Returns how many were queued. A drill reaches no subscriber (the dispatcher would
    hold its messages back anyway; none are written)."""
    if report.is_drill:
        return 0
    messages = {language: Outgoing(kind, 0, text, keyboard=keyboard) for language, (text, keyboard) in texts.items()}
    return await repo.enqueue_for_subscribers(
        report.id,
        report.neighborhood_key,
        messages,
        network.default_language,
        now,
        reply_to_alert=kind is MessageKind.SUBSCRIBER_UPDATE,
    )


async def tell_reporter(repo: Repository, report: Report, text: Html | None, now: datetime, *, last: bool) -> None:
    """Queue a notice to the reporter; after the last one, forget how to reach them."""
    chat_id = await repo.reporter_chat_id(report.id)
    if chat_id is not None and text is not None:
        await repo.enqueue(report.id, Outgoing(MessageKind.REPORTER_NOTICE, chat_id, text), now)
    if last:
        await repo.forget_reporter_contact(report.id)


async def tell_added_reporters(
    repo: Repository, joined: Report, notice: Callable[[Report], Html | None], now: datetime, *, last: bool
) -> None:
    """The residents whose reports were attached to `joined` as corroboration hear what its reporter
    hears: `notice` renders it for each attached report (its own reference, its reporter's language).
    After the last notice they are forgotten like the reporter, their reports close with it (kept,
    then purged, like any closed report), and their replies in the group lose the Detach button."""
    for report_id in await repo.attached_report_ids(joined.id):
        attached = await repo.report(report_id)
        await tell_reporter(repo, attached, notice(attached), now, last=last)
        if last:
            await repo.enqueue_card_refresh(report_id, now)
    if last:
        await repo.close_attached(joined.id, now)


def _reply(chat_id: int, post_outbox_id: int, text: Html) -> Outgoing:
    return Outgoing(MessageKind.CHANNEL_REPLY, chat_id, text, reply_to=MessageRef(outbox_id=post_outbox_id))


async def _live_posts(repo: Repository, report_id: int) -> list[QueuedMessage]:
    """Posts that exist or may still come to exist: a refused post has nothing to update."""
    return [
        post
        for post in await repo.channel_post_messages(report_id)
        if post.progress.status not in (DeliveryStatus.FAILED, DeliveryStatus.SKIPPED)
    ]
