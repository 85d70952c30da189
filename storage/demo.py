"""A realistic demo set: rooms in Bengaluru and Mumbai, so a new user can try the bot
in a minute (``python -m bot.admin seed-demo``)."""

from __future__ import annotations

from typing import Any

from domain.money import rupees
from storage.models import Room
from storage.rooms import room_by_slug

WEEKDAYS_10_TO_22 = {str(d): "10:00-22:00" for d in range(5)}

DEMO_ROOMS: list[dict[str, Any]] = [
    {
        "slug": "bass-cave-indiranagar",
        "name": "Bass Cave Studio",
        "city": "Bengaluru",
        "address": "2nd floor, 1082 12th Main Rd, HAL 2nd Stage, Indiranagar, Bengaluru 560038",
        "latitude": 12.9719,
        "longitude": 77.6412,
        "description": "Treated 320 sq ft room with a full backline. Drummers welcome.",
        "amenities": ["Drum kit (Tama)", "2 guitar amps", "Bass amp", "PA + 4 mics", "AC"],
        "capacity": 6,
        "opening_hours": {**WEEKDAYS_10_TO_22, "4": "10:00-02:00", "5": "09:00-02:00", "6": "09:00-21:00"},
        "slot_minutes": 60,
        "hourly_paise": rupees(600),
        "peak_hourly_paise": rupees(800),
        "peak_starts": "18:00",
        "peak_ends": "23:00",
        "business_name": "Bass Cave Music LLP",
        "gstin": "29ABCDE1234F1ZW",
    },
    {
        "slug": "loud-lane-koramangala",
        "name": "Loud Lane Jam Pad",
        "city": "Bengaluru",
        "address": "No. 45, 5th Cross, 6th Block, Koramangala, Bengaluru 560095",
        "latitude": 12.9352,
        "longitude": 77.6245,
        "description": "Compact jam pad for trios and acoustic sets. Keyboard on request.",
        "amenities": ["Drum kit (Pearl)", "Guitar amp", "Keyboard", "PA + 2 mics"],
        "capacity": 4,
        "opening_hours": {**{str(d): "11:00-23:00" for d in range(6)}},
        "slot_minutes": 60,
        "hourly_paise": rupees(450),
        "peak_hourly_paise": rupees(550),
        "peak_starts": "18:00",
        "peak_ends": "23:00",
        "business_name": "Loud Lane Studios",
    },
    {
        "slug": "tide-room-andheri",
        "name": "Tide Room",
        "city": "Mumbai",
        "address": "Unit 7, Laxmi Industrial Estate, New Link Rd, Andheri West, Mumbai 400053",
        "latitude": 19.1364,
        "longitude": 72.8296,
        "description": "Big live room with isolation booth; 90-minute slots for full bands.",
        "amenities": ["Drum kit (DW)", "3 amps", "Bass amp", "PA + 6 mics", "Isolation booth", "Parking"],
        "capacity": 8,
        "opening_hours": {str(d): "12:00-00:00" for d in range(7)},
        "slot_minutes": 90,
        "hourly_paise": rupees(900),
        "peak_hourly_paise": rupees(1200),
        "peak_starts": "19:00",
        "peak_ends": "00:00",
        "business_name": "Tide Music Pvt Ltd",
        "gstin": "27AAACT2727Q1ZW",
    },
]


async def seed_demo(owner_ids: list[int] | None = None) -> tuple[int, int]:
    """Insert the demo rooms that are missing; returns (added, already there)."""
    added = existing = 0
    for spec in DEMO_ROOMS:
        if await room_by_slug(spec["slug"]) is not None:
            existing += 1
            continue
        await Room(**spec, owner_ids=list(owner_ids or [])).insert()
        added += 1
    return added, existing
