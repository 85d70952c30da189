"""The musician's screens: the dialogs' texts (templates whose ``{names}`` the window's
getter fills) and the pieces the getters compose (a room's card, a booking's lines).

A template is used as ``Format(TEMPLATE)`` in a window; the getter gives each named
field, already formatted and escaped. Short button labels stay in their windows."""

from __future__ import annotations

from collections.abc import Sequence
from operator import attrgetter
from zoneinfo import ZoneInfo

from domain.availability import SlotOffer
from domain.refund import RefundQuote
from domain.words.facts import BookingFacts, PricedSlotFacts, RoomCardFacts, RoomFacts, WaitFacts
from domain.words.formats import (
    ROOM,
    SLOT,
    count,
    day,
    day_and_month,
    h,
    moment,
    money,
    slot_span,
    time_span,
)
from domain.words.hours import RefundPolicyFacts, hours_lines, refund_policy
from domain.words.musician import STATE_WORDS
from domain.words.statuses import refund_status_name, status_name

ROOM_GONE_ZONE = ZoneInfo("Asia/Kolkata")
"""A booking's times when its room no longer exists: the bot's home zone."""

# ---- main menu --------------------------------------------------------------------------

MAIN_MENU = (
    "Hi {name}! 🎶\n\nI help you book music rehearsal rooms, pay in the chat and "
    "keep your invoices. What would you like to do?"
)

HELP = (
    "<b>How JamRoom bot works</b>\n\n"
    "1. <b>Find a room</b>: pick a city and a rehearsal room; see its photos, "
    "gear, prices and opening hours.\n"
    "2. <b>Book</b>: choose a day, then one or more hourly slots. Confirm, and the "
    "slots are held for you for a few minutes while you pay.\n"
    "3. <b>Pay</b> with the Pay button (UPI, cards, net banking via Razorpay). "
    "Your booking is confirmed the moment the payment arrives, and I send the invoice here.\n"
    "4. <b>My bookings</b>: see upcoming and past sessions, get the invoice again, "
    "or cancel; the refund depends on how early you cancel.\n"
    "5. <b>Slot taken?</b> Tap it, then 🔔 Tell me if it frees. If it frees, the first "
    "musician waiting gets it held for 10 minutes with a one-tap Confirm &amp; Pay. "
    "Your waits are in My bookings. An open slot screen updates itself while others book.\n\n"
    "Commands: /start menu · /book find a room · /bookings my bookings · "
    "/cancel close the current menu · /help this text.\n"
    "Times are shown in the room's local time."
)


def greeting_name(first_name: str | None) -> str:
    return h(first_name or "there")


# ---- find a room ------------------------------------------------------------------------

WHICH_CITY = "Which city are you in?"
NO_ROOMS_YET = "No rooms are listed yet. Please check back soon!"
ROOMS_IN_CITY = "Rehearsal rooms in <b>{city}</b>:"
NONE_TAKING_BOOKINGS = "None are taking bookings right now."
ROOM_PAUSED = "\n<i>This room is not taking bookings right now.</i>"


def city_button(city: str, rooms: int) -> str:
    """A button's text: plain, not HTML."""
    return f"{city} · {count(rooms, ROOM)}"


def room_button(room: RoomCardFacts) -> str:
    return f"{room.name} · from {money(room.hourly_paise)}/h"


def room_card(room: RoomCardFacts, *, limit: int | None = None) -> str:
    """The room's card; cut to ``limit`` characters (a photo caption's) by shortening
    the description."""
    hours = "\n".join(f"  {h(line)}" for line in hours_lines(room.hours)) or "  not set yet"
    amenities = ", ".join(h(a) for a in room.amenities) or "—"
    lines = [
        f"<b>{h(room.name)}</b> · {h(room.city)}",
        f"📍 {h(room.address)}",
        "",
        f"💰 {money(room.hourly_paise)}/h · peak {money(room.peak_hourly_paise)}/h "
        f"({h(room.peak_starts)}–{h(room.peak_ends)}{', weekends' if room.weekends_are_peak else ''})",
        f"👥 Up to {room.capacity} people",
        f"🎛 {amenities}",
        f"🕑 Opening hours ({h(room.timezone)}):",
        hours,
    ]
    header = "\n".join(lines)
    description = h(room.description)
    text = f"{header}\n\n{description}" if description else header
    if limit is not None and len(text) > limit:
        room_for_description = max(limit - len(header) - 3, 0)
        text = f"{header}\n\n{description[:room_for_description]}…" if room_for_description else header
    return text


