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
from domain.words.language import N_, _, speaks_when_read
from domain.words.statuses import refund_status_name, status_name

# ---- the room menu ----------------------------------------------------------------------

WHICH_ROOM = N_("🏠 <b>Your rooms</b>\nWhich room?")
ROOM_MENU = N_("🏠 <b>{name}</b> · {city}\n{prices}\nStatus: {state}")
NOTICE = "\n{notice}"
"""A one-shot notice under a screen (the handler's words)."""


def room_button(room: RoomFacts) -> str:
    paused = "" if room.active else _(" (paused)")
    return f"{room.name} · {room.city}{paused}"


def room_state(room: RoomFacts) -> str:
    return _("taking bookings") if room.active else _("⏸ paused: not taking bookings")


def prices(room: RoomCardFacts) -> str:
    return _("{price}/h · peak {peak_price}/h").format(
        price=money(room.hourly_paise), peak_price=money(room.peak_hourly_paise)
    )


# ---- payouts (Razorpay Route) -----------------------------------------------------------

PAYOUTS = N_("💸 <b>{name}</b> · payouts\n{state}\n\n{lines}\n\n{totals}")
PAYOUTS_SANDBOX = N_(
    "Payouts are <b>off</b>: the bot runs without Razorpay (test payments only), so no money "
    "is paid out through it."
)
PAYOUTS_NO_ACCOUNT = N_(
    "Payouts are <b>off</b> for this room: no Razorpay linked account is set, so its payments "
    "stay with the platform. Ask the bot's operator to link your account."
)
NO_PAID_BOOKINGS = N_("No paid bookings with sessions this month.")
TRANSFER = Noun("transfer", "transfers")
MORE_BOOKING = Noun("more booking", "more bookings")


def payouts_on(account_id: str, commission_bp: int) -> str:
    """Payouts run: where the owner's share goes and what the platform keeps."""
    return _(
        "Payouts are <b>on</b>: your share of each payment goes to your Razorpay linked account "
        "<code>{account}</code>; the platform keeps {percent}%."
    ).format(account=h(account_id), percent=f"{commission_bp / 100:g}")


PAYOUT_STATES = {
    "due": N_("transfer pending"),
    "requesting": N_("transfer pending"),
    "failed": N_("transfer refused by Razorpay: paid by hand"),
    "off": N_("not paid out (payouts off)"),
    "skipped": N_("nothing transferred (refunded before the transfer)"),
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
        _("paid {amount}").format(amount=money(paid_paise)),
    ]
    if platform_fee_paise is not None:
        parts.append(_("platform fee {amount}").format(amount=money(platform_fee_paise)))
    if gateway_fee_paise is not None:
        parts.append(
            _("Razorpay fee {amount} (incl. tax {tax})").format(
                amount=money(gateway_fee_paise), tax=money(gateway_tax_paise or 0)
            )
        )
    if status == "transferred" and transferred_at is not None:
        parts.append(
            _("transferred {amount} at {moment}").format(
                amount=money(transferred_paise), moment=moment(transferred_at, zone)
            )
        )
    else:
        parts.append(_(PAYOUT_STATES[status]) if status in PAYOUT_STATES else status)
    if reversed_paise:
        parts.append(_("{amount} taken back for refunds").format(amount=money(reversed_paise)))
    return " · ".join(parts)


def month_settled(first_day: date, settled_paise: int, transfers: int) -> str:
    """What reached the owner for a month's sessions: transfers less reversals."""
    return _("{month}: <b>{amount}</b> settled to you ({transfers})").format(
        month=month(first_day), amount=money(settled_paise), transfers=count(transfers, TRANSFER)
    )


def more_payouts(hidden: int) -> str:
    return _("…and {bookings}").format(bookings=count(hidden, MORE_BOOKING))


# ---- earnings, files, the share link ----------------------------------------------------

EARNINGS = N_("💰 <b>{name}</b>\nPaid minus refunds, by session date:\n\n{lines}")
WHICH_MONTH = N_("📄 Which month's bookings? I'll send them as a CSV file.")
PICK_A_MONTH = N_("Please pick a month from the list.")

