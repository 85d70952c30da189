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
from domain.words.language import N_, _, speaks_when_read

# ---- a booking's news -------------------------------------------------------------------


def new_booking(booking: BookingFacts, room: RoomFacts, musician: PersonFacts | None) -> str:
    slots = ", ".join(slot_span(s, room.zone) for s in booking.slots)
    return _(
        "🆕 <b>New booking</b> · <code>{code}</code>\n{room} · {session}\n"
        "Slots: {slots}\nMusician: {musician}\nPaid: {amount}"
    ).format(
        code=booking.code,
        room=h(room.name),
        session=session_span(booking, room.zone),
        slots=slots,
        musician=user_link(musician, booking.user_id),
        amount=money(booking.amount_paise),
    )


def new_series(weeks: Sequence[BookingFacts], room: RoomFacts, musician: PersonFacts | None) -> str:
    """A weekly series was paid: every week the room now has booked."""
    first = weeks[0]
    code = first.series.code if first.series else first.code
    span = time_span(first.starts_at, first.ends_at, room.zone)
    dates = "\n".join(f"• {day_this_year(week.day)} · <code>{week.code}</code>" for week in weeks)
    return _(
        "🆕 <b>New weekly booking</b> · <code>{code}</code>\n"
        "{room} · {weekday}s {span}, {weeks}:\n{dates}\nMusician: {musician}\nPaid: {amount}"
    ).format(
        code=code,
        room=h(room.name),
        weekday=weekday(first.day),
        span=span,
        weeks=count(len(weeks), WEEK),
        dates=dates,
        musician=user_link(musician, first.user_id),
        amount=money(sum(week.amount_paise for week in weeks)),
    )


def session_started(booking: BookingFacts, room: RoomFacts) -> str:
    when = session_span(booking, room.zone)
    return _("▶️ {room}: session <code>{code}</code> started ({when}).").format(
        room=h(room.name), code=booking.code, when=when
    )


def musician_cancelled(
    booking: BookingFacts, room: RoomFacts, musician: PersonFacts | None, refund_paise: int
) -> str:
    kept = booking.amount_paise - refund_paise
    refund = _("Refund to the musician: {refund}; you keep {kept}.").format(
        refund=money(refund_paise), kept=money(kept)
    )
    return _(
        "❌ <b>Booking cancelled by the musician</b> · <code>{code}</code>\n{room} · {session}\n"
        "Musician: {musician}\n{refund}\nThe slots are free again."
    ).format(
        code=booking.code,
        room=h(room.name),
        session=session_span(booking, room.zone),
        musician=user_link(musician, booking.user_id),
        refund=refund,
    )


def co_owner_terminated(booking: BookingFacts, room: RoomFacts, reason: str) -> str:
    """Another owner of the room cancelled a paid booking; ``reason`` as they typed it."""
    return _(
        "❌ <b>Booking cancelled by a co-owner</b> · <code>{code}</code>\n{room} · {session}\n"
        "Reason: {reason}\nFull refund: {amount}."
    ).format(
        code=booking.code,
        room=h(room.name),
        session=session_span(booking, room.zone),
        reason=h(reason),
        amount=money(booking.amount_paise),
    )


CANCELLED_BY_MUSICIAN = "cancelled by musician"
"""The reason a booking the musician cancelled keeps (``cancel_reason``), shown to owners."""

REFUSAL_REASONS = {
    Refusal.WRONG_AMOUNT: N_("the payment did not match the booking's price"),
    Refusal.SESSION_OVER: N_("paid after the session had ended"),
    Refusal.SLOTS_TAKEN: N_("paid after the hold ran out and its slots were booked by someone else"),
    Refusal.BOOKING_CANCELLED: N_("paid after the hold was cancelled"),
}
"""Why a refused payment's booking was closed, kept as its ``cancel_reason``."""


# ---- money ------------------------------------------------------------------------------


