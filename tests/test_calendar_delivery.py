"""Calendar files end to end: a payment confirmed through the signed webhook queues the
file's reference; the outbox deliverer that ``python -m bot`` builds makes it and sends
it, with its Add to Google Calendar button, through a real Bot to the fake Bot API
(which refuses what Telegram refuses); a cancellation by the musician or the room sends
METHOD:CANCEL with the same UID and a higher SEQUENCE. Each file goes once."""

from __future__ import annotations

import json
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from icalendar import Calendar, Event

from bot.cancellations import cancel_for_musician, terminate_for_owner
from domain.booking_status import BookingStatus
from domain.calendar_files import CalendarFileRef, CalendarMethod
from domain.errors import BookingNotCancellableError, BookingNotFoundError
from domain.words.formats import money
from jobs.calendar_delivery import CalendarFiles
from jobs.delivery import OutboxDeliverer
from storage.calendar_messages import send_calendar_cancellation
from storage.models import Booking, Room, User
from storage.outbox import OutboxMessage, OutboxStatus
from storage.series import series_weeks
from tests.delivery_support import BOT_USERNAME, deliver_all, document_bytes, document_name
from tests.fakes.telegram import Call, FakeTelegram
from tests.payment_support import TOMORROW, PaymentWorld, held_booking, keys, pay


async def confirmed(world: PaymentWorld, room: Room, user: User, *hours: int) -> Booking:
    booking = await held_booking(world, room, user, *hours)
    _, body = await pay(world, booking)
    assert (await world.post_event(body))[1]["outcome"] == "confirmed"
    return await world.payments.bookings.booking(booking.id)


async def confirmed_series(
    world: PaymentWorld, room: Room, user: User, weeks: int, *hours: int
) -> list[Booking]:
    """A weekly series of Thursdays from TOMORROW, paid through its one link."""
    held = await world.payments.bookings.create_series(
        user.id, room.id, TOMORROW, keys(room, TOMORROW, *hours), weeks
    )
    assert held[0].series is not None
    await world.payments.ensure_payment_link(held[0], room, user)
    link_id = (await world.payments.bookings.booking(held[0].id)).payment["link_id"]
    body = world.api.paid_event(link_id, world.api.pay_link(link_id))
    assert (await world.post_event(body))[1]["outcome"] == "confirmed"
    return await series_weeks(held[0].series.code)


def calendar_documents(telegram: FakeTelegram) -> list[Call]:
    return [c for c in telegram.delivered("sendDocument") if document_name(c).endswith(".ics")]


def event_of(call: Call) -> tuple[Calendar, Event]:
    calendar = Calendar.from_ical(document_bytes(call))
    assert isinstance(calendar, Calendar)
    (event,) = calendar.events
    return calendar, event


def url_buttons(call: Call) -> list[dict[str, str]]:
    keyboard = json.loads(call.fields.get("reply_markup") or "{}").get("inline_keyboard", [])
    return [button for row in keyboard for button in row if "url" in button]


async def test_a_confirmed_booking_gets_its_calendar_file_and_google_button(
    world: PaymentWorld, bot_deliverer: OutboxDeliverer, telegram: FakeTelegram, room: Room, user: User
) -> None:
    held = await held_booking(world, room, user, 18, 19)
    _, body = await pay(world, held)
    assert (await world.post_event(body))[1]["outcome"] == "confirmed"
    booking = await world.payments.bookings.booking(held.id)
    # The confirmation (and its venue), the invoice, the calendar file, the owner's notice:
    assert await deliver_all(bot_deliverer) == 4
    assert telegram.refused == []  # the Google button passed Telegram's rules
    (sent,) = calendar_documents(telegram)
    assert sent.fields["chat_id"] == str(user.id)
    assert document_name(sent) == f"{booking.code}.ics"
    assert "open this file to add the session" in sent.fields["caption"]
    assert "Thu 26 Nov 2026, 18:00–20:00" in sent.fields["caption"]
    calendar, event = event_of(sent)
    assert calendar["METHOD"] == "PUBLISH"
    assert str(event["UID"]) == f"{booking.code}@{BOT_USERNAME}.t.me"
    assert event["SEQUENCE"] == 0
    assert (event.decoded("DTSTART"), event.decoded("DTEND")) == (booking.starts_at, booking.ends_at)
    assert event["DTSTART"].params["TZID"] == "Asia/Kolkata"
    assert str(event["LOCATION"]) == room.address
    assert (event["GEO"].latitude, event["GEO"].longitude) == (room.latitude, room.longitude)
    assert event.decoded("DTSTAMP") == world.payments.clock.now().replace(microsecond=0)
    (button,) = url_buttons(sent)
    assert button["text"] == "📅 Add to Google Calendar"
    query = parse_qs(urlsplit(button["url"]).query)
    assert query["dates"] == ["20261126T123000Z/20261126T143000Z"]
    assert query["location"] == [room.address]
    # In the chat after the confirmation and the invoice, and only once however often the
    # webhook is replayed or the messages are delivered again.
    documents = [document_name(c) for c in telegram.delivered("sendDocument")]
    assert documents == [documents[0], f"{booking.code}.ics"]
    assert documents[0].startswith("invoice-")
    assert (await world.post_event(body))[1]["outcome"] == "already settled"
    assert await deliver_all(bot_deliverer) == 0
    assert len(calendar_documents(telegram)) == 1


