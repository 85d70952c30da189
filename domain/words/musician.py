"""What a musician is told: messages the bot sends (confirmations, reminders, refunds...),
alerts on a tap and one-line answers. The screens they tap through are in
``musician_screens``.

Each function or constant is one message with a stable name; its parameters are the
facts it tells. The text is HTML for Telegram, facts people typed escaped (``h``)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from domain.availability import SlotState
from domain.payment_fit import Refusal
from domain.words.facts import BookingFacts, RoomFacts, SlotFacts
from domain.words.formats import (
    HOUR,
    WEEK,
    amount,
    clock,
    count,
    day,
    day_month_year,
    h,
    join_labels,
    moment,
    money,
    session_span,
    slot_span,
    time_span,
    weekday,
)
from domain.words.statuses import status_name

REFUND_TIME = "it reaches your account in 5–7 working days"

# ---- anywhere in the chat ---------------------------------------------------------------

EXPIRED_MENU = "This menu has expired. Here is a fresh one."
BUTTONS_ONLY = "I work with buttons. Tap one below, send /start for the menu, or /help to see what I can do."
SORRY = "Sorry, something went wrong on my side. Please try again, or send /start for the menu."
DATABASE_UNAVAILABLE = (
    "I can't reach my records right now. Please try again in a moment; nothing was changed."
)
SLOW_DOWN = "Easy there: one tap at a time, please."
ROOM_LINK_NOT_FOUND = "Sorry, I could not find that room. It may have moved; here is the menu."


def day_link_unbookable(room: RoomFacts, unbookable: date) -> str:
    """A shared link to a room's day that can no longer be booked (over, closed, too far)."""
    return f"{day(unbookable)} can no longer be booked at {h(room.name)}. Here is the room: pick another day."


NOTHING_TO_CANCEL = "There is nothing to cancel. Send /start for the menu."
MENU_CLOSED = "Okay, I closed that menu. Send /start whenever you want the menu again."

FREE_SEARCH_OVER = "That search has run out of time. Pick a time below or send /free again."
"""A tap on a free-slot result whose window has passed meanwhile (an alert)."""

# ---- a booking's life -------------------------------------------------------------------


def _slot_spans(booking: BookingFacts, zone: ZoneInfo) -> str:
    return ", ".join(slot_span(s, zone) for s in booking.slots)


def confirmed(booking: BookingFacts, room: RoomFacts) -> str:
    return (
        f"✅ <b>Booking confirmed</b> · <code>{booking.code}</code>\n\n"
        f"🎸 {h(room.name)}\n📍 {h(room.address)}\n"
        f"🗓 {session_span(booking, room.zone)}\n⏱ {_slot_spans(booking, room.zone)}\n"
        f"💳 Paid {money(booking.amount_paise)}\n\n"
        "Your invoice follows. I will remind you before the session."
    )


def paid_for(booking: BookingFacts) -> str:
    """The code a payment was made under: the booking's, or its weekly series'."""
    return booking.series.code if booking.series else booking.code


def payment_failed(booking: BookingFacts, room: RoomFacts, reason: str | None) -> str:
    """``reason`` is the gateway's description of the failure, when it gave one."""
    why = f" ({h(reason)})" if reason else ""
    return (
        f"❌ The payment for <code>{paid_for(booking)}</code> did not go through{why}. Your slots are "
        f"still held until {clock(booking.hold_expires_at, room.zone)}: you can try again with the same "
        "Pay button."
    )


def hold_expired(booking: BookingFacts, room: RoomFacts) -> str:
    """The same words whether the clock or the gateway's webhook saw the hold end first
    (one dedupe key, one wording); for a week of a series, the whole series' hold."""
    if booking.series is not None:
        return (
            f"⌛ Your hold on {h(room.name)} for the weekly booking <code>{booking.series.code}</code> "
            f"({weekly(booking, room)}, {count(booking.series.count, WEEK)} from {day(booking.day)}) expired "
            "before payment; the slots are free again."
        )
    return (
        f"⌛ Your hold on {h(room.name)} for {session_span(booking, room.zone)} expired before payment "
        f"(booking <code>{booking.code}</code>); the slots are free again."
    )


