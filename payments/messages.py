"""What musicians and owners are told about money, as plain HTML text."""

from __future__ import annotations

from html import escape

from domain.money import format_inr
from domain.payment_fit import Refusal
from storage.models import Booking, Room, User


def _when(booking: Booking, room: Room) -> str:
    zone = room.zone
    first = booking.slots[0].start.astimezone(zone)
    last = booking.slots[-1].end.astimezone(zone)
    return f"{first:%a %d %b %Y}, {first:%H:%M}–{last:%H:%M}"


def _slots(booking: Booking, room: Room) -> str:
    zone = room.zone
    return ", ".join(
        f"{s.start.astimezone(zone):%H:%M}–{s.end.astimezone(zone):%H:%M}" for s in booking.slots
    )


def confirmed(booking: Booking, room: Room) -> str:
    return (
        f"✅ <b>Booking confirmed</b> · <code>{booking.code}</code>\n\n"
        f"🎸 {escape(room.name)}\n📍 {escape(room.address)}\n"
        f"🗓 {_when(booking, room)}\n⏱ {_slots(booking, room)}\n"
        f"💳 Paid {format_inr(booking.amount_paise)}\n\n"
        "Your invoice follows. I will remind you before the session."
    )


def invoice_caption(booking: Booking, number: str) -> str:
    return f"Invoice {number} for booking {booking.code}"


def owner_new_booking(booking: Booking, room: Room, musician: User | None) -> str:
    who = musician_link(musician, booking.user_id)
    return (
        f"🆕 <b>New booking</b> · <code>{booking.code}</code>\n"
        f"{escape(room.name)} · {_when(booking, room)}\n"
        f"Slots: {_slots(booking, room)}\nMusician: {who}\nPaid: {format_inr(booking.amount_paise)}"
    )


REFUSAL_REASONS = {
    Refusal.WRONG_AMOUNT: "the payment did not match the booking's price",
    Refusal.SESSION_OVER: "paid after the session had ended",
    Refusal.SLOTS_TAKEN: "paid after the hold ran out and its slots were booked by someone else",
    Refusal.BOOKING_CANCELLED: "paid after the hold was cancelled",
}
"""Why a refused payment's booking was closed, as stored (``cancel_reason``)."""

REFUND_TIME = "it reaches your account in 5–7 working days"


def refused_musician(booking: Booking, room: Room, refusal: Refusal, paid_paise: int, currency: str) -> str:
    """The musician's money could not buy their booking: what happened, and that all of
    it comes back."""
    code, paid = f"<code>{booking.code}</code>", _amount(paid_paise, currency)
    refund = f"I am refunding the full {paid}; {REFUND_TIME}."
    match refusal:
        case Refusal.WRONG_AMOUNT:
            return (
                f"⚠️ I received {paid} for booking {code}, but it costs {format_inr(booking.amount_paise)}, "
                f"so I could not confirm it. {refund} Nothing was booked and the slots are free again; "
                "you are welcome to book them again from the menu."
            )
        case Refusal.SESSION_OVER:
            return (
                f"Your payment for {code} ({escape(room.name)}, {_when(booking, room)}) reached me only "
                f"after the session had ended, so it can no longer buy it. {refund} Nothing was booked. "
                "Sorry about that."
            )
        case Refusal.SLOTS_TAKEN:
            return (
                f"Your payment for {code} arrived after the hold on {escape(room.name)} ran out, and some "
                f"of the slots have been booked by someone else since. {refund} "
                "Sorry about that — please pick other slots."
            )
        case Refusal.BOOKING_CANCELLED:
            return f"Your payment for {code} arrived after the booking was cancelled. {refund}"


def refused_owner(booking: Booking, room: Room, refusal: Refusal, paid_paise: int, currency: str) -> str:
    """The owner's side of a refused payment: nothing was booked, nothing is theirs."""
    head = f"<code>{booking.code}</code> ({escape(room.name)}, {_when(booking, room)})"
    paid = _amount(paid_paise, currency)
    outcome = f"It is being refunded in full ({paid}) and nothing was booked."
    match refusal:
        case Refusal.WRONG_AMOUNT:
            return (
                f"⚠️ <b>Payment mismatch</b> on {head}: received {paid} "
                f"(payment <code>{escape(booking.payment_id or '')}</code>), expected "
                f"{format_inr(booking.amount_paise)}. {outcome} The slots are free again."
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


def extra_payment_owner(booking: Booking, room: Room, payment_id: str, paid_paise: int, currency: str) -> str:
    return (
        f"⚠️ <b>Second payment</b> for <code>{booking.code}</code> ({escape(room.name)}): "
        f"{_amount(paid_paise, currency)} (payment <code>{escape(payment_id)}</code>) arrived for a "
        f"booking that already records payment <code>{escape(booking.payment_id or '')}</code>. "
        "Nothing was changed; please refund it from the Razorpay dashboard."
    )


def payment_failed(booking: Booking, room: Room, reason: str | None) -> str:
    zone = room.zone
    why = f" ({escape(reason)})" if reason else ""
    return (
        f"❌ The payment for <code>{booking.code}</code> did not go through{why}. Your slots are still held "
        f"until {booking.hold_expires_at.astimezone(zone):%H:%M}: you can try again with the same Pay button."
    )


def hold_expired(booking: Booking, room: Room) -> str:
    return (
        f"⌛ Your hold on {escape(room.name)} for {_when(booking, room)} expired before payment "
        f"(booking <code>{booking.code}</code>); the slots are free again."
    )


def refund_started(booking: Booking, amount_paise: int) -> str:
    return (
        f"↩️ Refund of {_refunded(booking, amount_paise)} for <code>{booking.code}</code> has been "
        f"initiated; {REFUND_TIME}."
    )


def refund_processed(booking: Booking, amount_paise: int) -> str:
    return (
        f"✅ Refund of {_refunded(booking, amount_paise)} for <code>{booking.code}</code> has been processed."
    )


def refund_failed_musician(booking: Booking, amount_paise: int) -> str:
    return (
        f"⚠️ The refund of {_refunded(booking, amount_paise)} for <code>{booking.code}</code> failed at "
        "the bank. The room has been told and will make sure you get your money."
    )


def refund_failed_owner(booking: Booking, room: Room, amount_paise: int) -> str:
    return (
        f"⚠️ <b>Refund failed</b>: {_refunded(booking, amount_paise)} for <code>{booking.code}</code> "
        f"({escape(room.name)}). Please retry it from the Razorpay dashboard."
    )


def _refunded(booking: Booking, amount_paise: int) -> str:
    """A refund is in the currency it was paid in (a wrong-currency payment goes back as it came)."""
    return _amount(amount_paise, str(booking.payment.get("currency") or "INR"))


def musician_link(user: User | None, user_id: int) -> str:
    """The musician's name as a link to their Telegram chat, with their @username."""
    if user is None:
        return f'<a href="tg://user?id={user_id}">musician</a>'
    handle = f" (@{escape(user.username)})" if user.username else ""
    return f'<a href="tg://user?id={user.id}">{escape(user.display_name)}</a>{handle}'


def _amount(paise: int, currency: str) -> str:
    return format_inr(paise) if currency == "INR" else f"{paise / 100:.2f} {escape(currency)}"
