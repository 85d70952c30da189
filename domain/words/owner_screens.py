"""The owner's screens (``/owner``): the room menu, earnings, the day's schedule, a
booking's details, blocking slots, room settings, and the files and notices they send.

Templates are used as ``Format(TEMPLATE)`` in a window, their ``{names}`` filled by the
getter; functions compose what a getter or a handler shows. Short button labels stay
in their windows."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Protocol
from zoneinfo import ZoneInfo

from domain.availability import SlotState
from domain.gst.states import State
from domain.gst.supply import Treatment
from domain.no_shows import NoShowRate
from domain.room_rules import RoomRuleError, RoomRules, RuleField, RuleProblem
from domain.words.facts import BookingFacts, PersonFacts, RoomCardFacts, RoomFacts, SlotFacts
from domain.words.formats import (
    DAY,
    SESSION,
    SLOT,
    Noun,
    booking_times,
    clock,
    count,
    day_numeric,
    duration,
    h,
    join_labels,
    moment,
    money,
    month,
    phone,
    session_span,
    slot_span,
    user_link,
)
from domain.words.hours import WEEKDAY_NAMES, hours_lines, refund_policy
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


# ---- payouts (Razorpay Route) -----------------------------------------------------------

PAYOUTS = "💸 <b>{name}</b> · payouts\n{state}\n\n{lines}\n\n{totals}"
PAYOUTS_SANDBOX = (
    "Payouts are <b>off</b>: the bot runs without Razorpay (test payments only), so no money "
    "is paid out through it."
)
PAYOUTS_NO_ACCOUNT = (
    "Payouts are <b>off</b> for this room: no Razorpay linked account is set, so its payments "
    "stay with the platform. Ask the bot's operator to link your account."
)
NO_PAID_BOOKINGS = "No paid bookings with sessions this month."
TRANSFER = Noun("transfer", "transfers")


def payouts_on(account_id: str, commission_bp: int) -> str:
    """Payouts run: where the owner's share goes and what the platform keeps."""
    return (
        f"Payouts are <b>on</b>: your share of each payment goes to your Razorpay linked account "
        f"<code>{h(account_id)}</code>; the platform keeps {commission_bp / 100:g}%."
    )


PAYOUT_STATES = {
    "due": "transfer pending",
    "requesting": "transfer pending",
    "failed": "transfer refused by Razorpay: paid by hand",
    "off": "not paid out (payouts off)",
    "skipped": "nothing transferred (refunded before the transfer)",
}
"""``domain.payouts.PayoutStatus`` values but ``transferred``, as the owner reads them."""


def payout_line(
    code: str,
    session_day: date,
    *,
    paid_paise: int,
    platform_fee_paise: int | None,
    gateway_fee_paise: int | None,
    gateway_tax_paise: int | None,
    status: str,
    transferred_paise: int,
    transferred_at: datetime | None,
    reversed_paise: int,
    zone: ZoneInfo,
) -> str:
    """One booking's money: paid, the platform's fee, Razorpay's fee and tax, and what
    reached the owner when."""
    parts = [
        f"<code>{code}</code> · {day_numeric(session_day)}",
        f"paid {money(paid_paise)}",
    ]
    if platform_fee_paise is not None:
        parts.append(f"platform fee {money(platform_fee_paise)}")
    if gateway_fee_paise is not None:
        parts.append(f"Razorpay fee {money(gateway_fee_paise)} (incl. tax {money(gateway_tax_paise or 0)})")
    if status == "transferred" and transferred_at is not None:
        parts.append(f"transferred {money(transferred_paise)} at {moment(transferred_at, zone)}")
    else:
        parts.append(PAYOUT_STATES.get(status, status))
    if reversed_paise:
        parts.append(f"{money(reversed_paise)} taken back for refunds")
    return " · ".join(parts)


def month_settled(first_day: date, settled_paise: int, transfers: int) -> str:
    """What reached the owner for a month's sessions: transfers less reversals."""
    return f"{month(first_day)}: <b>{money(settled_paise)}</b> settled to you ({count(transfers, TRANSFER)})"


def more_payouts(hidden: int) -> str:
    return f"…and {count(hidden, Noun('more booking', 'more bookings'))}"


# ---- earnings, files, the share link ----------------------------------------------------

EARNINGS = "💰 <b>{name}</b>\nPaid minus refunds, by session date:\n\n{lines}"
WHICH_MONTH = "📄 Which month's bookings? I'll send them as a CSV file."
PICK_A_MONTH = "Please pick a month from the list."

PERIOD_NAMES = {"Today": "Today", "This week": "This week", "This month": "This month"}
"""``storage.earnings.periods``' periods, by their names there."""


