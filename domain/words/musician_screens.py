"""The musician's screens: the dialogs' texts (templates whose ``{names}`` the window's
getter fills) and the pieces the getters compose (a room's card, a booking's lines).

A template is used as ``Format(TEMPLATE)`` in a window; the getter gives each named
field, already formatted and escaped. Short button labels stay in their windows."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from operator import attrgetter
from zoneinfo import ZoneInfo

from domain.availability import SlotOffer
from domain.refund import RefundQuote
from domain.room_rules import RefundDeadlines, RoomRules
from domain.series import Obstacle
from domain.words.facts import BookingFacts, PricedSlotFacts, RoomCardFacts, RoomFacts, SlotFacts, WaitFacts
from domain.words.formats import (
    BOOKING,
    DAY,
    MINUTE,
    ROOM,
    SLOT,
    WEEK,
    booking_times,
    clock,
    count,
    day,
    day_and_month,
    day_this_year,
    duration,
    h,
    moment,
    money,
    phone,
    session_span,
    slot_span,
    time_span,
    weekday,
)
from domain.words.hours import RefundPolicyFacts, hours_lines, refund_policy
from domain.words.language import N_, _, speaks_when_read
from domain.words.musician import STATE_WORDS
from domain.words.statuses import refund_status_name, status_name

ROOM_GONE_ZONE = ZoneInfo("Asia/Kolkata")
"""A booking's times when its room no longer exists: the bot's home zone."""

# ---- main menu --------------------------------------------------------------------------

MAIN_MENU = N_(
    "Hi {name}! 🎶\n\nI help you book music rehearsal rooms, pay in the chat and "
    "keep your invoices. What would you like to do?"
)

HELP = N_(
    "<b>How JamRoom bot works</b>\n\n"
    "1. <b>Find a room</b>: pick a city and a rehearsal room; see its photos, "
    "gear, prices and opening hours.\n"
    "2. <b>Book</b>: choose a day, then one slot or several back to back: a booking "
    "is one session without gaps (for two sessions on a day, make two bookings). Each "
    "room has its own rules (shortest session, how far ahead, how late, refunds), shown "
    "on its card; the review screen says until when you get which refund. Confirm, and "
    "the slots are held for you for a few minutes while you pay. In the calendar ✕ marks a "
    "day with no free slot left and • one with only a few.\n"
    "3. <b>Pay</b> with the Pay button (UPI, cards, net banking via Razorpay). "
    "Paying for a band or company registered under GST? Tap 🧾 Add GST details before paying. "
    "Your booking is confirmed the moment the payment arrives, and I send the invoice here, "
    "with a calendar file (open it to add the session, with a reminder an hour before) and an "
    "<b>Add to Google Calendar</b> button. If the booking is cancelled, a file to take it off "
    "your calendar follows.\n"
    "4. <b>Slot taken?</b> Tap it, then 🔔 Tell me if it frees. If it frees, the first "
    "musician waiting gets it held for 10 minutes with a one-tap Confirm &amp; Pay. "
    "Your waits are in My bookings. An open slot screen updates itself while others book.\n"
    "5. <b>Every week?</b> On the review screen, tap <b>Repeat weekly</b> to book the same "
    "time for 2 to 12 weeks: weeks that are taken or closed are named, you book the rest and "
    "pay once for all of them.\n"
    "6. <b>My bookings</b>: see upcoming and past sessions, get the invoice again, "
    "<b>Move</b> a paid session to another day or time in the same room (free until the "
    "room's full-refund deadline; a dearer time is paid as the difference, a cheaper one "
    "refunds it; a new invoice and calendar file follow), <b>Add an hour</b> while the "
    "session is on or in its last hour before the start (if the next slot is free; pay for "
    "the extra hour only), or cancel; the refund follows the room's tiers you were shown "
    "when booking (each week "
    "of a weekly booking on its own), and comes with a credit note. A session the room "
    "marked as a no-show says so in your past bookings. <b>Share with the band</b> sends a "
    "paid session's card (room, day, times, map) to a chat you pick.\n"
    "7. <b>Getting in</b>: the room's door code, floor or parking notes come with the reminder "
    "an hour before your session, and show under the booking in My bookings from two hours "
    "before the start (paid bookings only). Tap the room's phone number on its card to call it.\n\n"
    "<b>Room owners</b>: /owner opens your rooms: the day's schedule (mark a session "
    "nobody came to as a no-show, or undo it, within 24 h of its end), blocks, earnings with "
    "the no-show rate, payouts (each booking's share sent to your Razorpay account, fees and "
    "the month's total), and Room settings › Booking rules (shortest session on weekdays and "
    "weekends, how far ahead, how late before the start, slots per booking, refund tiers), "
    "check-in info and the room's phone.\n\n"
    "🔎 <b>Free slots</b>: what is free in your city, cheapest first: /free tonight, "
    "/free tomorrow 18-22, /free sat.\n"
    "In any chat, type my @username and then a room or a time (e.g. tonight) to share "
    "rooms or free slots. In groups I only share; bookings happen here.\n\n"
    "🔒 <b>Privacy</b>: /privacy says what I keep about you, why, for how long and who sees "
    "it; <b>Delete my data</b> there (or in My bookings) cancels your upcoming bookings with "
    "their refunds and erases you.\n\n"
    "Commands: /start menu · /book find a room · /free free slots · /bookings my bookings · "
    "/privacy your data · /language English · हिन्दी · /cancel close the current menu · "
    "/help this text.\n"
    "Times are shown in the room's local time."
)


def greeting_name(first_name: str | None) -> str:
    return h(first_name or _("there"))


# ---- find a room ------------------------------------------------------------------------

WHICH_CITY = N_("Which city are you in?")
NO_ROOMS_YET = N_("No rooms are listed yet. Please check back soon!")
ROOMS_IN_CITY = N_("Rehearsal rooms in <b>{city}</b>:")
NONE_TAKING_BOOKINGS = N_("None are taking bookings right now.")
ROOM_PAUSED = N_("\n<i>This room is not taking bookings right now.</i>")


def city_button(city: str, rooms: int) -> str:
    """A button's text: plain, not HTML."""
    return f"{city} · {count(rooms, ROOM)}"


