"""Users are registered (or their names refreshed) whenever they talk to the bot."""

from __future__ import annotations

from aiogram.types import User as TelegramUser

from storage.models import User, utc_now


async def register_user(telegram_user: TelegramUser) -> User:
    """Create the user on first contact; refresh name and username afterwards."""
    fields = {
        "first_name": telegram_user.first_name or "",
        "last_name": telegram_user.last_name,
        "username": telegram_user.username,
        "blocked_bot": False,
    }
    collection = User.get_pymongo_collection()
    await collection.update_one(
        {"_id": telegram_user.id},
        {"$set": fields, "$setOnInsert": {"is_owner": False, "created_at": utc_now()}},
        upsert=True,
    )
    user = await User.get(telegram_user.id)
    assert user is not None
    return user
