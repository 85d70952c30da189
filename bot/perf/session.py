"""The Bot API session: calls sent as JSON, and what Telegram echoes back that the bot
never reads left unparsed.

aiogram sends every call as a form: each structured parameter (a keyboard) is turned
into JSON text on its own, then the whole form is URL-encoded, character by
character, and parsed back by Telegram. Telegram takes the same call as one JSON body
(all methods except file uploads, which stay multipart), which costs a single dumps.

Telegram returns every message the bot sends or edits with its inline keyboard, and
every button tap with the whole message it was made on, keyboard included. aiogram
validates all of it into pydantic objects: a calendar screen is about fifty buttons,
parsed twice per tap (the tap, then the edit's answer). Neither this bot nor
aiogram-dialog reads those keyboards back (aiogram-dialog renders its own and only
asks whether a message it *sent* had a reply keyboard), so inline keyboards are
dropped from the JSON before aiogram validates it. Keyboards the bot sends are
untouched, and a reply keyboard (never used here) would be kept.

These are the ``json_requests`` and ``unparsed_echoes`` speed-ups: without them the
bot uses aiogram's own AiohttpSession. What they rely on in aiogram
(``build_form_data``, ``prepare_value(..., _dumps_json=...)``, answers and webhook
updates parsed with ``session.json_loads``) is checked by tests/test_library_contracts.py.
"""

from __future__ import annotations

import json
from typing import Any

from aiogram import Bot
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import PRODUCTION, TelegramAPIServer
from aiogram.methods import TelegramMethod
from aiogram.types import InputFile
from aiohttp import BytesPayload, FormData

from bot.perf import Speedups


def telegram_session(api_url: str | None, speedups: Speedups) -> AiohttpSession:
    """A session for Telegram, or for the Bot API server at ``api_url``; aiogram's own
    when neither speed-up is on."""
    api = TelegramAPIServer.from_base(api_url) if api_url else PRODUCTION
    loads = loads_without_echoed_keyboards if speedups.unparsed_echoes else json.loads
    if speedups.json_requests:
        return JsonBodySession(api=api, json_loads=loads)
    return AiohttpSession(api=api, json_loads=loads)


class JsonBodySession(AiohttpSession):
    def build_form_data(  # type: ignore[override]  # aiohttp posts a payload as it posts a form
        self, bot: Bot, method: TelegramMethod[Any]
    ) -> FormData | BytesPayload:
        """The call as a JSON body; as aiogram's form when it uploads a file.

        The same parameters as aiogram's form: its values prepared the same way, and
        those it leaves out (None, "") left out."""
        files: dict[str, InputFile] = {}
        parameters = {}
        for key, value in method.model_dump(warnings=False).items():
            prepared = self.prepare_value(value, bot=bot, files=files, _dumps_json=False)
            if prepared is not None and prepared != "":
                parameters[key] = prepared
        if files:
            return super().build_form_data(bot, method)
        return BytesPayload(self.json_dumps(parameters).encode(), content_type="application/json")


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