PERIOD_NAMES = {"Today": N_("Today"), "This week": N_("This week"), "This month": N_("This month")}
"""``storage.earnings.periods``' periods, by their names there."""


def earnings_line(period: str, net_paise: int, bookings: int) -> str:
    return _("{period}: <b>{net}</b> · {bookings} booking(s)").format(
        period=_(PERIOD_NAMES.get(period, period)), net=money(net_paise), bookings=bookings
    )


NO_SHOWS = N_("\n🚫 No-shows, last {days} days: {no_shows}")


def no_show_rate(rate: NoShowRate) -> str:
    """The room's paid sessions that ended, and how many of them nobody came to."""
    if not rate.sessions:
        return _("no session has ended yet")
    return _("<b>{percent}%</b> ({no_shows} of {sessions})").format(
        percent=rate.percent, no_shows=rate.no_shows, sessions=count(rate.sessions, SESSION)
    )


def month_button(first_day: date) -> str:
    return month(first_day)


def bookings_csv_caption(room: RoomFacts, found: int, first_day: date) -> str:
    return _("{room}: {found} booking(s) in {month}").format(
        room=h(room.name), found=found, month=month(first_day)
    )


def heatmap_caption(room: RoomFacts, weeks: int) -> str:
    return _("{room}: how full each hour was over the last {weeks} weeks").format(
        room=h(room.name), weeks=weeks
    )


def heatmap_title(room: RoomFacts, weeks: int) -> str:
    """Drawn on the image: plain text."""
    return _("{room}: how full, last {weeks} weeks").format(room=room.name, weeks=weeks)


HEATMAP_HOURS_AXIS = N_("Hour of day")
HEATMAP_SCALE = N_("share of hours booked")
HEATMAP_WEEKDAYS = WEEKDAY_NAMES


def share_text(room: RoomFacts, link: str) -> str:
    return _(
        "🎸 Book <b>{room}</b> ({city}) in Telegram: pick a day and a slot, pay by UPI or card, done.\n{link}"
    ).format(room=h(room.name), city=h(room.city), link=link)


# ---- the day's schedule and a booking ---------------------------------------------------

PICK_A_DAY = N_("📆 Which day?")
SCHEDULE = N_("📅 <b>{name}</b> — {day}\n\n{lines}")
NO_BOOKINGS = N_("No bookings.")


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
    no_show = " · 🚫 " + _("no-show") if booking.no_show else ""
    return f"{status_name(booking.status)}{no_show}"


def schedule_button(booking: BookingFacts, room: RoomFacts, musician: PersonFacts | None) -> str:
    name = musician.display_name if musician else _("musician")
    return f"{booking_times(booking, room.zone)} · {name} · {_status(booking)}{_weekly(booking)}"


def booking_details(booking: BookingFacts, room: RoomFacts, musician: PersonFacts | None) -> str:
    slots = "\n".join(f"• {slot_span(s, room.zone)} — {money(s.price_paise)}" for s in booking.slots)
    lines = [
        _("<b>Booking {code}</b> · {room}").format(code=booking.code, room=h(room.name)),
        f"📅 {session_span(booking, room.zone)}",
        slots,
        f"🎤 {user_link(musician, booking.user_id)}",
        f"💰 {money(booking.amount_paise)} · <b>{status_name(booking.status)}</b>",
    ]
    if booking.series is not None:
        lines.append(
            _("🔁 Week {number} of {weeks} of the weekly booking <code>{code}</code>").format(
                number=booking.series.index + 1, weeks=booking.series.count, code=booking.series.code
            )
        )
    if booking.payment_id:
        lines.append(_("Payment <code>{payment}</code>").format(payment=h(booking.payment_id)))
    if booking.cancel_reason:
        lines.append(_("Reason: {reason}").format(reason=h(booking.cancel_reason)))
    refund = booking.refund or {}
    if refund.get("due_paise"):
        state = h(refund_status_name(refund.get("status")))
        lines.append(
            _("Refund {amount} ({state})").format(amount=money(int(refund["due_paise"])), state=state)
        )
    if booking.no_show:
        lines.append(_("🚫 <b>No-show</b>: you marked that nobody came."))
    return "\n".join(lines)


