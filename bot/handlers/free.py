"""``/free [when]`` (issue 17 §3) and the link that carries a search from a group chat
(``/start free_<query>``): the free-slot search dialog (bot/dialogs/free_slots.py) for
that window. Arguments that name no window get examples that work, and nothing opens."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.filters import Command, CommandObject, CommandStart
from aiogram.types import Message
from aiogram_dialog import DialogManager, ShowMode

from bot.dialogs.free_slots import open_free_search
from bot.services import Services
from bot.users import register_from
from domain.free_query import FreeQueryError, parse_free_query
from domain.start_links import FREE, FREE_PREFIX, parse_free_parameter
from domain.words.musician_screens import free_refused


def build_router() -> Router:
    router = Router(name=__name__)
    router.message.register(on_free, Command("free"))
    is_search = F.args.startswith(FREE_PREFIX) | (F.args == FREE)
    router.message.register(on_free_link, CommandStart(deep_link=True, magic=is_search))
    return router


async def on_free(
    message: Message, command: CommandObject, dialog_manager: DialogManager, services: Services
) -> None:
    await _search(message, command.args or "", dialog_manager, services)


async def on_free_link(
    message: Message, command: CommandObject, dialog_manager: DialogManager, services: Services
) -> None:
    await _search(message, parse_free_parameter(command.args or "") or "", dialog_manager, services)


async def _search(message: Message, query: str, manager: DialogManager, services: Services) -> None:
    if message.from_user is None:
        return
    await register_from(message.from_user)
    try:
        parse_free_query(query, now=services.clock.now())
    except FreeQueryError as error:
        await message.answer(free_refused(error.problem.value, error.part, error.day))
        return
    await open_free_search(manager, query, show_mode=ShowMode.SEND)
