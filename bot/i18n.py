"""The bot in the language of the person it talks to.

``LanguageMiddleware`` sets the words' language (``domain.words.language``) for each
update: the person's stored choice, else Telegram's ``language_code`` (``hi`` is Hindi,
anything else English), stored then, so jobs and notifications can use it later.
A language read is kept for ``KNOWN_FOR_SECONDS`` in the process (``KnownLanguages``):
reading it on every update was one database round trip in five. A choice made here is
known at once; one made through another process (webhook mode) reaches this one within
that time.

``Const`` and ``Format`` are aiogram-dialog's text widgets, translated when they are
rendered: a window built once at start-up speaks each viewer's language. Dialogs import
them from here instead of ``aiogram_dialog.widgets.text``. ``calendar_texts`` gives a
calendar its month and weekday names through Babel."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from datetime import date
from typing import Any

from aiogram import BaseMiddleware
from aiogram.types import TelegramObject
from aiogram.types import User as TelegramUser
from aiogram_dialog import DialogManager
from aiogram_dialog.widgets.text import Const as DialogConst
from aiogram_dialog.widgets.text import Format as DialogFormat
from aiogram_dialog.widgets.text import Text
from babel.dates import format_date

from domain.words.language import Language, _, current_language, language_for_telegram, speaking
from storage.users import language_for

__all__ = ["Const", "Format", "KnownLanguages", "LanguageMiddleware", "calendar_texts", "language_of_update"]

KNOWN_FOR_SECONDS = 30.0
KNOWN_LIMIT = 100_000
"""People whose language is kept at most (then all are dropped and read again)."""


class KnownLanguages:
    """Languages read lately, by Telegram user id, each for ``seconds``."""

    def __init__(
        self, seconds: float = KNOWN_FOR_SECONDS, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.seconds = seconds
        self.clock = clock
        self._known: dict[int, tuple[Language, float]] = {}

    def get(self, user_id: int) -> Language | None:
        known = self._known.get(user_id)
        if known is None or known[1] <= self.clock():
            return None
        return known[0]

    def remember(self, user_id: int, language: Language) -> None:
        if len(self._known) >= KNOWN_LIMIT:
            self._known.clear()
        self._known[user_id] = (language, self.clock() + self.seconds)


async def language_of_update(user: TelegramUser | None) -> Language:
    """The language to answer ``user`` in; their first one is stored on the way."""
    if user is None:
        return Language.ENGLISH
    return await language_for(user.id, language_for_telegram(user.language_code))


class LanguageMiddleware(BaseMiddleware):
    """An outer update middleware: everything the update's handlers and dialogs say is in
    the language of the person who sent it."""

    def __init__(self, known: KnownLanguages | None = None) -> None:
        self.known = known or KnownLanguages()

    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        user: TelegramUser | None = data.get("event_from_user")
        language = self.known.get(user.id) if user else None
        if language is None:
            language = await language_of_update(user)
            if user is not None:
                self.known.remember(user.id, language)
        with speaking(language):
            return await handler(event, data)


class Const(DialogConst):
    """aiogram-dialog's Const, in the viewer's language."""

    async def _render_text(self, data: dict, manager: DialogManager) -> str:
        return _(self.text)


class Format(DialogFormat):
    """aiogram-dialog's Format: the template in the viewer's language, then filled."""

    async def _render_text(self, data: dict, manager: DialogManager) -> str:
        if manager.is_preview():
            return await super()._render_text(data, manager)
        return _(self.text).format_map(data)


class LocalDate(Text):
    """A calendar's ``{date}`` in ``template``: as ``strftime`` (aiogram-dialog's own
    English shape) in English, through Babel's CLDR ``pattern`` in another language."""

    def __init__(self, template: str, strftime: str, pattern: str) -> None:
        super().__init__()
        self.template, self.strftime, self.pattern = template, strftime, pattern

    async def _render_text(self, data: dict, manager: DialogManager) -> str:
        shown: date = data["date"]
        language = current_language()
        if language is Language.ENGLISH:
            return self.template.format(date=f"{shown:{self.strftime}}")
        return self.template.format(date=format_date(shown, self.pattern, locale=language.value))


def calendar_texts() -> dict[str, Text]:
    """A days view's header, arrows and weekday names in the viewer's language (the
    keyword arguments of ``CalendarDaysView``)."""
    return {
        "header_text": LocalDate("🗓 {date}", "%B %Y", "LLLL y"),
        "weekday_text": LocalDate("{date}", "%a", "EEE"),
        "prev_month_text": LocalDate("<< {date}", "%B %Y", "LLLL y"),
        "next_month_text": LocalDate("{date} >>", "%B %Y", "LLLL y"),
    }