def room_button(room: RoomCardFacts) -> str:
    return _("{room} · from {price}/h").format(room=room.name, price=money(room.hourly_paise))


def room_card(room: RoomCardFacts, *, limit: int | None = None, rules: RoomRules | None = None) -> str:
    """The room's card, with its booking ``rules`` when given; cut to ``limit``
    characters (a photo caption's) by shortening the description."""
    hours = "\n".join(f"  {h(line)}" for line in hours_lines(room.hours)) or "  " + _("not set yet")
    amenities = ", ".join(h(a) for a in room.amenities) or "—"
    lines = [
        f"<b>{h(room.name)}</b> · {h(room.city)}",
        f"📍 {h(room.address)}",
        *([f"📞 {phone(room.phone)}"] if room.phone else []),
        "",
        _("💰 {price}/h · peak {peak_price}/h ({peak_starts}–{peak_ends}{weekends})").format(
            price=money(room.hourly_paise),
            peak_price=money(room.peak_hourly_paise),
            peak_starts=h(room.peak_starts),
            peak_ends=h(room.peak_ends),
            weekends=_(", weekends") if room.weekends_are_peak else "",
        ),
        _("👥 Up to {capacity} people").format(capacity=room.capacity),
        f"🎛 {amenities}",
        _("🕑 Opening hours ({zone}):").format(zone=h(room.timezone)),
        hours,
    ]
    if rules is not None:
        lines += room_rules_lines(rules)
    header = "\n".join(lines)
    description = h(room.description)
    text = f"{header}\n\n{description}" if description else header
    if limit is not None and len(text) > limit:
        room_for_description = max(limit - len(header) - 3, 0)
        text = f"{header}\n\n{description[:room_for_description]}…" if room_for_description else header
    return text


def room_rules_lines(rules: RoomRules) -> list[str]:
    """A room's booking rules on its card: sessions, how far ahead and how late, refunds."""
    weekday, weekend = rules.weekday_min_session_minutes, rules.weekend_min_session_minutes
    if weekday == weekend:
        shortest = _("at least {length} · ").format(length=duration(weekday)) if weekday else ""
    else:
        shortest = "".join(
            _("at least {length} on {days} · ").format(length=duration(minutes), days=days)
            for minutes, days in ((weekday, _("weekdays")), (weekend, _("weekends")))
            if minutes
        )
    return [
        _("📏 Sessions: {shortest}up to {slots} in a row").format(
            shortest=shortest, slots=count(rules.max_slots, SLOT)
        ),
        _("🗓 Book up to {days} ahead, until {lead} before the start").format(
            days=count(rules.horizon_days, DAY), lead=duration(rules.lead_minutes)
        ),
        _("↩️ Refunds: {policy}").format(policy=refund_policy_line(rules.refund_policy)),
    ]


