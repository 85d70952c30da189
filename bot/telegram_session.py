"""The Bot API session, without parsing what Telegram echoes back and the bot never reads.

Telegram returns every message the bot sends or edits with its inline keyboard, and
every button tap with the whole message it was made on, keyboard included. aiogram
validates all of it into pydantic objects: a calendar screen is about fifty buttons,
parsed twice per tap (the tap, then the edit's answer). Neither this bot nor
aiogram-dialog reads those keyboards back (aiogram-dialog renders its own and only
asks whether a message it *sent* had a reply keyboard), so inline keyboards are
dropped from the JSON before aiogram validates it. Keyboards the bot sends are
untouched, and a reply keyboard (never used here) would be kept.
"""

from __future__ import annotations

import json
from typing import Any

from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import PRODUCTION, TelegramAPIServer


def telegram_session(api_url: str | None = None) -> AiohttpSession:
    """A session for Telegram, or for the Bot API server at ``api_url``."""
    api = TelegramAPIServer.from_base(api_url) if api_url else PRODUCTION
    return AiohttpSession(api=api, json_loads=loads_without_echoed_keyboards)


def loads_without_echoed_keyboards(content: str | bytes) -> Any:
    """json.loads for the Bot API's answers and for updates posted to our webhook."""
    data = json.loads(content)
    if isinstance(data, dict):
        result = data.get("result")
        if isinstance(result, dict):  # a sent or edited message
            _drop_inline_keyboard(result)
        elif isinstance(result, list):  # getUpdates
            for update in result:
                _drop_tapped_keyboard(update)
        else:  # an update posted to the webhook
            _drop_tapped_keyboard(data)
    return data


def _drop_tapped_keyboard(update: Any) -> None:
    callback = update.get("callback_query") if isinstance(update, dict) else None
    if isinstance(callback, dict):
        _drop_inline_keyboard(callback.get("message"))


def _drop_inline_keyboard(message: Any) -> None:
    if isinstance(message, dict):
        markup = message.get("reply_markup")
        if isinstance(markup, dict) and "inline_keyboard" in markup:
            del message["reply_markup"]
