"""Booking calendar files, made when the outbox delivers them.

Payments (a confirmation) and the bot (a cancellation) queue only a reference
(``domain.calendar_files.CalendarFileRef``) through ``storage.calendar_messages``; the
composition root hands ``CalendarFiles.render_attachment`` to the deliverer next to the
invoice's. This module imports no storage and no payments: it reads the booking and
its room through what it is given, so the arrows keep pointing down, and a calendar,
which has nothing to do with money, is no part of payments."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Protocol

from domain.booking_status import PAID_NOT_OVER
from domain.calendar_files import CalendarFileRef, CalendarMethod, calendar_file
from domain.clock import Clock
from domain.errors import BookingNotFoundError
from domain.words import calendar as words
from domain.words.facts import BookingFacts, RoomFacts


class CalendarBooking(BookingFacts, Protocol):
    @property
    def room_id(self) -> str: ...


class BookingsAndRooms(Protocol):
    """What the files are made from (the booking service is one)."""

    async def booking(self, booking_id: str) -> CalendarBooking: ...

    async def series_weeks(self, series_code: str) -> Sequence[CalendarBooking]: ...

    async def room(self, room_id: str) -> RoomFacts: ...


class CalendarFiles:
    def __init__(self, clock: Clock, bookings: BookingsAndRooms, bot_username: str) -> None:
        self.clock = clock
        self.bookings = bookings
        self.uid_host = f"{bot_username}.t.me"
        self.organizer_url = f"https://t.me/{bot_username}"

    async def render_attachment(self, attachment: str) -> tuple[str, bytes, str]:
        """(file name, calendar file, caption) for a ``calendar:`` attachment; ValueError
        for one it did not write, BookingError for a booking that is gone."""
        ref = CalendarFileRef.parse(attachment)
        if ref.series_code is not None:
            return await self._series_file(ref, ref.series_code)
        booking = await self.bookings.booking(ref.subject)
        room = await self.bookings.room(booking.room_id)
        data = await self._file([booking], room, ref)
        if ref.method is CalendarMethod.CANCEL:
            return f"{booking.code}-cancelled.ics", data, words.cancelled_caption(booking, room)
        return f"{booking.code}.ics", data, words.file_caption(booking, room)

    async def _series_file(self, ref: CalendarFileRef, series_code: str) -> tuple[str, bytes, str]:
        """A weekly series' one file: the weeks it holds when the file is made (one
        cancelled or refused meanwhile is left out; none left is a booking gone)."""
        weeks = [
            week for week in await self.bookings.series_weeks(series_code) if week.status in PAID_NOT_OVER
        ]
        if not weeks:
            raise BookingNotFoundError
        room = await self.bookings.room(weeks[0].room_id)
        data = await self._file(weeks, room, ref)
        return f"{series_code}.ics", data, words.series_file_caption(weeks, room)

    async def _file(
        self, bookings: Sequence[CalendarBooking], room: RoomFacts, ref: CalendarFileRef
    ) -> bytes:
        # A few ms of CPU (tens, the first time for a zone): off the event loop, like the invoice.
        return await asyncio.to_thread(
            calendar_file,
            bookings,
            room,
            ref,
            stamp=self.clock.now(),
            uid_host=self.uid_host,
            organizer_url=self.organizer_url,
        )