# ---- book: day, slots, review, pay ------------------------------------------------------

PICK_A_DAY = N_("📅 <b>{room_name}</b>\nWhich day would you like to play?")
CLOSED_DAYS_STRUCK = N_("Struck-through days are closed.")
SLOTS_HEADING = N_("<b>{room_name}</b> · {day}\nTimes are {zone} time. ★ peak price.")
PICK_UP_TO = N_("Pick up to {max_slots} slots in a row (one session, no gaps):")
CLOSED_THAT_DAY = N_("The room is closed that day.")
EVERY_SLOT_TAKEN = N_("Every slot of this day is taken. Please pick another day.")
CHOSEN = N_("\nChosen: {count} slot(s) · total <b>{total}</b>")
REVIEW = N_(
    "<b>Please check your booking</b>\n\n"
    "🏠 {room_name}\n📍 {address}\n📅 {day}\n{slot_lines}\n\n"
    "💰 Total: <b>{total}</b>\n\n"
    "When you confirm, these slots are held for you for {hold_minutes} minutes "
    "while you pay.\n"
    "↩️ {refunds}"
)
HOLDS_FULL = "\n⚠️ {holds_full}"
PAY_HEADING = N_("🎉 <b>Booking {code}</b>\n🏠 {room_name}\n📅 {day}\n{slot_lines}\n")
PAY_BEFORE = N_(
    "Your slots are held until <b>{deadline}</b>.\nPay <b>{amount}</b> before then "
    "to confirm; I will send the confirmation and invoice here."
)
PAYMENT_SERVICE_DOWN = N_(
    "⚠️ I could not reach the payment service just now. Your slots stay held; please tap Try again."
)
ONLINE_PAYMENT_UNAVAILABLE = N_(
    "Online payment is not available right now. Your slots stay held; the room "
    "will contact you about payment."
)
STATUS = N_("Status: <b>{status}</b>")
NOTICE = "\n{notice}"
"""A one-shot notice under a screen (the handler's words)."""
NOTICE_TOLD = "\n{told}"
"""A notice this update told the screen (``bot.dialogs.notices``)."""
WAIT_HINT = N_(
    "\n🔔 Want a taken slot anyway? Tap below and I'll tell you the moment it frees: "
    "the first musician waiting gets it held for 10 minutes."
)


def slot_button(offer: SlotOffer, zone: ZoneInfo, *, waiting: bool = False) -> str:
    """``waiting``: the musician waits for this (taken) slot."""
    label = slot_span(offer.slot, zone)
    if not offer.bookable:
        mark = "🔔" if waiting else "✕"
        return f"{mark} {label} · {_(STATE_WORDS[offer.state])}"
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
    if not policy.tiers:
        return _(NO_REFUNDS)
    return h(refund_policy(policy))


NO_REFUNDS = N_("no refund if you cancel.")


def refund_deadlines_line(deadlines: RefundDeadlines, zone: ZoneInfo) -> str:
    """The review's refunds as clock times in the room's zone: "Full refund if you cancel
    by 18:00 on Sat 28 Nov (IST); 50% back by ...; no refund after that." """
    if not deadlines.deadlines:
        return _("No refund if you cancel this booking.")
    parts = [
        (
            _("Full refund if you cancel by {moment}")
            if d.percent == 100
            else _("{percent}% back if you cancel by {moment}")
        ).format(percent=d.percent, moment=moment(d.until, zone))
        for d in deadlines.deadlines
    ]
    return "; ".join(parts) + _("; no refund after that.")


# ---- finding a slot: the calendar's day marks, the free-slot search ---------------------

