from storage.database import Database
from storage.models import User
from storage.users import register_user


async def test_first_contact_registers_and_later_contact_refreshes(db: Database) -> None:
    first = await register_user(55, first_name="Kabir", username="kabir_keys")
    assert (first.id, first.first_name, first.username, first.is_owner) == (55, "Kabir", "kabir_keys", False)
    assert first.created_at.tzinfo is not None
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
