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
    BOOKING,
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
from domain.words.language import N_, _, speaks_when_read
from domain.words.statuses import status_name

REFUND_TIME = N_("it reaches your account in 5–7 working days")

# ---- anywhere in the chat ---------------------------------------------------------------

EXPIRED_MENU = N_("This menu has expired. Here is a fresh one.")
BUTTONS_ONLY = N_(
    "I work with buttons. Tap one below, send /start for the menu, or /help to see what I can do."
)
SORRY = N_("Sorry, something went wrong on my side. Please try again, or send /start for the menu.")
DATABASE_UNAVAILABLE = N_(
    "I can't reach my records right now. Please try again in a moment; nothing was changed."
)
SLOW_DOWN = N_("Easy there: one tap at a time, please.")
ROOM_LINK_NOT_FOUND = N_("Sorry, I could not find that room. It may have moved; here is the menu.")


def day_link_unbookable(room: RoomFacts, unbookable: date) -> str:
    """A shared link to a room's day that can no longer be booked (over, closed, too far)."""
    return _("{day} can no longer be booked at {room}. Here is the room: pick another day.").format(
        day=day(unbookable), room=h(room.name)
    )


NOTHING_TO_CANCEL = N_("There is nothing to cancel. Send /start for the menu.")
MENU_CLOSED = N_("Okay, I closed that menu. Send /start whenever you want the menu again.")

FREE_SEARCH_OVER = N_("That search has run out of time. Pick a time below or send /free again.")
"""A tap on a free-slot result whose window has passed meanwhile (an alert)."""

# ---- a booking's life -------------------------------------------------------------------


def _slot_spans(booking: BookingFacts, zone: ZoneInfo) -> str:
    return ", ".join(slot_span(s, zone) for s in booking.slots)


def confirmed(booking: BookingFacts, room: RoomFacts) -> str:
    return _(
        "✅ <b>Booking confirmed</b> · <code>{code}</code>\n\n"
        "🎸 {room}\n📍 {address}\n"
        "🗓 {session}\n⏱ {slots}\n"
        "💳 Paid {amount}\n\n"
        "Your invoice follows. I will remind you before the session."
    ).format(
        code=booking.code,
        room=h(room.name),
        address=h(room.address),
        session=session_span(booking, room.zone),
        slots=_slot_spans(booking, room.zone),
        amount=money(booking.amount_paise),
    )


def paid_for(booking: BookingFacts) -> str:
    """The code a payment was made under: the booking's, or its weekly series'."""
    return booking.series.code if booking.series else booking.code


def payment_failed(booking: BookingFacts, room: RoomFacts, reason: str | None) -> str:
    """``reason`` is the gateway's description of the failure, when it gave one."""
    why = f" ({h(reason)})" if reason else ""
    return _(
        "❌ The payment for <code>{code}</code> did not go through{why}. Your slots are "
        "still held until {until}: you can try again with the same "
        "Pay button."
    ).format(code=paid_for(booking), why=why, until=clock(booking.hold_expires_at, room.zone))


def hold_expired(booking: BookingFacts, room: RoomFacts) -> str:
    """The same words whether the clock or the gateway's webhook saw the hold end first
    (one dedupe key, one wording); for a week of a series, the whole series' hold."""
    if booking.series is not None:
        return _(
            "⌛ Your hold on {room} for the weekly booking <code>{code}</code> "
            "({weekly}, {weeks} from {day}) expired "
            "before payment; the slots are free again."
        ).format(
            room=h(room.name),
            code=booking.series.code,
            weekly=weekly(booking, room),
            weeks=count(booking.series.count, WEEK),
            day=day(booking.day),
        )
    return _(
        "⌛ Your hold on {room} for {session} expired before payment "
        "(booking <code>{code}</code>); the slots are free again."
    ).format(room=h(room.name), session=session_span(booking, room.zone), code=booking.code)


def weekly(booking: BookingFacts, room: RoomFacts) -> str:
    """``Thursdays 18:00–20:00``: when a series meets."""
    return _("{weekday}s {times}").format(
        weekday=weekday(booking.day), times=time_span(booking.starts_at, booking.ends_at, room.zone)
    )


