"""Telling a booking's people: its musician, then each owner of its room, through the
outbox, each message once under a dedupe key made from the booking and the news.

Payments, the clock's jobs and cancellations all tell both sides of a booking; this is
the one place that writes "the musician, then each owner"."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from domain.booking_status import BookingStatus
from storage.models import Booking, Room
from storage.outbox import Buttons, Words, enqueue, enqueue_guarded


@dataclass(frozen=True)
class Guard:
    """Deliver only while the booking is in one of ``send_if``, and wait while it is in
    ``wait_if`` (the change announced is not stored yet): see ``enqueue_guarded``."""

    send_if: tuple[BookingStatus, ...]
    wait_if: tuple[BookingStatus, ...] = ()


async def announce(
    booking: Booking,
    room: Room | None,
    *,
    key: str,
    now: datetime,
    musician: Words | None = None,
    owners: Words | None = None,
    except_owner: int | None = None,
    guard: Guard | None = None,
    buttons: Buttons | Callable[[], Buttons] | None = None,
    location: dict[str, Any] | None = None,
) -> int:
    """Queue ``musician`` to the booking's musician (with ``buttons`` and ``location``),
    then ``owners`` to every owner of ``room`` but ``except_owner``; a text left None is
    not sent. Dedupe keys are ``<booking id>:<key>`` and ``<booking id>:<key>:owner:<id>``,
    so a repeat queues nothing. Returns how many messages were queued now.

    Texts (and ``buttons``) given as callables, ``lambda: words.paid(booking, room)``, are
    made for each recipient in their own language: the musician's, then each owner's."""
    if owners is not None and room is None:
        raise ValueError("telling the owners needs the room")
    told: list[tuple[int, Words, str, dict[str, Any]]] = []
    if musician is not None:
        extras = {"buttons": buttons, "location": location}
        told.append((booking.user_id, musician, f"{booking.id}:{key}", extras))
    if owners is not None and room is not None:
        told += [
            (owner_id, owners, f"{booking.id}:{key}:owner:{owner_id}", {})
            for owner_id in room.owner_ids
            if owner_id != except_owner
        ]
    queued = 0
    for chat_id, text, dedupe_key, extras in told:
        if guard is None:
            queued += await enqueue(chat_id, text, dedupe_key=dedupe_key, now=now, **extras)
        else:
            queued += await enqueue_guarded(
                chat_id,
                text,
                dedupe_key=dedupe_key,
                now=now,
                booking_id=str(booking.id),
                send_if=guard.send_if,
                wait_if=guard.wait_if,
                **extras,
            )
    return queued
