"""The booking calendar's month pages, rendered once and handed out as copies.

A month's page is about fifty buttons built through aiogram-dialog's Format, the same
for everyone booking a room with the same open days on the same day. It is rendered
once per page key and every screen gets copies, because aiogram-dialog writes each
user's intent id into the buttons it is given (a shared button would carry another
musician's id). What a page may depend on, and so what the key must hold, is checked
by tests/test_library_contracts.py.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Hashable

from aiogram.types import InlineKeyboardButton

Page = list[list[InlineKeyboardButton]]
RENDERED_PAGES = 512


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
