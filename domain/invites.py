"""Owner invite links (``t.me/<bot>?start=owner_<token>``): single use, and open for a
few days only, so a link that leaked from an old chat cannot make someone an owner."""

from __future__ import annotations

from datetime import datetime, timedelta

DEFAULT_INVITE_DAYS = 7
MAX_INVITE_DAYS = 90


def invite_expires_at(created_at: datetime, days: int = DEFAULT_INVITE_DAYS) -> datetime:
    """When an invite made at ``created_at`` stops working; ValueError for a length
    outside 1..MAX_INVITE_DAYS days."""
    if not 1 <= days <= MAX_INVITE_DAYS:
        raise ValueError(f"an invite lasts 1 to {MAX_INVITE_DAYS} days")
    return created_at + timedelta(days=days)


def invite_is_open(created_at: datetime, expires_at: datetime | None, now: datetime) -> bool:
    """Whether an invite still works at ``now``. Invites made before they had an expiry
    last the default number of days from their creation."""
    return now < (expires_at or created_at + timedelta(days=DEFAULT_INVITE_DAYS))
