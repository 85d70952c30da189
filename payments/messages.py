"""What musicians and owners are told about money, as plain HTML text."""

from __future__ import annotations

from html import escape

from domain.money import format_inr
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


def mismatch_musician(booking: Booking, paid_paise: int, currency: str) -> str:
    return (
        f"⚠️ We received a payment of {_amount(paid_paise, currency)} for booking "
        f"<code>{booking.code}</code>, but the booking costs {format_inr(booking.amount_paise)}. "
        "Your money is safe: the booking is on hold "
        "and the room has been told; they will contact you to sort it out."
    )


def mismatch_owner(booking: Booking, room: Room, paid_paise: int, currency: str, payment_id: str) -> str:
    return (
        f"⚠️ <b>Payment mismatch</b> on <code>{booking.code}</code> ({escape(room.name)}): received "
        f"{_amount(paid_paise, currency)} (payment <code>{escape(payment_id)}</code>), expected "
        f"{format_inr(booking.amount_paise)}. Nothing was confirmed; please check it in Razorpay and contact "
        "the musician."
    )


def late_payment_refunded_musician(booking: Booking, room: Room) -> str:
    return (
        f"Your payment for <code>{booking.code}</code> arrived after the hold on {escape(room.name)} "
        "ran out, "
        "and some of the slots have been booked by someone else since. I am refunding the full "
        f"{format_inr(booking.amount_paise)} to you; it reaches your account in 5–7 working days. "
        "Sorry about that — please pick other slots."
    )


def late_payment_refunded_owner(booking: Booking, room: Room) -> str:
    return (
        f"ℹ️ A late payment for <code>{booking.code}</code> ({escape(room.name)}) was refunded in full "
        f"({format_inr(booking.amount_paise)}): its slots had been taken after the hold expired."
    )


def cancelled_hold_paid_musician(booking: Booking) -> str:
    return (
        f"Your payment for <code>{booking.code}</code> arrived after the booking was cancelled, so I am "
        f"refunding the full {format_inr(booking.amount_paise)}."
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
        f"↩️ Refund of {format_inr(amount_paise)} for <code>{booking.code}</code> has been initiated; "
        "it reaches your account in 5–7 working days."
    )


def refund_processed(booking: Booking, amount_paise: int) -> str:
    return f"✅ Refund of {format_inr(amount_paise)} for <code>{booking.code}</code> has been processed."


def refund_failed_musician(booking: Booking, amount_paise: int) -> str:
    return (
        f"⚠️ The refund of {format_inr(amount_paise)} for <code>{booking.code}</code> failed at the bank. "
        "The room has been told and will make sure you get your money."
    )


def refund_failed_owner(booking: Booking, room: Room, amount_paise: int) -> str:
    return (
        f"⚠️ <b>Refund failed</b>: {format_inr(amount_paise)} for <code>{booking.code}</code> "
        f"({escape(room.name)}). Please retry it from the Razorpay dashboard."
    )


def musician_link(user: User | None, user_id: int) -> str:
    """The musician's name as a link to their Telegram chat, with their @username."""
    if user is None:
        return f'<a href="tg://user?id={user_id}">musician</a>'
    handle = f" (@{escape(user.username)})" if user.username else ""
    return f'<a href="tg://user?id={user.id}">{escape(user.display_name)}</a>{handle}'


def _amount(paise: int, currency: str) -> str:
    return format_inr(paise) if currency == "INR" else f"{paise / 100:.2f} {escape(currency)}"
