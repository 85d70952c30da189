"""Small widgets shared by the dialogs."""

from __future__ import annotations

from datetime import date
from operator import itemgetter
from typing import Any

from aiogram.types import InlineKeyboardButton, SwitchInlineQueryChosenChat
from aiogram_dialog import DialogManager
from aiogram_dialog.widgets.common import WhenCondition
from aiogram_dialog.widgets.kbd import Calendar, Group, Keyboard, Multiselect, Select
from aiogram_dialog.widgets.kbd.calendar_kbd import (
    CalendarDaysView,
    CalendarScope,
    CalendarScopeView,
    CalendarUserConfig,
)

from bot.i18n import Format, calendar_texts
from bot.perf.calendar_pages import CalendarPages, page_key
from domain.words.groups import SHARE_WITH_BAND
from domain.words.language import _, current_language
from domain.words.musician_screens import FEW_LEFT, FULL_DAY

STRIKE = "\u0336"


def struck(text: str) -> str:
    """Text with a combining strike-through, so a closed day still shows its number."""
    return "".join(ch + STRIKE for ch in text)


class BookableDaysView(CalendarDaysView):
    """Marks today by the booking clock (not the host's), strikes closed days through
    and marks full days and days with few slots left (the window data's ``full_days``
    and ``few_days``); every day keeps its button, so a tap on a closed day can explain
    why it is refused and a full day still opens."""

    async def _render_date_button(
        self, selected_date: date, today: date, data: dict, manager: DialogManager
    ) -> InlineKeyboardButton:
        button = await super()._render_date_button(selected_date, data["today"], data, manager)
        if selected_date.weekday() in data["closed_weekdays"]:
            return button.model_copy(update={"text": struck(f"{selected_date:%d}")})
        mark = day_marker(selected_date, data)
        if mark:
            number = f"{selected_date:%d}"
            return button.model_copy(update={"text": button.text.replace(number, number + mark, 1)})
        return button


def day_marker(day: date, data: dict) -> str:
    """The sign after a day's number: full, a few slots left, or none."""
    if day in data.get("full_days", ()):
        return FULL_DAY
    if day in data.get("few_days", ()):
        return FEW_LEFT
    return ""


class BookableCalendar(Calendar):
    """A Calendar bounded by the window data's ``today`` and ``last_day``.

    The bounds are read per render (``_get_user_config``), never frozen at import
    time, and the first page is the month of ``today`` by the booking clock. With the
    ``calendar_pages`` speed-up (the dispatcher's ``calendar_pages``), a month's page
    is rendered once and copied (bot/perf/calendar_pages.py)."""

    def _init_views(self) -> dict[CalendarScope, CalendarScopeView]:
        views = super()._init_views()
        views[CalendarScope.DAYS] = BookableDaysView(self._item_callback_data, **calendar_texts())
        return views

    async def _get_user_config(self, data: dict, manager: DialogManager) -> CalendarUserConfig:
        return CalendarUserConfig(firstweekday=0, min_date=data["today"], max_date=data["last_day"])

    async def _render_keyboard(self, data: dict, manager: DialogManager) -> list[list[InlineKeyboardButton]]:
        offset = self.get_offset(manager)
        if offset is None or not data["today"].replace(day=1) <= offset <= data["last_day"]:
            self.set_offset(data["today"], manager)
        pages: CalendarPages | None = manager.middleware_data.get("calendar_pages")
        if pages is None or self.get_scope(manager) is not CalendarScope.DAYS:
            return await super()._render_keyboard(data, manager)
        # The host's date is not in the key: the booking clock's today replaces it (see
        # BookableDaysView); the day marks are, so a page is never shown with old ones.
        page = (page_key(self.widget_id, self.get_offset(manager), data), current_language())
        return await pages.page(page, lambda: super(BookableCalendar, self)._render_keyboard(data, manager))


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


SLOTS_ID = "slots"
SLOT_COLUMNS = 2


def slot_picker(on_click: Any) -> Group:
    """A day's slots to tick, two a row, from the getter's ``slots`` (dicts with ``key``
    and ``text``); the booking and the move dialogs pick slots the same way."""
    return Group(
        Multiselect(
            Format("✅ {item[text]}"),
            Format("{item[text]}"),
            id=SLOTS_ID,
            item_id_getter=itemgetter("key"),
            items="slots",
            on_click=on_click,
        ),
        width=SLOT_COLUMNS,
    )


class ShareWithBand(Keyboard):
    """ "Share with the band": Telegram asks the musician for a chat (a group, or a
    friend's chat) and types the inline query ``data[query_key]`` there, which the inline
    handler answers with the session's card (bot/handlers/inline.py)."""

    def __init__(self, query_key: str = "share_query", when: WhenCondition = "share_query") -> None:
        super().__init__(when=when)
        self.query_key = query_key

    async def _render_keyboard(self, data: dict, manager: DialogManager) -> list[list[InlineKeyboardButton]]:
        chosen_chat = SwitchInlineQueryChosenChat(
            query=data[self.query_key], allow_group_chats=True, allow_user_chats=True
        )
        return [[InlineKeyboardButton(text=_(SHARE_WITH_BAND), switch_inline_query_chosen_chat=chosen_chat)]]
