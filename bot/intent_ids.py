"""Intent ids that do not collide.

aiogram-dialog 2.6 gives every opened dialog an id made of the current second plus one
of 100 random values (``aiogram_dialog.api.entities.stack.new_id``), so two dialogs
opened within the same second share an id once in a hundred times. Opening a room's
calendar starts several dialogs in a second (menu, room, booking); with a shared id,
closing one removes the other's context and the musician's next tap finds a "broken
stack" and lands back on the menu. The id is read by ``Stack.push`` through the module
at call time, so replacing the module's ``new_id`` gives every intent a random one (40
bits: a collision once in a trillion pairs; 7 characters of callback data, one more
than the stock id). tests/test_library_contracts.py fails if aiogram-dialog stops
reading it there.
"""

from __future__ import annotations

import secrets

from aiogram_dialog.api.entities import stack

RANDOM_BITS = 40


def unique_intent_id() -> str:
    return stack.id_to_str(secrets.randbits(RANDOM_BITS) or 1)


def install_unique_intent_ids() -> None:
    """Every dialog opened from now on gets a random id (idempotent)."""
    stack.new_id = unique_intent_id  # type: ignore[assignment]