FULL_DAY = "✕"
"""After a day's number in the calendar: open, but no slot left to book."""
FEW_LEFT = "•"
"""After a day's number in the calendar: only a few slots left."""
DAY_MARKS_LEGEND = N_("✕ no free slots left · • only a few left")
FREE_WHICH_CITY = N_("🔎 Which city should I look in for free slots?")
FREE_MORE_TIMES = N_("\nOther times: /free tonight · /free tomorrow 18-22 · /free sat")
FREE_EXAMPLES = N_(
    "For example:\n"
    "/free — the rest of today\n"
    "/free tonight — from 18:00\n"
    "/free tomorrow 18-22\n"
    "/free sat — the coming Saturday\n"
    "/free 2026-12-05 7pm-10pm"
)


def free_window(day_shown: date, starts: datetime, ends: datetime, zone: ZoneInfo) -> str:
    """``Thu 26 Nov, 18:00–22:00 (IST)``: the search's window on the musician's clock."""
    return f"{day_this_year(day_shown)}, {time_span(starts, ends, zone)} ({starts.astimezone(zone):%Z})"


def free_heading(city: str, window: str) -> str:
    return _("🔎 <b>Free slots in {city}</b>\n{window}").format(city=h(city), window=window)


def free_room_lines(name: str, cheapest_paise: int, runs: Sequence[SlotFacts], zone: ZoneInfo) -> str:
    """A room with free slots: its name, its cheapest free hour and the free times (slots
    back to back shown as one run)."""
    times = ", ".join(slot_span(run, zone) for run in runs)
    return _("<b>{room}</b> · from {price}\n   {times}").format(
        room=h(name), price=money(cheapest_paise), times=times
    )


def free_room_button(name: str, cheapest_paise: int) -> str:
    return f"{name} · {money(cheapest_paise)}"


def free_nothing(city: str) -> str:
    return _("Nothing is free in {city} then. Try another time or day.").format(city=h(city))


def free_more_rooms(more: int) -> str:
    return _("…and {rooms} more. Narrow the hours to see them, e.g. /free tonight 19-22.").format(
        rooms=count(more, ROOM)
    )


FREE_PROBLEMS = {
    "unknown_day": N_("I don't know the day “{part}”."),
    "bad_date": N_("“{part}” is not a date on the calendar."),
    "bad_hours": N_("I couldn't read the hours “{part}”: write them like 18-22, 18:30-22 or 6pm-10pm."),
    "empty_hours": N_("“{part}” starts where it ends."),
    "past_day": N_("{day} is over already."),
    "over": N_("That time is over already."),
}
"""Why /free's arguments name no window, by ``domain.free_query.FreeQueryProblem``."""


def free_refused(problem: str, part: str, day_meant: date | None) -> str:
    """/free's arguments said no window: why, and examples that work."""
    unreadable = N_("I couldn't read that.")
    why = _(FREE_PROBLEMS.get(problem, unreadable)).format(
        part=h(part), day=day(day_meant) if day_meant else _("That day")
    )
    return f"{why}\n\n{_(FREE_EXAMPLES)}"


# ---- book: repeat weekly ----------------------------------------------------------------

HOW_MANY_WEEKS = N_(
    "🔁 <b>Repeat weekly</b> at {room_name}\n{weekly}, starting {day}.\n\n"
    "For how many weeks? ({min_weeks} to {max_weeks}, this week included)"
)
SERIES_REVIEW = N_(
    "<b>Please check your weekly booking</b>\n\n"
    "🏠 {room_name}\n📍 {address}\n🔁 {weekly}\n\n{week_lines}\n\n"
    "💰 Total for {weeks_booked}: <b>{total}</b>\n\n"
    "When you confirm, these weeks are held for you for {hold_minutes} minutes while you pay "
    "once for all of them. Each week can be cancelled on its own, refunded by how early you "
    "cancel that week: {policy}"
)
NO_WEEK_FREE = N_(
    "<b>None of these weeks can be booked.</b>\n\n{week_lines}\n\nPlease go back and pick "
    "another time or fewer weeks."
)
SOME_WEEKS_NOT_FREE = N_("\nThe weeks marked ✕ can't be booked; confirming books the others.")
CONFIRM_WEEKS = N_("✅ Confirm {weeks_booked} · {total}")
"""The series review's button."""
SERIES_PAY_HEADING = N_("🎉 <b>Weekly booking {code}</b>\n🏠 {room_name}\n🔁 {weekly}\n{week_lines}\n")

