"""``python -m bot.admin``: manage rooms and owners from the shell.

Uses the same database as the bot (MONGODB_URI, or the embedded one in ./data).
Every command validates all of its input before it writes anything.
"""

from __future__ import annotations

import argparse
import asyncio
import re
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import time
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import ValidationError
from pymongo.errors import ConnectionFailure

from bot.config import Settings, describe
from domain import room_settings
from domain.gst.gstin import GstinRefusedError, parse_gstin
from domain.gst.numbers import NumberProblem, NumberRefusedError, check_series_prefixes, financial_year
from domain.gst.rates import MAX_RATE_BP, RateRefusedError, parse_rate_percent
from domain.gst.sac import SacRefusedError, parse_sac
from domain.gst.states import State, StateNotFoundError, state_by_code, state_by_name
from domain.gst.supply import Treatment, treatment
from domain.invites import DEFAULT_INVITE_DAYS, MAX_INVITE_DAYS, invite_expires_at
from domain.money import format_inr, rupees
from domain.payouts import is_linked_account
from domain.room_settings import SettingError
from domain.slots import describe_hours, local_day
from domain.words.hours import WEEKDAY_NAMES
from domain.words.refusals import gstin_refused
from storage.database import open_database
from storage.demo import seed_demo
from storage.embedded import EmbeddedDatabaseError
from storage.embedded_sharing import Role, holds_database
from storage.models import Room
from storage.owners import create_invite, grant_rooms, revoke_rooms
from storage.payouts import set_payout_account
from storage.room_settings import save_room_changes
from storage.rooms import add_room, all_rooms, room_by_slug
from storage.sellers import (
    DEFAULT_CREDIT_NOTE_PREFIX,
    DEFAULT_INVOICE_PREFIX,
    IssuingSeller,
    owner_seller_id,
    registered_seller_id,
    room_sac,
    room_state,
    save_seller,
    seller_of,
    set_room_tax,
)
from storage.times import utc_now

SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{1,48}[a-z0-9]$")
BOT_USERNAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]{4,31}$")
TELEGRAM_TIMEOUT_SECONDS = 15


DESCRIPTION = """\
Manage JamRoom rooms and owners, in the bot's database: MONGODB_URI, or the embedded
one in DATA_DIR (default ./data, relative to the current folder; every run names the
data directory it uses, and only seed-demo and add-room start a new database in an
empty one).

Works while the bot runs: commands use the running bot's database server, and the
bot sees their changes without a restart: new rooms and owners at once, changes to a
room within 10 s (the bot keeps a room it has read for up to 10 s).
"""


