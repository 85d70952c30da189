"""The musician a booking belongs to, for what payments tell the owner and print on
the invoice."""

from __future__ import annotations

from storage.models import User


async def musician(user_id: int) -> User | None:
    """The user by Telegram id; None if they were never registered (e.g. removed)."""
    return await User.get(user_id)
