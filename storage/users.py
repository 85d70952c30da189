"""Users: registered (or their names refreshed) whenever they talk to the bot, and
read by id for what musicians and owners are shown."""

from __future__ import annotations

from collections.abc import Iterable

from storage.models import User
from storage.times import utc_now


async def register_user(
    telegram_id: int,
    *,
    first_name: str | None,
    last_name: str | None = None,
    username: str | None = None,
) -> User:
    """Create the user on first contact; refresh name and username afterwards."""
    fields = {
        "first_name": first_name or "",
        "last_name": last_name,
        "username": username,
        "blocked_bot": False,
    }
    collection = User.get_pymongo_collection()
    await collection.update_one(
        {"_id": telegram_id},
        {"$set": fields, "$setOnInsert": {"is_owner": False, "created_at": utc_now()}},
        upsert=True,
    )
    user = await User.get(telegram_id)
    assert user is not None
    return user


async def user_by_id(telegram_id: int) -> User | None:
    """The user, or None for one who never talked to the bot (or was removed)."""
    return await User.get(telegram_id)


async def users_by_ids(telegram_ids: Iterable[int]) -> dict[int, User]:
    """The registered users among ``telegram_ids``, by id (one query; ``_id`` only)."""
    wanted = sorted(set(telegram_ids))
    if not wanted:
        return {}
    found = await User.find({"_id": {"$in": wanted}}).to_list()
    return {user.id: user for user in found}


async def remember_city(telegram_id: int, city: str) -> None:
    """The city the musician just chose, for /free and inline searches to start from."""
    await User.get_pymongo_collection().update_one({"_id": telegram_id}, {"$set": {"last_city": city}})


async def last_city(telegram_id: int) -> str | None:
    """The city the musician last chose, or None (never chose one, or unknown user)."""
    raw = await User.get_pymongo_collection().find_one({"_id": telegram_id}, {"last_city": 1})
    return raw.get("last_city") if raw else None
