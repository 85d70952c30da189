"""Groups are for sharing, private chats for booking (issue 17 §6).

In a group, supergroup or channel no dialog opens and nothing personal shows: a command
meant for this bot gets one short answer with a button that opens the private chat at
the same place (``/start room_x`` at that room, ``/bookings`` at My bookings, ``/owner``
at the owner's menu, ``/free tonight`` at that search), and nothing else reaches the
handlers or dialogs. Inline results and shared cards are the only other things the bot
puts in a group, and Telegram sends those, not the bot. A tap on an old button in a
group (or on a shared card's message) is answered with an alert and changes nothing."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware
from aiogram.enums import ChatType
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message, TelegramObject

from domain.start_links import (
    BOOK,
    BOOKINGS,
    MENU,
    OWNER,
    PRIVACY,
    free_parameter,
    is_start_parameter,
    start_url,
)
from domain.words import groups

PLACES = {
    "book": BOOK,
    "bookings": BOOKINGS,
    "owner": OWNER,
    "block": OWNER,
    "unblock": OWNER,
    "terminate": OWNER,
    "privacy": PRIVACY,
}
"""Where a command sent in a group continues in the private chat (any other of ours: the menu)."""
OUR_COMMANDS = frozenset({"start", "help", "cancel", "free", *PLACES})


def place_of(text: str, bot_username: str) -> str | None:
    """The start parameter that continues ``text`` in the private chat; None when it is
    not a command for this bot (a chat message, or another bot's command)."""
    if not text.startswith("/"):
        return None
    head, _, args = text[1:].partition(" ")
    command, _, mention = head.partition("@")
    command = command.casefold()
    if mention and mention.casefold() != bot_username.casefold():
        return None
    if command not in OUR_COMMANDS and not mention:
        return None
    args = args.strip()
    if command == "start":
        return args if is_start_parameter(args) else MENU
    if command == "free":
        return free_parameter(args)
    return PLACES.get(command, MENU)


class GroupChats(BaseMiddleware):
    """Keeps every update from a chat that is not private away from the handlers and
    dialogs (see the module's docstring)."""

    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        if isinstance(event, CallbackQuery):
            if event.message is not None and event.message.chat.type == ChatType.PRIVATE:
                return await handler(event, data)
            await event.answer(groups.GROUP_TAP, show_alert=True)
            return None
        if not isinstance(event, Message) or event.chat.type == ChatType.PRIVATE:
            return await handler(event, data)
        services = data.get("services")
        bot_username = services.bot_username if services is not None else ""
        place = place_of(event.text or "", bot_username)
        if place is None:
            return None
        markup = None
        if bot_username:
            button = InlineKeyboardButton(text=groups.CONTINUE_IN_PRIVATE, url=start_url(bot_username, place))
            markup = InlineKeyboardMarkup(inline_keyboard=[[button]])
        await event.answer(groups.GROUP_ANSWER, reply_markup=markup)
        return None
