"""Open slot screens (issue 17 §4): which musician looks at which room's day, what
their screen shows, and when it should be drawn again.

One document per musician (a chat shows one dialog at a time), written when they
open or touch a room's slot screen. A change of the day's claims marks every screen
of that day due (one indexed update on ``room_day``); the delivery loop redraws due
screens with what is left of Telegram's send budget after the messages (jobs/
live_screens.py), leasing each (a conditional update, as the outbox does) so two
processes do not draw one screen twice."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Annotated

from beanie import Document, Indexed
from pymongo import ReturnDocument

from storage.times import to_ms


class SlotScreen(Document):
    id: int  # type: ignore[assignment]
    """The musician's Telegram id."""
    chat_id: int
    room_day: Annotated[str, Indexed()]
    """``<room id>|<YYYY-MM-DD>`` of the day on the screen."""
    seen_ms: int
    """When the musician last opened or touched the screen."""
    shown: str
    """The day's slot states as the screen shows them (``domain.live_screens.states_shown``)."""
    redraw_ms: Annotated[int | None, Indexed()] = None
    """When it should be redrawn; None while it shows the day as it is."""
    drawn_ms: int = 0
    """When the delivery loop last redrew it (redraws are spaced)."""

    class Settings:
        name = "slot_screens"


async def watch(user_id: int, chat_id: int, room_day: str, shown: str, now: datetime) -> None:
    """The musician has the screen of ``room_day`` open, showing ``shown``. A redraw
    already due stays due: the change may have come after ``shown`` was read, and the
    redraw compares before it sends."""
    await SlotScreen.get_pymongo_collection().update_one(
        {"_id": user_id},
        {
            "$set": {"chat_id": chat_id, "room_day": room_day, "seen_ms": to_ms(now), "shown": shown},
            "$setOnInsert": {"drawn_ms": 0, "redraw_ms": None},
        },
        upsert=True,
    )


async def forget(user_id: int) -> None:
    await SlotScreen.get_pymongo_collection().delete_one({"_id": user_id})


async def days_changed(room_days: Iterable[str], now: datetime) -> None:
    """Claims of these days changed: their open screens are due for a redraw.

    One update per day, on equality: NX-27017 matched an ``$in`` on ``room_day`` here
    without applying the update (seen in tests/test_live_screens.py)."""
    collection = SlotScreen.get_pymongo_collection()
    for room_day in sorted(set(room_days)):
        await collection.update_many({"room_day": room_day}, {"$set": {"redraw_ms": to_ms(now)}})


async def due_screens(now: datetime, limit: int) -> list[SlotScreen]:
    """Screens due for a redraw, longest waiting first (one indexed range)."""
    raw = (
        await SlotScreen.get_pymongo_collection()
        .find({"redraw_ms": {"$lte": to_ms(now)}})
        .sort([("redraw_ms", 1), ("_id", 1)])
        .limit(limit)
        .to_list()
    )
    return [SlotScreen.model_validate(s) for s in raw]


async def lease(screen: SlotScreen, until: datetime) -> SlotScreen | None:
    """Take the screen's redraw until ``until``; None when another process has it or it
    changed meanwhile."""
    taken = await SlotScreen.get_pymongo_collection().find_one_and_update(
        {"_id": screen.id, "redraw_ms": screen.redraw_ms},
        {"$set": {"redraw_ms": to_ms(until)}},
        return_document=ReturnDocument.AFTER,
    )
    return SlotScreen.model_validate(taken) if taken else None


async def drawn(screen: SlotScreen, shown: str, now: datetime, *, sent: bool) -> None:
    """The screen shows ``shown`` now (``sent``: a redraw went out, which counts for the
    spacing). A change that came during the redraw keeps it due."""
    collection = SlotScreen.get_pymongo_collection()
    changes: dict[str, object] = {"shown": shown}
    if sent:
        changes["drawn_ms"] = to_ms(now)
    await collection.update_one({"_id": screen.id, "room_day": screen.room_day}, {"$set": changes})
    await collection.update_one(
        {"_id": screen.id, "redraw_ms": screen.redraw_ms}, {"$set": {"redraw_ms": None}}
    )


async def postpone(screen: SlotScreen, at: datetime) -> None:
    """Redraw it at ``at`` instead (spacing, a busy chat); a newer change keeps its own time."""
    await SlotScreen.get_pymongo_collection().update_one(
        {"_id": screen.id, "redraw_ms": screen.redraw_ms}, {"$set": {"redraw_ms": to_ms(at)}}
    )


async def forget_screen(screen: SlotScreen) -> None:
    """The musician left the screen (or it is too old to keep live): stop redrawing it,
    unless they opened another day meanwhile."""
    await SlotScreen.get_pymongo_collection().delete_one({"_id": screen.id, "room_day": screen.room_day})