def weekly(booking: BookingFacts, room: RoomFacts) -> str:
    """``Thursdays 18:00–20:00``: when a series meets."""
    return f"{weekday(booking.day)}s {time_span(booking.starts_at, booking.ends_at, room.zone)}"


def series_confirmed(
    kept: Sequence[BookingFacts],
    lost: Sequence[tuple[BookingFacts, Refusal]],
    room: RoomFacts,
    paid_paise: int,
) -> str:
    """A series' payment settled: the weeks that are the musician's, and the weeks it could
    not buy any more, each refunded in full."""
    first = (kept or [week for week, _ in lost])[0]
    code = paid_for(first)
    lines = [
        f"✅ <b>Weekly booking confirmed</b> · <code>{code}</code>"
        if kept
        else f"⚠️ <b>Weekly booking not confirmed</b> · <code>{code}</code>"
    ]
    lines.append(f"\n🎸 {h(room.name)}\n📍 {h(room.address)}")
    if kept:
        lines.append(f"🔁 {weekly(first, room)}, {count(len(kept), WEEK)}:")
        lines += [f"• {day(week.day)} · <code>{week.code}</code>" for week in kept]
    lines.append(f"\n💳 Paid {money(paid_paise)}")
    if lost:
        back = sum(week.amount_paise for week, _ in lost)
        lines.append(
            f"\nThese weeks could not be booked any more, so I am refunding {money(back)} for them; "
            f"{REFUND_TIME}:"
        )
        lines += [f"• {day(week.day)}: {WEEK_LOST[refusal]}" for week, refusal in lost]
    if kept:
        lines.append("\nYour invoice follows. I will remind you before each session.")
    return "\n".join(lines)


WEEK_LOST = {
    Refusal.SLOTS_TAKEN: "booked by someone else after your hold ran out",
    Refusal.SESSION_OVER: "the session was over before your payment reached me",
    Refusal.BOOKING_CANCELLED: "you had cancelled it",
    Refusal.WRONG_AMOUNT: "the payment did not match",
}
"""Why one week of a series could not be bought by its payment."""


def series_refused(
    lead: BookingFacts, room: RoomFacts, refusal: Refusal, paid_paise: int, currency: str
) -> str:
    """A series' payment could not buy it at all: all of it comes back."""
    paid = amount(paid_paise, currency)
    why = {
        Refusal.WRONG_AMOUNT: "it did not match the price of the weekly booking",
        Refusal.SESSION_OVER: "every session was over before it reached me",
        Refusal.SLOTS_TAKEN: "its slots were booked by someone else after the hold ran out",
        Refusal.BOOKING_CANCELLED: "the weekly booking had been cancelled",
    }[refusal]
    return (
        f"⚠️ I received {paid} for the weekly booking <code>{paid_for(lead)}</code> at {h(room.name)}, "
        f"but I could not confirm it: {why}. I am refunding the full {paid}; {REFUND_TIME}. "
        "Nothing was booked; you are welcome to book again from the menu."
    )


def refused(booking: BookingFacts, room: RoomFacts, refusal: Refusal, paid_paise: int, currency: str) -> str:
    """The musician's money could not buy their booking: what happened, and that all of
    it comes back."""
    code, paid = f"<code>{booking.code}</code>", amount(paid_paise, currency)
    refund = f"I am refunding the full {paid}; {REFUND_TIME}."
    match refusal:
        case Refusal.WRONG_AMOUNT:
            return (
                f"⚠️ I received {paid} for booking {code}, but it costs {money(booking.amount_paise)}, "
                f"so I could not confirm it. {refund} Nothing was booked and the slots are free again; "
                "you are welcome to book them again from the menu."
            )
        case Refusal.SESSION_OVER:
            return (
                f"Your payment for {code} ({h(room.name)}, {session_span(booking, room.zone)}) reached me "
                f"only after the session had ended, so it can no longer buy it. {refund} Nothing was booked. "
                "Sorry about that."
            )
        case Refusal.SLOTS_TAKEN:
            return (
                f"Your payment for {code} arrived after the hold on {h(room.name)} ran out, and some "
                f"of the slots have been booked by someone else since. {refund} "
                "Sorry about that — please pick other slots."
            )
        case Refusal.BOOKING_CANCELLED:
            return f"Your payment for {code} arrived after the booking was cancelled. {refund}"