class AdminError(Exception):
    """Bad input; the message says what to fix. Nothing was written."""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m bot.admin",
        description=DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    seed = commands.add_parser("seed-demo", help="load 3 demo rooms in Bengaluru and Mumbai")
    seed.add_argument("--owner", type=int, action="append", default=[], help="Telegram id of the demo owner")

    commands.add_parser("list-rooms", help="list every room with its prices, hours and owners")

    add = commands.add_parser("add-room", help="add a room")
    add.add_argument("slug", help="short id used in links, e.g. bass-cave-indiranagar")
    _room_options(add, required=True)
    add.add_argument(
        "--owner", type=int, action="append", help="the room's owner, a Telegram id (repeatable)"
    )

    edit = commands.add_parser(
        "edit-room",
        help="change some fields of a room, add or remove its owners",
        description="Change the given fields of a room; the rest stay as they are. Owners are added "
        "and removed one by one (--add-owner, --remove-owner); there is no --owner here, "
        "since it used to replace every owner of the room at once.",
    )
    edit.add_argument("slug")
    _room_options(edit, required=False)
    for option in ("--add-owner", "--remove-owner"):
        edit.add_argument(
            option, type=int, action="append", default=[], metavar="TELEGRAM_ID", help="repeatable"
        )
    edit.add_argument("--owner", type=int, action="append", help=argparse.SUPPRESS)
    edit.add_argument("--pause", action="store_true", help="stop taking bookings")
    edit.add_argument("--resume", action="store_true", help="take bookings again")

    owner = commands.add_parser("add-owner", help="register a Telegram user as owner of rooms")
    owner.add_argument("telegram_id", type=int)
    owner.add_argument("--room", action="append", required=True, help="room slug (repeatable)")
    owner.add_argument("--name", default="", help="owner's first name until they talk to the bot")

    invite = commands.add_parser(
        "invite-owner",
        help="print a single-use owner invite link for rooms (expires after --days)",
        description="Print a link that makes whoever opens it first an owner of the rooms. It works "
        f"once, for --days days (default {DEFAULT_INVITE_DAYS}).",
    )
    invite.add_argument("--room", action="append", required=True, help="room slug (repeatable)")
    invite.add_argument(
        "--days",
        type=int,
        default=DEFAULT_INVITE_DAYS,
        help=f"days the link works, 1 to {MAX_INVITE_DAYS} (default {DEFAULT_INVITE_DAYS})",
    )
    invite.add_argument(
        "--bot-username",
        help="the bot's @username for the link (default: BOT_USERNAME from the environment or .env, "
        "else asked from Telegram with BOT_TOKEN)",
    )

    remove = commands.add_parser("remove-owner", help="take rooms away from an owner")
    remove.add_argument("telegram_id", type=int)
    remove.add_argument("--room", action="append", required=True, help="room slug (repeatable)")

    seller = commands.add_parser(
        "set-seller",
        help="set who issues a room's invoices: legal name, address, GSTIN, number prefixes",
        description=SELLER_DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    seller.add_argument("slug", help="the room")
    seller.add_argument("--legal-name", required=True, help="the seller's legal name, as registered")
    seller.add_argument("--address", required=True, help="the seller's address, as registered")
    seller.add_argument("--gstin", help="the seller's GSTIN; leave out for a seller not registered under GST")
    seller.add_argument(
        "--owner",
        type=int,
        help="without --gstin: whose unregistered series (a Telegram id; default the room's first owner)",
    )
    seller.add_argument(
        "--prefix",
        default=DEFAULT_INVOICE_PREFIX,
        help=f"invoice numbers' prefix, 1-3 letters or digits (default {DEFAULT_INVOICE_PREFIX})",
    )
    seller.add_argument(
        "--credit-note-prefix",
        default=DEFAULT_CREDIT_NOTE_PREFIX,
        help=f"credit notes' prefix, not the invoices' (default {DEFAULT_CREDIT_NOTE_PREFIX})",
    )
    _room_tax_options(seller)

    tax = commands.add_parser(
        "set-room-tax", help="change a room's state, SAC or GST rate; its seller stays as it is"
    )
    tax.add_argument("slug")
    _room_tax_options(tax)

    show = commands.add_parser("show-seller", help="show who issues a room's invoices and how they are taxed")
    show.add_argument("slug")

    payout = commands.add_parser(
        "set-payout-account",
        help="tie a room to its owner's Razorpay Route linked account (acc_...), or --clear it",
        description=PAYOUT_DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    payout.add_argument("slug", help="the room")
    payout.add_argument("account", nargs="?", help="the linked account's id: acc_ and 14 letters or digits")
    payout.add_argument("--clear", action="store_true", help="untie the room: payouts off for new payments")

    show_payouts = commands.add_parser(
        "show-payouts", help="show a room's linked account and the platform's commission"
    )
    show_payouts.add_argument("slug")
    return parser


PAYOUT_DESCRIPTION = """\
Tie a room to its owner's Razorpay Route linked account (Razorpay dashboard: Route >
Linked Accounts, an id like acc_Hk1b2C3d4E5f6G). From then on, every captured payment
for the room's bookings transfers the owner's share (the price less PLATFORM_COMMISSION_BP)
to that account, and refunds reverse the owner's part. --clear unties it: later payments
stay in the platform's account. Payments made before keep the account they were paid to.
Payouts run only with Razorpay keys (never on the sandbox).
"""


SELLER_DESCRIPTION = """\
Set the seller of a room: the entity whose invoices and credit notes the bot issues for
its bookings, each seller with its own numbers per financial year (PREFIX/26-27/000001,
credit notes in a series of their own).

With --gstin, the seller is registered under GST: every room set to one GSTIN shares
its series, and setting it again updates its name, address and prefixes for all of
them. Without --gstin, the seller is an owner's unregistered series ("not registered
under GST", no tax lines): --owner, or the room's first owner.

The place of supply of a room booking is the room's state (IGST Act s. 12(3)): give
--room-state when the room is not in the GSTIN's state; its bookings are then taxed
IGST instead of CGST + SGST. Documents already issued keep what they printed.
"""


def _room_tax_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--room-state",
        help="the room's state, a name or GST code (Karnataka, 29); default: the seller GSTIN's state",
    )
    parser.add_argument("--sac", help="the service code printed on invoices (default 997212)")
    parser.add_argument(
        "--gst-rate", help=f"GST rate in percent, above 0 and up to {MAX_RATE_BP // 100} (default 18)"
    )


def _room_options(parser: argparse.ArgumentParser, *, required: bool) -> None:
    parser.add_argument("--name", required=required)
    parser.add_argument("--city", required=required)
    parser.add_argument("--address", required=required)
    parser.add_argument("--price", type=int, required=required, help="rupees per hour")
    parser.add_argument(
        "--peak-price", type=int, required=required, help="rupees per hour at peak, not below --price"
    )
    parser.add_argument("--peak-hours", help="evening peak window, e.g. 18:00-23:00 (default)")
    parser.add_argument("--weekends-off-peak", action="store_true", help="weekends at the normal price")
    parser.add_argument(
        "--hours",
        help="opening hours per weekday, 0=Mon..6=Sun, e.g. '0-4=10:00-22:00,5=09:00-02:00' "
        "(unlisted days are closed; default every day 10:00-22:00)",
    )
    parser.add_argument("--slot-minutes", type=int, help="slot length: 30, 45, 60, 90 or 120")
    parser.add_argument("--lat", type=float)
    parser.add_argument("--lon", type=float)
    parser.add_argument("--capacity", type=int)
    parser.add_argument("--amenities", help="comma separated, e.g. 'Drum kit,2 amps,PA'")
    parser.add_argument("--description")
    parser.add_argument("--timezone", help="IANA zone, default Asia/Kolkata")
    parser.add_argument("--business-name")
    parser.add_argument("--gstin")


def parse_weekly_hours(text: str) -> dict[str, str]:
    """``'0-4=10:00-22:00,5=09:00-02:00'`` → ``{"0": "10:00-22:00", ..., "5": "09:00-02:00"}``."""
    try:
        return room_settings.parse_weekly_hours(text)
    except SettingError as error:
        raise AdminError(f"--hours: {error}") from error


def room_fields(args: argparse.Namespace) -> dict[str, Any]:
    """The room fields given on the command line, validated; raises AdminError."""
    fields: dict[str, Any] = {}
    for name in ("name", "city", "address", "description", "business_name"):
        value = getattr(args, name)
        if value is not None:
            if not value.strip() or len(value) > 500:
                raise AdminError(f"--{name.replace('_', '-')} must be 1 to 500 characters")
            fields[name] = value.strip()
    if args.price is not None:
        fields["hourly_paise"] = _positive_rupees(args.price, "--price")
    if args.peak_price is not None:
        fields["peak_hourly_paise"] = _positive_rupees(args.peak_price, "--peak-price")
    if "hourly_paise" in fields and "peak_hourly_paise" in fields:
        try:
            room_settings.check_peak_price(fields["hourly_paise"], fields["peak_hourly_paise"])
        except SettingError as error:
            raise AdminError(f"--peak-price: {error}") from error
    if args.peak_hours:
        try:
            fields["peak_starts"], fields["peak_ends"] = room_settings.parse_window(args.peak_hours)
        except SettingError as error:
            raise AdminError(f"--peak-hours: {error}") from error
    if args.weekends_off_peak:
        fields["weekends_are_peak"] = False
    if args.hours:
        fields["opening_hours"] = parse_weekly_hours(args.hours)
    if args.slot_minutes is not None:
        if args.slot_minutes not in room_settings.SLOT_LENGTHS:
            raise AdminError("--slot-minutes must be 30, 45, 60, 90 or 120")
        fields["slot_minutes"] = args.slot_minutes
    if (args.lat is None) != (args.lon is None):
        raise AdminError("give --lat and --lon together")
    if args.lat is not None:
        if not (-90 <= args.lat <= 90 and -180 <= args.lon <= 180):
            raise AdminError("--lat must be -90..90 and --lon -180..180")
        fields["latitude"], fields["longitude"] = args.lat, args.lon
    if args.capacity is not None:
        if not 1 <= args.capacity <= 100:
            raise AdminError("--capacity must be 1 to 100")
        fields["capacity"] = args.capacity
    if args.amenities is not None:
        fields["amenities"] = [a.strip() for a in args.amenities.split(",") if a.strip()]
    if args.timezone:
        try:
            ZoneInfo(args.timezone)
        except (ZoneInfoNotFoundError, ValueError) as error:
            raise AdminError(f"--timezone {args.timezone!r} is not a known time zone") from error
        fields["timezone"] = args.timezone
    if args.gstin:
        fields["gstin"] = str(checked_gstin(args.gstin))
    if args.command == "add-room" and args.owner:
        fields["owner_ids"] = sorted(set(telegram_ids(args.owner, "--owner")))
    return fields


def checked_gstin(text: str) -> Any:
    try:
        return parse_gstin(text)
    except GstinRefusedError as error:
        raise AdminError(f"--gstin: {gstin_refused(error)}") from None


@dataclass(frozen=True)
class SellerInput:
    """set-seller's arguments, validated."""

    legal_name: str
    address: str
    gstin: Any
    invoice_prefix: str
    credit_note_prefix: str
    room_tax: dict[str, Any]


def seller_input(args: argparse.Namespace) -> SellerInput:
    """set-seller's arguments checked before the database is opened; raises AdminError."""
    legal_name, address = " ".join(args.legal_name.split()), " ".join(args.address.split())
    if not 1 <= len(legal_name) <= 200:
        raise AdminError("--legal-name must be 1 to 200 characters")
    if not 1 <= len(address) <= 500:
        raise AdminError("--address must be 1 to 500 characters")
    gstin = checked_gstin(args.gstin) if args.gstin else None
    if gstin is not None and args.owner is not None:
        raise AdminError("--owner names an unregistered series: give --gstin or --owner, not both")
    if args.owner is not None:
        telegram_ids([args.owner], "--owner")
    try:
        prefixes = check_series_prefixes(args.prefix, args.credit_note_prefix)
    except NumberRefusedError as error:
        raise AdminError(_prefix_refused(error)) from None
    return SellerInput(legal_name, address, gstin, *prefixes, room_tax_fields(args))


def _prefix_refused(error: NumberRefusedError) -> str:
    match error.problem:
        case NumberProblem.SAME_PREFIX:
            return "--credit-note-prefix must differ from --prefix: credit notes have a series of their own"
        case NumberProblem.PREFIX_TOO_LONG:
            return f"a prefix is at most {error.limit} characters (a number has at most 16: JR/26-27/000001)"
    return "a prefix is 1-3 letters A-Z or digits, not starting with 0 (e.g. JR, BC1)"


def room_tax_fields(args: argparse.Namespace) -> dict[str, Any]:
    fields: dict[str, Any] = {}
    if args.room_state:
        fields["gst_state_code"] = parse_state(args.room_state).code
    if args.sac:
        try:
            fields["sac_code"] = parse_sac(args.sac)
        except SacRefusedError:
            raise AdminError("--sac must be a service code, 4 or 6 digits from 99: e.g. 997212") from None
    if args.gst_rate:
        try:
            fields["gst_rate_bp"] = parse_rate_percent(args.gst_rate)
        except RateRefusedError:
            raise AdminError(
                f"--gst-rate must be a percentage above 0 and up to {MAX_RATE_BP // 100}, "
                "with at most two decimals, e.g. 18"
            ) from None
    return fields


def parse_state(text: str) -> State:
    try:
        return state_by_code(text) if text.strip().isdigit() else state_by_name(text)
    except StateNotFoundError:
        raise AdminError(
            f"--room-state {text!r} is not an Indian state or union territory (a name like "
            "Karnataka, or its GST code like 29)"
        ) from None


def owner_changes(args: argparse.Namespace) -> tuple[list[int], list[int]]:
    """edit-room's owners to add and to remove, validated; raises AdminError."""
    if args.owner:
        raise AdminError(
            "edit-room has no --owner (it used to replace every owner): "
            "use --add-owner ID or --remove-owner ID, once per owner"
        )
    added = telegram_ids(args.add_owner, "--add-owner")
    removed = telegram_ids(args.remove_owner, "--remove-owner")
    both = sorted(set(added) & set(removed))
    if both:
        raise AdminError(f"{', '.join(map(str, both))} is both added and removed: give one of the two")
    return added, removed


def telegram_ids(values: Sequence[int], option: str) -> list[int]:
    if any(value <= 0 for value in values):
        raise AdminError(f"{option} takes a Telegram user id: a positive number")
    return list(dict.fromkeys(values))


def invite_days(days: int) -> int:
    if not 1 <= days <= MAX_INVITE_DAYS:
        raise AdminError(f"--days must be 1 to {MAX_INVITE_DAYS}")
    return days


def _positive_rupees(value: int, option: str) -> int:
    if not 1 <= value <= 100_000:
        raise AdminError(f"{option} must be 1 to 1,00,000 rupees per hour")
    return rupees(value)


def payout_account(args: argparse.Namespace) -> str | None:
    """The account to tie the room to, or None for --clear."""
    if args.clear:
        if args.account:
            raise AdminError("give a linked account or --clear, not both")
        return None
    if not args.account:
        raise AdminError("give the linked account (acc_ and 14 letters or digits), or --clear")
    account = args.account.strip()
    if not is_linked_account(account):
        raise AdminError(
            "a Razorpay linked account id is acc_ followed by 14 letters or digits "
            "(Razorpay dashboard: Route > Linked Accounts)"
        )
    return account


def describe_payouts(room: Room, settings: Settings) -> str:
    commission = settings.platform_commission_bp
    lines = [
        f"{room.slug}: payouts to {room.payout_account}"
        if room.payout_account
        else f"{room.slug}: payouts off"
    ]
    lines.append(
        f"  platform commission: {commission / 100:g}% ({commission} basis points, PLATFORM_COMMISSION_BP)"
    )
    if settings.uses_sandbox:
        lines.append("  no Razorpay keys set: the sandbox never pays out; set the RAZORPAY_ keys for payouts")
    return "\n".join(lines)


def describe_room(room: Room) -> str:
    hours = "; ".join(describe_hours(room.hours)) or "closed every day"
    state = "active" if room.active else "PAUSED"
    owners = ", ".join(map(str, room.owner_ids)) or "none"
    return (
        f"{room.slug} — {room.name}, {room.city} ({state})\n"
        f"  {format_inr(room.hourly_paise)}/h, peak {format_inr(room.peak_hourly_paise)}/h "
        f"{room.peak_starts}-{room.peak_ends}{' and weekends' if room.weekends_are_peak else ''}; "
        f"{room.slot_minutes}-min slots\n"
        f"  {hours}\n  owners: {owners}"
    )


async def execute(args: argparse.Namespace, settings: Settings | None = None) -> str:
    """Run one admin command against the open database; returns what to print.
    ``settings`` (default: read from the environment and .env) gives invite links the
    bot's username."""
    match args.command:
        case "seed-demo":
            added, existing = await seed_demo(args.owner)
            for telegram_id in args.owner:
                await grant_rooms(telegram_id, [])  # seed_demo made them the rooms' owners
            return f"demo rooms: {added} added, {existing} already there"
        case "list-rooms":
            rooms = await all_rooms()
            return "\n".join(describe_room(r) for r in rooms) or "no rooms yet: try `seed-demo`"
        case "add-room":
            return await _add_room(args)
        case "edit-room":
            return await _edit_room(args)
        case "add-owner" | "remove-owner":
            return await _change_owner(args)
        case "invite-owner":
            return await _invite_owner(args, settings or Settings())
        case "set-seller":
            return await _set_seller(args)
        case "set-room-tax":
            fields = room_tax_fields(args)
            if not fields:
                raise AdminError("nothing to change: give --room-state, --sac or --gst-rate")
            room = await set_room_tax(await _room_by_slug(args.slug), fields)
            return "updated\n" + await describe_seller(room)
        case "show-seller":
            return await describe_seller(await _room_by_slug(args.slug))
        case "set-payout-account":
            account = payout_account(args)
            room = await set_payout_account(await _room_by_slug(args.slug), account)
            return ("payout account set\n" if account else "payout account cleared\n") + describe_payouts(
                room, settings or Settings()
            )
        case "show-payouts":
            return describe_payouts(await _room_by_slug(args.slug), settings or Settings())
    raise AdminError(f"unknown command {args.command}")


async def _set_seller(args: argparse.Namespace) -> str:
    given = seller_input(args)
    room = await _room_by_slug(args.slug)
    if given.gstin is not None:
        seller_id = registered_seller_id(given.gstin)
    else:
        owner = args.owner if args.owner is not None else (room.owner_ids[0] if room.owner_ids else None)
        if owner is None:
            raise AdminError(
                f"{room.slug} has no owner whose unregistered series to use: give --gstin or --owner ID"
            )
        seller_id = owner_seller_id(owner)
    await save_seller(
        seller_id,
        legal_name=given.legal_name,
        address=given.address,
        gstin=given.gstin,
        invoice_prefix=given.invoice_prefix,
        credit_note_prefix=given.credit_note_prefix,
    )
    room = await set_room_tax(room, {"seller_id": seller_id, **given.room_tax})
    return "seller set\n" + await describe_seller(room)


async def describe_seller(room: Room) -> str:
    seller = await seller_of(room)
    place = room_state(room, seller)
    year = financial_year(utc_now().astimezone(room.zone).date())[2:]
    how = "set with set-seller" if seller.configured else _default_seller(room, seller)
    lines = [f"{room.slug}: invoices issued by {seller.legal_name} ({how})", f"  address: {seller.address}"]
    if seller.gstin is None:
        lines.append("  not registered under GST: no GST charged, no tax lines")
    else:
        assert seller.state is not None
        taxed = treatment(seller=seller.gstin, place=place or seller.state)
        taxes = {Treatment.INTER_STATE: "IGST", Treatment.INTRA_UT: "CGST + UTGST"}.get(taxed, "CGST + SGST")
        where = place or seller.state
        lines += [
            f"  GSTIN {seller.gstin}, registered in {seller.state.name} ({seller.state.code})",
            f"  place of supply: the room's state, {where.name} ({where.code}): {taxes}",
            f"  SAC {room_sac(room)} at {room.gst_rate_bp / 100:g}%",
        ]
    lines.append(
        f"  numbers: invoices {seller.invoice_prefix}/{year}/000001 on, "
        f"credit notes {seller.credit_note_prefix}/{year}/000001 on (series {seller.id})"
    )
    return "\n".join(lines)


def _default_seller(room: Room, seller: IssuingSeller) -> str:
    if seller.gstin is not None:
        return "the room's own GSTIN from add-room/edit-room; set-seller sets its legal name"
    return f"the default unregistered series {seller.id}; set-seller sets the legal name and GSTIN"


async def _invite_owner(args: argparse.Namespace, settings: Settings) -> str:
    days = invite_days(args.days)
    rooms = [await _room_by_slug(slug) for slug in args.room]
    username = await bot_username(args.bot_username, settings)  # refuses before anything is written
    now = utc_now()
    token = await create_invite(rooms, now, days)
    until = invite_expires_at(now, days).astimezone(rooms[0].zone)
    return (
        f"single-use owner link for {', '.join(r.slug for r in rooms)}, "
        f"valid until {until:%d %b %Y %H:%M} {rooms[0].zone.key} ({days} days):\n"
        f"https://t.me/{username}?start=owner_{token}"
    )


async def _add_room(args: argparse.Namespace) -> str:
    if not SLUG.match(args.slug):
        raise AdminError("the slug must be 3-50 lowercase letters, digits and dashes")
    fields = room_fields(args)
    fields.setdefault("opening_hours", {str(d): "10:00-22:00" for d in range(7)})
    if await room_by_slug(args.slug) is not None:
        raise AdminError(f"a room with slug {args.slug!r} exists already; use edit-room")
    room = await add_room(args.slug, fields)
    for telegram_id in room.owner_ids:
        await grant_rooms(telegram_id, [])  # already the room's owners: marks them as owners
    return "added\n" + describe_room(room)


async def _edit_room(args: argparse.Namespace) -> str:
    room = await _room_by_slug(args.slug)
    fields = room_fields(args)
    added, removed = owner_changes(args)
    if args.pause and args.resume:
        raise AdminError("give --pause or --resume, not both")
    if args.pause or args.resume:
        fields["active"] = bool(args.resume)
    if not fields and not added and not removed:
        raise AdminError("nothing to change: give at least one option")
    kept: dict[str, str] = {}
    if fields:
        try:
            kept = (await save_room_changes(room, fields, local_day(utc_now(), room.zone))).kept_grids
        except SettingError as error:
            raise AdminError(str(error)) from error
    assert room.id is not None
    for telegram_id in added:
        await grant_rooms(telegram_id, [room.id])
    for telegram_id in removed:
        await revoke_rooms(telegram_id, [room.id])
    fresh = await _room_by_slug(args.slug)
    kept_days = f"\n  days keeping their booked hours: {', '.join(kept)}" if kept else ""
    return "updated\n" + describe_room(fresh) + kept_days


async def _change_owner(args: argparse.Namespace) -> str:
    (telegram_id,) = telegram_ids([args.telegram_id], "the owner")
    rooms = [await _room_by_slug(slug) for slug in args.room]  # all must exist before any write
    room_ids = [room.id for room in rooms if room.id is not None]
    if args.command == "add-owner":
        await grant_rooms(telegram_id, room_ids, first_name=args.name)
        return f"{telegram_id} now owns: {', '.join(r.slug for r in rooms)}"
    await revoke_rooms(telegram_id, room_ids)
    return f"{telegram_id} no longer owns: {', '.join(r.slug for r in rooms)}"


async def bot_username(given: str | None, settings: Settings) -> str:
    """The bot's username for links: ``--bot-username``, else BOT_USERNAME, else asked
    from Telegram (getMe) with BOT_TOKEN; AdminError when none of them can say."""
    for name in (given, settings.bot_username):
        if name and name.strip():
            username = name.strip().removeprefix("@")
            if not BOT_USERNAME.match(username):
                raise AdminError(f"{username!r} is not a Telegram username (5-32 letters, digits and _)")
            return username
    token = settings.bot_token.get_secret_value().strip() if settings.bot_token else ""
    if not token:
        raise AdminError(
            "the link needs the bot's username: set BOT_USERNAME (or BOT_TOKEN, to ask Telegram) "
            "in .env, or give --bot-username"
        )
    return await _username_from_telegram(token, settings.telegram_api_url)


async def _username_from_telegram(token: str, api_url: str | None) -> str:
    # aiogram is imported here, not at the top: the other commands do not need it.
    from aiogram import Bot
    from aiogram.client.session.aiohttp import AiohttpSession
    from aiogram.client.telegram import TelegramAPIServer
    from aiogram.exceptions import TelegramAPIError, TelegramNetworkError, TelegramUnauthorizedError

    # Settings already refused a token not shaped like Telegram's.
    session = AiohttpSession(api=TelegramAPIServer.from_base(api_url)) if api_url else AiohttpSession()
    bot = Bot(token, session=session)
    try:
        me = await bot.get_me(request_timeout=TELEGRAM_TIMEOUT_SECONDS)
    except TelegramUnauthorizedError:
        raise AdminError(
            "Telegram refused BOT_TOKEN: check it with @BotFather, or set BOT_USERNAME"
        ) from None
    except (TelegramNetworkError, TelegramAPIError, TimeoutError, OSError) as error:
        # The error's text is not shown: it may carry the request's URL, token included.
        raise AdminError(
            f"could not ask Telegram for the bot's username ({type(error).__name__}): "
            "set BOT_USERNAME in .env, or give --bot-username"
        ) from None
    finally:
        await bot.session.close()
    if not me.username:
        raise AdminError("Telegram did not say the bot's username: set BOT_USERNAME in .env")
    return me.username


async def _room_by_slug(slug: str) -> Room:
    room = await room_by_slug(slug)
    if room is None:
        raise AdminError(f"no room with slug {slug!r}; see list-rooms")
    return room


COMMANDS_THAT_CREATE = ("seed-demo", "add-room")
"""The commands that may start a new database in an empty data directory; the others
refuse one, so a run from the wrong folder does not quietly make a second database."""


async def _run(args: argparse.Namespace, settings: Settings) -> str:
    uri = settings.mongodb_uri.get_secret_value() if settings.mongodb_uri else None
    if uri is None:
        _check_data_dir(args.command, settings.data_dir)
    try:
        database = await open_database(uri, settings.data_dir, role=Role.ADMIN)
    except EmbeddedDatabaseError as error:
        raise AdminError(str(error)) from error
    except ConnectionFailure as error:
        raise AdminError(f"cannot reach the database ({type(error).__name__}); is it running?") from error
    print(f"database: {database.description}", file=sys.stderr)  # noqa: T201
    try:
        return await execute(args, settings)
    except ConnectionFailure as error:
        raise AdminError(f"lost the database while working ({type(error).__name__}); try again") from error
    finally:
        await database.close()


def _check_data_dir(command: str, data_dir: Path) -> None:
    where = data_dir.resolve()
    if holds_database(where) or (where.exists() and not where.is_dir()):
        return  # a file where the folder should be: opening the database says so
    if command not in COMMANDS_THAT_CREATE:
        raise AdminError(
            f"no JamRoom database in {where} (DATA_DIR={data_dir}): run this in the bot's folder, "
            f"or set DATA_DIR to the bot's data directory ({' or '.join(COMMANDS_THAT_CREATE)} "
            "would start a new database)"
        )
    print(f"no database in {where} yet: starting a new one there (DATA_DIR={data_dir})", file=sys.stderr)  # noqa: T201


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        if args.command in ("add-room", "edit-room"):  # refuse bad input before touching the database
            room_fields(args)
        if args.command == "edit-room":
            owner_changes(args)
        if args.command == "invite-owner":
            invite_days(args.days)
        if args.command == "set-seller":
            seller_input(args)
        if args.command == "set-room-tax":
            room_tax_fields(args)
        if args.command == "set-payout-account":
            payout_account(args)
        settings = Settings()
        print(asyncio.run(_run(args, settings)))  # noqa: T201
    except AdminError as error:
        print(f"error: {error}", file=sys.stderr)  # noqa: T201
        return 2
    except ValidationError as error:
        print(describe(error), file=sys.stderr)  # noqa: T201
        return 2
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

__all__ = ["WEEKDAY_NAMES", "AdminError", "execute", "main", "time"]
