"""What a room's owner is told: news of bookings and money, the morning digest, and the
answers to the owner's commands (``/block``, ``/terminate``, an invite). The owner's
screens are in ``owner_screens``.

Each function or constant is one message with a stable name; its parameters are the
facts it tells. The text is HTML for Telegram, facts people typed escaped (``h``)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from zoneinfo import ZoneInfo

from domain.payment_fit import Refusal
from domain.words.facts import BookingFacts, PersonFacts, RoomFacts, SlotFacts
from domain.words.formats import (
    WEEK,
    amount,
    booking_times,
    clock,
    count,
    day_and_month,
    day_this_year,
    h,
    money,
    session_span,
    slot_span,
    time_span,
    user_link,
    weekday,
)

# ---- a booking's news -------------------------------------------------------------------


def new_booking(booking: BookingFacts, room: RoomFacts, musician: PersonFacts | None) -> str:
    slots = ", ".join(slot_span(s, room.zone) for s in booking.slots)
    return (
        f"🆕 <b>New booking</b> · <code>{booking.code}</code>\n"
        f"{h(room.name)} · {session_span(booking, room.zone)}\n"
        f"Slots: {slots}\nMusician: {user_link(musician, booking.user_id)}\n"
        f"Paid: {money(booking.amount_paise)}"
    )


def new_series(weeks: Sequence[BookingFacts], room: RoomFacts, musician: PersonFacts | None) -> str:
    """A weekly series was paid: every week the room now has booked."""
    first = weeks[0]
    code = first.series.code if first.series else first.code
    span = time_span(first.starts_at, first.ends_at, room.zone)
    dates = "\n".join(f"• {day_this_year(week.day)} · <code>{week.code}</code>" for week in weeks)
    return (
        f"🆕 <b>New weekly booking</b> · <code>{code}</code>\n"
        f"{h(room.name)} · {weekday(first.day)}s {span}, {count(len(weeks), WEEK)}:\n{dates}\n"
        f"Musician: {user_link(musician, first.user_id)}\n"
        f"Paid: {money(sum(week.amount_paise for week in weeks))}"
    )


def session_started(booking: BookingFacts, room: RoomFacts) -> str:
    when = session_span(booking, room.zone)
    return f"▶️ {h(room.name)}: session <code>{booking.code}</code> started ({when})."


def musician_cancelled(
    booking: BookingFacts, room: RoomFacts, musician: PersonFacts | None, refund_paise: int
) -> str:
    kept = booking.amount_paise - refund_paise
    refund = f"Refund to the musician: {money(refund_paise)}; you keep {money(kept)}."
    return (
        f"❌ <b>Booking cancelled by the musician</b> · <code>{booking.code}</code>\n"
        f"{h(room.name)} · {session_span(booking, room.zone)}\n"
        f"Musician: {user_link(musician, booking.user_id)}\n{refund}\nThe slots are free again."
    )


def co_owner_terminated(booking: BookingFacts, room: RoomFacts, reason: str) -> str:
    """Another owner of the room cancelled a paid booking; ``reason`` as they typed it."""
    return (
        f"❌ <b>Booking cancelled by a co-owner</b> · <code>{booking.code}</code>\n"
        f"{h(room.name)} · {session_span(booking, room.zone)}\nReason: {h(reason)}\n"
        f"Full refund: {money(booking.amount_paise)}."
    )


CANCELLED_BY_MUSICIAN = "cancelled by musician"
"""The reason a booking the musician cancelled keeps (``cancel_reason``), shown to owners."""

REFUSAL_REASONS = {
    Refusal.WRONG_AMOUNT: "the payment did not match the booking's price",
    Refusal.SESSION_OVER: "paid after the session had ended",
    Refusal.SLOTS_TAKEN: "paid after the hold ran out and its slots were booked by someone else",
    Refusal.BOOKING_CANCELLED: "paid after the hold was cancelled",
}
"""Why a refused payment's booking was closed, kept as its ``cancel_reason``."""


# ---- money ------------------------------------------------------------------------------


def refused_payment(
    booking: BookingFacts, room: RoomFacts, refusal: Refusal, paid_paise: int, currency: str
) -> str:
    """The owner's side of a refused payment: nothing was booked, nothing is theirs."""
    head = f"<code>{booking.code}</code> ({h(room.name)}, {session_span(booking, room.zone)})"
    paid = amount(paid_paise, currency)
    outcome = f"It is being refunded in full ({paid}) and nothing was booked."
    match refusal:
        case Refusal.WRONG_AMOUNT:
            return (
                f"⚠️ <b>Payment mismatch</b> on {head}: received {paid} "
                f"(payment <code>{h(booking.payment_id or '')}</code>), expected "
                f"{money(booking.amount_paise)}. {outcome} The slots are free again."
            )
        case Refusal.SESSION_OVER:
            return f"ℹ️ A payment for {head} arrived after the session had ended. {outcome}"
        case Refusal.SLOTS_TAKEN:
            return (
                f"ℹ️ A late payment for {head} arrived after its hold expired and its slots were "
                f"taken. {outcome}"
            )
        case Refusal.BOOKING_CANCELLED:
            return f"ℹ️ A payment for {head} arrived after the musician had cancelled the hold. {outcome}"