OBSTACLE_WORDS = {
    Obstacle.CLOCK_CHANGE: N_("the clocks change that day"),
    Obstacle.CLOSED: N_("the room is closed then"),
    Obstacle.TAKEN: N_("already booked"),
    Obstacle.TOO_SOON: N_("too soon to book"),
    Obstacle.TOO_FAR: N_("too far ahead to book"),
}
"""Why one week of a weekly booking can't be had."""


def weekly(day_of_first: date, starts_at: datetime, ends_at: datetime, zone: ZoneInfo) -> str:
    """``Thursdays, 18:00–20:00``: when a weekly booking meets."""
    return _("{weekday}s, {times}").format(
        weekday=weekday(day_of_first), times=time_span(starts_at, ends_at, zone)
    )


def weeks_button(weeks: int) -> str:
    return count(weeks, WEEK)


def week_line(on: date, price_paise: int | None, obstacle: Obstacle | None) -> str:
    """One week of a planned weekly booking: its price, or why it can't be booked."""
    if obstacle is not None:
        return f"✕ {day(on)} — {_(OBSTACLE_WORDS[obstacle])}"
    return f"✅ {day(on)} — {money(price_paise or 0)}"


def weeks_booked(weeks: int) -> str:
    return count(weeks, WEEK)


def series_week_lines(weeks: Sequence[BookingFacts]) -> str:
    """The weeks of a held or paid weekly booking, one a line."""
    return "\n".join(f"• {day(week.day)} · {week.code}" for week in weeks)


def series_mark(booking: BookingFacts) -> str:
    """``week 2 of 4``, or "" for a single booking."""
    if booking.series is None:
        return ""
    return _("week {number} of {weeks}").format(number=booking.series.index + 1, weeks=booking.series.count)


# ---- my bookings ------------------------------------------------------------------------

WAITS_HEADING = N_("<b>🔔 Slots you wait for</b>\n")
NO_WAITS = N_("You are not waiting for any slot. Tap a taken slot when booking to wait for it.")
WAITS_FOOTER = N_("\nTap ✖ to stop waiting for a slot.")


def waits_button(waits: int) -> str:
    return _("🔔 My waits ({waits})").format(waits=waits)


def wait_line(wait: WaitFacts, room: RoomFacts | None) -> str:
    """One wait: the room, the day and the slot, and the offer when the slot is held for them."""
    name = h(room.name) if room else _("a room that no longer exists")
    zone = room.zone if room else ROOM_GONE_ZONE
    line = f"• {name} · {day(wait.day)}, {slot_span(wait.slot, zone)}"
    if wait.offer_until is not None:
        held = _("Free and held for you until {until}").format(until=moment(wait.offer_until, zone))
        line += f"\n   🎁 <b>{held}</b>"
    return line


def wait_drop_button(wait: WaitFacts, room: RoomFacts | None) -> str:
    zone = room.zone if room else ROOM_GONE_ZONE
    return f"✖ {slot_span(wait.slot, zone)} · {day_and_month(wait.day)}"


def offer_pay_button(wait: WaitFacts, room: RoomFacts | None) -> str:
    zone = room.zone if room else ROOM_GONE_ZONE
    return _("✅ Pay for {slot} · {day}").format(slot=slot_span(wait.slot, zone), day=day_and_month(wait.day))


NO_BOOKINGS_YET = N_("Nothing here yet. Find a room and book your first session!")
LIST_HEADING = "<b>{heading}</b>\n"


def bookings_tabs(past: bool) -> dict[str, str]:
    """The list's two tab buttons and heading: which tab is open is marked."""
    return {
        "upcoming_tab": _("Upcoming") if past else "• " + _("Upcoming") + " •",
        "past_tab": "• " + _("Past") + " •" if past else _("Past"),
        "heading": _("Your past bookings") if past else _("Your upcoming bookings"),
    }


def booking_line(booking: BookingFacts, room: RoomFacts | None) -> str:
    """One entry of the list: code, room, date, slots, amount, status."""
    name = h(room.name) if room else _("a room that no longer exists")
    zone = room.zone if room else ROOM_GONE_ZONE
    weekly_mark = f" · 🔁 {series_mark(booking)}" if booking.series else ""
    return (
        f"<b>{booking.code}</b> · {name}{weekly_mark}\n"
        f"   {day(booking.day)}, {booking_times(booking, zone)} "
        f"({count(len(booking.slots), SLOT)}) · "
        f"{money(booking.amount_paise)} · {status_name(booking.status)}{no_show_mark(booking)}"
    )