def no_show_window(closes_at: datetime, zone: ZoneInfo) -> str:
    """Under a session that ended: until when its no-show can be marked or undone."""
    return _("\nYou can mark a no-show, or undo the mark, until {moment}.").format(
        moment=moment(closes_at, zone)
    )


def no_show_marked(booking: BookingFacts) -> str:
    return _(
        "🚫 Marked <code>{code}</code> as a no-show. Nothing else changes (no fee); "
        "undo it within a day of the session if it was a mistake."
    ).format(code=booking.code)


def no_show_undone(booking: BookingFacts) -> str:
    return _("↩️ <code>{code}</code> is no longer marked as a no-show.").format(code=booking.code)


ASK_REASON = N_(
    "Why are you cancelling? Send the reason as a message; the musician will read it "
    "with the news of their full refund."
)
CONFIRM_TERMINATE = N_(
    "Cancel <b>{code}</b> ({when}) and refund <b>{amount}</b> in full?\n\n"
    "Reason the musician will read: <i>{reason}</i>"
)
REASON_TOO_SHORT = N_("Please give the musician a reason in a few words.")


def reason_too_long(limit: int) -> str:
    return _("Please keep the reason under {limit} characters.").format(limit=limit)


def terminated_notice(booking: BookingFacts) -> str:
    return _(
        "✅ Cancelled <code>{code}</code>. The musician has been told, the slots are free "
        "and {amount} is being refunded."
    ).format(code=booking.code, amount=money(booking.amount_paise))


# ---- blocking slots ---------------------------------------------------------------------

BLOCKS = N_(
    "🚫 <b>{name}</b> — {day}\nTap a free slot (🟢) to block it, a blocked one (⛔) to free it. 🎸 is booked."
)
CLOSED_THAT_DAY = N_("The room is closed that day.")
SLOT_NOT_LISTED = N_("That slot is not on this day's list.")
NO_FREE_SLOT_TODAY = N_("There is no free slot left to block on this day.")
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
    return _("{slot} is free for bookings again.").format(slot=slot_span(slot, zone))


def slot_blocked(slot: SlotFacts, zone: ZoneInfo) -> str:
    return _("⛔ Blocked {slot}.").format(slot=slot_span(slot, zone))


def slot_is_booked(slot: SlotFacts, zone: ZoneInfo) -> str:
    """Plain text: an alert."""
    return _("{slot} is booked by a musician. To free it, cancel that booking from the schedule.").format(
        slot=slot_span(slot, zone)
    )


def slot_is_over(slot: SlotFacts, zone: ZoneInfo) -> str:
    return _("{slot} is already over.").format(slot=slot_span(slot, zone))


def just_taken(starts: Sequence[datetime], zone: ZoneInfo) -> str:
    """A block that lost to a booking (or another block) a moment ago."""
    return _("Nothing was blocked: {slots} was just booked or blocked.").format(
        slots=join_labels(clock(s, zone) for s in starts)
    )


def day_blocked(blocked: int, booked: int) -> str:
    """ "Block the day": ``blocked`` free slots blocked, ``booked`` left booked."""
    kept = _(" The {booked} booked slot(s) stay booked.").format(booked=booked) if booked else ""
    return _("⛔ Blocked {blocked} slot(s).{kept}").format(blocked=blocked, kept=kept)


def day_freed(freed: int) -> str:
    return _("Freed {freed} slot(s) for bookings.").format(freed=freed)


# ---- room settings ----------------------------------------------------------------------

