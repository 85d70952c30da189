"""The notification outbox: every message to a musician or owner is written here
first, under a dedupe key, and delivered by a job (``jobs/``).

Writing is one insert under a unique ``dedupe_key``: a webhook that Razorpay
retries, or two processes handling one event, queue a message once.
"""

from __future__ import annotations

import logging
from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any

from beanie import Document, Indexed
from bson import Binary
from pydantic import Field
from pymongo.errors import DuplicateKeyError

from storage.models import UtcDatetime, to_ms, utc_now

log = logging.getLogger(__name__)


class OutboxStatus(StrEnum):
    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"  # gave up after the retry budget
    SKIPPED = "skipped"  # the chat blocked the bot


class OutboxMessage(Document):
    dedupe_key: Annotated[str, Indexed(unique=True)]
    chat_id: Annotated[int, Indexed()]
    text: str
    buttons: list[list[dict[str, str]]] = Field(default_factory=list)
    """Inline keyboard rows of ``{"text": ..., "url": ...}`` or ``{"text": ..., "callback_data": ...}``."""
    document_name: str | None = None
    document: bytes | None = None
    location: dict[str, Any] | None = None
    """``{"latitude", "longitude", "title", "address"}``: sent as a venue after the text."""
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


async def enqueue(
    chat_id: int,
    text: str,
    *,
    dedupe_key: str,
    now: datetime,
    buttons: list[list[dict[str, str]]] | None = None,
    document: tuple[str, bytes] | None = None,
    location: dict[str, Any] | None = None,
) -> bool:
    """Queue a message; False when one with this ``dedupe_key`` was queued already."""
    message = {
        "dedupe_key": dedupe_key,
        "chat_id": chat_id,
        "text": text,
        "buttons": buttons or [],
        "document_name": document[0] if document else None,
        "document": Binary(document[1]) if document else None,
        "location": location,
        "status": OutboxStatus.PENDING.value,
        "attempts": 0,
        "next_attempt_ms": to_ms(now),
        "lease_until_ms": None,
        "last_error": None,
        "telegram_message_id": None,
        "created_at": now,
        "sent_at": None,
    }
    try:
        await OutboxMessage.get_pymongo_collection().insert_one(message)
    except DuplicateKeyError:
        log.debug("outbox: %s already queued", dedupe_key)
        return False
    return True