def no_show_mark(booking: BookingFacts) -> str:
    """After a booking's status in a list: the room marked the session as a no-show."""
    return " · 🚫 " + _("no-show") if booking.no_show else ""


def booking_button(booking: BookingFacts, room: RoomFacts | None) -> str:
    name = room.name if room else _("Room")
    weekly_mark = " · 🔁" if booking.series else ""
    return f"{booking.code} · {day_and_month(booking.day)} · {name}{weekly_mark}"


def booking_details(booking: BookingFacts, room: RoomFacts | None) -> str:
    zone = room.zone if room else ROOM_GONE_ZONE
    slots = priced_slot_lines(sorted(booking.slots, key=attrgetter("start")), zone)
    lines = [
        _("<b>Booking {code}</b>").format(code=booking.code),
        "🏠 " + (h(room.name) if room else _("Room no longer listed")),
    ]
    if booking.series is not None:
        lines.append(
            _("🔁 {week} of the weekly booking {code}").format(
                week=series_mark(booking).capitalize(), code=booking.series.code
            )
        )
    if room:
        lines.append(f"📍 {h(room.address)}")
    lines += [
        f"📅 {day(booking.day)}",
        slots,
        f"💰 {money(booking.amount_paise)}",
        _("Status: <b>{status}</b>").format(status=status_name(booking.status)),
    ]
    if booking.no_show:
        lines.append(_("🚫 The room marked this session as a no-show."))
    if booking.status.value == "PENDING_PAYMENT":
        lines.append(_("Held for you until {moment}.").format(moment=moment(booking.hold_expires_at, zone)))
    refund = booking.refund or {}
    if refund.get("due_paise"):
        state = h(refund_status_name(refund.get("status")))
        lines.append(
            _("Refund: {amount} ({state}).").format(amount=money(int(refund["due_paise"])), state=state)
        )
    return "\n".join(lines)


def refund_preview(booking: BookingFacts, quote: RefundQuote) -> str:
    if booking.series is not None:
        return _week_refund_preview(booking, quote)
    if booking.status.value == "PENDING_PAYMENT":
        return _(
            "Cancel booking <b>{code}</b>?\n\n"
            "Nothing has been paid yet, so there is nothing to refund; the slots will be "
            "released for other musicians."
        ).format(code=booking.code)
    paid = money(booking.amount_paise)
    if quote.amount_paise:
        money_back = _(
            "you get <b>{amount}</b> back ({percent}% of {paid}), to the account you paid from."
        ).format(amount=money(quote.amount_paise), percent=quote.percent, paid=paid)
    else:
        money_back = _("there is <b>no refund</b> at this notice (you paid {paid}).").format(paid=paid)
    return _("Cancel booking <b>{code}</b>?\n\nIf you cancel now, {money_back}").format(
        code=booking.code, money_back=money_back
    )


# ---- GST details for the invoice --------------------------------------------------------

GST_DETAILS = N_("\n🧾 Invoice to: <b>{gst_name}</b>, GSTIN <code>{gst_gstin}</code>")
ASK_GSTIN = N_(
    "🧾 <b>GST details</b> (optional)\n\n"
    "Paying for a band or a company registered under GST? Send its GSTIN, the 15 "
    "characters on its registration, like <code>29AAHCM7727Q1ZI</code>. The invoice names "
    "it as the recipient, with the name you send next."
)
ASK_GST_NAME = N_(
    "🧾 GSTIN <code>{gstin}</code> ({state}).\n\n"
    "Now send the name registered with this GSTIN, as the invoice should print it."
)


def _week_refund_preview(booking: BookingFacts, quote: RefundQuote) -> str:
    assert booking.series is not None
    if booking.status.value == "PENDING_PAYMENT":
        return _(
            "Cancel the weekly booking <b>{code}</b>?\n\n"
            "Nothing has been paid yet, so there is nothing to refund; all "
            "{weeks} are released for other musicians (one payment "
            "was to pay for all of them)."
        ).format(code=booking.series.code, weeks=count(booking.series.count, WEEK))
    paid = money(booking.amount_paise)
    if quote.amount_paise:
        money_back = _(
            "you get <b>{amount}</b> back ({percent}% of this week's {paid}), to the account you paid from."
        ).format(amount=money(quote.amount_paise), percent=quote.percent, paid=paid)
    else:
        money_back = _("there is <b>no refund</b> for this week at this notice ({paid}).").format(paid=paid)
    return _(
        "Cancel {week} of the weekly booking <b>{series}</b> "
        "({day}, <code>{code}</code>)?\n\n"
        "If you cancel now, {money_back} The other weeks stay booked."
    ).format(
        week=series_mark(booking),
        series=booking.series.code,
        day=day(booking.day),
        code=booking.code,
        money_back=money_back,
    )