def series_confirmed(
    kept: Sequence[BookingFacts],
    lost: Sequence[tuple[BookingFacts, Refusal]],
    room: RoomFacts,
    paid_paise: int,
) -> str:
    """A series' payment settled: the weeks that are the musician's, and the weeks it could
    not buy any more, each refunded in full."""
    first = (kept or [week for week, _refusal in lost])[0]
    code = paid_for(first)
    lines = [
        _("✅ <b>Weekly booking confirmed</b> · <code>{code}</code>").format(code=code)
        if kept
        else _("⚠️ <b>Weekly booking not confirmed</b> · <code>{code}</code>").format(code=code)
    ]
    lines.append(f"\n🎸 {h(room.name)}\n📍 {h(room.address)}")
    if kept:
        lines.append(f"🔁 {weekly(first, room)}, {count(len(kept), WEEK)}:")
        lines += [f"• {day(week.day)} · <code>{week.code}</code>" for week in kept]
    lines.append(_("\n💳 Paid {amount}").format(amount=money(paid_paise)))
    if lost:
        back = sum(week.amount_paise for week, _refusal in lost)
        lines.append(
            _(
                "\nThese weeks could not be booked any more, so I am refunding {amount} for them; {when}:"
            ).format(amount=money(back), when=_(REFUND_TIME))
        )
        lines += [f"• {day(week.day)}: {_(WEEK_LOST[refusal])}" for week, refusal in lost]
    if kept:
        lines.append(_("\nYour invoice follows. I will remind you before each session."))
    return "\n".join(lines)


WEEK_LOST = {
    Refusal.SLOTS_TAKEN: N_("booked by someone else after your hold ran out"),
    Refusal.SESSION_OVER: N_("the session was over before your payment reached me"),
    Refusal.BOOKING_CANCELLED: N_("you had cancelled it"),
    Refusal.WRONG_AMOUNT: N_("the payment did not match"),
}
"""Why one week of a series could not be bought by its payment."""


def series_refused(
    lead: BookingFacts, room: RoomFacts, refusal: Refusal, paid_paise: int, currency: str
) -> str:
    """A series' payment could not buy it at all: all of it comes back."""
    paid = amount(paid_paise, currency)
    why = {
        Refusal.WRONG_AMOUNT: _("it did not match the price of the weekly booking"),
        Refusal.SESSION_OVER: _("every session was over before it reached me"),
        Refusal.SLOTS_TAKEN: _("its slots were booked by someone else after the hold ran out"),
        Refusal.BOOKING_CANCELLED: _("the weekly booking had been cancelled"),
    }[refusal]
    return _(
        "⚠️ I received {paid} for the weekly booking <code>{code}</code> at {room}, "
        "but I could not confirm it: {why}. I am refunding the full {paid}; {when}. "
        "Nothing was booked; you are welcome to book again from the menu."
    ).format(paid=paid, code=paid_for(lead), room=h(room.name), why=why, when=_(REFUND_TIME))


def refused(booking: BookingFacts, room: RoomFacts, refusal: Refusal, paid_paise: int, currency: str) -> str:
    """The musician's money could not buy their booking: what happened, and that all of
    it comes back."""
    code, paid = f"<code>{booking.code}</code>", amount(paid_paise, currency)
    refund = _("I am refunding the full {paid}; {when}.").format(paid=paid, when=_(REFUND_TIME))
    facts = {"code": code, "paid": paid, "refund": refund, "room": h(room.name)}
    match refusal:
        case Refusal.WRONG_AMOUNT:
            return _(
                "⚠️ I received {paid} for booking {code}, but it costs {price}, "
                "so I could not confirm it. {refund} Nothing was booked and the slots are free again; "
                "you are welcome to book them again from the menu."
            ).format(price=money(booking.amount_paise), **facts)
        case Refusal.SESSION_OVER:
            return _(
                "Your payment for {code} ({room}, {session}) reached me "
                "only after the session had ended, so it can no longer buy it. {refund} Nothing was booked. "
                "Sorry about that."
            ).format(session=session_span(booking, room.zone), **facts)
        case Refusal.SLOTS_TAKEN:
            return _(
                "Your payment for {code} arrived after the hold on {room} ran out, and some "
                "of the slots have been booked by someone else since. {refund} "
                "Sorry about that — please pick other slots."
            ).format_map(facts)
        case Refusal.BOOKING_CANCELLED:
            return _("Your payment for {code} arrived after the booking was cancelled. {refund}").format_map(
                facts
            )