def earnings_line(period: str, net_paise: int, bookings: int) -> str:
    return f"{PERIOD_NAMES.get(period, period)}: <b>{money(net_paise)}</b> · {bookings} booking(s)"


NO_SHOWS = "\n🚫 No-shows, last {days} days: {no_shows}"


def no_show_rate(rate: NoShowRate) -> str:
    """The room's paid sessions that ended, and how many of them nobody came to."""
    if not rate.sessions:
        return "no session has ended yet"
    return f"<b>{rate.percent}%</b> ({rate.no_shows} of {count(rate.sessions, SESSION)})"


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
        f"• {booking_times(booking, room.zone)} <code>{booking.code}</code> "
        f"{user_link(musician, booking.user_id)} · "
        f"{_status(booking)} · {money(booking.amount_paise)}{_weekly(booking)}"
    )


def _status(booking: BookingFacts) -> str:
    return f"{status_name(booking.status)}{' · 🚫 no-show' if booking.no_show else ''}"


def schedule_button(booking: BookingFacts, room: RoomFacts, musician: PersonFacts | None) -> str:
    name = musician.display_name if musician else "musician"
    return f"{booking_times(booking, room.zone)} · {name} · {_status(booking)}{_weekly(booking)}"


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
    if booking.no_show:
        lines.append("🚫 <b>No-show</b>: you marked that nobody came.")
    return "\n".join(lines)


def no_show_window(closes_at: datetime, zone: ZoneInfo) -> str:
    """Under a session that ended: until when its no-show can be marked or undone."""
    return f"\nYou can mark a no-show, or undo the mark, until {moment(closes_at, zone)}."


def no_show_marked(booking: BookingFacts) -> str:
    return (
        f"🚫 Marked <code>{booking.code}</code> as a no-show. Nothing else changes (no fee); "
        "undo it within a day of the session if it was a mistake."
    )


def no_show_undone(booking: BookingFacts) -> str:
    return f"↩️ <code>{booking.code}</code> is no longer marked as a no-show."


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
RULES = (
    "📏 <b>Booking rules</b> · {name}\n\n{rules}\n\n"
    "Musicians see these on the room's card, and every booking is held to them. "
    "Tap one to change it."
)
ASK_WEEKDAY_MIN_SESSION = (
    "⏱ The shortest session on weekdays is now {current}. Send the new minimum in hours, like 2 "
    "or 1.5 (90m works too), or 0 for any length. It must be whole slots of {slot_minutes} minutes."
)
ASK_WEEKEND_MIN_SESSION = (
    "⏱ The shortest session on Saturdays and Sundays is now {current}. Send the new minimum in "
    "hours, like 2 or 1.5 (90m works too), or 0 for any length. It must be whole slots of "
    "{slot_minutes} minutes."
)
ASK_HORIZON = "🗓 Musicians can book up to {current} ahead. Send how many days ahead, 1 to 365."
ASK_LEAD = (
    "⌛ Bookings close {current} before the start. Send how long before: minutes like 30, or "
    "hours like 2h (up to 48h; 0 lets musicians book until a slot starts)."
)
ASK_SLOT_LIMIT = "🔢 A booking can have at most {current} in a row. Send the new limit, 1 to 24."
ASK_REFUND_TIERS = (
    "↩️ Refunds now: {current}\n\nSend the tiers as hours of notice:percent back, like "
    "<code>48:100, 24:50</code> (everything back up to 48 h before the start, half up to 24 h). "
    "Up to 5 tiers; send <code>none</code> for no refunds."
)
RULES_RESET = "✅ This room follows the bot's default booking rules again."

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


def rules_block(rules: RoomRules) -> str:
    """The room's booking rules, one line each, as the rules screen lists them."""
    return "\n".join(
        [
            f"⏱ Shortest session: {_minimum(rules.weekday_min_session_minutes)} on weekdays, "
            f"{_minimum(rules.weekend_min_session_minutes)} on weekends",
            f"🗓 {rule_value(rules, RuleField.HORIZON)} ahead at most",
            f"⌛ Until {rule_value(rules, RuleField.LEAD)} before the start",
            f"🔢 At most {rule_value(rules, RuleField.SLOT_LIMIT)} per booking",
            f"↩️ Refunds: {rule_value(rules, RuleField.REFUND_TIERS)}",
        ]
    )


def _minimum(minutes: int) -> str:
    return duration(minutes) if minutes else "any length"


