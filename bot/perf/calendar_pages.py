"""The booking calendar's month pages, rendered once and handed out as copies.

A month's page is about fifty buttons built through aiogram-dialog's Format, the same
for everyone booking a room with the same open days and the same day marks (full, a
few slots left) on the same day. It is rendered once per page key and every screen
gets copies, because aiogram-dialog writes each user's intent id into the buttons it is
given (a shared button would carry another musician's id). The key holds the widget,
the month and every piece of window data a page is drawn from (``PAGE_DATA``): the
marks change as people book, and a new mark is a new key, so a cached page never shows
old marks. That a page depends on nothing else is checked by
tests/test_library_contracts.py.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Hashable, Mapping
from datetime import date
from typing import Any

from aiogram.types import InlineKeyboardButton

Page = list[list[InlineKeyboardButton]]
RENDERED_PAGES = 512
PAGE_DATA = ("today", "last_day", "closed_weekdays", "full_days", "few_days")
"""The window data a days page is drawn from (bot/dialogs/widgets.py's BookableCalendar)."""


def page_key(widget_id: str, month: date | None, data: Mapping[str, Any]) -> Hashable:
    """A days page's key: the widget, the month shown and ``PAGE_DATA`` (hashable values:
    dates and frozensets)."""
    return (widget_id, month, *(data.get(name) for name in PAGE_DATA))


class CalendarPages:
    """Rendered pages by key; at most ``limit`` kept (then all are dropped: a new day
    makes the old keys useless anyway)."""

    def __init__(self, limit: int = RENDERED_PAGES) -> None:
        self.limit = limit
        self._pages: dict[Hashable, Page] = {}

    async def page(self, key: Hashable, render: Callable[[], Awaitable[Page]]) -> Page:
        rendered = self._pages.get(key)
        if rendered is None:
            if len(self._pages) >= self.limit:
                self._pages.clear()
            rendered = self._pages[key] = await render()
        return [[button.model_copy() for button in row] for row in rendered]
