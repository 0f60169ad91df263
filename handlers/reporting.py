"""A resident writes a report in a private chat: photos, words, place, what they see, Send."""

from __future__ import annotations

from telegram import Message, ReplyParameters, Update
from telegram.constants import ParseMode

from bot import callback_data as cb
from bot.context import VigilContext
from bot.domain.draft import (
    DescriptionTooLong,
    Draft,
    DraftMedia,
    DraftPhoto,
    MediaKind,
    NeighborhoodMissing,
    NothingToReport,
    TooManyPhotos,
    TooManyVoiceNotes,
)
from bot.domain.indicators import Indicator
from bot.domain.limits import AlreadyReportedHere, TooManyReports
from bot.i18n import Translator
from bot.media import MediaRejection
from bot.network import GeoPoint
from bot.photos import ImageRejection
from bot.rendering.corroboration import added_receipt
from bot.rendering.notices import limit_notice, receipt
from bot.services.images import MediaRefused, PhotoRefused
from bot.services.requests import telegram_update
from bot.services.residents import DuplicateSubmit
from handlers.language import resident_translator
from handlers.panel import schedule_panel, show_panel, take_buttons_off, update_panel_in_place

# Telegram will not let bots download more than this.
MAX_DOWNLOAD_BYTES = 20 * 1024 * 1024
# An album arrives as one update per photo within a second; wait for the last before answering.
ALBUM_SETTLE_SECONDS = 1.0


async def _open_draft(
    update: Update, context: VigilContext, message: Message | None = None
) -> tuple[Translator, Draft]:
    """The resident's stored draft (a new one if none, or if it was abandoned long ago)."""
    user = update.effective_user
    assert user is not None  # private-chat handlers only
    tr = await resident_translator(update, context)
    message = message or update.effective_message
    opened_by = message.message_id if message is not None else None
    return tr, await context.services.residents.draft(user.id, opened_by_message=opened_by)


async def on_report_command(update: Update, context: VigilContext) -> None:
    _, draft = await _open_draft(update, context)
    # Stored even while empty, so the panel's buttons find it.
    user_id = update.effective_user.id  # type: ignore[union-attr]
    draft = await context.services.residents.keep(user_id, draft, request_id=telegram_update(update.update_id))
    await show_panel(context, update.effective_chat.id, draft)  # type: ignore[union-attr]


async def open_report_in(update: Update, context: VigilContext, neighborhood_key: str) -> None:
    """A `report-<key>` deep link (the button under a channel post, a flyer's QR code): the draft
    opens with the neighborhood already chosen, one tap less in an emergency."""
    _, draft = await _open_draft(update, context)
    if context.services.network.neighborhood(neighborhood_key) is not None:
        draft.choose_neighborhood(neighborhood_key)
    user_id = update.effective_user.id  # type: ignore[union-attr]
    draft = await context.services.residents.keep(user_id, draft, request_id=telegram_update(update.update_id))
    await show_panel(context, update.effective_chat.id, draft)  # type: ignore[union-attr]


async def on_text(update: Update, context: VigilContext, message: Message | None = None) -> None:
    """Words for the report: the update's message, or (`message`) one the resident sent earlier and
    has just said is part of a report (handlers/desk.py: a question from the verifiers was waiting)."""
    message = message or update.effective_message
    assert message is not None
    tr, draft = await _open_draft(update, context, message)
    try:
        draft.add_text(message.text or "")
    except DescriptionTooLong as too_long:
        await message.reply_html(_too_long(tr, too_long))
        return
    draft = await context.services.residents.keep(message.chat_id, draft, request_id=telegram_update(update.update_id))
    await show_panel(context, message.chat_id, draft)


