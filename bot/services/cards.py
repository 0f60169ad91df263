"""The verifier card as it should look now, rendered from stored state when it is sent."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from bot.domain.corroboration import residents_reporting
from bot.domain.delivery import DeliveryStatus, MessageKind, MessageRef, Outgoing
from bot.domain.desk import open_for_the_desk
from bot.domain.draft import MediaKind
from bot.domain.public_text import CurrentText
from bot.domain.reporters import ReporterStanding
from bot.domain.reports import RecordedVote, Report
from bot.domain.verification import ReportStatus, VoteKind
from bot.i18n import Catalogs, Html, Translator
from bot.languages import Language
from bot.network import Network
from bot.ports import Button, Keyboard
from bot.rendering.alert import render_alert
from bot.rendering.card import render_attached_reply, render_card
from bot.services.standing import standing_of
from bot.text_length import MESSAGE_LIMIT, utf16_length
from storage.repository import ReportNotFound, Repository


@dataclass(frozen=True)
class CardView:
    chat_id: int
    message_id: int | None  # None for a card not sent yet
    text: Html
    keyboard: Keyboard | None


class CardRenderer:
    def __init__(
        self,
        *,
        catalogs: Catalogs,
        network: Network,
        clock: Callable[[], datetime],
        desk_link: Callable[[int], str] | None = None,
    ) -> None:
        self._catalogs = catalogs
        self._network = network
        self._clock = clock
        # The web desk's link for a report (bot.web.desk.links), when there is a web desk: a button on the card.
        self._desk_link = desk_link

    async def new(self, repo: Repository, report_id: int) -> CardView | None:
        """A new report's card, before it has a message; None when the report is gone."""
        try:
            report = await repo.report(report_id)
        except ReportNotFound:
            return None
        text, keyboard = await self._render(repo, report)
        return CardView(self._network.verifier_group_id, None, text, self._with_desk_button(report, keyboard))

    async def current(self, repo: Repository, report_id: int) -> CardView | None:
        """None when there is no card to edit (the report is gone, or its card never arrived)."""
        try:
            report = await repo.report(report_id)
        except ReportNotFound:
            return None
        if report.card_chat_id is None or report.card_message_id is None:
            return None
        text, keyboard = await self._render(repo, report)
        return CardView(report.card_chat_id, report.card_message_id, text, self._with_desk_button(report, keyboard))

    def _with_desk_button(self, report: Report, keyboard: Keyboard | None) -> Keyboard | None:
        if self._desk_link is None or (report.attached_to is not None and report.status is ReportStatus.MERGED):
            return keyboard
        tr = self._catalogs(self._network.card_language)
        button = Button(tr.gettext("🖥 Open on the web desk"), url=self._desk_link(report.id))
        return (*(keyboard or ()), (button,))

    async def in_language(
        self, repo: Repository, report_id: int, language: Language
    ) -> tuple[Report, Html, Keyboard | None] | None:
        """The card as the group's shows it, in another language (the web desk's, its reader's)."""
        try:
            report = await repo.report(report_id)
        except ReportNotFound:
            return None
        return (report, *await self._render(repo, report, language))

    async def _render(
        self, repo: Repository, report: Report, language: Language | None = None
    ) -> tuple[Html, Keyboard | None]:
        """The card from everything stored about the report (for a new one, most of it is empty)."""
        standing = await standing_of(repo, report, self._clock())
        card_language = language or self._network.card_language
        tr = self._catalogs(card_language)
        if report.attached_to is not None and report.status is ReportStatus.MERGED:
            # Attached as corroboration: its "card" is a reply to the card of the report it joined.
            joined = await repo.report(report.attached_to)
            joined_alert = await repo.alert(joined.id)
            return render_attached_reply(
                tr,
                report,
                joined.public_ref,
                self._network,
                reporter=standing,
                detachable=open_for_the_desk(joined.status, joined_alert.status if joined_alert else None),
                evidence=await repo.photo_evidence(report.id),
            )
        current = await repo.public_text(report)
        votes = await repo.votes(report.id)
        # The preview says "confirmed in person" when the post would: a current-version confirmation.
        seen = any(v.in_person for v in votes if v.kind is VoteKind.CONFIRM and v.text_version == current.text.version)
        preview = render_alert(self._catalogs, current.text, (card_language,), self._network, in_person=seen)
        card = await self._render_with(repo, report, tr, standing, votes, current, preview)
        # The HTML's length bounds the text Telegram counts (tags and entities only add to it).
        if utf16_length(card[0]) > MESSAGE_LIMIT:
            # Only with every other part of the card at its longest: the preview then names the
            # paragraph every alert ends with instead of repeating it, so the card still fits.
            preview = render_alert(
                self._catalogs, current.text, (card_language,), self._network, in_person=seen, footer=False
            )
            card = await self._render_with(repo, report, tr, standing, votes, current, preview)
        return card

    async def _render_with(
        self,
        repo: Repository,
        report: Report,
        tr: Translator,
        standing: ReporterStanding | None,
        votes: list[RecordedVote],
        current: CurrentText,
        preview: Html,
    ) -> tuple[Html, Keyboard | None]:
        problems = [
            p
            for p in await repo.delivery_problems(report.id)
            if p.status in (DeliveryStatus.FAILED, DeliveryStatus.UNKNOWN)
        ]
        return render_card(
            tr,
            report,
            votes,
            await repo.channel_posts(report.id),
            self._network,
            reporter=standing,
            alert=await repo.alert(report.id),
            problems=problems,
            questions=await repo.questions(report.id),
            claims=await repo.claims(report.id),
            now=self._clock(),
            public_text=current,
            preview=preview,
            posted_in=self._posted_in(report),
            rejection=await repo.rejection(report.id),
            rumor_posts=await repo.report_messages(report.id, MessageKind.CHANNEL_RUMOR_CHECK),
            residents=residents_reporting(await repo.reporters_joined(report.id)),
            evidence=await repo.photo_evidence(report.id),
        )

    def _posted_in(self, report: Report) -> tuple[str, ...]:
        """Every language the neighborhood's channels are posted in, in the network file's order."""
        neighborhood = self._network.neighborhood(report.neighborhood_key)
        channels = neighborhood.channels if neighborhood else ()
        return tuple(dict.fromkeys(language for channel in channels for language in channel.languages))


async def queue_card(
    repo: Repository,
    report_id: int,
    media: list[MediaKind],
    group: int,
    now: datetime,
    *,
    reply_to: MessageRef | None = None,
) -> None:
    """The albums (the report's cleaned photos and videos in one; each voice note on its own) and
    then the card, replying to the first, all rendered from stored state when sent.

    `reply_to`: for a report attached to another one, that report's card. Its albums reply to it,
    and so does its card when it has no album: the whole report arrives as a reply under the card.
    """
    albums: list[int] = []
    if any(kind.in_album for kind in media):
        album = await repo.enqueue(report_id, Outgoing(MessageKind.CARD_ALBUM, group, reply_to=reply_to), now)
        await repo.assign_media_to_album(report_id, album, (MediaKind.PHOTO, MediaKind.VIDEO))
        albums.append(album)
    for position, kind in enumerate(media):
        if not kind.in_album:
            voice = await repo.enqueue(report_id, Outgoing(MessageKind.CARD_ALBUM, group, reply_to=reply_to), now)
            await repo.assign_media_to_album(report_id, voice, (), position=position)
            albums.append(voice)
    card = MessageRef(outbox_id=albums[0]) if albums else reply_to
    await repo.enqueue(report_id, Outgoing(MessageKind.CARD, group, reply_to=card), now)
