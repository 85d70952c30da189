"""The notification outbox: every message to a musician or owner is written here
first, under a dedupe key, and delivered by a job (``jobs/delivery.py``).

Writing is one insert under a unique ``dedupe_key``: a webhook that Razorpay
retries, or two processes handling one event, queue a message once.

A message may carry a *guard* (``enqueue_guarded``): the booking it speaks of and
the statuses in which it is still true. The clock queues a guarded message *before*
the status change it announces, so a crash between the change and the write loses
nothing, and delivery sends it only while it is true (a reminder for a booking
cancelled meanwhile is skipped, not sent).

This module owns every query of the delivery job: taking a due message with a lease
(a conditional update, so two deliverers never hold one message), settling it, and
the send budget shared by every process (``OutboxPace``: 30 messages a second per
bot, one a second per chat).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Collection, Iterable
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Annotated, Any, Literal

from beanie import Document, Indexed
from bson import Binary
from pydantic import Field
from pymongo import ReturnDocument
from pymongo.errors import DuplicateKeyError

from domain.privacy import is_pseudonym
from storage.bookings import status_of
from storage.ids import parse_object_id
from storage.models import User
from storage.times import UtcDatetime, to_ms, utc_now
from storage.users import in_language_of

Words = str | Callable[[], str]
"""A message's text, or how to make it: made in the language of the chat it goes to."""
Buttons = list[list[dict[str, str]]]

log = logging.getLogger(__name__)

WAIT_FOR_CHANGE_MS = 2_000
"""How long a guarded message waits when the change it announces is not stored yet."""
GIVE_UP_WAITING_MS = 24 * 3_600_000


class OutboxStatus(StrEnum):
    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"  # refused by Telegram, or gave up after the retry budget
    SKIPPED = "skipped"  # the chat blocked the bot, or the message is no longer true


class OutboxMessage(Document):
    dedupe_key: Annotated[str, Indexed(unique=True)]
    chat_id: Annotated[int, Indexed()]
    text: str
    buttons: list[list[dict[str, str]]] = Field(default_factory=list)
    """Inline keyboard rows of ``{"text": ..., "url": ...}`` or ``{"text": ..., "callback_data": ...}``."""
    document_name: str | None = None
    document: bytes | None = None
    attachment: str | None = None
    """A document made when the message is delivered, e.g. ``"invoice:<booking id>"``
    (see ``OutboxDeliverer``): the caption comes with it and ``text`` is unused."""
    location: dict[str, Any] | None = None
    """``{"latitude", "longitude", "title", "address"}``: sent as a venue after the text."""
    render: str | None = None
    """A text made when the message is delivered, e.g. ``"reminder:<booking id>:<seconds>"``
    (see ``OutboxDeliverer``): what it tells may change until then (a room's check-in
    code), and is stored nowhere but where it belongs; ``text`` is the message as queued,
    without it."""
    guard: dict[str, Any] | None = None
    """``{"booking_id", "send_if": [statuses], "wait_if": [statuses]}``; see ``guard_verdict``."""
    status: Annotated[OutboxStatus, Indexed()] = OutboxStatus.PENDING
    attempts: int = 0
    next_attempt_ms: Annotated[int | None, Indexed()] = None
    """Epoch ms when it may be (re)tried; None once settled. Delivery scans this index."""
    lease_until_ms: int | None = None
    last_error: str | None = None
    telegram_message_id: int | None = None
    created_at: UtcDatetime = Field(default_factory=utc_now)
    sent_at: UtcDatetime | None = None

    class Settings:
        name = "outbox"


class OutboxPace(Document):
    """Send budget shared by every process: ``_id`` ``"bot"`` counts this second's
    sends; ``"chat:<id>"`` holds the moment that chat may get its next message."""

    id: str  # type: ignore[assignment]
    second: int = 0
    sent: int = 0
    next_ms: int = 0

    class Settings:
        name = "outbox_pace"


# ---- writing ---------------------------------------------------------------------


def _new_message(
    chat_id: int,
    text: str,
    *,
    dedupe_key: str,
    now: datetime,
    buttons: list[list[dict[str, str]]] | None,
    document: tuple[str, bytes] | None,
    location: dict[str, Any] | None,
    guard: dict[str, Any] | None = None,
    attachment: str | None = None,
    render: str | None = None,
) -> dict[str, Any]:
    return {
        "dedupe_key": dedupe_key,
        "chat_id": chat_id,
        "text": text,
        "buttons": buttons or [],
        "document_name": document[0] if document else None,
        "document": Binary(document[1]) if document else None,
        "attachment": attachment,
        "location": location,
        "render": render,
        "guard": guard,
        "status": OutboxStatus.PENDING.value,
        "attempts": 0,
        "next_attempt_ms": to_ms(now),
        "lease_until_ms": None,
        "last_error": None,
        "telegram_message_id": None,
        "created_at": now,
        "sent_at": None,
    }