def _refunded(booking: BookingFacts, amount_paise: int) -> str:
    """A refund is in the currency it was paid in (a wrong-currency payment goes back as it came)."""
    return amount(amount_paise, booking.paid_currency)


def refund_started(booking: BookingFacts, amount_paise: int) -> str:
    return (
        f"↩️ Refund of {_refunded(booking, amount_paise)} for <code>{booking.code}</code> has been "
        f"initiated; {REFUND_TIME}."
    )


def refund_processed(booking: BookingFacts, amount_paise: int) -> str:
    return (
        f"✅ Refund of {_refunded(booking, amount_paise)} for <code>{booking.code}</code> has been processed."
    )


def refund_failed(booking: BookingFacts, amount_paise: int) -> str:
    return (
        f"⚠️ The refund of {_refunded(booking, amount_paise)} for <code>{booking.code}</code> failed at "
        "the bank. The room has been told and will make sure you get your money."
    )


def terminated(booking: BookingFacts, room: RoomFacts, reason: str) -> str:
    """The room cancelled a paid booking; ``reason`` is the owner's, as typed."""
    return (
        f"❗ {h(room.name)} had to cancel your booking <code>{booking.code}</code> "
        f"({session_span(booking, room.zone)}): {h(reason)}\n"
        f"You get a full refund of {money(booking.amount_paise)}. Sorry for the trouble."
    )


# ---- the clock --------------------------------------------------------------------------


def map_link(room: RoomFacts) -> str:
    """The room on Google Maps, or "" when it has no location."""
    if room.latitude is None or room.longitude is None:
        return ""
    return f"https://www.google.com/maps/search/?api=1&query={room.latitude},{room.longitude}"


def reminder(booking: BookingFacts, room: RoomFacts, before: timedelta, check_in: str = "") -> str:
    """``before``: how long until the session starts; ``check_in``: the room's check-in
    info, for a paid booking's last reminder (made when it is delivered)."""
    hours = before.total_seconds() / 3600
    when = f"in {count(hours, HOUR)}" if hours < 48 else "soon"
    link = map_link(room)
    where = f"📍 {h(room.address)}" + (f'\n<a href="{link}">Open in Maps</a>' if link else "")
    text = (
        f"⏰ Your session at <b>{h(room.name)}</b> starts {when}: {session_span(booking, room.zone)}.\n"
        f"{where}\nBooking <code>{booking.code}</code>."
    )
    return f"{text}\n\n{check_in_block(check_in)}" if check_in else text


def check_in_block(check_in: str) -> str:
    """How to get in, as the room's owner wrote it (a reminder and My bookings alike)."""
    return f"🔑 <b>How to get in</b>\n<blockquote>{h(check_in)}</blockquote>"


def session_started(booking: BookingFacts, room: RoomFacts) -> str:
    return (
        f"🎶 Your session at {h(room.name)} has started (until "
        f"{clock(booking.ends_at, room.zone)}). Have a great jam!"
    )


def session_completed(booking: BookingFacts, room: RoomFacts) -> str:
    return (
        f"✅ Session at {h(room.name)} complete (<code>{booking.code}</code>). "
        "Thanks for jamming with us — book your next one any time with /book."
    )


Buttons = list[list[dict[str, str]]]
"""An outbox message's inline keyboard: rows of ``{"text", "url"}``."""


def book_again_buttons(room: RoomFacts, bot_username: str | None) -> Buttons:
    """A deep link that opens the room's card (``/start room_<slug>``)."""
    if not bot_username:
        return []
    return [[{"text": "📅 Book again", "url": f"https://t.me/{bot_username}?start=room_{room.slug}"}]]


def map_buttons(room: RoomFacts) -> Buttons:
    link = map_link(room)
    return [[{"text": "🗺 Open in Maps", "url": link}]] if link else []


# ---- booking: alerts and notices --------------------------------------------------------

