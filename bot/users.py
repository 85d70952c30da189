"""The Telegram user behind an update, registered (or refreshed) in storage."""

from __future__ import annotations

from aiogram.types import User as TelegramUser

from domain.words.language import language_for_telegram
from storage.models import User
from storage.users import register_user


async def register_from(telegram_user: TelegramUser) -> User:
    return await register_user(
        telegram_user.id,
        first_name=telegram_user.first_name,
        last_name=telegram_user.last_name,
        username=telegram_user.username,
        language=language_for_telegram(telegram_user.language_code),
    )
