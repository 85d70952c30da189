"""The owner side as commands and buttons: invites, /owner menu (day schedule,
earnings, CSV, heatmap, share link), /block, /unblock and /terminate.

Every action re-checks ownership of the room in question (``require_owner``), so a
musician, an owner of another room or tampered callback data is refused with a
clear message and nothing changes."""

from __future__ import annotations

import logging
from datetime import date, datetime, time, timedelta
from html import escape

from aiogram import F, Router
from aiogram.filters import Command, CommandObject, CommandStart
from aiogram.filters.callback_data import CallbackData
from aiogram.types import (
    BufferedInputFile,
    CallbackQuery,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
)

from bot.owner_reports import bookings_csv, heatmap_png
from bot.services import Services
from domain.booking_status import BookingStatus
from domain.errors import BookingError, SlotsTakenError
from domain.money import format_inr
from domain.slots import slot_key
from storage.earnings import bookings_between, earnings_by_room, occupancy, periods
from storage.models import Booking, Room, User
from storage.outbox import enqueue
from storage.owners import accept_invite, require_owner, rooms_owned_by
from storage.users import register_user

log = logging.getLogger(__name__)

INVITE_PREFIX = "owner_"
NOT_AN_OWNER = "This menu is for room owners. If you run a room, ask JamRoom for an owner invite link."
HEATMAP_WEEKS = 4


class OwnerAction(CallbackData, prefix="own"):
    action: str
    room: str
    day: str = ""


def build_router() -> Router:
    router = Router(name=__name__)
    router.message.register(on_invite, CommandStart(deep_link=True, magic=F.args.startswith(INVITE_PREFIX)))
    router.message.register(on_owner, Command("owner"))
    router.message.register(on_block, Command("block", "unblock"))
    router.message.register(on_terminate, Command("terminate"))
    router.callback_query.register(on_action, OwnerAction.filter())
    return router


async def on_invite(message: Message, command: CommandObject) -> None:
    if message.from_user is None:
        return
    await register_user(message.from_user)
    try:
        rooms = await accept_invite((command.args or "").removeprefix(INVITE_PREFIX), message.from_user.id)
    except BookingError as error:
        await message.answer(str(error))
        return
    names = ", ".join(escape(r.name) for r in rooms)
    await message.answer(f"Welcome aboard! You now manage {names}. Send /owner for your menu.")


async def on_owner(message: Message) -> None:
    if message.from_user is None:
        return
    rooms = await rooms_owned_by(message.from_user.id)
    if not rooms:
        await message.answer(NOT_AN_OWNER)
        return
    for room in rooms:
        await message.answer(
            f"<b>{escape(room.name)}</b> · {escape(room.city)}", reply_markup=room_menu(room)
        )


def room_menu(room: Room) -> InlineKeyboardMarkup:
    room_id = str(room.id)

    def button(text: str, action: str) -> InlineKeyboardButton:
        return InlineKeyboardButton(text=text, callback_data=OwnerAction(action=action, room=room_id).pack())

    return InlineKeyboardMarkup(
        inline_keyboard=[
            [button("📅 Today's schedule", "day"), button("💰 Earnings", "earn")],
            [button("📄 This month (CSV)", "csv"), button("🔥 How full (4 weeks)", "heat")],
            [button("🔗 Share booking link", "link")],
        ]
    )


async def on_action(callback: CallbackQuery, callback_data: OwnerAction, services: Services) -> None:
    try:
        room = await require_owner(callback_data.room, callback.from_user.id)
    except BookingError as error:
        await callback.answer(str(error), show_alert=True)
        return
    await callback.answer()
    message = callback.message
    if not isinstance(message, Message):
        return
    today = services.bookings.today(room)
    match callback_data.action:
        case "day":
            day = _parse_day(callback_data.day) or today
            await message.answer(await schedule_text(room, day), reply_markup=day_buttons(room, day))
        case "earn":
            await message.answer(await earnings_text(room, today))
        case "csv":
            found = await bookings_between(room, *periods(today)["This month"])
            musicians = {
                u.id: u for u in await User.find({"_id": {"$in": [b.user_id for b in found]}}).to_list()
            }
            name = f"{room.slug}-{today:%Y-%m}.csv"
            await message.answer_document(
                BufferedInputFile(bookings_csv(room, found, musicians), filename=name),
                caption=f"{escape(room.name)}: {len(found)} booking(s) in {today:%B %Y}",
            )
        case "heat":
            matrix = await occupancy(room, today, HEATMAP_WEEKS)
            png = heatmap_png(room, matrix, HEATMAP_WEEKS)
            await message.answer_photo(BufferedInputFile(png, filename="occupancy.png"))
        case "link":
            link = f"https://t.me/{services.bot_username}?start=room_{room.slug}"
            await message.answer(f"Share this link; it opens {escape(room.name)} in the bot:\n{link}")
        case _:
            await message.answer("That button is not known any more. Send /owner for a fresh menu.")


def _parse_day(text: str) -> date | None:
    try:
        return date.fromisoformat(text) if text else None
    except ValueError:
        return None