async def _insert(message: dict[str, Any]) -> bool:
    if is_pseudonym(message["chat_id"]):
        # A musician who deleted their data: no chat to tell (``storage.privacy``).
        return False
    try:
        await OutboxMessage.get_pymongo_collection().insert_one(message)
    except DuplicateKeyError:
        log.debug("outbox: %s already queued", message["dedupe_key"])
        return False
    return True


async def enqueue(
    chat_id: int,
    text: Words,
    *,
    dedupe_key: str,
    now: datetime,
    buttons: Buttons | Callable[[], Buttons] | None = None,
    document: tuple[str, bytes] | None = None,
    location: dict[str, Any] | None = None,
    attachment: str | None = None,
) -> bool:
    """Queue a message; False when one with this ``dedupe_key`` was queued already.
    ``text`` and ``buttons`` given as callables are made in the chat's language."""
    return await _insert(
        _new_message(
            chat_id,
            await in_language_of(chat_id, text),
            dedupe_key=dedupe_key,
            now=now,
            buttons=await in_language_of(chat_id, buttons),
            document=document,
            location=location,
            attachment=attachment,
        )
    )


async def enqueue_guarded(
    chat_id: int,
    text: Words,
    *,
    dedupe_key: str,
    now: datetime,
    booking_id: str,
    send_if: Iterable[str],
    wait_if: Iterable[str] = (),
    buttons: Buttons | Callable[[], Buttons] | None = None,
    location: dict[str, Any] | None = None,
    attachment: str | None = None,
    render: str | None = None,
) -> bool:
    """Queue a message that is sent only while booking ``booking_id`` is in one of
    ``send_if``; while it is in ``wait_if`` (the change is not stored yet) delivery
    waits; in any other status the message is skipped as no longer true."""
    guard = {"booking_id": str(booking_id), "send_if": list(send_if), "wait_if": list(wait_if)}
    return await _insert(
        _new_message(
            chat_id,
            await in_language_of(chat_id, text),
            dedupe_key=dedupe_key,
            now=now,
            buttons=await in_language_of(chat_id, buttons),
            document=None,
            location=location,
            guard=guard,
            attachment=attachment,
            render=render,
        )
    )


async def is_queued(dedupe_key: str) -> bool:
    """Whether a message with this dedupe key was queued already (sent or not)."""
    return await OutboxMessage.find_one({"dedupe_key": dedupe_key}) is not None


# ---- delivery --------------------------------------------------------------------

Verdict = Literal["send", "wait", "skip"]


async def due_messages(now_ms: int, limit: int, *, not_to: Collection[int] = ()) -> list[OutboxMessage]:
    """Pending messages whose time has come, oldest first, without document bytes.

    The query ranges over ``next_attempt_ms`` alone (only pending messages carry one;
    naming the status too would make NX-27017's planner choose the status index)."""
    query: dict[str, Any] = {"next_attempt_ms": {"$lte": now_ms}}
    if not_to:
        query["chat_id"] = {"$nin": list(not_to)}
    raw = (
        await OutboxMessage.get_pymongo_collection()
        .find(query, {"document": 0})
        .sort([("next_attempt_ms", 1), ("_id", 1)])
        .limit(limit)
        .to_list()
    )
    return [OutboxMessage.model_validate(m) for m in raw]


async def lease(message: OutboxMessage, now_ms: int, lease_ms: int) -> OutboxMessage | None:
    """Take ``message`` for ``lease_ms``: None when another deliverer has it or it is no
    longer due. Until the lease runs out nobody else takes it; after that (the holder
    died) anyone may."""
    until = now_ms + lease_ms
    taken = await OutboxMessage.get_pymongo_collection().find_one_and_update(
        {"_id": message.id, "status": OutboxStatus.PENDING.value, "next_attempt_ms": {"$lte": now_ms}},
        {"$set": {"next_attempt_ms": until, "lease_until_ms": until}},
        projection={"document": 0},
        return_document=ReturnDocument.AFTER,
    )
    return OutboxMessage.model_validate(taken) if taken else None


def _held(message: OutboxMessage) -> dict[str, Any]:
    # Settle only while our lease holds: a deliverer that outlived its lease must not
    # overwrite what the next holder did.
    return {"_id": message.id, "lease_until_ms": message.lease_until_ms}


async def document_bytes(message: OutboxMessage) -> bytes:
    found = await OutboxMessage.get_pymongo_collection().find_one({"_id": message.id}, {"document": 1})
    return bytes(found["document"]) if found and found.get("document") is not None else b""