async def on_image(update: Update, context: VigilContext, message: Message | None = None) -> None:
    """A photo, or an image sent as a file (which would otherwise keep its metadata); `message` as in
    :func:`on_text`."""
    message = message or update.effective_message
    assert message is not None
    tr, draft = await _open_draft(update, context, message)
    if message.photo:
        file_id, size = message.photo[-1].file_id, message.photo[-1].file_size
    elif message.document is not None:
        file_id, size = message.document.file_id, message.document.file_size
    else:
        return
    refusal = None
    too_long = None
    if size is not None and size > MAX_DOWNLOAD_BYTES:
        refusal = _photo_refusal(tr, ImageRejection.TOO_LARGE_FILE)
    else:
        try:
            clean = await context.services.residents.clean_photo(
                draft, file_id, sent_at=message.date, as_file=not message.photo
            )
        except PhotoRefused as refused:
            refusal = _photo_refusal(tr, refused.reason)
        except TooManyPhotos as too_many:
            refusal = _album_full(tr, too_many)
        else:
            draft.add_photo(DraftPhoto(clean.width, clean.height, clean.evidence))
            if message.caption:
                try:
                    draft.add_text(message.caption)
                except DescriptionTooLong as error:
                    too_long = error
            # Stored before anything is said to the resident: from then on the update is done.
            draft = await context.services.residents.keep(
                message.chat_id, draft, request_id=telegram_update(update.update_id), new_media=clean.data
            )
    if refusal is not None:
        await message.reply_html(refusal)
    elif too_long is not None:
        await message.reply_html(_too_long(tr, too_long))
    if message.media_group_id:
        schedule_panel(context, message.chat_id, delay=ALBUM_SETTLE_SECONDS)
    else:
        await show_panel(context, message.chat_id, draft)


async def on_video(update: Update, context: VigilContext) -> None:
    """A video, a round video note, a GIF-style animation, or a video sent as a file (which keeps
    where and when it was filmed): remuxed without any metadata before it joins the draft."""
    message: Message = update.effective_message  # type: ignore[assignment]
    media = message.video or message.video_note or message.animation or message.document
    if media is None:
        return
    await _add_media(update, context, MediaKind.VIDEO, media.file_id, media.file_size)


async def on_voice(update: Update, context: VigilContext) -> None:
    """A voice note or an audio file: re-encoded without metadata; the first one brings a warning."""
    message: Message = update.effective_message  # type: ignore[assignment]
    media = message.voice or message.audio or message.document
    if media is None:
        return
    await _add_media(update, context, MediaKind.VOICE, media.file_id, media.file_size)


async def _add_media(update: Update, context: VigilContext, kind: MediaKind, file_id: str, size: int | None) -> None:
    message: Message = update.effective_message  # type: ignore[assignment]
    tr, draft = await _open_draft(update, context)
    residents = context.services.residents
    refusal = too_long = None
    first_voice = False
    if size is not None and size > MAX_DOWNLOAD_BYTES:
        refusal = _media_refusal(tr, kind, MediaRejection.TOO_LARGE_FILE)
    else:
        try:
            if kind is MediaKind.VIDEO:
                video = await residents.clean_video(draft, file_id)
                item, data = DraftMedia(kind, video.width, video.height, video.duration), video.data
            else:
                audio = await residents.clean_voice(draft, file_id)
                item, data = DraftMedia(kind, duration=audio.duration), audio.data
        except MediaRefused as refused:
            refusal = _media_refusal(tr, kind, refused.reason)
        except TooManyPhotos as too_many:
            refusal = _album_full(tr, too_many)
        except TooManyVoiceNotes as too_many:
            refusal = tr.gettext(
                "A report can have at most {limit} voice notes. This one was not added.", limit=too_many.limit
            )
        else:
            draft.add_media(item)
            if message.caption:
                try:
                    draft.add_text(message.caption)
                except DescriptionTooLong as error:
                    too_long = error
            # Stored before anything is said to the resident: from then on the update is done.
            draft = await residents.keep(
                message.chat_id, draft, request_id=telegram_update(update.update_id), new_media=data
            )
            if kind is MediaKind.VOICE:
                first_voice = await residents.first_voice_note(message.chat_id)
    if refusal is not None:
        await message.reply_html(refusal)
    elif too_long is not None:
        await message.reply_html(_too_long(tr, too_long))
    if first_voice:
        await message.reply_html(
            tr.gettext(
                "🎤 Your voice note was added for the verifiers only; it was re-encoded without its hidden data. "
                "A voice can identify you, though: typing a few words is safer."
            )
        )
    if message.media_group_id:
        schedule_panel(context, message.chat_id, delay=ALBUM_SETTLE_SECONDS)
    else:
        await show_panel(context, message.chat_id, draft)


