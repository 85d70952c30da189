import asyncio

from domain.words.language import Language
from storage.database import Database
from storage.models import User
from storage.users import language_for, language_of, register_user


async def test_first_contact_registers_and_later_contact_refreshes(db: Database) -> None:
    first = await register_user(55, first_name="Kabir", username="kabir_keys")
    assert (first.id, first.first_name, first.username, first.is_owner) == (55, "Kabir", "kabir_keys", False)
    assert first.created_at.tzinfo is not None
    assert first == await User.get(55)  # built without reading it back: what was stored
    await User.get_pymongo_collection().update_one(
        {"_id": 55}, {"$set": {"is_owner": True, "blocked_bot": True}}
    )
    again = await register_user(55, first_name="Kabir S", username=None)
    assert (again.first_name, again.username, again.is_owner, again.blocked_bot) == (
        "Kabir S",
        None,
        True,
        False,
    )
    assert again.created_at == first.created_at
    assert await User.count() == 1


async def test_two_first_contacts_at_once_register_one_user(db: Database) -> None:
    """Whichever inserts, both are answered with the one user stored."""
    one, other = await asyncio.gather(
        register_user(59, first_name="Ira", language=Language.HINDI),
        register_user(59, first_name="Ira", language=Language.ENGLISH),
    )

    stored = await User.get(59)
    assert stored is not None
    assert one.created_at == other.created_at == stored.created_at
    assert one.language == other.language == stored.language
    assert await User.find(User.id == 59).count() == 1


async def test_the_first_language_is_kept_and_later_contacts_do_not_change_it(db: Database) -> None:
    first = await register_user(56, first_name="Meera", language=Language.HINDI)
    again = await register_user(56, first_name="Meera", language=Language.ENGLISH)

    assert (first.language, again.language) == (Language.HINDI, Language.HINDI)
    assert await language_of(56) is Language.HINDI


async def test_a_user_registered_before_languages_gets_the_first_one_on_next_contact(db: Database) -> None:
    await register_user(57, first_name="Arjun")
    assert await language_of(57) is None

    again = await register_user(57, first_name="Arjun", language=Language.HINDI)

    assert again.language == Language.HINDI
    assert await language_of(57) is Language.HINDI


async def test_the_language_to_speak_in_is_the_stored_one_or_the_first(db: Database) -> None:
    assert await language_for(58, Language.HINDI) is Language.HINDI  # a stranger: nothing stored
    assert await User.get(58) is None
    await register_user(58, first_name="Zoya")  # no language yet
    assert await language_for(58, Language.HINDI) is Language.HINDI  # stored now
    assert await language_for(58, Language.ENGLISH) is Language.HINDI