async def remember_first_part(message: OutboxMessage, telegram_message_id: int) -> None:
    """The text went out but the venue after it did not: a retry sends only the venue."""
    await OutboxMessage.get_pymongo_collection().update_one(
        _held(message), {"$set": {"telegram_message_id": telegram_message_id}}
    )


async def mark_sent(message: OutboxMessage, telegram_message_id: int | None, now: datetime) -> None:
    await OutboxMessage.get_pymongo_collection().update_one(
        {"_id": message.id, "status": OutboxStatus.PENDING.value},
        {
            "$set": {
                "status": OutboxStatus.SENT.value,
                "next_attempt_ms": None,
                "lease_until_ms": None,
                "telegram_message_id": telegram_message_id,
                "sent_at": now,
            }
        },
    )


async def retry_at(message: OutboxMessage, at_ms: int, error: str, *, count: bool) -> None:
    changes: dict[str, Any] = {
        "$set": {"next_attempt_ms": at_ms, "lease_until_ms": None, "last_error": error[:300]}
    }
    if count:
        changes["$inc"] = {"attempts": 1}
    await OutboxMessage.get_pymongo_collection().update_one(_held(message), changes)


async def settle(message: OutboxMessage, status: OutboxStatus, error: str) -> None:
    await OutboxMessage.get_pymongo_collection().update_one(
        _held(message),
        {
            "$set": {
                "status": status.value,
                "next_attempt_ms": None,
                "lease_until_ms": None,
                "last_error": error[:300],
            }
        },
    )


async def mark_blocked(chat_id: int) -> None:
    """The chat blocked the bot: remember it on the user (a new /start clears it)."""
    await User.get_pymongo_collection().update_one({"_id": chat_id}, {"$set": {"blocked_bot": True}})


async def guard_verdict(message: OutboxMessage, now_ms: int) -> Verdict:
    """Whether a guarded message is still true: send, wait for the change it
    announces, or skip. Unguarded messages are always sent."""
    guard = message.guard
    if not guard:
        return "send"
    status = await status_of(parse_object_id(guard.get("booking_id", "")))
    if status in guard.get("send_if", []):
        return "send"
    waited = now_ms - (to_ms(message.created_at) or now_ms)
    if status in guard.get("wait_if", []) and waited < GIVE_UP_WAITING_MS:
        return "wait"
    return "skip"


# ---- the send budget shared by every process ---------------------------------------
# Telegram's limits run on real time: in production ``now`` is the wall clock (shared by
# every process through these documents); tests pass a manual clock's moment.

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def _epoch_us(moment: datetime) -> int:
    return (moment - _EPOCH) // timedelta(microseconds=1)  # exact, unlike timestamp() * 1e6


async def reserve_bot_turn(interval_us: int, *, now: datetime, max_ahead_us: int = 1_000_000) -> float | None:
    """Reserve the bot's next send moment, spaced ``interval_us`` from the one before,
    across processes (a compare-and-set on one document: the generic cell rate
    algorithm). Returns the seconds from ``now`` to wait before sending, or None when
    the queue of reservations is already ``max_ahead_us`` long (try again shortly)."""
    collection = OutboxPace.get_pymongo_collection()
    now_us = _epoch_us(now)
    for _ in range(50):
        pace = await collection.find_one({"_id": "bot"})
        if pace is None:
            try:
                await collection.insert_one(
                    {"_id": "bot", "second": 0, "sent": 0, "next_ms": 0, "next_us": now_us + interval_us}
                )
            except DuplicateKeyError:
                continue
            return 0.0
        booked = int(pace.get("next_us", 0))
        slot = max(booked, now_us)
        if slot - now_us > max_ahead_us:
            return None
        swapped = await collection.update_one(
            {"_id": "bot", "next_us": pace.get("next_us", 0)}, {"$set": {"next_us": slot + interval_us}}
        )
        if swapped.modified_count:
            return (slot - now_us) / 1_000_000
    return 0.0  # unusually heavy contention: send, and let a 429 (honoured) say otherwise


async def take_chat_turn(chat_id: int, hold_ms: int, *, now: datetime) -> bool:
    """Reserve chat ``chat_id`` for ``hold_ms`` (one message a second per chat, across
    processes); False when another send to it is less than that ago."""
    now_ms = _epoch_us(now) // 1000
    key = f"chat:{chat_id}"
    collection = OutboxPace.get_pymongo_collection()
    if await collection.find_one_and_update(
        {"_id": key, "next_ms": {"$lte": now_ms}}, {"$set": {"next_ms": now_ms + hold_ms}}
    ):
        return True
    try:
        await collection.insert_one({"_id": key, "second": 0, "sent": 0, "next_ms": now_ms + hold_ms})
    except DuplicateKeyError:
        return False
    return True