async def on_other_file(update: Update, context: VigilContext) -> None:
    message: Message = update.effective_message  # type: ignore[assignment]
    tr = await resident_translator(update, context)
    await message.reply_html(_photo_refusal(tr, ImageRejection.NOT_AN_IMAGE))


async def on_location(update: Update, context: VigilContext) -> None:
    """Use a shared location only to suggest the neighborhood; the coordinates are not kept."""
    message: Message = update.effective_message  # type: ignore[assignment]
    tr, draft = await _open_draft(update, context)
    if message.location is None:
        return
    point = GeoPoint(latitude=message.location.latitude, longitude=message.location.longitude)
    neighborhood = context.services.network.nearest_neighborhood(point)
    if neighborhood is None:
        await message.reply_html(
            tr.gettext("That location is outside the places this network covers. Choose the closest place below.")
        )
    else:
        draft.choose_neighborhood(neighborhood.key)
        draft = await context.services.residents.keep(
            message.chat_id, draft, request_id=telegram_update(update.update_id)
        )
        await message.reply_html(
            tr.gettext(
                "Based on your location this is <b>{place}</b>. Your exact location is not saved.",
                place=neighborhood.name(tr.language),
            )
        )
    await show_panel(context, message.chat_id, draft)


async def on_form_button(update: Update, context: VigilContext) -> None:
    query = update.callback_query
    assert query is not None and query.message is not None
    user = update.effective_user
    assert user is not None
    tr = await resident_translator(update, context)
    try:
        action = cb.decode(query.data)
    except cb.InvalidCallbackData:
        await query.answer(tr.gettext("This button is no longer valid."), show_alert=True)
        return
    if not isinstance(action, cb.Form):
        await query.answer(tr.gettext("This button is no longer valid."), show_alert=True)
        return
    # Every panel of the stored draft acts on it (after a restart an older panel may still have
    # its buttons); a panel of a draft that was sent, discarded or abandoned does nothing.
    draft = await context.services.residents.current_draft(user.id)
    if draft is None or not draft.is_shown_on(query.message.message_id):
        await query.answer(
            tr.gettext("This report was already sent or discarded. Send a photo or a few words to start a new one."),
            show_alert=True,
        )
        return
    chat_id = query.message.chat.id
    match action.step:
        case cb.FormStep.NEIGHBORHOOD:
            if context.services.network.neighborhood(action.value) is None:
                await query.answer(tr.gettext("This button is no longer valid."), show_alert=True)
                return
            draft.choose_neighborhood(action.value)
        case cb.FormStep.CHANGE_NEIGHBORHOOD:
            draft.neighborhood_key = None
        case cb.FormStep.INDICATOR:
            draft.toggle(Indicator(action.value))
        case cb.FormStep.CANCEL:
            await context.services.residents.discard(user.id)
            await query.answer()
            await query.edit_message_text(tr.gettext("Report discarded. Nothing was sent."))
            return
        case cb.FormStep.SUBMIT:
            await _submit(update, context, tr, draft)
            return
    draft = await context.services.residents.keep(user.id, draft, request_id=telegram_update(update.update_id))
    await query.answer()
    await update_panel_in_place(context, chat_id, query.message.message_id, draft)