SETTINGS = N_(
    "⚙️ <b>{name}</b>\n\n"
    "💵 Price: {price}/h\n🌙 Peak: {peak_price}/h, {peak_hours}\n📅 Weekends: {weekends}\n"
    "🕘 Opening hours:\n{hours}\n⏱ Slots: {slot_minutes} min\n"
    "📝 {description}\n🖼 Photo: {photo}"
)
RULES = N_(
    "📏 <b>Booking rules</b> · {name}\n\n{rules}\n\n"
    "Musicians see these on the room's card, and every booking is held to them. "
    "Tap one to change it."
)
ASK_WEEKDAY_MIN_SESSION = N_(
    "⏱ The shortest session on weekdays is now {current}. Send the new minimum in hours, like 2 "
    "or 1.5 (90m works too), or 0 for any length. It must be whole slots of {slot_minutes} minutes."
)
ASK_WEEKEND_MIN_SESSION = N_(
    "⏱ The shortest session on Saturdays and Sundays is now {current}. Send the new minimum in "
    "hours, like 2 or 1.5 (90m works too), or 0 for any length. It must be whole slots of "
    "{slot_minutes} minutes."
)
ASK_HORIZON = N_("🗓 Musicians can book up to {current} ahead. Send how many days ahead, 1 to 365.")
ASK_LEAD = N_(
    "⌛ Bookings close {current} before the start. Send how long before: minutes like 30, or "
    "hours like 2h (up to 48h; 0 lets musicians book until a slot starts)."
)
ASK_SLOT_LIMIT = N_("🔢 A booking can have at most {current} in a row. Send the new limit, 1 to 24.")
ASK_REFUND_TIERS = N_(
    "↩️ Refunds now: {current}\n\nSend the tiers as hours of notice:percent back, like "
    "<code>48:100, 24:50</code> (everything back up to 48 h before the start, half up to 24 h). "
    "Up to 5 tiers; send <code>none</code> for no refunds."
)
RULES_RESET = N_("✅ This room follows the bot's default booking rules again.")

SETTINGS_PAUSED = N_("⏸ <b>Paused</b>: not taking bookings.")
ASK_PRICE = N_("💵 Now {price} an hour. Send the new price in rupees per hour, like 800.")
ASK_PEAK_PRICE = N_("🌙 Peak is now {peak_price} an hour. Send the new peak price, like 1200.")
ASK_PEAK_HOURS = N_("⏰ Peak hours are now {peak_hours}. Send new ones like 18:00-23:00.")
ASK_WHICH_DAYS = N_("🕘 Opening hours now:\n{hours}\n\nWhich days do you want to change?")
ASK_HOURS = N_(
    "🕘 Send the hours for <b>{days}</b> like 10:00-22:00 (past midnight is fine: "
    "18:00-02:00), or the word closed."
)
ASK_SLOT_LENGTH = N_(
    "⏱ How long is one slot? Days that already have bookings keep their current slots; "
    "the new length applies to every other day."
)
ASK_PHOTO = N_("🖼 Send a photo of the room (as a photo, not a file).")
PHOTO_NOT_A_PHOTO = N_("Please send the room's photo as a photo (not as a file).")
PHOTO_OR_BACK = N_("Please send the room's photo as a photo (not as a file), or tap Back.")
PICK_A_WEEKDAY = N_("Please pick a day from the list.")
DAY_GROUP_NAMES = {"week": N_("Mon–Fri"), "weekend": N_("Sat–Sun"), "all": N_("every day")}
"""The groups of weekdays whose hours change together, by the buttons' ids."""


def ask_description(limit: int) -> str:
    return _(
        "📝 Send the room's description: gear, vibe, how to find the door. Up to {limit} characters."
    ).format(limit=limit)


def hours_block(room: RoomCardFacts) -> str:
    """The opening hours, one indented line a run of days."""
    return "\n".join(f"  {h(line)}" for line in hours_lines(room.hours)) or "  " + _("closed every day")


def days_name(group: str) -> str:
    """A group's name (``DAY_GROUP_NAMES``) or one weekday's, by its number."""
    return _(DAY_GROUP_NAMES.get(group) or WEEKDAY_NAMES[int(group)])


def weekends_setting(room: RoomCardFacts) -> str:
    return _("peak price all day") if room.weekends_are_peak else _("normal price")