def day_buttons(room: Room, day: date) -> InlineKeyboardMarkup:
    def button(text: str, target: date) -> InlineKeyboardButton:
        data = OwnerAction(action="day", room=str(room.id), day=target.isoformat()).pack()
        return InlineKeyboardButton(text=text, callback_data=data)

    return InlineKeyboardMarkup(
        inline_keyboard=[
            [button("‹ Previous day", day - timedelta(days=1)), button("Next day ›", day + timedelta(days=1))]
        ]
    )


async def schedule_text(room: Room, day: date) -> str:
    bookings = [b for b in await bookings_between(room, day, day) if b.status is not BookingStatus.EXPIRED]
    heading = f"📅 <b>{escape(room.name)}</b> — {day:%a %d %b %Y}"
    if not bookings:
        return f"{heading}\nNo bookings."
    musicians = {u.id: u for u in await User.find({"_id": {"$in": [b.user_id for b in bookings]}}).to_list()}
    zone = room.zone
    lines = [heading]
    for b in bookings:
        who = musicians.get(b.user_id)
        name = escape(who.display_name) if who else "musician"
        handle = f" @{escape(who.username)}" if who and who.username else ""
        lines.append(
            f"• {b.starts_at.astimezone(zone):%H:%M}–{b.ends_at.astimezone(zone):%H:%M} "
            f"<code>{b.code}</code> "
            f'<a href="tg://user?id={b.user_id}">{name}</a>{handle} · {b.status.human} · '
            f"{format_inr(b.amount_paise)}"
        )
    lines.append("To cancel one: /terminate CODE reason")
    return "\n".join(lines)


async def earnings_text(room: Room, today: date) -> str:
    lines = [f"💰 <b>{escape(room.name)}</b> (paid minus refunds, by session date)"]
    for label, (first, last) in periods(today).items():
        earned = (await earnings_by_room([room], first, last))[str(room.id)]
        lines.append(f"{label}: {format_inr(earned.net_paise)} · {earned.bookings} booking(s)")
    return "\n".join(lines)


BLOCK_USAGE = (
    "Usage: /block ROOM-SLUG YYYY-MM-DD HH:MM[,HH:MM...] (or 'all' for the whole day), "
    "and the same with /unblock."
)


async def on_block(message: Message, command: CommandObject, services: Services) -> None:
    if message.from_user is None:
        return
    parts = (command.args or "").split()
    day = _parse_day(parts[1]) if len(parts) == 3 else None
    if day is None:
        await message.answer(BLOCK_USAGE)
        return
    room = await Room.find_one(Room.slug == parts[0])
    try:
        room = await require_owner(str(room.id) if room else "", message.from_user.id)
        keys = await _slot_keys(room, day, parts[2], services)
        if command.command == "unblock":
            freed = await services.bookings.unblock_slots(room, day, keys)
            await message.answer(f"Unblocked {freed} slot(s) on {day:%d %b}.")
            return
        blocked = await services.bookings.block_slots(room, day, keys, owner_id=message.from_user.id)
    except SlotsTakenError as error:
        taken = ", ".join(f"{s.astimezone(room.zone):%H:%M}" for s in error.starts) if room else ""
        await message.answer(f"Nothing was blocked: these slots are booked or blocked already: {taken}.")
        return
    except (BookingError, ValueError) as error:
        await message.answer(str(error))
        return
    await message.answer(f"Blocked {len(blocked)} slot(s) on {day:%d %b} for {escape(room.name)}.")


async def _slot_keys(room: Room, day: date, spec: str, services: Services) -> list[str]:
    if spec == "all":
        return [o.slot.key for o in await services.bookings.offers(room, day)]
    keys = []
    for text in spec.split(","):
        try:
            moment = time.fromisoformat(text)
        except ValueError as error:
            raise ValueError(f"{text!r} is not a time like 18:00. {BLOCK_USAGE}") from error
        keys.append(slot_key(datetime.combine(day, moment, tzinfo=room.zone)))
    return keys


async def on_terminate(message: Message, command: CommandObject, services: Services) -> None:
    if message.from_user is None:
        return
    code, _, reason = (command.args or "").strip().partition(" ")
    if not code or not reason.strip():
        await message.answer("Usage: /terminate JR-XXXXXX reason the musician will read")
        return
    booking = await Booking.find_one(Booking.code == code.upper())
    try:
        room = await require_owner(booking.room_id if booking else "", message.from_user.id)
        assert booking is not None
        ended = await services.bookings.terminate_by_owner(
            booking, owner_id=message.from_user.id, reason=reason[:300]
        )
    except BookingError as error:
        await message.answer(str(error))
        return
    await enqueue(
        ended.user_id,
        f"❗ {escape(room.name)} had to cancel your booking <code>{ended.code}</code>: "
        f"{escape(reason[:300])}\n"
        f"You get a full refund of {format_inr(ended.amount_paise)}.",
        dedupe_key=f"{ended.id}:terminated",
        now=services.clock.now(),
    )
    if services.payments is not None:
        await services.payments.refund_due(ended)
    await message.answer(
        f"Cancelled <code>{ended.code}</code>; the slots are free and "
        f"{format_inr(ended.amount_paise)} is being refunded."
    )
