"""Small widgets shared by the dialogs."""

from __future__ import annotations

from datetime import date
from operator import itemgetter
from typing import Any

from aiogram.types import InlineKeyboardButton
from aiogram_dialog import DialogManager
from aiogram_dialog.widgets.kbd import Calendar, Select
from aiogram_dialog.widgets.kbd.calendar_kbd import (
    CalendarDaysView,
    CalendarScope,
    CalendarScopeView,
    CalendarUserConfig,
)
from aiogram_dialog.widgets.text import Format

STRIKE = "\u0336"
RENDERED_MONTHS = 512


def struck(text: str) -> str:
    """Text with a combining strike-through, so a closed day still shows its number."""
    return "".join(ch + STRIKE for ch in text)


class BookableDaysView(CalendarDaysView):
    """Marks today by the booking clock (not the host's) and strikes closed days
    through; a closed day keeps its button so a tap can explain why it is refused."""

    async def _render_date_button(
        self, selected_date: date, today: date, data: dict, manager: DialogManager
    ) -> InlineKeyboardButton:
        button = await super()._render_date_button(selected_date, data["today"], data, manager)
        if selected_date.weekday() in data["closed_weekdays"]:
            return button.model_copy(update={"text": struck(f"{selected_date:%d}")})
        return button


class BookableCalendar(Calendar):
    """A Calendar bounded by the window data's ``today`` and ``last_day``.

    The bounds are read per render (``_get_user_config``), never frozen at import
    time, and the first page is the month of ``today`` by the booking clock."""

    def _init_views(self) -> dict[CalendarScope, CalendarScopeView]:
        views = super()._init_views()
        views[CalendarScope.DAYS] = BookableDaysView(self._item_callback_data)
        return views

    async def _get_user_config(self, data: dict, manager: DialogManager) -> CalendarUserConfig:
        return CalendarUserConfig(firstweekday=0, min_date=data["today"], max_date=data["last_day"])

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._rendered_months: dict[tuple[Any, ...], list[list[InlineKeyboardButton]]] = {}

    async def _render_keyboard(self, data: dict, manager: DialogManager) -> list[list[InlineKeyboardButton]]:
        offset = self.get_offset(manager)
        if offset is None or not data["today"].replace(day=1) <= offset <= data["last_day"]:
            self.set_offset(data["today"], manager)
        if self.get_scope(manager) is not CalendarScope.DAYS:
            return await super()._render_keyboard(data, manager)
        # A month's page is about fifty buttons, the same for everyone booking a room
        # with these open days today: rendered once, handed out as copies, because
        # aiogram-dialog writes each user's intent id into the buttons it is given.
        # The host's date is in the key as aiogram-dialog reads it for some labels.
        page = (
            self.get_offset(manager),
            data["today"],
            data["last_day"],
            data["closed_weekdays"],
            date.today(),
        )
        rendered = self._rendered_months.get(page)
        if rendered is None:
            if len(self._rendered_months) >= RENDERED_MONTHS:
                self._rendered_months.clear()
            rendered = self._rendered_months[page] = await super()._render_keyboard(data, manager)
        return [[button.model_copy() for button in row] for row in rendered]


def labelled_select(widget_id: str, items: str, on_click: Any, *, key: str = "id") -> Select[str]:
    """A Select over the getter's ``items`` (dicts): each button shows ``item["label"]``
    and is keyed by ``item[key]``."""
    return Select(
        Format("{item[label]}"),
        id=widget_id,
        item_id_getter=itemgetter(key),
        items=items,
        on_click=on_click,
    )