def description_preview(room: RoomCardFacts, limit: int) -> str:
    description = room.description or "—"
    if len(description) > limit:
        description = description[:limit] + "…"
    return h(description)


def photo_setting(room: RoomCardFacts) -> str:
    return _("yes") if room.photo_file_id else _("none yet")


def slot_length_button(minutes: int, current: bool) -> str:
    return ("✓ " if current else "") + _("{minutes} min").format(minutes=minutes)


def weekday_buttons() -> list[dict[str, str]]:
    return [{"id": str(n), "label": _(name)} for n, name in enumerate(WEEKDAY_NAMES)]


def rules_block(rules: RoomRules) -> str:
    """The room's booking rules, one line each, as the rules screen lists them."""
    return "\n".join(
        [
            _("⏱ Shortest session: {weekdays} on weekdays, {weekends} on weekends").format(
                weekdays=_minimum(rules.weekday_min_session_minutes),
                weekends=_minimum(rules.weekend_min_session_minutes),
            ),
            _("🗓 {horizon} ahead at most").format(horizon=rule_value(rules, RuleField.HORIZON)),
            _("⌛ Until {lead} before the start").format(lead=rule_value(rules, RuleField.LEAD)),
            _("🔢 At most {slots} per booking").format(slots=rule_value(rules, RuleField.SLOT_LIMIT)),
            _("↩️ Refunds: {policy}").format(policy=rule_value(rules, RuleField.REFUND_TIERS)),
        ]
    )


def _minimum(minutes: int) -> str:
    return duration(minutes) if minutes else _("any length")


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
        return _("none")
    return h(refund_policy(rules.refund_policy))


RULE_NAMES = {
    RuleField.WEEKDAY_MIN_SESSION: N_("Shortest session on weekdays"),
    RuleField.WEEKEND_MIN_SESSION: N_("Shortest session on weekends"),
    RuleField.HORIZON: N_("How far ahead"),
    RuleField.LEAD: N_("How late before the start"),
    RuleField.SLOT_LIMIT: N_("Slots per booking"),
    RuleField.REFUND_TIERS: N_("Refunds"),
}


def rule_set(rules: RoomRules, rule: RuleField) -> str:
    return f"✅ {_(RULE_NAMES[rule])}: {rule_value(rules, rule)}."


RULE_FORMATS = {
    RuleField.WEEKDAY_MIN_SESSION: N_("Send the minimum in hours, like 2 or 1.5, or 90m; 0 for any length."),
    RuleField.WEEKEND_MIN_SESSION: N_("Send the minimum in hours, like 2 or 1.5, or 90m; 0 for any length."),
    RuleField.HORIZON: N_("Send a number of days, like 60."),
    RuleField.LEAD: N_("Send minutes like 30, or hours like 2h."),
    RuleField.SLOT_LIMIT: N_("Send a number of slots, like 8."),
    RuleField.REFUND_TIERS: N_("Send tiers like 48:100, 24:50 (hours of notice:percent back), or none."),
}
RULE_UNITS = {
    RuleField.WEEKDAY_MIN_SESSION: N_("minutes"),
    RuleField.WEEKEND_MIN_SESSION: N_("minutes"),
    RuleField.HORIZON: N_("days"),
    RuleField.LEAD: N_("minutes"),
    RuleField.SLOT_LIMIT: N_("slots"),
}


def rule_refused(error: RoomRuleError) -> str:
    """Why a booking rule cannot be set; nothing was changed."""
    return _("⚠️ {problem} Nothing was changed.").format(problem=_rule_problem(error))