def refused_payment(
    booking: BookingFacts, room: RoomFacts, refusal: Refusal, paid_paise: int, currency: str
) -> str:
    """The owner's side of a refused payment: nothing was booked, nothing is theirs."""
    head = f"<code>{booking.code}</code> ({h(room.name)}, {session_span(booking, room.zone)})"
    paid = amount(paid_paise, currency)
    outcome = _("It is being refunded in full ({paid}) and nothing was booked.").format(paid=paid)
    facts = {"head": head, "outcome": outcome}
    match refusal:
        case Refusal.WRONG_AMOUNT:
            return _(
                "⚠️ <b>Payment mismatch</b> on {head}: received {paid} "
                "(payment <code>{payment}</code>), expected "
                "{price}. {outcome} The slots are free again."
            ).format(
                paid=paid, payment=h(booking.payment_id or ""), price=money(booking.amount_paise), **facts
            )
        case Refusal.SESSION_OVER:
            return _("ℹ️ A payment for {head} arrived after the session had ended. {outcome}").format_map(
                facts
            )
        case Refusal.SLOTS_TAKEN:
            return _(
                "ℹ️ A late payment for {head} arrived after its hold expired and its slots were "
                "taken. {outcome}"
            ).format_map(facts)
        case Refusal.BOOKING_CANCELLED:
            return _(
                "ℹ️ A payment for {head} arrived after the musician had cancelled the hold. {outcome}"
            ).format_map(facts)


def refused_series_payment(
    lead: BookingFacts, room: RoomFacts, refusal: Refusal, paid_paise: int, currency: str
) -> str:
    """The owner's side of a weekly series' payment that could not buy it."""
    code = lead.series.code if lead.series else lead.code
    paid = amount(paid_paise, currency)
    return _(
        "ℹ️ A payment of {paid} for the weekly booking <code>{code}</code> ({room}) could not "
        "be accepted ({why}). It is being refunded in full and nothing was booked."
    ).format(paid=paid, code=code, room=h(room.name), why=_(REFUSAL_REASONS[refusal]))


def extra_payment(
    booking: BookingFacts, room: RoomFacts, payment_id: str, paid_paise: int, currency: str
) -> str:
    return _(
        "⚠️ <b>Second payment</b> for <code>{code}</code> ({room}): "
        "{paid} (payment <code>{payment}</code>) arrived for a "
        "booking that already records payment <code>{recorded}</code>. "
        "Nothing was changed; please refund it from the Razorpay dashboard."
    ).format(
        code=booking.code,
        room=h(room.name),
        paid=amount(paid_paise, currency),
        payment=h(payment_id),
        recorded=h(booking.payment_id or ""),
    )


def refund_failed(booking: BookingFacts, room: RoomFacts, amount_paise: int) -> str:
    refunded = amount(amount_paise, booking.paid_currency)
    return _(
        "⚠️ <b>Refund failed</b>: {refunded} for <code>{code}</code> "
        "({room}). Please retry it from the Razorpay dashboard."
    ).format(refunded=refunded, code=booking.code, room=h(room.name))


def payout_failed(booking: BookingFacts, room: RoomFacts, amount_paise: int) -> str:
    """Razorpay refused the transfer of the owner's share to the room's linked account."""
    return _(
        "⚠️ <b>Payout not made</b>: Razorpay refused to transfer {amount} for "
        "<code>{code}</code> ({room}) to your linked account. "
        "Please check the account with the bot's operator; this booking is paid out by hand."
    ).format(amount=money(amount_paise), code=booking.code, room=h(room.name))


# ---- the morning digest -----------------------------------------------------------------


def daily_digest(today: date, sections: Sequence[tuple[RoomFacts, Sequence[BookingFacts]]]) -> str:
    """One message per owner and day: each room's bookings, in the room's own zone."""
    parts = [_("📅 <b>Today, {day}</b>").format(day=day_this_year(today))]
    for room, bookings in sections:
        parts.append(f"\n<b>{h(room.name)}</b>")
        if not bookings:
            parts.append(_("No bookings today."))
            continue
        for b in bookings:
            span = booking_times(b, room.zone)
            parts.append(f"• {span} <code>{b.code}</code> · {money(b.amount_paise)}")
        total = sum(b.amount_paise for b in bookings)
        parts.append(_("{bookings} booking(s), {total}").format(bookings=len(bookings), total=money(total)))
    return "\n".join(parts)


# ---- commands ---------------------------------------------------------------------------