async def _submit(update: Update, context: VigilContext, tr: Translator, draft: Draft) -> None:
    query = update.callback_query
    assert query is not None and query.message is not None and update.effective_user is not None
    try:
        sent = await context.services.residents.submit(
            draft,
            user_id=update.effective_user.id,
            chat_id=query.message.chat.id,
            language=tr.language,
            request_id=telegram_update(update.update_id),
        )
    except NeighborhoodMissing:
        await query.answer(tr.gettext("Choose where this is happening first."), show_alert=True)
        return
    except NothingToReport:
        await query.answer(tr.gettext("Add a photo, a few words or tick what you see first."), show_alert=True)
        return
    except DuplicateSubmit:
        return  # Telegram redelivered a Send that was already handled (and answered): do nothing
    except (AlreadyReportedHere, TooManyReports) as refusal:
        await query.answer()
        await context.bot.send_message(
            query.message.chat.id,
            limit_notice(tr, refusal, context.services.network),
            parse_mode=ParseMode.HTML,
            reply_parameters=ReplyParameters(query.message.message_id, allow_sending_without_reply=True),
        )
        return
    context.session.panel_message_id = None
    await query.answer()
    if sent.joined is None:
        text = receipt(tr, sent.public_ref)
    else:
        joined = sent.joined
        text = added_receipt(
            tr,
            sent.public_ref,
            live_alert=joined.live_alert,
            posts=joined.posts,
            network=context.services.network,
            key=joined.neighborhood_key,
        )
    await query.edit_message_text(text, parse_mode=ParseMode.HTML)


async def on_cancel_command(update: Update, context: VigilContext) -> None:
    tr = await resident_translator(update, context)
    user = update.effective_user
    assert user is not None
    await context.services.residents.discard(user.id)
    abandoned, context.session.panel_message_id = context.session.panel_message_id, None
    if abandoned is not None:
        await take_buttons_off(context, update.effective_chat.id, abandoned)  # type: ignore[union-attr]
    await update.effective_message.reply_html(tr.gettext("Report discarded. Nothing was sent."))  # type: ignore[union-attr]


def _too_long(tr: Translator, error: DescriptionTooLong) -> str:
    return tr.gettext(
        "That text is too long ({attempted} characters; the limit is {limit}). "
        "Nothing was added: please send a shorter text.",
        attempted=error.attempted,
        limit=error.limit,
    )


def _album_full(tr: Translator, too_many: TooManyPhotos) -> str:
    return tr.gettext(
        "A report can have at most {limit} photos and videos. This one was not added.", limit=too_many.limit
    )


def _media_refusal(tr: Translator, kind: MediaKind, reason: MediaRejection) -> str:
    video = kind is MediaKind.VIDEO
    match reason:
        case MediaRejection.TOO_LARGE_FILE:
            if video:
                return tr.gettext("That video is too large (over 20 MB), so it was not added. Try a shorter one.")
            return tr.gettext("That recording is too large (over 20 MB), so it was not added. Try a shorter one.")
        case MediaRejection.NOT_SUPPORTED:
            if video:
                return tr.gettext(
                    "That file is not a video I can use, so it was not added. Send an MP4, MOV or WebM video."
                )
            return tr.gettext(
                "That file is not a recording I can use, so it was not added. "
                "Send a voice note, or an MP3, M4A or OGG file."
            )
        case MediaRejection.NOT_DOWNLOADED:
            if video:
                return tr.gettext(
                    "I could not fetch that video from Telegram just now, so it was not added. Please send it again."
                )
            return tr.gettext(
                "I could not fetch that recording from Telegram just now, so it was not added. Please send it again."
            )
        case MediaRejection.CORRUPT:
            if video:
                return tr.gettext(
                    "That video could not be read (it may be damaged), so it was not added. Try sending it again."
                )
            return tr.gettext(
                "That voice note could not be read (it may be damaged), so it was not added. Try recording it again."
            )


def _photo_refusal(tr: Translator, reason: ImageRejection) -> str:
    match reason:
        case ImageRejection.NOT_AN_IMAGE:
            return tr.gettext(
                "That file is not a photo, so it was not added. Send a photo or an image file (JPEG, PNG, WebP, HEIC)."
            )
        case ImageRejection.TOO_LARGE_FILE:
            return tr.gettext("That image is too large (over 20 MB), so it was not added. Please send it as a photo.")
        case ImageRejection.TOO_MANY_PIXELS:
            return tr.gettext("That image is too large to process, so it was not added. Please send it as a photo.")
        case ImageRejection.CORRUPT:
            return tr.gettext(
                "That image could not be read (it may be damaged), so it was not added. Try another photo."
            )
        case ImageRejection.NOT_DOWNLOADED:
            return tr.gettext(
                "I could not fetch that photo from Telegram just now, so it was not added. Please send it again."
            )
