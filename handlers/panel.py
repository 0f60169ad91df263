"""Showing the resident's draft panel: one live panel at a time, the newest at the bottom."""

from __future__ import annotations

from telegram.constants import ParseMode
from telegram.error import BadRequest

from bot.context import VigilContext
from bot.domain.draft import Draft
from bot.rendering.panel import render_panel
from bot.telegram_gateway import is_not_modified, to_markup

PANEL_JOB_PREFIX = "draft-panel:"


async def show_panel(context: VigilContext, chat_id: int, draft: Draft) -> None:
    """Send the draft as a fresh panel and take the buttons off the previous one.

    The draft is already stored; which message is its newest panel is only remembered in memory,
    to tidy the old one. After a restart an older panel may keep its buttons: they act on the
    stored draft, like the newest panel's.
    """
    session = context.session
    if session.language is None:
        return
    text, keyboard = render_panel(context.services.catalogs(session.language), draft, context.services.network)
    previous = session.panel_message_id
    message = await context.bot.send_message(chat_id, text, parse_mode=ParseMode.HTML, reply_markup=to_markup(keyboard))
    session.panel_message_id = message.message_id
    if previous is not None:
        await take_buttons_off(context, chat_id, previous)


async def take_buttons_off(context: VigilContext, chat_id: int, message_id: int) -> None:
    """An old panel must not look live: a tap on it would act on a draft that moved on."""
    try:
        await context.bot.edit_message_reply_markup(chat_id, message_id, reply_markup=None)
    except BadRequest as error:
        # Already without buttons, or deleted by the resident: nothing to tidy.
        if not (is_not_modified(error) or "not found" in error.message.lower()):
            raise


async def update_panel_in_place(context: VigilContext, chat_id: int, message_id: int, draft: Draft) -> None:
    session = context.session
    if session.language is None:
        return
    text, keyboard = render_panel(context.services.catalogs(session.language), draft, context.services.network)
    try:
        await context.bot.edit_message_text(
            text, chat_id=chat_id, message_id=message_id, parse_mode=ParseMode.HTML, reply_markup=to_markup(keyboard)
        )
    except BadRequest as error:
        if not is_not_modified(error):
            raise
    session.panel_message_id = message_id


async def show_panel_job(context: VigilContext) -> None:
    """Runs shortly after the last photo of an album, so an album gets one panel, not ten."""
    job = context.job
    if job is None or job.chat_id is None or job.user_id is None:
        return
    draft = await context.services.residents.current_draft(job.user_id)
    if draft is not None:
        await show_panel(context, job.chat_id, draft)


def schedule_panel(context: VigilContext, chat_id: int, *, delay: float) -> None:
    if context.job_queue is None:
        raise RuntimeError("Vigil needs python-telegram-bot's job-queue extra")
    name = f"{PANEL_JOB_PREFIX}{chat_id}"
    for job in context.job_queue.get_jobs_by_name(name):
        job.schedule_removal()
    # PTB types a JobQueue's callbacks by a type variable it leaves unbound here.
    context.job_queue.run_once(show_panel_job, delay, name=name, chat_id=chat_id, user_id=chat_id)  # type: ignore[arg-type]