NOT_AN_OWNER = N_("This menu is for room owners. If you run a room, ask JamRoom for an owner invite link.")
BLOCK_USAGE = N_(
    "Usage: /block ROOM-SLUG YYYY-MM-DD HH:MM[,HH:MM...] (or 'all' for the whole day), "
    "and the same with /unblock. Slots after midnight belong to the evening they follow: "
    "Friday's date for Friday night's 00:00."
)
TERMINATE_USAGE = N_("Usage: /terminate JR-XXXXXX reason the musician will read")


def welcome(rooms: Sequence[RoomFacts]) -> str:
    names = ", ".join(h(r.name) for r in rooms)
    return _("Welcome aboard! You now manage {rooms}. Send /owner for your menu.").format(rooms=names)


def unblocked(freed: int, day: date) -> str:
    return _("Unblocked {freed} slot(s) on {day}.").format(freed=freed, day=day_and_month(day))


def blocked(blocked_count: int, day: date, room: RoomFacts, booked: Sequence[SlotFacts] = ()) -> str:
    """``booked``: the day's booked slots, left alone by "block the whole day"."""
    stays = _booked_stay(booked, room)
    return _("Blocked {blocked} slot(s) on {day} for {room}.{stays}").format(
        blocked=blocked_count, day=day_and_month(day), room=h(room.name), stays=stays
    )


def nothing_free_to_block(day: date, room: RoomFacts, booked: Sequence[SlotFacts]) -> str:
    return _("There is no free slot left to block on {day}.{stays}").format(
        day=day_and_month(day), stays=_booked_stay(booked, room)
    )


def _booked_stay(booked: Sequence[SlotFacts], room: RoomFacts) -> str:
    labels = ", ".join(slot_span(s, room.zone) for s in booked)
    return _(" Booked, so not blocked: {slots}.").format(slots=labels) if labels else ""


def already_taken(starts: Sequence[datetime], zone: ZoneInfo) -> str:
    taken = ", ".join(clock(start, zone) for start in starts)
    return _("Nothing was blocked: these slots are booked or blocked already: {taken}.").format(taken=taken)


def closed_on(room: RoomFacts, day: date) -> str:
    return _("{room} is closed on {day}.").format(room=room.name, day=day_this_year(day))


def not_a_time(text: str) -> str:
    """``text``: what the owner typed for a time."""
    return _("{text} is not a time like 18:00. {usage}").format(text=repr(text), usage=_(BLOCK_USAGE))


def no_slot_starts_at(text: str, day: date, starts: Sequence[datetime], zone: ZoneInfo) -> str:
    listed = ", ".join(clock(start, zone) for start in starts)
    return _("No slot starts at {text} on {day}. Its slots start at {listed}.").format(
        text=text, day=day_this_year(day), listed=listed
    )


def terminated(booking: BookingFacts) -> str:
    """The owner's own cancellation went through."""
    return _(
        "Cancelled <code>{code}</code>; the musician has been told, the slots are free and "
        "{amount} is being refunded."
    ).format(code=booking.code, amount=money(booking.amount_paise))


# ---- a session moved, an hour added (issue 16 §2, §3) -------------------------------------


def session_moved(
    before: BookingFacts, after: BookingFacts, room: RoomFacts, musician: PersonFacts | None
) -> str:
    return _(
        "🔁 <b>Booking moved</b> · <code>{code}</code>\n"
        "{room}: moved from {was} to <b>{now}</b>\n"
        "Musician: {musician}\nPrice now: {price}"
    ).format(
        code=after.code,
        room=h(room.name),
        was=session_span(before, room.zone),
        now=session_span(after, room.zone),
        musician=user_link(musician, after.user_id),
        price=money(after.amount_paise),
    )


def hour_added(
    before: BookingFacts, after: BookingFacts, room: RoomFacts, musician: PersonFacts | None
) -> str:
    return _(
        "➕ <b>Hour added</b> · <code>{code}</code>\n"
        "{room} · {session}: now ends at <b>{ends}</b> (was {was})\n"
        "Musician: {musician}\nPrice now: {price}"
    ).format(
        code=after.code,
        room=h(room.name),
        session=session_span(after, room.zone),
        ends=clock(after.ends_at, room.zone),
        was=clock(before.ends_at, room.zone),
        musician=user_link(musician, after.user_id),
        price=money(after.amount_paise),
    )


speaks_when_read(__name__)
