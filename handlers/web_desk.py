"""/desk: open the web desk from Telegram, the way the Bot API allows it in each kind of chat.

In a verifier's private chat with the bot, a ``web_app`` button (Telegram signs who opened it), and
the chat's menu button opens the desk from then on; in
the verifier group, a URL button with the direct Mini App link (``web_app`` buttons are refused in
groups). /queue in the group carries the same link.
"""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, MenuButtonWebApp, Update, WebAppInfo

from bot.context import VigilContext
from bot.languages import match_language


async def on_desk(update: Update, context: VigilContext) -> None:
    message, user, chat = update.effective_message, update.effective_user, update.effective_chat
    if message is None or user is None or chat is None:
        return
    services = context.services
    tr = services.catalogs(match_language(user.language_code) or services.network.card_language)
    links, desk = services.desk_links, services.web_desk
    if links is None or desk is None:
        await message.reply_text(tr.gettext("The web desk is not set up for this network."))
        return
    label = tr.gettext("🖥 Open the web desk")
    if chat.type == "private":
        if not await desk.is_member(user.id):
            await message.reply_text(tr.gettext("The web desk is only for current members of the verifier group."))
            return
        button = InlineKeyboardButton(label, web_app=WebAppInfo(links.page))
        # And behind this chat's menu button from now on: the desk is one tap away next time.
        await context.bot.set_chat_menu_button(chat.id, MenuButtonWebApp(label, WebAppInfo(links.page)))
    elif chat.id == services.network.verifier_group_id and (link := links.direct()) is not None:
        button = InlineKeyboardButton(label, url=link)
    else:
        await message.reply_text(tr.gettext("The web desk is not set up for this network."))
        return
    await message.reply_text(
        tr.gettext("Open the verifier desk on the web, inside Telegram."),
        reply_markup=InlineKeyboardMarkup([[button]]),
    )


def queue_button(context: VigilContext, label: str) -> InlineKeyboardMarkup | None:
    """The direct link to the whole queue on the web desk, for /queue in the group, when there is one."""
    links = context.services.desk_links
    link = links.direct() if links is not None and context.services.web_desk is not None else None
    return InlineKeyboardMarkup([[InlineKeyboardButton(label, url=link)]]) if link else None
