"""Keep aiogram's parametrised ``Response[...]`` models alive.

aiogram validates every Bot API answer with ``Response[method.__returning__]``;
pydantic keeps parametrised generics in a weak cache, so once garbage collected
they are rebuilt (about 3 ms of CPU each) on the hot path of nearly every reply.
Holding them for the methods the bot calls all the time removes that cost (the
``pinned_response_models`` speed-up)."""

from __future__ import annotations

from typing import Any

from aiogram.client.session.base import Response
from aiogram.methods import (
    AnswerCallbackQuery,
    DeleteMessage,
    EditMessageCaption,
    EditMessageMedia,
    EditMessageReplyMarkup,
    EditMessageText,
    GetMe,
    GetUpdates,
    SendDocument,
    SendMessage,
    SendPhoto,
    SendVenue,
)

HOT_METHODS = (
    AnswerCallbackQuery,
    DeleteMessage,
    EditMessageCaption,
    EditMessageMedia,
    EditMessageReplyMarkup,
    EditMessageText,
    GetMe,
    GetUpdates,
    SendDocument,
    SendMessage,
    SendPhoto,
    SendVenue,
)
_pinned: list[Any] = []


def pin_response_models() -> None:
    if not _pinned:
        _pinned.extend(Response[method.__returning__] for method in HOT_METHODS)  # type: ignore[name-defined]
