"""Queueing a booking's calendar files to its musician: the file as booked (or moved)
with its "Add to Google Calendar" buttons, and the cancellation. The outbox message
carries only the file's reference; the file is made when it is delivered
(``jobs.calendar_delivery``), so it is never lost and never sent twice.

A move (issue 16 §2) raises ``Booking.calendar_sequence`` in the update that moves the
booking and calls ``send_calendar_file`` again: same UID, higher SEQUENCE, a dedupe
key of its own."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from functools import partial

from domain.booking_status import BookingStatus
from domain.calendar_files import CalendarFileRef, CalendarMethod, google_calendar_links
from domain.words import calendar as words
from storage.models import Booking, Room
from storage.outbox import enqueue, enqueue_guarded


async def send_calendar_file(booking: Booking, room: Room, *, now: datetime) -> bool:
    """Queue the booking's calendar file at its ``calendar_sequence``; False when it was
    queued already."""
    ref = CalendarFileRef(str(booking.id), CalendarMethod.PUBLISH, booking.calendar_sequence)
    return await enqueue(
        booking.user_id,
        "",
        dedupe_key=f"{booking.id}:calendar:{booking.calendar_sequence}",
        now=now,
        attachment=ref.attachment,
        buttons=partial(words.google_calendar_buttons, google_calendar_links(booking, room)),
    )


async def send_series_calendar_file(weeks: list[Booking], *, now: datetime) -> bool:
    """Queue a weekly series' one file, of the weeks it holds when it is delivered; False
    when it was queued already. No Google Calendar buttons: one per week would bury the
    chat, and the file adds them all."""
    lead = weeks[0]
    assert lead.series is not None
    ref = CalendarFileRef(lead.series.code, CalendarMethod.PUBLISH, 0)
    return await enqueue(
        lead.user_id, "", dedupe_key=f"{lead.series.code}:calendar", now=now, attachment=ref.attachment
    )


async def send_calendar_cancellation(
    booking: Booking, *, ended_as: BookingStatus, wait_if: Iterable[BookingStatus], now: datetime
) -> bool:
    """Queue the file that takes the booking off the musician's calendar, guarded like
    the cancellation's other messages: queued before the change, sent once the booking
    is ``ended_as``, skipped if it went another way. The musician's cancellation and the
    room's each queue their own (one dedupe key each), so whichever wins is sent."""
    ref = CalendarFileRef(str(booking.id), CalendarMethod.CANCEL, booking.calendar_sequence + 1)
    return await enqueue_guarded(
        booking.user_id,
        "",
        dedupe_key=f"{booking.id}:calendar:{ended_as.value.lower()}",
        now=now,
        booking_id=str(booking.id),
        send_if=[ended_as],
        wait_if=wait_if,
        attachment=ref.attachment,
    )