# ---- privacy (/privacy, issue 18 §4) -----------------------------------------------------

PRIVACY = N_(
    "🔒 <b>Your data at JamRoom bot</b>\n\n"
    "<b>What I keep, and why</b>\n"
    "• Your Telegram id, name, @username and language, and the city you last browsed: to "
    "know who books, to greet you and to search where you look.\n"
    "• Your bookings and payments (room, times, amounts, Razorpay's payment and refund ids): "
    "to hold your slots, confirm, remind you and refund.\n"
    "• Invoices and credit notes, with your name (or your band's GST details) as printed.\n"
    "• The menu you are in, messages I queue for you, and slots you wait for.\n\n"
    "<b>For how long</b>\n"
    "Everything until you delete it, except invoices and credit notes: GST law makes the "
    "room's seller keep them 72 months from the due date of that year's annual return "
    "(CGST Act s. 36). Menus close on their own.\n\n"
    "<b>Who sees it</b>\n"
    "• The owners of a room you book: your name and a link to your Telegram chat, with "
    "that booking.\n"
    "• The operator who runs this bot: its whole database.\n"
    "• Razorpay, who takes your payments: your name on the payment link and how you paid, "
    "under Razorpay's own privacy policy.\n"
    "Nobody else, and nothing is sold. In groups I show nothing personal.\n\n"
    "<b>Delete my data</b>\n"
    "Cancels your upcoming bookings by the rooms' refund rules (refunds go back to the "
    "account you paid from through Razorpay; no chat is needed), then erases your name, "
    "username, Telegram id, menus and messages. Kept: invoices and credit notes as printed, "
    "and your bookings' amounts and dates without your name, for refunds and the owners' "
    "accounts. Room owners ask the operator to hand their rooms over first.\n"
    "This follows India's Digital Personal Data Protection Act, 2023."
)


def delete_my_data_preview(upcoming: int, refund_paise: int, on_the_way_paise: int) -> str:
    """The confirmation screen: what deleting does now (``upcoming``: bookings it cancels,
    ``refund_paise``: what their cancellation gives back, ``on_the_way_paise``: refunds
    already asked for and not yet back)."""
    lines = [_("🗑 <b>Delete my data?</b>\n")]
    bookings = count(upcoming, BOOKING)
    if upcoming and refund_paise:
        cancelled = _(
            "• Your {bookings} to come will be cancelled, {amount} back by the rooms' refund rules."
        )
        lines.append(cancelled.format(bookings=bookings, amount=money(refund_paise)))
    elif upcoming:
        lines.append(_("• Your {bookings} to come will be cancelled.").format(bookings=bookings))
    else:
        lines.append(_("• You have no bookings to come."))
    if on_the_way_paise:
        lines.append(
            _("• Refunds of {amount} already on their way still reach you.").format(
                amount=money(on_the_way_paise)
            )
        )
    lines.append(
        _(
            "• Your name, username, Telegram id, menus and messages are erased; invoices and "
            "credit notes stay as printed, as GST law asks."
        )
    )
    lines.append(_("\nThis cannot be undone. Delete everything?"))
    return "\n".join(lines)


def cannot_delete_yet(reason: str) -> str:
    """The confirmation screen when deleting must wait; ``reason`` is HTML-escaped."""
    return _("🗑 <b>Delete my data</b>\n\n⚠️ {reason}").format(reason=reason)


# ---- language ---------------------------------------------------------------------------

CHOOSE_LANGUAGE = "🌐 Which language should I speak? · मैं किस भाषा में बात करूँ?"
LANGUAGE_NAMES = {"en": "English", "hi": "हिन्दी"}
"""Each language by its own name, so anyone can find theirs (keyed by ``Language``)."""