def rule_value(rules: RoomRules, rule: RuleField) -> str:
    """One rule's current value, as its question and its confirmation say it."""
    match rule:
        case RuleField.WEEKDAY_MIN_SESSION:
            return _minimum(rules.weekday_min_session_minutes)
        case RuleField.WEEKEND_MIN_SESSION:
            return _minimum(rules.weekend_min_session_minutes)
        case RuleField.HORIZON:
            return count(rules.horizon_days, DAY)
        case RuleField.LEAD:
            return duration(rules.lead_minutes)
        case RuleField.SLOT_LIMIT:
            return count(rules.max_slots, SLOT)
    if not rules.refund_policy.tiers:
        return "none"
    return h(refund_policy(rules.refund_policy))


RULE_NAMES = {
    RuleField.WEEKDAY_MIN_SESSION: "Shortest session on weekdays",
    RuleField.WEEKEND_MIN_SESSION: "Shortest session on weekends",
    RuleField.HORIZON: "How far ahead",
    RuleField.LEAD: "How late before the start",
    RuleField.SLOT_LIMIT: "Slots per booking",
    RuleField.REFUND_TIERS: "Refunds",
}


def rule_set(rules: RoomRules, rule: RuleField) -> str:
    return f"✅ {RULE_NAMES[rule]}: {rule_value(rules, rule)}."


RULE_FORMATS = {
    RuleField.WEEKDAY_MIN_SESSION: "Send the minimum in hours, like 2 or 1.5, or 90m; 0 for any length.",
    RuleField.WEEKEND_MIN_SESSION: "Send the minimum in hours, like 2 or 1.5, or 90m; 0 for any length.",
    RuleField.HORIZON: "Send a number of days, like 60.",
    RuleField.LEAD: "Send minutes like 30, or hours like 2h.",
    RuleField.SLOT_LIMIT: "Send a number of slots, like 8.",
    RuleField.REFUND_TIERS: "Send tiers like 48:100, 24:50 (hours of notice:percent back), or none.",
}
RULE_UNITS = {
    RuleField.WEEKDAY_MIN_SESSION: "minutes",
    RuleField.WEEKEND_MIN_SESSION: "minutes",
    RuleField.HORIZON: "days",
    RuleField.LEAD: "minutes",
    RuleField.SLOT_LIMIT: "slots",
}


def rule_refused(error: RoomRuleError) -> str:
    """Why a booking rule cannot be set; nothing was changed."""
    return f"⚠️ {_rule_problem(error)} Nothing was changed."


def _rule_problem(error: RoomRuleError) -> str:
    name = RULE_NAMES[error.rule]
    limits = error.limits
    match error.problem:
        case RuleProblem.MALFORMED:
            return RULE_FORMATS[error.rule]
        case RuleProblem.OUT_OF_RANGE if error.rule is RuleField.REFUND_TIERS:
            return "A tier's notice can be at most 720 hours, its percent 0 to 100."
        case RuleProblem.OUT_OF_RANGE if limits is not None:
            if error.rule is RuleField.LEAD:
                return f"{name} must be between {duration(limits.low)} and {duration(limits.high)}."
            return f"{name} must be {limits.low} to {limits.high} {RULE_UNITS[error.rule]}."
        case RuleProblem.NOT_WHOLE_SLOTS:
            return f"Slots here are {error.step} minutes long: the minimum must be a whole number of them."
        case RuleProblem.OVER_SLOT_LIMIT if limits is not None:
            return (
                f"{duration(int(str(error.value)))} is more than the {duration(limits.high)} a musician can "
                "book under the slot limit: raise the slot limit first."
            )
        case RuleProblem.TOO_MANY_TIERS:
            return "Please give at most 5 refund tiers."
        case RuleProblem.NOTICE_REPEATED:
            return f"Two tiers have the same notice ({_notice(int(str(error.value)))}): give each its own."
        case RuleProblem.NOT_MONOTONIC:
            (longer, more), (shorter, less) = error.value  # type: ignore[misc]
            return (
                f"More notice must never give less back: {_notice(longer)} gives {more}% but "
                f"{_notice(shorter)} gives {less}%."
            )
    return RULE_FORMATS[error.rule]


def _notice(minutes: int) -> str:
    return f"{minutes / 60:g} h"


def slot_length_breaks_rules(error: RoomRuleError, slot_minutes: int) -> str:
    """A slot length refused because the room's minimum sessions would not fit it (plain
    text: ``setting_refused`` escapes it)."""
    return (
        f"A {slot_minutes}-minute slot does not fit this room's booking rules "
        f"({RULE_NAMES[error.rule].lower()}): change the rules first."
    )


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


# ---- room settings: check-in info and the room's phone ----------------------------------

CHECK_IN_SETTINGS = "🔑 Check-in: {check_in}\n📞 Phone: {phone}"
"""Under the settings: whether musicians get check-in info, and the number on the card."""