STATE_WORDS = {
    SlotState.FREE: "free",
    SlotState.TAKEN: "booked",
    SlotState.BLOCKED: "unavailable",
    SlotState.PAST: "over",
    SlotState.TOO_SOON: "too soon",
}
"""A slot's state, in the slot picker's buttons and alerts."""


DAY_OVER = "That day is already over. Please pick today or a later day."


def day_beyond_horizon(last: date) -> str:
    return f"I can take bookings up to {day(last)}. Please pick an earlier day."


def day_closed(room: RoomFacts, closed: date) -> str:
    """Plain text: an alert, which Telegram shows without HTML."""
    return f"{room.name} is closed on {weekday(closed)}s. Please pick another day."


SLOT_NOT_LISTED = "That slot is not on this day's list any more."
PICK_A_SLOT_FIRST = "Pick at least one slot first."
PAYMENT_STILL_DOWN = "The payment service is still not answering. Please try again in a minute."


def slot_not_bookable(slot: SlotFacts, zone: ZoneInfo, state: SlotState) -> str:
    return f"{slot_span(slot, zone)} can't be booked: it is {STATE_WORDS[state]}."


def slots_became_unavailable(slots: list[SlotFacts], zone: ZoneInfo) -> str:
    labels = join_labels(slot_span(s, zone) for s in slots)
    return f"⚠️ {labels} just became unavailable; I removed it from your choice."


def slots_just_taken(starts: list[datetime], zone: ZoneInfo) -> str:
    taken = join_labels(clock(start, zone) for start in starts)
    verb = "was" if len(starts) == 1 else "were"
    return (
        f"⚠️ Sorry, {taken} {verb} just taken by another musician. I removed them from your choice; "
        "nothing was booked."
    )


def booking_refused_notice(refusal: str) -> str:
    """A refusal (``refusals.refusal``) on the slot picker's screen."""
    return f"⚠️ {h(refusal)}"


def payment_link_description(booking: BookingFacts, room: RoomFacts) -> str:
    """What Razorpay's payment page shows as the payment's description."""
    return f"{room.name} · {day_month_year(booking.day)} · {len(booking.slots)} slot(s)"


def series_link_description(lead: BookingFacts, room: RoomFacts, weeks: int) -> str:
    """What Razorpay's payment page shows for a weekly series' one payment."""
    return f"{room.name} · weekly × {weeks} from {day_month_year(lead.day)} · {len(lead.slots)} slot(s) each"


# ---- my bookings: alerts and notices ----------------------------------------------------

NOT_AMONG_YOURS = "I could not find that booking among yours."
INVOICE_UNAVAILABLE = "The invoice is not available right now. Please try later."
INVOICE_COMING = "I'll send the invoice here in a moment."
NO_MAP_LOCATION = "This room has no map location yet."


def cancelled(refund_paise: int) -> str:
    """The musician cancelled; ``refund_paise`` is what comes back (0: nothing was paid or owed)."""
    if refund_paise:
        return (
            f"✅ Cancelled. {money(refund_paise)} will be refunded to the account "
            "you paid from; banks usually take 5–7 working days."
        )
    return "✅ Cancelled. The slots are free again for other musicians."


# ---- test payments (the sandbox), as alerts on the pay screen ---------------------------

SANDBOX_NOTICE = "🧪 Test payments: no real money moves."
REAL_PAYMENTS_ONLY = "Test payments are off here: this bot takes real payments. Please use the 💳 Pay button."
SANDBOX_NOT_YOURS = "I could not find that booking among yours, so nothing was paid."
SANDBOX_HOLD_ENDED = "Your hold on these slots has ended, so nothing was paid. Please book the slots again."
SANDBOX_NO_LINK_YET = "This booking has no payment link yet, so nothing was paid. Please tap Try again."
SANDBOX_LINK_GONE = "This payment link does not exist any more, so nothing was paid."
SANDBOX_ALREADY_PAID = "This booking is already paid; nothing was paid twice."
SANDBOX_PAID = "✅ Paid (test). Your confirmation and invoice arrive here in a moment."
SANDBOX_PAID_CONFIRMING = "Paid (test). I am confirming your booking and will message you here in a moment."