# ---- move a session, add an hour (issue 16 §2, §3) -----------------------------------------

MOVE_BUTTON = N_("🔁 Move to another time")
MOVE_PICK_A_DAY = N_(
    "🔁 <b>Move {code}</b> · {room_name}\nNow: {now_span}\n"
    "Moves are free until {free_until}. Pick the new day:"
)
MOVE_SLOTS_HEADING = N_(
    "🔁 <b>Move {code}</b> · {day}\nTimes are {zone} time. ★ peak price. "
    "Your session's own slots can be picked too."
)


def add_hour_button(price_paise: int) -> str:
    return _("➕ Add an hour · {price}").format(price=money(price_paise))


def move_review(
    booking: BookingFacts,
    room: RoomFacts,
    to_day: date,
    to_slots: Sequence[PricedSlotFacts],
    difference_paise: int,
    free_until: datetime,
    hold_minutes: int,
) -> str:
    new_price = money(sum(s.price_paise for s in to_slots))
    if difference_paise > 0:
        price = _(
            "💰 The new time costs {price}: "
            "pay the difference of <b>{difference}</b>. "
            "Your session stays where it is until that payment arrives; the new slots are held for "
            "{hold}."
        ).format(price=new_price, difference=money(difference_paise), hold=count(hold_minutes, MINUTE))
    elif difference_paise < 0:
        price = _("💰 The new time costs {price}: <b>{difference}</b> comes back to you.").format(
            price=new_price, difference=money(-difference_paise)
        )
    else:
        price = _("💰 Same price: nothing to pay.")
    return _(
        "<b>Please check the move</b>\n\n"
        "🏠 {room}\nFrom: {was}\n"
        "To: <b>{day}, {times}</b>\n\n"
        "{price}\n↩️ No fee: sessions here move free until {free_until}."
    ).format(
        room=h(room.name),
        was=session_span(booking, room.zone),
        day=day(to_day),
        times=time_span(to_slots[0].start, to_slots[-1].end, room.zone),
        price=price,
        free_until=moment(free_until, room.zone),
    )


def change_pay(
    booking: BookingFacts,
    room: RoomFacts,
    kind: str,
    to_day: date,
    to_slots: Sequence[SlotFacts],
    due_paise: int,
    lapses_at: datetime,
) -> str:
    """The pay screen of a move's or an extra hour's difference."""
    facts = {
        "code": booking.code,
        "day": day(to_day),
        "times": time_span(to_slots[0].start, to_slots[-1].end, room.zone),
        "amount": money(due_paise),
        "before": clock(lapses_at, room.zone),
    }
    if kind == "move":
        return _(
            "🔁 <b>Move {code}</b>\nTo: <b>{day}, {times}</b>\n\n"
            "Pay <b>{amount}</b> before <b>{before}</b> to move it. "
            "Until then your session stays at {session}; "
            "unpaid, the move lapses and nothing changes."
        ).format(session=session_span(booking, room.zone), **facts)
    return _(
        "➕ <b>Add an hour to {code}</b>\nThe session then runs {day}, {times}.\n\n"
        "Pay <b>{amount}</b> before <b>{before}</b>, when the hour begins; "
        "unpaid, it is let go and your session ends as booked."
    ).format(**facts)


def extend_review(booking: BookingFacts, room: RoomFacts, extra: SlotFacts, price_paise: int) -> str:
    return _(
        "➕ <b>Add an hour</b> · <code>{code}</code>\n🏠 {room}\n"
        "🗓 {session}\n\n"
        "Add {slot} for <b>{price}</b>? It is held for you until it "
        "begins at {begins}; pay before then."
    ).format(
        code=booking.code,
        room=h(room.name),
        session=session_span(booking, room.zone),
        slot=slot_span(extra, room.zone),
        price=money(price_paise),
        begins=clock(extra.start, room.zone),
    )


def moved_notice(refund_paise: int) -> str:
    if refund_paise:
        return _(
            "✅ Moved. {amount} will be refunded to the account you paid from; "
            "banks usually take 5–7 working days."
        ).format(amount=money(refund_paise))
    return _("✅ Moved. The new invoice and calendar file are on their way.")


CHANGE_PAYMENT_DOWN = N_(
    "⚠️ I could not reach the payment service just now. The new slots stay held; please tap Try again."
)


speaks_when_read(__name__)