def _rule_problem(error: RoomRuleError) -> str:
    name = _(RULE_NAMES[error.rule])
    limits = error.limits
    match error.problem:
        case RuleProblem.MALFORMED:
            return _(RULE_FORMATS[error.rule])
        case RuleProblem.OUT_OF_RANGE if error.rule is RuleField.REFUND_TIERS:
            return _("A tier's notice can be at most 720 hours, its percent 0 to 100.")
        case RuleProblem.OUT_OF_RANGE if limits is not None:
            if error.rule is RuleField.LEAD:
                return _("{name} must be between {low} and {high}.").format(
                    name=name, low=duration(limits.low), high=duration(limits.high)
                )
            return _("{name} must be {low} to {high} {unit}.").format(
                name=name, low=limits.low, high=limits.high, unit=_(RULE_UNITS[error.rule])
            )
        case RuleProblem.NOT_WHOLE_SLOTS:
            return _(
                "Slots here are {step} minutes long: the minimum must be a whole number of them."
            ).format(step=error.step)
        case RuleProblem.OVER_SLOT_LIMIT if limits is not None:
            return _(
                "{length} is more than the {high} a musician can "
                "book under the slot limit: raise the slot limit first."
            ).format(length=duration(int(str(error.value))), high=duration(limits.high))
        case RuleProblem.TOO_MANY_TIERS:
            return _("Please give at most 5 refund tiers.")
        case RuleProblem.NOTICE_REPEATED:
            return _("Two tiers have the same notice ({notice}): give each its own.").format(
                notice=_notice(int(str(error.value)))
            )
        case RuleProblem.NOT_MONOTONIC:
            (longer, more), (shorter, less) = error.value  # type: ignore[misc]
            return _(
                "More notice must never give less back: {longer} gives {more}% but {shorter} gives {less}%."
            ).format(longer=_notice(longer), more=more, shorter=_notice(shorter), less=less)
    return _(RULE_FORMATS[error.rule])


def _notice(minutes: int) -> str:
    return _("{hours} h").format(hours=f"{minutes / 60:g}")


def slot_length_breaks_rules(error: RoomRuleError, slot_minutes: int) -> str:
    """A slot length refused because the room's minimum sessions would not fit it (plain
    text: ``setting_refused`` escapes it)."""
    return _(
        "A {minutes}-minute slot does not fit this room's booking rules ({rule}): change the rules first."
    ).format(minutes=slot_minutes, rule=_(RULE_NAMES[error.rule]).lower())


def setting_refused(reason: str) -> str:
    """``reason``: the parser's or the room's words (``SettingError``)."""
    return _("⚠️ {problem} Nothing was changed.").format(problem=h(reason))


def invalid_value(reason: str) -> str:
    return f"⚠️ {h(reason)}"


def kept_grids(days: Sequence[str]) -> str:
    """``days``: ISO dates that keep the slots they were booked under."""
    listed = ", ".join(day_numeric(date.fromisoformat(d)) for d in days)
    return _("\nDays that already have bookings keep their old slots: {days}.").format(days=listed)


def price_set(paise: int) -> str:
    return _("✅ Price set to {price}/h.").format(price=money(paise))


def peak_price_set(paise: int) -> str:
    return _("✅ Peak price set to {price}/h.").format(price=money(paise))


def peak_hours_set(starts: str, ends: str) -> str:
    return _("✅ Peak hours are {starts}–{ends}.").format(starts=starts, ends=ends)


def weekends_set(peak: bool) -> str:
    if peak:
        return _("✅ Weekends now cost the peak price all day.")
    return _("✅ Weekends now follow weekday prices.")


def hours_set(group: str, hours: str | None) -> str:
    """``hours``: ``10:00-22:00``, or None for closed."""
    shown = _("closed") if hours is None else hours.replace("-", "–")
    return f"✅ {days_name(group)}: {shown}."


def slot_length_set(minutes: int) -> str:
    return _("✅ Slots are now {minutes} minutes long.").format(minutes=minutes)


DESCRIPTION_SAVED = N_("✅ Description saved.")
PHOTO_SAVED = N_("✅ Photo saved: musicians see it on the room card.")
PHOTO_REMOVED = N_("✅ Photo removed.")


def paused_set(paused: bool) -> str:
    if paused:
        return _("⏸ Paused: musicians cannot book until you resume. Existing bookings stay.")
    return _("▶️ Taking bookings again.")


# ---- room settings: check-in info and the room's phone ----------------------------------