def _refunded(booking: BookingFacts, amount_paise: int) -> str:
    """A refund is in the currency it was paid in (a wrong-currency payment goes back as it came)."""
    return amount(amount_paise, booking.paid_currency)


def refund_started(booking: BookingFacts, amount_paise: int) -> str:
    return _("↩️ Refund of {amount} for <code>{code}</code> has been initiated; {when}.").format(
        amount=_refunded(booking, amount_paise), code=booking.code, when=_(REFUND_TIME)
    )


def refund_processed(booking: BookingFacts, amount_paise: int) -> str:
    return _("✅ Refund of {amount} for <code>{code}</code> has been processed.").format(
        amount=_refunded(booking, amount_paise), code=booking.code
    )


def refund_failed(booking: BookingFacts, amount_paise: int) -> str:
    return _(
        "⚠️ The refund of {amount} for <code>{code}</code> failed at "
        "the bank. The room has been told and will make sure you get your money."
    ).format(amount=_refunded(booking, amount_paise), code=booking.code)


def terminated(booking: BookingFacts, room: RoomFacts, reason: str) -> str:
    """The room cancelled a paid booking; ``reason`` is the owner's, as typed."""
    return _(
        "❗ {room} had to cancel your booking <code>{code}</code> "
        "({session}): {reason}\n"
        "You get a full refund of {amount}. Sorry for the trouble."
    ).format(
        room=h(room.name),
        code=booking.code,
        session=session_span(booking, room.zone),
        reason=h(reason),
        amount=money(booking.amount_paise),
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
    when = _("in {hours}").format(hours=count(hours, HOUR)) if hours < 48 else _("soon")
    link = map_link(room)
    open_map = _("Open in Maps")
    where = f"📍 {h(room.address)}" + (f'\n<a href="{link}">{open_map}</a>' if link else "")
    text = _(
        "⏰ Your session at <b>{room}</b> starts {when}: {session}.\n{where}\nBooking <code>{code}</code>."
    ).format(
        room=h(room.name), when=when, session=session_span(booking, room.zone), where=where, code=booking.code
    )
    return f"{text}\n\n{check_in_block(check_in)}" if check_in else text


def check_in_block(check_in: str) -> str:
    """How to get in, as the room's owner wrote it (a reminder and My bookings alike)."""
    return _("🔑 <b>How to get in</b>\n<blockquote>{check_in}</blockquote>").format(check_in=h(check_in))


def session_started(booking: BookingFacts, room: RoomFacts) -> str:
    return _("🎶 Your session at {room} has started (until {until}). Have a great jam!").format(
        room=h(room.name), until=clock(booking.ends_at, room.zone)
    )


def session_completed(booking: BookingFacts, room: RoomFacts) -> str:
    return _(
        "✅ Session at {room} complete (<code>{code}</code>). "
        "Thanks for jamming with us — book your next one any time with /book."
    ).format(room=h(room.name), code=booking.code)


Buttons = list[list[dict[str, str]]]
"""An outbox message's inline keyboard: rows of ``{"text", "url"}``."""


def book_again_buttons(room: RoomFacts, bot_username: str | None) -> Buttons:
    """A deep link that opens the room's card (``/start room_<slug>``)."""
    if not bot_username:
        return []
    return [[{"text": _("📅 Book again"), "url": f"https://t.me/{bot_username}?start=room_{room.slug}"}]]


def map_buttons(room: RoomFacts) -> Buttons:
    link = map_link(room)
    return [[{"text": _("🗺 Open in Maps"), "url": link}]] if link else []


# ---- booking: alerts and notices --------------------------------------------------------

STATE_WORDS = {
    SlotState.FREE: N_("free"),
    SlotState.TAKEN: N_("booked"),
    SlotState.BLOCKED: N_("unavailable"),
    SlotState.PAST: N_("over"),
    SlotState.TOO_SOON: N_("too soon"),
}
"""A slot's state, in the slot picker's buttons and alerts."""


DAY_OVER = N_("That day is already over. Please pick today or a later day.")


def day_beyond_horizon(last: date) -> str:
    return _("I can take bookings up to {day}. Please pick an earlier day.").format(day=day(last))


def day_closed(room: RoomFacts, closed: date) -> str:
    """Plain text: an alert, which Telegram shows without HTML."""
    return _("{room} is closed on {weekday}s. Please pick another day.").format(
        room=room.name, weekday=weekday(closed)
    )


SLOT_NOT_LISTED = N_("That slot is not on this day's list any more.")
PICK_A_SLOT_FIRST = N_("Pick at least one slot first.")
PAYMENT_STILL_DOWN = N_("The payment service is still not answering. Please try again in a minute.")


def slot_not_bookable(slot: SlotFacts, zone: ZoneInfo, state: SlotState) -> str:
    return _("{slot} can't be booked: it is {state}.").format(
        slot=slot_span(slot, zone), state=_(STATE_WORDS[state])
    )


def slots_became_unavailable(slots: list[SlotFacts], zone: ZoneInfo) -> str:
    labels = join_labels(slot_span(s, zone) for s in slots)
    return _("⚠️ {slots} just became unavailable; I removed it from your choice.").format(slots=labels)


def slots_just_taken(starts: list[datetime], zone: ZoneInfo) -> str:
    taken = join_labels(clock(start, zone) for start in starts)
    if len(starts) == 1:
        return _(
            "⚠️ Sorry, {taken} was just taken by another musician. I removed them from your choice; "
            "nothing was booked."
        ).format(taken=taken)
    return _(
        "⚠️ Sorry, {taken} were just taken by another musician. I removed them from your choice; "
        "nothing was booked."
    ).format(taken=taken)


def booking_refused_notice(refusal: str) -> str:
    """A refusal (``refusals.refusal``) on the slot picker's screen."""
    return f"⚠️ {h(refusal)}"


def payment_link_description(booking: BookingFacts, room: RoomFacts) -> str:
    """What Razorpay's payment page shows as the payment's description."""
    return _("{room} · {day} · {slots} slot(s)").format(
        room=room.name, day=day_month_year(booking.day), slots=len(booking.slots)
    )


def series_link_description(lead: BookingFacts, room: RoomFacts, weeks: int) -> str:
    """What Razorpay's payment page shows for a weekly series' one payment."""
    return _("{room} · weekly × {weeks} from {day} · {slots} slot(s) each").format(
        room=room.name, weeks=weeks, day=day_month_year(lead.day), slots=len(lead.slots)
    )


# ---- my bookings: alerts and notices ----------------------------------------------------

NOT_AMONG_YOURS = N_("I could not find that booking among yours.")
INVOICE_UNAVAILABLE = N_("The invoice is not available right now. Please try later.")
INVOICE_COMING = N_("I'll send the invoice here in a moment.")
NO_MAP_LOCATION = N_("This room has no map location yet.")


def cancelled(refund_paise: int) -> str:
    """The musician cancelled; ``refund_paise`` is what comes back (0: nothing was paid or owed)."""
    if refund_paise:
        return _(
            "✅ Cancelled. {amount} will be refunded to the account "
            "you paid from; banks usually take 5–7 working days."
        ).format(amount=money(refund_paise))
    return _("✅ Cancelled. The slots are free again for other musicians.")


# ---- test payments (the sandbox), as alerts on the pay screen ---------------------------

SANDBOX_NOTICE = N_("🧪 Test payments: no real money moves.")
REAL_PAYMENTS_ONLY = N_(
    "Test payments are off here: this bot takes real payments. Please use the 💳 Pay button."
)
SANDBOX_NOT_YOURS = N_("I could not find that booking among yours, so nothing was paid.")
SANDBOX_HOLD_ENDED = N_(
    "Your hold on these slots has ended, so nothing was paid. Please book the slots again."
)
SANDBOX_NO_LINK_YET = N_("This booking has no payment link yet, so nothing was paid. Please tap Try again.")
SANDBOX_LINK_GONE = N_("This payment link does not exist any more, so nothing was paid.")
SANDBOX_ALREADY_PAID = N_("This booking is already paid; nothing was paid twice.")
SANDBOX_PAID = N_("✅ Paid (test). Your confirmation and invoice arrive here in a moment.")
SANDBOX_PAID_CONFIRMING = N_(
    "Paid (test). I am confirming your booking and will message you here in a moment."
)


def sandbox_nothing_to_pay(booking: BookingFacts) -> str:
    return _("Booking {code} is {status}: there is nothing to pay.").format(
        code=booking.code, status=status_name(booking.status)
    )


def sandbox_link_closed(link_status: str) -> str:
    """``link_status``: the link's state at the gateway (``created`` past its deadline
    reads as expired)."""
    status = _("expired") if link_status == "created" else link_status
    return _("This payment link has {status}, so nothing was paid. Please book the slots again.").format(
        status=status
    )


def sandbox_declined(booking: BookingFacts, room: RoomFacts) -> str:
    deadline = moment(booking.hold_expires_at, room.zone)
    return _(
        "❌ The test payment was declined. Your slots stay held until {deadline}; tap Pay (test) to pay."
    ).format(deadline=deadline)


# ---- GST details for the invoice --------------------------------------------------------

GST_DETAILS_REMOVED = N_("🧾 GST details removed: the invoice will be made out to you.")
GST_DETAILS_TOO_LATE = N_(
    "GST details can be added only while the booking waits for payment; nothing was changed."
)
GST_NAME_REFUSED = N_(
    "Please send the name registered with this GSTIN, 2 to 100 characters, as the invoice should print it."
)


def gst_details_saved(name: str, gstin: str) -> str:
    """After the musician gave their band's or company's GST details, on the pay screen."""
    return _("🧾 The invoice will be made out to <b>{name}</b>, GSTIN <code>{gstin}</code>.").format(
        name=h(name), gstin=h(gstin)
    )


# ---- privacy ---------------------------------------------------------------------------


def data_deleted(cancelled: int, refund_paise: int) -> str:
    """Deleting is done: ``cancelled`` bookings were cancelled first, and ``refund_paise``
    is what is still on its way back (by Razorpay, to the account paid from)."""
    lines = [_("✅ Your data is deleted.")]
    if cancelled:
        lines.append(
            _("I cancelled your {bookings} to come and told the rooms.").format(
                bookings=count(cancelled, BOOKING)
            )
        )
    if refund_paise:
        lines.append(
            _(
                "{amount} is on its way back to the account you paid from through "
                "Razorpay; {when}. No message from me is needed for it."
            ).format(amount=money(refund_paise), when=_(REFUND_TIME))
        )
    lines.append(
        _("I keep only the invoices and credit notes GST law asks for. Send /start any time to begin afresh.")
    )
    return "\n".join(lines)


# ---- waiting for a slot -----------------------------------------------------------------

OFFER_DECLINED = N_("Okay, I passed it on to the next musician waiting.")
WAIT_DROPPED = N_("Okay, I stopped waiting for that slot.")


def waiting_now(slots: list[SlotFacts], zone: ZoneInfo) -> str:
    labels = join_labels(slot_span(s, zone) for s in slots)
    return _(
        "🔔 I'll tell you if {slots} frees up: the first musician waiting gets it held for "
        "10 minutes. Your waits are in 📋 My bookings."
    ).format(slots=labels)


def slot_offered(room: RoomFacts, on: date, slot: SlotFacts, until: datetime) -> str:
    """A slot someone waited for is free and held for them until ``until``; ``on``: the
    room's day it belongs to (a night past midnight: its evening)."""
    return _(
        "🔔 <b>A slot you wanted is free!</b>\n\n🎸 {room}\n🗓 {day}, {slot}\n\n"
        "I'm holding it for you until <b>{until}</b>. Tap Confirm &amp; Pay to book "
        "it; if you don't, it goes to the next musician waiting."
    ).format(room=h(room.name), day=day(on), slot=slot_span(slot, room.zone), until=moment(until, room.zone))


def offer_buttons(pay_data: str, decline_data: str) -> Buttons:
    """The offer message's buttons; their data comes from ``domain.waitlist.offer_callback``."""
    return [
        [{"text": _("✅ Confirm & Pay"), "callback_data": pay_data}],
        [{"text": _("✖ No thanks, pass it on"), "callback_data": decline_data}],
    ]


# ---- moving a session, adding an hour (issue 16 §2, §3) -----------------------------------


def session_moved(before: BookingFacts, after: BookingFacts, room: RoomFacts, refund_paise: int) -> str:
    """The move is done: where the session was and where it is now."""
    money_line = (
        _("\n💸 {amount} of the difference is refunded; {when}.").format(
            amount=money(refund_paise), when=_(REFUND_TIME)
        )
        if refund_paise
        else ""
    )
    return _(
        "🔁 <b>Session moved</b> · <code>{code}</code>\n\n"
        "🎸 {room}\nWas: <s>{was}</s>\n"
        "Now: <b>{now}</b>\n"
        "💳 Price now {price}{refund}\n\n"
        "A new invoice and an updated calendar file follow."
    ).format(
        code=after.code,
        room=h(room.name),
        was=session_span(before, room.zone),
        now=session_span(after, room.zone),
        price=money(after.amount_paise),
        refund=money_line,
    )


def hour_added(after: BookingFacts, room: RoomFacts) -> str:
    return _(
        "➕ <b>Hour added</b> · <code>{code}</code>\n\n"
        "🎸 {room}\n🗓 {session}: your session now ends at "
        "<b>{ends}</b>.\n💳 Price now {price}\n\n"
        "A new invoice and an updated calendar file follow."
    ).format(
        code=after.code,
        room=h(room.name),
        session=session_span(after, room.zone),
        ends=clock(after.ends_at, room.zone),
        price=money(after.amount_paise),
    )


def move_lapsed(booking: BookingFacts, room: RoomFacts) -> str:
    return _(
        "⌛ The move of <code>{code}</code> was not paid in time, so the new slots are free "
        "again. Your session stays as it was: {session}."
    ).format(code=booking.code, session=session_span(booking, room.zone))


def hour_lapsed(booking: BookingFacts, room: RoomFacts) -> str:
    return _(
        "⌛ The extra hour for <code>{code}</code> was not paid before it began, so it is free "
        "again. Your session ends at {ends} as booked."
    ).format(code=booking.code, ends=clock(booking.ends_at, room.zone))


def change_payment_refunded(booking: BookingFacts, kind: str, amount_paise: int) -> str:
    """Money for a move or an hour that lapsed first (or was not the amount asked)."""
    if kind == "move":
        text = _(
            "↩️ Your payment of {amount} for the move of <code>{code}</code> came when it "
            "could no longer be had, so your session is unchanged and the whole payment is refunded; "
            "{when}."
        )
    else:
        text = _(
            "↩️ Your payment of {amount} for the extra hour of <code>{code}</code> came when it "
            "could no longer be had, so your session is unchanged and the whole payment is refunded; "
            "{when}."
        )
    return text.format(amount=money(amount_paise), code=booking.code, when=_(REFUND_TIME))


def change_link_description(booking: BookingFacts, room: RoomFacts, kind: str) -> str:
    """What Razorpay's payment page shows for a move's or an extra hour's difference."""
    if kind == "move":
        return _("{room} · {code} · move").format(room=room.name, code=booking.code)
    return _("{room} · {code} · extra hour").format(room=room.name, code=booking.code)


MOVE_PAID_CONFIRMING = N_("Paid (test). I am moving your session and will message you here in a moment.")
HOUR_PAID_CONFIRMING = N_("Paid (test). I am adding the hour and will message you here in a moment.")


# ---- Telegram's command menu ------------------------------------------------------------

COMMAND_DESCRIPTIONS = {
    "start": N_("Main menu"),
    "book": N_("Find and book a room"),
    "free": N_("Free slots: /free tonight, /free tomorrow 18-22"),
    "bookings": N_("My bookings"),
    "help": N_("How this bot works"),
    "language": "English · हिन्दी",
    "owner": N_("Room owners: schedule, blocks, settings, earnings"),
    "privacy": N_("Your data: what is kept, delete it"),
    "cancel": N_("Leave the current menu"),
}
"""The commands Telegram lists in the menu, each described in the reader's language
(read through ``_()``: a dict's values are not translated on reading the module)."""


speaks_when_read(__name__)