def refused_series_payment(
    lead: BookingFacts, room: RoomFacts, refusal: Refusal, paid_paise: int, currency: str
) -> str:
    """The owner's side of a weekly series' payment that could not buy it."""
    code = lead.series.code if lead.series else lead.code
    paid = amount(paid_paise, currency)
    return (
        f"ℹ️ A payment of {paid} for the weekly booking <code>{code}</code> ({h(room.name)}) could not "
        f"be accepted ({REFUSAL_REASONS[refusal]}). It is being refunded in full and nothing was booked."
    )


def extra_payment(
    booking: BookingFacts, room: RoomFacts, payment_id: str, paid_paise: int, currency: str
) -> str:
    return (
        f"⚠️ <b>Second payment</b> for <code>{booking.code}</code> ({h(room.name)}): "
        f"{amount(paid_paise, currency)} (payment <code>{h(payment_id)}</code>) arrived for a "
        f"booking that already records payment <code>{h(booking.payment_id or '')}</code>. "
        "Nothing was changed; please refund it from the Razorpay dashboard."
    )


def refund_failed(booking: BookingFacts, room: RoomFacts, amount_paise: int) -> str:
    refunded = amount(amount_paise, booking.paid_currency)
    return (
        f"⚠️ <b>Refund failed</b>: {refunded} for <code>{booking.code}</code> "
        f"({h(room.name)}). Please retry it from the Razorpay dashboard."
    )


def payout_failed(booking: BookingFacts, room: RoomFacts, amount_paise: int) -> str:
    """Razorpay refused the transfer of the owner's share to the room's linked account."""
    return (
        f"⚠️ <b>Payout not made</b>: Razorpay refused to transfer {money(amount_paise)} for "
        f"<code>{booking.code}</code> ({h(room.name)}) to your linked account. "
        "Please check the account with the bot's operator; this booking is paid out by hand."
    )


# ---- the morning digest -----------------------------------------------------------------


def daily_digest(today: date, sections: Sequence[tuple[RoomFacts, Sequence[BookingFacts]]]) -> str:
    """One message per owner and day: each room's bookings, in the room's own zone."""
    parts = [f"📅 <b>Today, {day_this_year(today)}</b>"]
    for room, bookings in sections:
        parts.append(f"\n<b>{h(room.name)}</b>")
        if not bookings:
            parts.append("No bookings today.")
            continue
        for b in bookings:
            span = booking_times(b, room.zone)
            parts.append(f"• {span} <code>{b.code}</code> · {money(b.amount_paise)}")
        total = sum(b.amount_paise for b in bookings)
        parts.append(f"{len(bookings)} booking(s), {money(total)}")
    return "\n".join(parts)


# ---- commands ---------------------------------------------------------------------------

NOT_AN_OWNER = "This menu is for room owners. If you run a room, ask JamRoom for an owner invite link."
BLOCK_USAGE = (
    "Usage: /block ROOM-SLUG YYYY-MM-DD HH:MM[,HH:MM...] (or 'all' for the whole day), "
    "and the same with /unblock. Slots after midnight belong to the evening they follow: "
    "Friday's date for Friday night's 00:00."
)
TERMINATE_USAGE = "Usage: /terminate JR-XXXXXX reason the musician will read"


def welcome(rooms: Sequence[RoomFacts]) -> str:
    names = ", ".join(h(r.name) for r in rooms)
    return f"Welcome aboard! You now manage {names}. Send /owner for your menu."


def unblocked(freed: int, day: date) -> str:
    return f"Unblocked {freed} slot(s) on {day_and_month(day)}."


def blocked(blocked_count: int, day: date, room: RoomFacts, booked: Sequence[SlotFacts] = ()) -> str:
    """``booked``: the day's booked slots, left alone by "block the whole day"."""
    stays = _booked_stay(booked, room)
    return f"Blocked {blocked_count} slot(s) on {day_and_month(day)} for {h(room.name)}.{stays}"


def nothing_free_to_block(day: date, room: RoomFacts, booked: Sequence[SlotFacts]) -> str:
    return f"There is no free slot left to block on {day_and_month(day)}.{_booked_stay(booked, room)}"


def _booked_stay(booked: Sequence[SlotFacts], room: RoomFacts) -> str:
    labels = ", ".join(slot_span(s, room.zone) for s in booked)
    return f" Booked, so not blocked: {labels}." if labels else ""


def already_taken(starts: Sequence[datetime], zone: ZoneInfo) -> str:
    taken = ", ".join(clock(start, zone) for start in starts)
    return f"Nothing was blocked: these slots are booked or blocked already: {taken}."


def closed_on(room: RoomFacts, day: date) -> str:
    return f"{room.name} is closed on {day_this_year(day)}."


def not_a_time(text: str) -> str:
    """``text``: what the owner typed for a time."""
    return f"{text!r} is not a time like 18:00. {BLOCK_USAGE}"


def no_slot_starts_at(text: str, day: date, starts: Sequence[datetime], zone: ZoneInfo) -> str:
    listed = ", ".join(clock(start, zone) for start in starts)
    return f"No slot starts at {text} on {day_this_year(day)}. Its slots start at {listed}."


def terminated(booking: BookingFacts) -> str:
    """The owner's own cancellation went through."""
    return (
        f"Cancelled <code>{booking.code}</code>; the musician has been told, the slots are free and "
        f"{money(booking.amount_paise)} is being refunded."
    )