CHECK_IN_SETTINGS = N_("🔑 Check-in: {check_in}\n📞 Phone: {phone}")
"""Under the settings: whether musicians get check-in info, and the number on the card."""


def check_in_setting(access_info: str) -> str:
    """Whether it is set, and how long, never the text itself: the menu may be open on a
    screen others see, and the text is a door code."""
    if not access_info:
        return _("not set")
    return _("set ({characters} characters), sent to paid bookings only").format(characters=len(access_info))


def phone_setting(number: str | None) -> str:
    return phone(number) if number else _("not set")


def ask_check_in(current: str, limit: int, shown_before_hours: int) -> str:
    """``current``: the room's check-in info now ("" when none)."""
    now = (
        _("Now:\n<blockquote>{current}</blockquote>\n").format(current=h(current))
        if current
        else _("Nothing is set yet.\n")
    )
    return _(
        "🔑 <b>Check-in info</b>: how musicians get in. Door or locker code, floor, phone, "
        'parking, "call on arrival"...\n'
        "Only paid bookings see it: in the reminder an hour before the session and under the "
        "booking in My bookings from {hours} hours before the start. Never on the "
        "room card, never before payment.\n\n"
        "{now}\nSend the new text (up to {limit} characters), or - to remove it."
    ).format(hours=shown_before_hours, now=now, limit=limit)


ASK_PHONE = N_(
    "📞 <b>The room's phone number</b>, shown on the room card for musicians to tap and call.\n"
    "Now: {phone}\n\n"
    "Send it like +91 98450 12345 or 080 4123 4567, or - to remove it."
)


def check_in_too_long(limit: int) -> str:
    return _("Please keep the check-in info under {limit} characters.").format(limit=limit)


CHECK_IN_EMPTY = N_("Send what musicians need to get in, or - to remove the check-in info.")
PHONE_NOT_A_NUMBER = N_(
    "That does not look like a phone number. Send it like +91 98450 12345 or 080 4123 4567, "
    "or - to remove it."
)
CHECK_IN_SAVED = N_(
    "✅ Check-in info saved: every reminder not yet sent brings it; messages already sent keep theirs."
)
CHECK_IN_REMOVED = N_("✅ Check-in info removed.")


def phone_set(number: str | None) -> str:
    if number is None:
        return _("✅ Phone number removed from the room card.")
    return _("✅ Phone number set: musicians see {phone} on the room card.").format(phone=phone(number))


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
        lines = [
            _("🧾 Invoices by <b>{name}</b>, GSTIN <code>{gstin}</code>").format(name=h(name), gstin=h(gstin))
        ]
        where = f"{h(place.name)} ({place.code})" if place else _("not set")
        lines.append(
            _("   Place of supply {where}: {taxes} {rate}% · SAC {sac}").format(
                where=where, taxes=TAXES[treatment], rate=f"{rate_bp / 100:g}", sac=h(sac)
            )
        )
    else:
        lines = [
            _("🧾 Invoices by <b>{name}</b>, not registered under GST: no GST charged").format(name=h(name))
        ]
    lines.append(
        _("   Numbers {invoices}/…, credit notes {credit_notes}/…").format(
            invoices=h(series[0]), credit_notes=h(series[1])
        )
    )
    if not configured:
        lines.append(_("   To print your legal name and GSTIN, ask JamRoom to set this room's seller."))
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
        _("{documents} {total} (taxable {taxable}, GST {tax})").format(
            documents=count(invoices.count, INVOICE),
            total=money(invoices.total_paise),
            taxable=money(invoices.taxable_paise),
            tax=money(invoices.tax_paise),
        )
    ]
    if credit_notes.count:
        parts.append(
            _("{documents} {total} (taxable {taxable}, GST {tax})").format(
                documents=count(credit_notes.count, CREDIT_NOTE),
                total="−" + money(credit_notes.total_paise),
                taxable="−" + money(credit_notes.taxable_paise),
                tax="−" + money(credit_notes.tax_paise),
            )
        )
    return "   🧾 " + " · ".join(parts)


speaks_when_read(__name__)
