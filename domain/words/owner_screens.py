"""The owner's screens (``/owner``): the room menu, earnings, the day's schedule, a
booking's details, blocking slots, room settings, and the files and notices they send.

Templates are used as ``Format(TEMPLATE)`` in a window, their ``{names}`` filled by the
getter; functions compose what a getter or a handler shows. Short button labels stay
in their windows."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from zoneinfo import ZoneInfo

from domain.availability import SlotState
from domain.words.facts import BookingFacts, PersonFacts, RoomCardFacts, RoomFacts, SlotFacts
from domain.words.formats import (
    clock,
    day_numeric,
    h,
    join_labels,
    money,
    month,
    session_span,
    slot_span,
    time_span,
    user_link,
)
from domain.words.hours import WEEKDAY_NAMES, hours_lines
from domain.words.statuses import refund_status_name, status_name

# ---- the room menu ----------------------------------------------------------------------

WHICH_ROOM = "🏠 <b>Your rooms</b>\nWhich room?"
ROOM_MENU = "🏠 <b>{name}</b> · {city}\n{prices}\nStatus: {state}"
NOTICE = "\n{notice}"
"""A one-shot notice under a screen (the handler's words)."""


def room_button(room: RoomFacts) -> str:
    return f"{room.name} · {room.city}{'' if room.active else ' (paused)'}"


def room_state(room: RoomFacts) -> str:
    return "taking bookings" if room.active else "⏸ paused: not taking bookings"


def prices(room: RoomCardFacts) -> str:
    return f"{money(room.hourly_paise)}/h · peak {money(room.peak_hourly_paise)}/h"


# ---- earnings, files, the share link ----------------------------------------------------

EARNINGS = "💰 <b>{name}</b>\nPaid minus refunds, by session date:\n\n{lines}"
WHICH_MONTH = "📄 Which month's bookings? I'll send them as a CSV file."
PICK_A_MONTH = "Please pick a month from the list."

PERIOD_NAMES = {"Today": "Today", "This week": "This week", "This month": "This month"}
"""``storage.earnings.periods``' periods, by their names there."""


def earnings_line(period: str, net_paise: int, bookings: int) -> str:
    return f"{PERIOD_NAMES.get(period, period)}: <b>{money(net_paise)}</b> · {bookings} booking(s)"


def month_button(first_day: date) -> str:
    return month(first_day)


def bookings_csv_caption(room: RoomFacts, found: int, first_day: date) -> str:
    return f"{h(room.name)}: {found} booking(s) in {month(first_day)}"


def heatmap_caption(room: RoomFacts, weeks: int) -> str:
    return f"{h(room.name)}: how full each hour was over the last {weeks} weeks"


def heatmap_title(room: RoomFacts, weeks: int) -> str:
    """Drawn on the image: plain text."""
    return f"{room.name}: how full, last {weeks} weeks"


HEATMAP_HOURS_AXIS = "Hour of day"
HEATMAP_SCALE = "share of hours booked"
HEATMAP_WEEKDAYS = WEEKDAY_NAMES


def share_text(room: RoomFacts, link: str) -> str:
    return (
        f"🎸 Book <b>{h(room.name)}</b> ({h(room.city)}) in Telegram: pick a day and a slot, "
        f"pay by UPI or card, done.\n{link}"
    )


# ---- the day's schedule and a booking ---------------------------------------------------

PICK_A_DAY = "📆 Which day?"
SCHEDULE = "📅 <b>{name}</b> — {day}\n\n{lines}"
NO_BOOKINGS = "No bookings."


def _weekly(booking: BookingFacts) -> str:
    """`` · 🔁 2/4``: a week of a weekly booking; "" for a single booking."""
    return f" · 🔁 {booking.series.index + 1}/{booking.series.count}" if booking.series else ""


def schedule_line(booking: BookingFacts, room: RoomFacts, musician: PersonFacts | None) -> str:
    return (
        f"• {time_span(booking.starts_at, booking.ends_at, room.zone)} <code>{booking.code}</code> "
        f"{user_link(musician, booking.user_id)} · "
        f"{status_name(booking.status)} · {money(booking.amount_paise)}{_weekly(booking)}"
    )


def schedule_button(booking: BookingFacts, room: RoomFacts, musician: PersonFacts | None) -> str:
    name = musician.display_name if musician else "musician"
    span = time_span(booking.starts_at, booking.ends_at, room.zone)
    return f"{span} · {name} · {status_name(booking.status)}{_weekly(booking)}"


def booking_details(booking: BookingFacts, room: RoomFacts, musician: PersonFacts | None) -> str:
    slots = "\n".join(f"• {slot_span(s, room.zone)} — {money(s.price_paise)}" for s in booking.slots)
    lines = [
        f"<b>Booking {booking.code}</b> · {h(room.name)}",
        f"📅 {session_span(booking, room.zone)}",
        slots,
        f"🎤 {user_link(musician, booking.user_id)}",
        f"💰 {money(booking.amount_paise)} · <b>{status_name(booking.status)}</b>",
    ]
    if booking.series is not None:
        lines.append(
            f"🔁 Week {booking.series.index + 1} of {booking.series.count} of the weekly booking "
            f"<code>{booking.series.code}</code>"
        )
    if booking.payment_id:
        lines.append(f"Payment <code>{h(booking.payment_id)}</code>")
    if booking.cancel_reason:
        lines.append(f"Reason: {h(booking.cancel_reason)}")
    refund = booking.refund or {}
    if refund.get("due_paise"):
        state = h(refund_status_name(refund.get("status")))
        lines.append(f"Refund {money(int(refund['due_paise']))} ({state})")
    return "\n".join(lines)


ASK_REASON = (
    "Why are you cancelling? Send the reason as a message; the musician will read it "
    "with the news of their full refund."
)
CONFIRM_TERMINATE = (
    "Cancel <b>{code}</b> ({when}) and refund <b>{amount}</b> in full?\n\n"
    "Reason the musician will read: <i>{reason}</i>"
)
REASON_TOO_SHORT = "Please give the musician a reason in a few words."


def reason_too_long(limit: int) -> str:
    return f"Please keep the reason under {limit} characters."


def terminated_notice(booking: BookingFacts) -> str:
    return (
        f"✅ Cancelled <code>{booking.code}</code>. The musician has been told, the slots are free "
        f"and {money(booking.amount_paise)} is being refunded."
    )


# ---- blocking slots ---------------------------------------------------------------------

BLOCKS = (
    "🚫 <b>{name}</b> — {day}\nTap a free slot (🟢) to block it, a blocked one (⛔) to free it. 🎸 is booked."
)
CLOSED_THAT_DAY = "The room is closed that day."
SLOT_NOT_LISTED = "That slot is not on this day's list."
NO_FREE_SLOT_TODAY = "There is no free slot left to block on this day."
SLOT_MARKS = {
    SlotState.FREE: "🟢",
    SlotState.TOO_SOON: "🟢",
    SlotState.BLOCKED: "⛔",
    SlotState.TAKEN: "🎸",
    SlotState.PAST: "·",
}


def slot_button(state: SlotState, slot: SlotFacts, zone: ZoneInfo) -> str:
    return f"{SLOT_MARKS[state]} {slot_span(slot, zone)}"


def slot_freed(slot: SlotFacts, zone: ZoneInfo) -> str:
    return f"{slot_span(slot, zone)} is free for bookings again."


def slot_blocked(slot: SlotFacts, zone: ZoneInfo) -> str:
    return f"⛔ Blocked {slot_span(slot, zone)}."


def slot_is_booked(slot: SlotFacts, zone: ZoneInfo) -> str:
    """Plain text: an alert."""
    return (
        f"{slot_span(slot, zone)} is booked by a musician. To free it, cancel that booking from the schedule."
    )


def slot_is_over(slot: SlotFacts, zone: ZoneInfo) -> str:
    return f"{slot_span(slot, zone)} is already over."


def just_taken(starts: Sequence[datetime], zone: ZoneInfo) -> str:
    """A block that lost to a booking (or another block) a moment ago."""
    return f"Nothing was blocked: {join_labels(clock(s, zone) for s in starts)} was just booked or blocked."


def day_blocked(blocked: int, booked: int) -> str:
    """ "Block the day": ``blocked`` free slots blocked, ``booked`` left booked."""
    kept = f" The {booked} booked slot(s) stay booked." if booked else ""
    return f"⛔ Blocked {blocked} slot(s).{kept}"


def day_freed(freed: int) -> str:
    return f"Freed {freed} slot(s) for bookings."


# ---- room settings ----------------------------------------------------------------------

SETTINGS = (
    "⚙️ <b>{name}</b>\n\n"
    "💵 Price: {price}/h\n🌙 Peak: {peak_price}/h, {peak_hours}\n📅 Weekends: {weekends}\n"
    "🕘 Opening hours:\n{hours}\n⏱ Slots: {slot_minutes} min\n"
    "📝 {description}\n🖼 Photo: {photo}"
)
SETTINGS_PAUSED = "⏸ <b>Paused</b>: not taking bookings."
ASK_PRICE = "💵 Now {price} an hour. Send the new price in rupees per hour, like 800."
ASK_PEAK_PRICE = "🌙 Peak is now {peak_price} an hour. Send the new peak price, like 1200."
ASK_PEAK_HOURS = "⏰ Peak hours are now {peak_hours}. Send new ones like 18:00-23:00."
ASK_WHICH_DAYS = "🕘 Opening hours now:\n{hours}\n\nWhich days do you want to change?"
ASK_HOURS = (
    "🕘 Send the hours for <b>{days}</b> like 10:00-22:00 (past midnight is fine: "
    "18:00-02:00), or the word closed."
)
ASK_SLOT_LENGTH = (
    "⏱ How long is one slot? Days that already have bookings keep their current slots; "
    "the new length applies to every other day."
)
ASK_PHOTO = "🖼 Send a photo of the room (as a photo, not a file)."
PHOTO_NOT_A_PHOTO = "Please send the room's photo as a photo (not as a file)."
PHOTO_OR_BACK = "Please send the room's photo as a photo (not as a file), or tap Back."
PICK_A_WEEKDAY = "Please pick a day from the list."
DAY_GROUP_NAMES = {"week": "Mon–Fri", "weekend": "Sat–Sun", "all": "every day"}
"""The groups of weekdays whose hours change together, by the buttons' ids."""


def ask_description(limit: int) -> str:
    return f"📝 Send the room's description: gear, vibe, how to find the door. Up to {limit} characters."


def hours_block(room: RoomCardFacts) -> str:
    """The opening hours, one indented line a run of days."""
    return "\n".join(f"  {h(line)}" for line in hours_lines(room.hours)) or "  closed every day"


def days_name(group: str) -> str:
    """A group's name (``DAY_GROUP_NAMES``) or one weekday's, by its number."""
    return DAY_GROUP_NAMES.get(group) or WEEKDAY_NAMES[int(group)]


def weekends_setting(room: RoomCardFacts) -> str:
    return "peak price all day" if room.weekends_are_peak else "normal price"


def description_preview(room: RoomCardFacts, limit: int) -> str:
    description = room.description or "—"
    if len(description) > limit:
        description = description[:limit] + "…"
    return h(description)


def photo_setting(room: RoomCardFacts) -> str:
    return "yes" if room.photo_file_id else "none yet"


def slot_length_button(minutes: int, current: bool) -> str:
    return f"{'✓ ' if current else ''}{minutes} min"


def weekday_buttons() -> list[dict[str, str]]:
    return [{"id": str(n), "label": name} for n, name in enumerate(WEEKDAY_NAMES)]


def setting_refused(reason: str) -> str:
    """``reason``: the parser's or the room's words (``SettingError``)."""
    return f"⚠️ {h(reason)} Nothing was changed."


def invalid_value(reason: str) -> str:
    return f"⚠️ {h(reason)}"


def kept_grids(days: Sequence[str]) -> str:
    """``days``: ISO dates that keep the slots they were booked under."""
    listed = ", ".join(day_numeric(date.fromisoformat(d)) for d in days)
    return f"\nDays that already have bookings keep their old slots: {listed}."


def price_set(paise: int) -> str:
    return f"✅ Price set to {money(paise)}/h."


def peak_price_set(paise: int) -> str:
    return f"✅ Peak price set to {money(paise)}/h."


def peak_hours_set(starts: str, ends: str) -> str:
    return f"✅ Peak hours are {starts}–{ends}."


def weekends_set(peak: bool) -> str:
    if peak:
        return "✅ Weekends now cost the peak price all day."
    return "✅ Weekends now follow weekday prices."


def hours_set(group: str, hours: str | None) -> str:
    """``hours``: ``10:00-22:00``, or None for closed."""
    return f"✅ {days_name(group)}: {'closed' if hours is None else hours.replace('-', '–')}."


def slot_length_set(minutes: int) -> str:
    return f"✅ Slots are now {minutes} minutes long."


DESCRIPTION_SAVED = "✅ Description saved."
PHOTO_SAVED = "✅ Photo saved: musicians see it on the room card."
PHOTO_REMOVED = "✅ Photo removed."


def paused_set(paused: bool) -> str:
    if paused:
        return "⏸ Paused: musicians cannot book until you resume. Existing bookings stay."
    return "▶️ Taking bookings again."