async def test_the_musicians_cancellation_sends_cancel_with_the_same_uid_and_a_higher_sequence(
    world: PaymentWorld, bot_deliverer: OutboxDeliverer, telegram: FakeTelegram, room: Room, user: User
) -> None:
    booking = await confirmed(world, room, user, 18)
    await deliver_all(bot_deliverer)
    await cancel_for_musician(world.payments.bookings, str(booking.id), user.id, world.payments)
    await deliver_all(bot_deliverer)
    first, cancelled = calendar_documents(telegram)
    assert document_name(cancelled) == f"{booking.code}-cancelled.ics"
    assert "is cancelled: open this file to take it off your calendar" in cancelled.fields["caption"]
    assert url_buttons(cancelled) == []
    (_, booked), (calendar, gone) = event_of(first), event_of(cancelled)
    assert calendar["METHOD"] == "CANCEL"
    assert gone["UID"] == booked["UID"]
    assert gone["SEQUENCE"] == 1 > booked["SEQUENCE"]
    assert str(gone["STATUS"]) == "CANCELLED"


async def test_the_rooms_cancellation_sends_cancel_too(
    world: PaymentWorld, bot_deliverer: OutboxDeliverer, telegram: FakeTelegram, room: Room, user: User
) -> None:
    booking = await confirmed(world, room, user, 18)
    await terminate_for_owner(world.payments.bookings, booking, room, 9001, "Water leak", world.payments)
    await deliver_all(bot_deliverer)
    calendars = [event_of(c)[0]["METHOD"] for c in calendar_documents(telegram)]
    assert calendars == ["PUBLISH", "CANCEL"]


async def test_of_two_racing_cancellations_only_the_winners_file_goes(
    world: PaymentWorld, bot_deliverer: OutboxDeliverer, telegram: FakeTelegram, room: Room, user: User
) -> None:
    """The musician's cancellation queues its file (before its change, as it does), then
    the room terminates first: the musician's change fails, and only the room's
    cancellation file is sent, once."""
    booking = await confirmed(world, room, user, 18)
    queued = await send_calendar_cancellation(
        booking, ended_as=BookingStatus.CANCELLED, wait_if=[BookingStatus.NOT_STARTED], now=booking.paid_at
    )
    assert queued
    await terminate_for_owner(world.payments.bookings, booking, room, 9001, "Water leak", world.payments)
    with pytest.raises(BookingNotCancellableError):
        await cancel_for_musician(world.payments.bookings, str(booking.id), user.id, world.payments)
    await deliver_all(bot_deliverer)
    assert [event_of(c)[0]["METHOD"] for c in calendar_documents(telegram)] == ["PUBLISH", "CANCEL"]
    skipped = await OutboxMessage.find_one(OutboxMessage.dedupe_key == f"{booking.id}:calendar:cancelled")
    assert skipped is not None
    assert skipped.status is OutboxStatus.SKIPPED