# ---- book: day, slots, review, pay ------------------------------------------------------

PICK_A_DAY = "📅 <b>{room_name}</b>\nWhich day would you like to play?"
CLOSED_DAYS_STRUCK = "Struck-through days are closed."
SLOTS_HEADING = "<b>{room_name}</b> · {day}\nTimes are {zone} time. ★ peak price."
PICK_UP_TO = "Pick up to {max_slots} slots:"
CLOSED_THAT_DAY = "The room is closed that day."
EVERY_SLOT_TAKEN = "Every slot of this day is taken. Please pick another day."
CHOSEN = "\nChosen: {count} slot(s) · total <b>{total}</b>"
REVIEW = (
    "<b>Please check your booking</b>\n\n"
    "🏠 {room_name}\n📍 {address}\n📅 {day}\n{slot_lines}\n\n"
    "💰 Total: <b>{total}</b>\n\n"
    "When you confirm, these slots are held for you for {hold_minutes} minutes "
    "while you pay.\n"
    "Refunds if you cancel: {policy}"
)
HOLDS_FULL = "\n⚠️ {holds_full}"
PAY_HEADING = "🎉 <b>Booking {code}</b>\n🏠 {room_name}\n📅 {day}\n{slot_lines}\n"
PAY_BEFORE = (
    "Your slots are held until <b>{deadline}</b>.\nPay <b>{amount}</b> before then "
    "to confirm; I will send the confirmation and invoice here."
)
PAYMENT_SERVICE_DOWN = (
    "⚠️ I could not reach the payment service just now. Your slots stay held; please tap Try again."
)
ONLINE_PAYMENT_UNAVAILABLE = (
    "Online payment is not available right now. Your slots stay held; the room "
    "will contact you about payment."
)
STATUS = "Status: <b>{status}</b>"
NOTICE = "\n{notice}"
"""A one-shot notice under a screen (the handler's words)."""
NOTICE_TOLD = "\n{told}"
"""A notice this update told the screen (``bot.dialogs.notices``)."""
WAIT_HINT = (
    "\n🔔 Want a taken slot anyway? Tap below and I'll tell you the moment it frees: "
    "the first musician waiting gets it held for 10 minutes."
)


def slot_button(offer: SlotOffer, zone: ZoneInfo, *, waiting: bool = False) -> str:
    """``waiting``: the musician waits for this (taken) slot."""
    label = slot_span(offer.slot, zone)
    if not offer.bookable:
        mark = "🔔" if waiting else "✕"
        return f"{mark} {label} · {STATE_WORDS[offer.state]}"
    peak = " ★" if offer.peak else ""
    return f"{label} · {money(offer.price_paise)}{peak}"


def offer_lines(offers: Sequence[SlotOffer], zone: ZoneInfo) -> str:
    """The chosen slots with their prices, one a line."""
    return "\n".join(f"• {slot_span(o.slot, zone)} — {money(o.price_paise)}" for o in offers)


def priced_slot_lines(slots: Sequence[PricedSlotFacts], zone: ZoneInfo) -> str:
    """A booking's slots with their prices, one a line."""
    return "\n".join(f"• {slot_span(s, zone)} — {money(s.price_paise)}" for s in slots)


def slot_lines(slots: Sequence[PricedSlotFacts], zone: ZoneInfo) -> str:
    return "\n".join(f"• {slot_span(s, zone)}" for s in slots)


def refund_policy_line(policy: RefundPolicyFacts) -> str:
    return h(refund_policy(policy))


# ---- my bookings ------------------------------------------------------------------------

WAITS_HEADING = "<b>🔔 Slots you wait for</b>\n"
NO_WAITS = "You are not waiting for any slot. Tap a taken slot when booking to wait for it."
WAITS_FOOTER = "\nTap ✖ to stop waiting for a slot."