def check_in_setting(access_info: str) -> str:
    """Whether it is set, and how long, never the text itself: the menu may be open on a
    screen others see, and the text is a door code."""
    if not access_info:
        return "not set"
    return f"set ({len(access_info)} characters), sent to paid bookings only"


def phone_setting(number: str | None) -> str:
    return phone(number) if number else "not set"


def ask_check_in(current: str, limit: int, shown_before_hours: int) -> str:
    """``current``: the room's check-in info now ("" when none)."""
    now = f"Now:\n<blockquote>{h(current)}</blockquote>\n" if current else "Nothing is set yet.\n"
    return (
        "🔑 <b>Check-in info</b>: how musicians get in. Door or locker code, floor, phone, "
        'parking, "call on arrival"...\n'
        f"Only paid bookings see it: in the reminder an hour before the session and under the "
        f"booking in My bookings from {shown_before_hours} hours before the start. Never on the "
        "room card, never before payment.\n\n"
        f"{now}\nSend the new text (up to {limit} characters), or - to remove it."
    )


ASK_PHONE = (
    "📞 <b>The room's phone number</b>, shown on the room card for musicians to tap and call.\n"
    "Now: {phone}\n\n"
    "Send it like +91 98450 12345 or 080 4123 4567, or - to remove it."
)


def check_in_too_long(limit: int) -> str:
    return f"Please keep the check-in info under {limit} characters."


CHECK_IN_EMPTY = "Send what musicians need to get in, or - to remove the check-in info."
PHONE_NOT_A_NUMBER = (
    "That does not look like a phone number. Send it like +91 98450 12345 or 080 4123 4567, "
    "or - to remove it."
)
CHECK_IN_SAVED = (
    "✅ Check-in info saved: every reminder not yet sent brings it; messages already sent keep theirs."
)
CHECK_IN_REMOVED = "✅ Check-in info removed."


def phone_set(number: str | None) -> str:
    if number is None:
        return "✅ Phone number removed from the room card."
    return f"✅ Phone number set: musicians see {phone(number)} on the room card."


# ---- invoices and credit notes ----------------------------------------------------------

INVOICES = "\n{invoices}"
"""Under the room menu: who issues the room's invoices (``invoices_by``)."""
INVOICE = Noun("invoice", "invoices")
CREDIT_NOTE = Noun("credit note", "credit notes")
TAXES = {
    Treatment.INTRA_STATE: "CGST + SGST",
    Treatment.INTRA_UT: "CGST + UTGST",
    Treatment.INTER_STATE: "IGST",
}


def invoices_by(
    name: str,
    gstin: str | None,
    *,
    place: State | None,
    treatment: Treatment,
    sac: str,
    rate_bp: int,
    series: tuple[str, str],
    configured: bool,
) -> str:
    """Who issues the room's invoices, shown on the owner's room menu. ``series``: the
    invoices' and credit notes' numbers this year without their sequence (``JR/26-27``)."""
    if gstin:
        lines = [f"🧾 Invoices by <b>{h(name)}</b>, GSTIN <code>{h(gstin)}</code>"]
        where = f"{h(place.name)} ({place.code})" if place else "not set"
        lines.append(f"   Place of supply {where}: {TAXES[treatment]} {rate_bp / 100:g}% · SAC {h(sac)}")
    else:
        lines = [f"🧾 Invoices by <b>{h(name)}</b>, not registered under GST: no GST charged"]
    lines.append(f"   Numbers {h(series[0])}/…, credit notes {h(series[1])}/…")
    if not configured:
        lines.append("   To print your legal name and GSTIN, ask JamRoom to set this room's seller.")
    return "\n".join(lines)


class DocumentTotalsFacts(Protocol):
    """A room's invoices or credit notes in a period (``storage.invoices.DocumentTotals``)."""

    @property
    def count(self) -> int: ...

    @property
    def taxable_paise(self) -> int: ...

    @property
    def tax_paise(self) -> int: ...

    @property
    def total_paise(self) -> int: ...


def documents_line(invoices: DocumentTotalsFacts, credit_notes: DocumentTotalsFacts) -> str:
    """Under a period's earnings: its invoices and credit notes, with their taxes."""
    parts = [
        f"{count(invoices.count, INVOICE)} {money(invoices.total_paise)} "
        f"(taxable {money(invoices.taxable_paise)}, GST {money(invoices.tax_paise)})"
    ]
    if credit_notes.count:
        parts.append(
            f"{count(credit_notes.count, CREDIT_NOTE)} −{money(credit_notes.total_paise)} "
            f"(taxable −{money(credit_notes.taxable_paise)}, GST −{money(credit_notes.tax_paise)})"
        )
    return "   🧾 " + " · ".join(parts)
