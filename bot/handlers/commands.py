"""Plain commands: /start registers the musician and greets them."""

from __future__ import annotations

from aiogram import Router
from aiogram.filters import CommandStart
from aiogram.types import Message

from storage.users import register_user


def build_router() -> Router:
    router = Router(name=__name__)
    router.message.register(on_start, CommandStart())
    return router


async def on_start(message: Message) -> None:
    if message.from_user is None:
        return
    user = await register_user(message.from_user)
    await message.answer(
        f"Hi {user.first_name or 'there'}! I am JamRoom bot. I help you book jam rooms "
        "near you, pay in the chat and get your invoice."
    )
