"""Who a deleted musician becomes: a pseudonym in place of their Telegram id.

When a musician deletes their data (``/privacy``), what must be kept (a booking's money
ledger, for refunds and the owners' earnings) keeps a pseudonym instead of their id. A
pseudonym is a number no Telegram chat can have: below every user id (positive), group
id and channel id (``-100...``, 13 digits), so a message addressed to one can never
reach a real chat. It is random, and the bot keeps no table from pseudonym to person.

Pure rules, no I/O."""

from __future__ import annotations

import secrets

PSEUDONYM_CEILING = -(2**62)
"""Every pseudonym is at or below this; Telegram's ids stay far above it (-1e13 at most)."""
_SPREAD = 2**61


def new_pseudonym() -> int:
    """A fresh pseudonym, fitting a signed 64-bit integer like the id it replaces."""
    return PSEUDONYM_CEILING - secrets.randbelow(_SPREAD)


def is_pseudonym(user_id: int) -> bool:
    """Whether ``user_id`` is a deleted musician's pseudonym (nobody to message)."""
    return user_id <= PSEUDONYM_CEILING
