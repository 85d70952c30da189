"""Document ids as they arrive from buttons, links and other documents: text that may
have been tampered with."""

from __future__ import annotations

from beanie import PydanticObjectId
from bson.errors import InvalidId


def parse_object_id(raw: str | PydanticObjectId) -> PydanticObjectId | None:
    """The ObjectId ``raw`` spells, or None for anything else (never an error)."""
    try:
        return PydanticObjectId(raw)
    except (InvalidId, TypeError, ValueError):
        return None