def sandbox_nothing_to_pay(booking: BookingFacts) -> str:
    return f"Booking {booking.code} is {status_name(booking.status)}: there is nothing to pay."


def sandbox_link_closed(link_status: str) -> str:
    """``link_status``: the link's state at the gateway (``created`` past its deadline
    reads as expired)."""
    status = "expired" if link_status == "created" else link_status
    return f"This payment link has {status}, so nothing was paid. Please book the slots again."


def sandbox_declined(booking: BookingFacts, room: RoomFacts) -> str:
    deadline = moment(booking.hold_expires_at, room.zone)
    return f"❌ The test payment was declined. Your slots stay held until {deadline}; tap Pay (test) to pay."


# ---- GST details for the invoice --------------------------------------------------------

GST_DETAILS_REMOVED = "🧾 GST details removed: the invoice will be made out to you."
GST_DETAILS_TOO_LATE = (
    "GST details can be added only while the booking waits for payment; nothing was changed."
)
GST_NAME_REFUSED = (
    "Please send the name registered with this GSTIN, 2 to 100 characters, as the invoice should print it."
)


def gst_details_saved(name: str, gstin: str) -> str:
    """After the musician gave their band's or company's GST details, on the pay screen."""
    return f"🧾 The invoice will be made out to <b>{h(name)}</b>, GSTIN <code>{h(gstin)}</code>."


# ---- moving a session, adding an hour (issue 16 §2, §3) -----------------------------------


def session_moved(before: BookingFacts, after: BookingFacts, room: RoomFacts, refund_paise: int) -> str:
    """The move is done: where the session was and where it is now."""
    money_line = (
        f"\n💸 {money(refund_paise)} of the difference is refunded; {REFUND_TIME}." if refund_paise else ""
    )
    return (
        f"🔁 <b>Session moved</b> · <code>{after.code}</code>\n\n"
        f"🎸 {h(room.name)}\nWas: <s>{session_span(before, room.zone)}</s>\n"
        f"Now: <b>{session_span(after, room.zone)}</b>\n"
        f"💳 Price now {money(after.amount_paise)}{money_line}\n\n"
        "A new invoice and an updated calendar file follow."
    )


def hour_added(after: BookingFacts, room: RoomFacts) -> str:
    return (
        f"➕ <b>Hour added</b> · <code>{after.code}</code>\n\n"
        f"🎸 {h(room.name)}\n🗓 {session_span(after, room.zone)}: your session now ends at "
        f"<b>{clock(after.ends_at, room.zone)}</b>.\n💳 Price now {money(after.amount_paise)}\n\n"
        "A new invoice and an updated calendar file follow."
    )


def move_lapsed(booking: BookingFacts, room: RoomFacts) -> str:
    return (
        f"⌛ The move of <code>{booking.code}</code> was not paid in time, so the new slots are free "
        f"again. Your session stays as it was: {session_span(booking, room.zone)}."
    )


def hour_lapsed(booking: BookingFacts, room: RoomFacts) -> str:
    return (
        f"⌛ The extra hour for <code>{booking.code}</code> was not paid before it began, so it is free "
        f"again. Your session ends at {clock(booking.ends_at, room.zone)} as booked."
    )


def change_payment_refunded(booking: BookingFacts, kind: str, amount_paise: int) -> str:
    """Money for a move or an hour that lapsed first (or was not the amount asked)."""
    what = "the move" if kind == "move" else "the extra hour"
    return (
        f"↩️ Your payment of {money(amount_paise)} for {what} of <code>{booking.code}</code> came when it "
        "could no longer be had, so your session is unchanged and the whole payment is refunded; "
        f"{REFUND_TIME}."
    )


def change_link_description(booking: BookingFacts, room: RoomFacts, kind: str) -> str:
    """What Razorpay's payment page shows for a move's or an extra hour's difference."""
    what = "move" if kind == "move" else "extra hour"
    return f"{room.name} · {booking.code} · {what}"


MOVE_PAID_CONFIRMING = "Paid (test). I am moving your session and will message you here in a moment."
HOUR_PAID_CONFIRMING = "Paid (test). I am adding the hour and will message you here in a moment."
