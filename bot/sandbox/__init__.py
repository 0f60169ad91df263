"""The sandbox: Vigil in the browser with no Telegram at all.

The project's fake Bot API server (:mod:`bot.fake_telegram`), the real bot started through
:func:`bot.runner.running`, sample people, and a page on 127.0.0.1 (:mod:`.server`) that shows
a resident's chat, the verifier group and the channels, updated live with server-sent events.
"""
