"""Every handler, registered in one place. Order matters where noted."""

from __future__ import annotations

from telegram.ext import Application, CallbackQueryHandler, CommandHandler, MessageHandler, filters

from bot import callback_data as cb
from handlers import (
    admin,
    corroborating,
    desk,
    drills,
    general,
    lifecycle,
    other_messages,
    overview,
    privacy,
    reporting,
    subscribing,
    verifying,
    web_desk,
)
from handlers.errors import on_error


def register(application: Application) -> None:  # type: ignore[type-arg]
    private = filters.ChatType.PRIVATE
    # Edits first: an edited "/report" or an edited description must not act again (every handler
    # below would take an edited message too). The resident is told how to add something instead.
    application.add_handler(MessageHandler(filters.UpdateType.EDITED_MESSAGE, other_messages.on_edited_message))
    # Commands first, so "/report" is never taken for a description.
    application.add_handler(CommandHandler("start", general.on_start, filters=private))  # deep links too
    application.add_handler(CommandHandler("help", general.on_help, filters=private))
    application.add_handler(CommandHandler("language", general.on_language_command, filters=private))
    application.add_handler(CommandHandler("report", reporting.on_report_command, filters=private))
    application.add_handler(CommandHandler("cancel", reporting.on_cancel_command, filters=private))
    application.add_handler(CommandHandler("privacy", privacy.on_privacy, filters=private))
    application.add_handler(CommandHandler("forgetme", privacy.on_forget_command, filters=private))
    application.add_handler(CommandHandler("subscribe", subscribing.on_subscribe_command, filters=private))
    application.add_handler(CommandHandler("unsubscribe", subscribing.on_unsubscribe_command, filters=private))
    application.add_handler(CommandHandler("rights", subscribing.on_rights_command, filters=private))
    # Any chat: the handler itself allows organizers only, in private or in the verifier group.
    application.add_handler(CommandHandler("status", admin.on_status))
    application.add_handler(CommandHandler("stats", overview.on_stats))
    application.add_handler(CommandHandler("drill", drills.on_drill_command))
    # The verifier group's own command; the handler answers anyone else that it is for the group.
    application.add_handler(CommandHandler("queue", overview.on_queue))
    # The web desk: a web_app button in a verifier's private chat, the direct link in the group.
    application.add_handler(CommandHandler("desk", web_desk.on_desk))
    # A reply to a question from the verifiers is an answer, not part of a report; the desk handler
    # hands any other reply to the reporting handlers below. Before them, for the same reason.
    application.add_handler(
        MessageHandler(
            private & filters.REPLY & ((filters.TEXT & ~filters.COMMAND) | filters.PHOTO | filters.Document.IMAGE),
            desk.on_private_reply,
        )
    )
    # Words or a photo that reply to nothing: while a question from the verifiers waits for this
    # resident's answer, one tap says whether it is that answer; otherwise the desk hands it to the
    # reporting handlers below. Before them, for the same reason.
    application.add_handler(
        MessageHandler(
            private & ~filters.REPLY & ((filters.TEXT & ~filters.COMMAND) | filters.PHOTO | filters.Document.IMAGE),
            desk.on_plain_message,
        )
    )
    # In the verifier group, a reply to one of the bot's prompts is a verifier's own question to the
    # reporter, or the public note.
    application.add_handler(
        MessageHandler(filters.ChatType.GROUPS & filters.REPLY & filters.TEXT & ~filters.COMMAND, desk.on_group_reply)
    )
    # Images before other files: an image sent as a file must be cleaned like a photo.
    application.add_handler(MessageHandler(private & (filters.PHOTO | filters.Document.IMAGE), reporting.on_image))
    # Videos and sound before other files too: a video sent as a file keeps where it was filmed.
    # An animation also carries a `document`, so it must be taken here, not as a file below.
    application.add_handler(
        MessageHandler(
            private & (filters.VIDEO | filters.VIDEO_NOTE | filters.ANIMATION | filters.Document.VIDEO),
            reporting.on_video,
        )
    )
    application.add_handler(
        MessageHandler(private & (filters.VOICE | filters.AUDIO | filters.Document.AUDIO), reporting.on_voice)
    )
    application.add_handler(MessageHandler(private & filters.Document.ALL, reporting.on_other_file))
    # A venue carries its location: it suggests the neighborhood like a shared location does.
    application.add_handler(MessageHandler(private & (filters.LOCATION | filters.VENUE), reporting.on_location))
    application.add_handler(MessageHandler(private & filters.TEXT & ~filters.COMMAND, reporting.on_text))
    # Everything else gets an answer, so nobody believes something was reported when it was not.
    # A contact card carries someone's phone number: never stored, and the resident is told why.
    application.add_handler(MessageHandler(private & filters.CONTACT, other_messages.on_contact))
    # After every command handler above: a command none of them took.
    application.add_handler(MessageHandler(private & filters.COMMAND, other_messages.on_unknown_command))
    # In a group that is not the verifier group, one polite line pointing to the private chat.
    application.add_handler(
        MessageHandler(filters.ChatType.GROUPS & filters.COMMAND, other_messages.on_command_in_a_group)
    )
    # Last of the messages: stickers, dice, polls, games... (service messages such as a pin are no one's words).
    application.add_handler(MessageHandler(private & ~filters.StatusUpdate.ALL, other_messages.on_not_for_a_report))
    # Buttons: each family has its own prefix, named by the codec; unknown payloads are refused politely inside.
    application.add_handler(CallbackQueryHandler(verifying.on_vote_button, pattern=cb.pattern(cb.Vote)))
    application.add_handler(CallbackQueryHandler(verifying.on_false_alarm_button, pattern=cb.pattern(cb.FalseAlarm)))
    application.add_handler(CallbackQueryHandler(verifying.on_rumor_check_button, pattern=cb.pattern(cb.RumorCheck)))
    application.add_handler(CallbackQueryHandler(reporting.on_form_button, pattern=cb.pattern(cb.Form)))
    application.add_handler(CallbackQueryHandler(general.on_language_button, pattern=cb.pattern(cb.ChooseLanguage)))
    application.add_handler(CallbackQueryHandler(verifying.on_mute_button, pattern=cb.pattern(cb.Mute)))
    application.add_handler(CallbackQueryHandler(privacy.on_forget_button, pattern=cb.pattern(cb.Forget)))
    application.add_handler(CallbackQueryHandler(lifecycle.on_alert_button, pattern=cb.pattern(cb.OnAlert)))
    application.add_handler(CallbackQueryHandler(desk.on_ask_button, pattern=cb.pattern(cb.Ask)))
    application.add_handler(CallbackQueryHandler(desk.on_answer_button, pattern=cb.pattern(cb.Answer)))
    application.add_handler(CallbackQueryHandler(desk.on_which_button, pattern=cb.pattern(cb.Which)))
    application.add_handler(CallbackQueryHandler(desk.on_go_check_button, pattern=cb.pattern(cb.GoCheck)))
    application.add_handler(CallbackQueryHandler(corroborating.on_detach_button, pattern=cb.pattern(cb.Detach)))
    application.add_handler(CallbackQueryHandler(desk.on_text_button, pattern=cb.pattern(cb.EditText)))
    application.add_handler(CallbackQueryHandler(subscribing.on_subscribe_button, pattern=cb.pattern(cb.Subscribe)))
    application.add_handler(CallbackQueryHandler(subscribing.on_rights_button, pattern=cb.pattern(cb.Rights)))
    application.add_handler(CallbackQueryHandler(drills.on_drill_button, pattern=cb.pattern(cb.DrillMenu)))
    application.add_handler(CallbackQueryHandler(general.on_unknown_button))
    application.add_error_handler(on_error)