def waits_button(waits: int) -> str:
    return f"🔔 My waits ({waits})"


def wait_line(wait: WaitFacts, room: RoomFacts | None) -> str:
    """One wait: the room, the day and the slot, and the offer when the slot is held for them."""
    name = h(room.name) if room else "a room that no longer exists"
    zone = room.zone if room else ROOM_GONE_ZONE
    line = f"• {name} · {day(wait.day)}, {slot_span(wait.slot, zone)}"
    if wait.offer_until is not None:
        line += f"\n   🎁 <b>Free and held for you until {moment(wait.offer_until, zone)}</b>"
    return line


def wait_drop_button(wait: WaitFacts, room: RoomFacts | None) -> str:
    zone = room.zone if room else ROOM_GONE_ZONE
    return f"✖ {slot_span(wait.slot, zone)} · {day_and_month(wait.day)}"


def offer_pay_button(wait: WaitFacts, room: RoomFacts | None) -> str:
    zone = room.zone if room else ROOM_GONE_ZONE
    return f"✅ Pay for {slot_span(wait.slot, zone)} · {day_and_month(wait.day)}"


NO_BOOKINGS_YET = "Nothing here yet. Find a room and book your first session!"
LIST_HEADING = "<b>{heading}</b>\n"


def bookings_tabs(past: bool) -> dict[str, str]:
    """The list's two tab buttons and heading: which tab is open is marked."""
    return {
        "upcoming_tab": "Upcoming" if past else "• Upcoming •",
        "past_tab": "• Past •" if past else "Past",
        "heading": "Your past bookings" if past else "Your upcoming bookings",
    }


def booking_line(booking: BookingFacts, room: RoomFacts | None) -> str:
    """One entry of the list: code, room, date, slots, amount, status."""
    name = h(room.name) if room else "a room that no longer exists"
    zone = room.zone if room else ROOM_GONE_ZONE
    return (
        f"<b>{booking.code}</b> · {name}\n"
        f"   {day(booking.day)}, {time_span(booking.starts_at, booking.ends_at, zone)} "
        f"({count(len(booking.slots), SLOT)}) · "
        f"{money(booking.amount_paise)} · {status_name(booking.status)}"
    )


def booking_button(booking: BookingFacts, room: RoomFacts | None) -> str:
    name = room.name if room else "Room"
    return f"{booking.code} · {day_and_month(booking.day)} · {name}"


def booking_details(booking: BookingFacts, room: RoomFacts | None) -> str:
    zone = room.zone if room else ROOM_GONE_ZONE
    slots = priced_slot_lines(sorted(booking.slots, key=attrgetter("start")), zone)
    lines = [
        f"<b>Booking {booking.code}</b>",
        f"🏠 {h(room.name) if room else 'Room no longer listed'}",
    ]
    if room:
        lines.append(f"📍 {h(room.address)}")
    lines += [
        f"📅 {day(booking.day)}",
        slots,
        f"💰 {money(booking.amount_paise)}",
        f"Status: <b>{status_name(booking.status)}</b>",
    ]
    if booking.status.value == "PENDING_PAYMENT":
        lines.append(f"Held for you until {moment(booking.hold_expires_at, zone)}.")
    refund = booking.refund or {}
    if refund.get("due_paise"):
        state = h(refund_status_name(refund.get("status")))
        lines.append(f"Refund: {money(int(refund['due_paise']))} ({state}).")
    return "\n".join(lines)


def refund_preview(booking: BookingFacts, quote: RefundQuote) -> str:
    if booking.status.value == "PENDING_PAYMENT":
        return (
            f"Cancel booking <b>{booking.code}</b>?\n\n"
            "Nothing has been paid yet, so there is nothing to refund; the slots will be "
            "released for other musicians."
        )
    if quote.amount_paise:
        money_back = f"you get <b>{money(quote.amount_paise)}</b> back ({quote.percent}% of "
        money_back += f"{money(booking.amount_paise)}), to the account you paid from."
    else:
        money_back = f"there is <b>no refund</b> at this notice (you paid {money(booking.amount_paise)})."
    return f"Cancel booking <b>{booking.code}</b>?\n\nIf you cancel now, {money_back}"
