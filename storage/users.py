"""Users: registered (or their names refreshed) whenever they talk to the bot, and
read by id for what musicians and owners are shown."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterable
from contextlib import asynccontextmanager
from typing import Any, TypeVar

from pymongo import ReturnDocument

from domain.words.language import Language, as_language, speaking
from storage.models import User
from storage.times import as_stored, utc_now


async def register_user(
    telegram_id: int,
    *,
    first_name: str | None,
    last_name: str | None = None,
    username: str | None = None,
    language: Language | None = None,
) -> User:
    """Create the user on first contact (two round trips); refresh name and username
    afterwards (one). ``language``: the first language, kept only when none is stored
    yet."""
    fields = {
        "first_name": first_name or "",
        "last_name": last_name,
        "username": username,
        "blocked_bot": False,
    }
    collection = User.get_pymongo_collection()
    raw = await collection.find_one_and_update(
        {"_id": telegram_id}, {"$set": fields}, return_document=ReturnDocument.AFTER
    )
    if raw is None:  # first contact. NX-27017's findAndModify ignores $setOnInsert: update_one
        first_contact: dict[str, Any] = {"is_owner": False, "created_at": as_stored(utc_now())}
        if language is not None:
            first_contact["language"] = language.value
        made = await collection.update_one(
            {"_id": telegram_id}, {"$set": fields, "$setOnInsert": first_contact}, upsert=True
        )
        if made.upserted_id is not None:  # what was just inserted: no read needed
            raw = {"_id": telegram_id, **fields, **first_contact}
        else:  # another update of this user registered them a moment ago
            raw = await collection.find_one({"_id": telegram_id})
            assert raw is not None
    if language is not None and raw.get("language") is None:  # registered before languages
        raw["language"] = (await settle_language(telegram_id, language)).value
    return User.model_validate(raw)


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


async def language_of(telegram_id: int) -> Language | None:
    """The language the person reads, or None (unknown user, or none stored yet)."""
    raw = await User.get_pymongo_collection().find_one({"_id": telegram_id}, {"language": 1})
    return as_language(raw.get("language")) if raw else None


async def language_for(telegram_id: int, first: Language) -> Language:
    """The language to speak to the person in, in one round trip when they have one:
    the stored one; else ``first``, stored for a registered person (a stranger's is
    stored when they are registered)."""
    raw = await User.get_pymongo_collection().find_one({"_id": telegram_id}, {"language": 1})
    if raw is None:
        return first
    stored = as_language(raw.get("language"))
    return stored if stored is not None else await settle_language(telegram_id, first)


async def settle_language(telegram_id: int, first: Language) -> Language:
    """The person's stored language; ``first`` is stored (and returned) when they have
    none yet. A person the bot does not know yet gets ``first``, stored when they are
    registered."""
    raw = await User.get_pymongo_collection().find_one_and_update(
        {"_id": telegram_id, "language": None},
        {"$set": {"language": first.value}},
        projection={"language": 1},
    )
    if raw is not None:
        return first
    return await language_of(telegram_id) or first


async def choose_language(telegram_id: int, language: Language) -> bool:
    """The person chose ``language`` (/language); False for a user never registered."""
    result = await User.get_pymongo_collection().update_one(
        {"_id": telegram_id}, {"$set": {"language": language.value}}
    )
    return result.matched_count == 1


@asynccontextmanager
async def speaking_to(telegram_id: int) -> AsyncIterator[Language]:
    """Words made inside are in the language of ``telegram_id`` (English for a stranger)."""
    with speaking(await language_of(telegram_id)) as language:
        yield language


Made = TypeVar("Made")


async def in_language_of(telegram_id: int, words: Made | Callable[[], Made]) -> Made:
    """``words`` made in the language of ``telegram_id``; anything already made as it is."""
    if not callable(words):
        return words
    async with speaking_to(telegram_id):
        return words()