async def test_a_file_for_a_booking_that_is_gone_fails_without_sending(
    world: PaymentWorld, bot_deliverer: OutboxDeliverer, telegram: FakeTelegram, room: Room, user: User
) -> None:
    booking = await confirmed(world, room, user, 18)
    await Booking.get_pymongo_collection().delete_one({"_id": booking.id})
    await deliver_all(bot_deliverer)
    message = await OutboxMessage.find_one(OutboxMessage.dedupe_key == f"{booking.id}:calendar:0")
    assert message is not None
    assert message.status is OutboxStatus.FAILED
    assert calendar_documents(telegram) == []


async def test_a_weekly_series_gets_one_file_with_each_week_under_its_own_uid(
    world: PaymentWorld, bot_deliverer: OutboxDeliverer, telegram: FakeTelegram, room: Room, user: User
) -> None:
    weeks = await confirmed_series(world, room, user, 3, 18, 19)
    assert weeks[0].series is not None
    await deliver_all(bot_deliverer)
    (sent,) = calendar_documents(telegram)
    assert document_name(sent) == f"{weeks[0].series.code}.ics"
    assert "3 sessions a week apart from Thu 26 Nov 2026, 18:00–20:00" in sent.fields["caption"]
    assert url_buttons(sent) == []  # the file adds them all
    calendar = Calendar.from_ical(document_bytes(sent))
    assert calendar["METHOD"] == "PUBLISH"
    events = calendar.events
    assert [str(e["UID"]) for e in events] == [f"{w.code}@{BOT_USERNAME}.t.me" for w in weeks]
    assert [e.decoded("DTSTART") for e in events] == [w.starts_at for w in weeks]
    assert events[1].decoded("DTSTART") - events[0].decoded("DTSTART") == timedelta(weeks=1)
    assert [str(e["DESCRIPTION"]).split(".")[0] for e in events] == [
        f"JamRoom booking {w.code}, paid {money(w.amount_paise)}" for w in weeks
    ]
    # After the invoice, as a booking's; once, however often the webhook comes again.
    documents = [document_name(c) for c in telegram.delivered("sendDocument")]
    assert documents[0].startswith("invoice-")
    assert documents[1:] == [f"{weeks[0].series.code}.ics"]
    assert await deliver_all(bot_deliverer) == 0


async def test_a_series_week_cancelled_later_is_taken_off_by_its_own_uid(
    world: PaymentWorld, bot_deliverer: OutboxDeliverer, telegram: FakeTelegram, room: Room, user: User
) -> None:
    weeks = await confirmed_series(world, room, user, 3, 18)
    await deliver_all(bot_deliverer)
    await cancel_for_musician(world.payments.bookings, str(weeks[1].id), user.id, world.payments)
    await deliver_all(bot_deliverer)
    series_file, cancelled = calendar_documents(telegram)
    published = Calendar.from_ical(document_bytes(series_file)).events[1]
    (calendar, gone) = event_of(cancelled)
    assert calendar["METHOD"] == "CANCEL"
    assert gone["UID"] == published["UID"]
    assert gone["SEQUENCE"] > published["SEQUENCE"]


async def test_a_series_file_made_late_holds_only_the_weeks_still_kept(
    world: PaymentWorld, bot_deliverer: OutboxDeliverer, telegram: FakeTelegram, room: Room, user: User
) -> None:
    """The file is made when it is delivered: a week cancelled before that is left out,
    and with no week left it fails without sending."""
    weeks = await confirmed_series(world, room, user, 3, 18)
    await cancel_for_musician(world.payments.bookings, str(weeks[0].id), user.id, world.payments)
    await deliver_all(bot_deliverer)
    series_file = next(c for c in calendar_documents(telegram) if document_name(c).startswith("JW-"))
    uids = [str(e["UID"]) for e in Calendar.from_ical(document_bytes(series_file)).events]
    assert uids == [f"{w.code}@{BOT_USERNAME}.t.me" for w in weeks[1:]]
    assert "2 sessions a week apart" in series_file.fields["caption"]

    for week in weeks[1:]:
        await cancel_for_musician(world.payments.bookings, str(week.id), user.id, world.payments)
    files = CalendarFiles(world.payments.clock, world.payments.bookings, BOT_USERNAME)
    with pytest.raises(BookingNotFoundError):
        await files.render_attachment(series_attachment(weeks))


def series_attachment(weeks: list[Booking]) -> str:
    assert weeks[0].series is not None
    return CalendarFileRef(weeks[0].series.code, CalendarMethod.PUBLISH, 0).attachment
