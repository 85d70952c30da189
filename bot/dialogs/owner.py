"""The owner's menu (``/owner``): their rooms, and for a room its schedule, blocks,
settings, earnings, a month's bookings as CSV, an occupancy heatmap and the share link.

Every getter and handler re-reads the room through ``require_owner``, so a musician,
an owner of another room or a tampered button is refused (``NotOwnerError``, shown
by the error handler) and nothing changes."""

from __future__ import annotations

from datetime import date
from typing import Any

from aiogram.types import BufferedInputFile, CallbackQuery
from aiogram.types import User as TelegramUser
from aiogram_dialog import DialogManager, ShowMode, Window
from aiogram_dialog.widgets.kbd import Back, Button, Cancel, Column, Group, Row, SwitchTo

from bot.dialogs.base import Dialog
from bot.dialogs.notices import told
from bot.dialogs.states import OwnerDaySG, OwnerSG, RoomSettingsSG
from bot.dialogs.widgets import labelled_select
from bot.i18n import Const, Format
from bot.owner_reports import bookings_csv, heatmap_png
from bot.services import Services
from domain.gst.numbers import financial_year, short_financial_year
from domain.gst.supply import Treatment, treatment
from domain.payouts import PayoutStatus, fee_share
from domain.words import owner_screens as words
from domain.words.formats import h
from storage.earnings import (
    bookings_between,
    earnings_by_room,
    month_span,
    occupancy,
    periods,
)
from storage.invoices import DocumentKind, document_totals, documents_between
from storage.models import Booking, PayoutEntry, Room, from_ms
from storage.no_shows import NO_SHOW_RATE_DAYS, no_show_rate
from storage.owners import require_owner, rooms_owned_by
from storage.payouts import paid_out_between
from storage.sellers import room_sac, room_state, seller_of
from storage.users import users_by_ids

HEATMAP_WEEKS = 4
CSV_MONTHS_BACK = 5
PAYOUT_MONTHS = 3
PAYOUT_LINES = 15
"""Bookings listed on the payouts screen (Telegram's 4096 characters hold about 20)."""


async def owned_room(manager: DialogManager) -> Room:
    """The dialog's room, if the user pressing owns it (else NotOwnerError)."""
    user = manager.event.from_user  # type: ignore[union-attr]
    return await require_owner(manager.dialog_data.get("room_id", ""), user.id)


def _services(manager: DialogManager) -> Services:
    return manager.middleware_data["services"]


# ---- getters -------------------------------------------------------------------------


async def rooms_getter(event_from_user: TelegramUser, **_: Any) -> dict[str, Any]:
    rooms = await rooms_owned_by(event_from_user.id)
    items = [{"id": str(r.id), "label": words.room_button(r)} for r in rooms]
    return {"rooms": items}


async def room_getter(dialog_manager: DialogManager, **_: Any) -> dict[str, Any]:
    room = await owned_room(dialog_manager)
    return {
        "name": h(room.name),
        "city": h(room.city),
        "state": words.room_state(room),
        "prices": words.prices(room),
        "several": len(await rooms_owned_by(dialog_manager.event.from_user.id)) > 1,  # type: ignore[union-attr]
        "notice": told(dialog_manager),
        "invoices": await _invoices_by(room, _services(dialog_manager).bookings.today(room)),
    }


async def _invoices_by(room: Room, today: date) -> str:
    """Who issues the room's invoices, how they are taxed and numbered this year."""
    seller = await seller_of(room)
    place = room_state(room, seller)
    taxed = Treatment.NOT_REGISTERED
    if seller.gstin is not None:
        taxed = treatment(seller=seller.gstin, place=place or seller.gstin.state)
    year = short_financial_year(financial_year(today))
    return words.invoices_by(
        seller.legal_name,
        str(seller.gstin) if seller.gstin else None,
        place=place,
        treatment=taxed,
        sac=room_sac(room),
        rate_bp=room.gst_rate_bp,
        series=(f"{seller.invoice_prefix}/{year}", f"{seller.credit_note_prefix}/{year}"),
        configured=seller.configured,
    )


async def earnings_getter(dialog_manager: DialogManager, **_: Any) -> dict[str, Any]:
    room = await owned_room(dialog_manager)
    bookings = _services(dialog_manager).bookings
    today = bookings.today(room)
    lines = []
    spans = periods(today)
    documents = await documents_between(
        room, min(first for first, _ in spans.values()), max(last for _, last in spans.values())
    )
    for label, (first, last) in spans.items():
        earned = (await earnings_by_room([room], first, last))[str(room.id)]
        lines.append(words.earnings_line(label, earned.net_paise, earned.bookings))
        invoiced = document_totals(documents, DocumentKind.INVOICE, first, last)
        if invoiced.count:
            credited = document_totals(documents, DocumentKind.CREDIT_NOTE, first, last)
            lines.append(words.documents_line(invoiced, credited))
    rate = await no_show_rate(room, today, bookings.clock.now())
    return {
        "name": h(room.name),
        "lines": "\n".join(lines),
        "days": NO_SHOW_RATE_DAYS,
        "no_shows": words.no_show_rate(rate),
    }


async def payouts_getter(dialog_manager: DialogManager, **_: Any) -> dict[str, Any]:
    """Per booking of this month: paid, the platform's fee, Razorpay's fee and tax, what
    was transferred and when; per month, what was settled to the owner."""
    room = await owned_room(dialog_manager)
    services = _services(dialog_manager)
    this_month = services.bookings.today(room).replace(day=1)
    months = [this_month]
    for _back in range(PAYOUT_MONTHS - 1):
        months.append((months[-1] - date.resolution).replace(day=1))
    found = await paid_out_between(room, months[-1], month_span(this_month)[1])
    lines = [
        _payout_line(booking, payout, room)
        for booking in found
        if booking.day >= this_month
        for payout in booking.payouts.values()
    ]
    shown = lines[:PAYOUT_LINES] + (
        [words.more_payouts(len(lines) - PAYOUT_LINES)] if len(lines) > PAYOUT_LINES else []
    )
    totals = []
    for first in months:
        payouts = [p for b in found if first <= b.day <= month_span(first)[1] for p in b.payouts.values()]
        transferred = [p for p in payouts if p.status is PayoutStatus.TRANSFERRED]
        totals.append(words.month_settled(first, sum(p.settled_paise for p in transferred), len(transferred)))
    if services.settings.uses_sandbox:
        state = words.PAYOUTS_SANDBOX
    elif room.payout_account is None:
        state = words.PAYOUTS_NO_ACCOUNT
    else:
        state = words.payouts_on(room.payout_account, services.settings.platform_commission_bp)
    return {
        "name": h(room.name),
        "state": state,
        "lines": "\n".join(shown) or words.NO_PAID_BOOKINGS,
        "totals": "\n".join(totals),
    }


def _payout_line(booking: Booking, payout: PayoutEntry, room: Room) -> str:
    def share(value: int | None) -> int | None:
        if value is None:
            return None
        return fee_share(value, share_paise=payout.share_paise, paid_paise=payout.paid_paise)

    on = payout.status not in (PayoutStatus.OFF,)
    return words.payout_line(
        booking.code,
        booking.day,
        paid_paise=payout.share_paise,
        platform_fee_paise=payout.commission_paise if on else None,
        gateway_fee_paise=share(payout.fee_paise),
        gateway_tax_paise=share(payout.tax_paise),
        status=payout.status.value,
        transferred_paise=payout.transfer_paise,
        transferred_at=from_ms(payout.transferred_ms),
        reversed_paise=payout.reversed_paise if payout.status is PayoutStatus.TRANSFERRED else 0,
        zone=room.zone,
    )


async def months_getter(dialog_manager: DialogManager, **_: Any) -> dict[str, Any]:
    room = await owned_room(dialog_manager)
    month = _services(dialog_manager).bookings.today(room).replace(day=1)
    months = []
    for _back in range(CSV_MONTHS_BACK + 1):
        months.append({"id": month.isoformat(), "label": words.month_button(month)})
        month = (month.replace(day=1) - date.resolution).replace(day=1)
    return {"months": months}


# ---- handlers ------------------------------------------------------------------------


async def on_start(start_data: Any, manager: DialogManager) -> None:
    if isinstance(start_data, dict) and start_data.get("room_id"):
        manager.dialog_data["room_id"] = start_data["room_id"]


async def on_room_selected(
    callback: CallbackQuery, widget: Any, manager: DialogManager, room_id: str
) -> None:
    await require_owner(room_id, callback.from_user.id)
    manager.dialog_data["room_id"] = room_id
    await manager.switch_to(OwnerSG.room)


async def _open(manager: DialogManager, state: Any) -> None:
    room = await owned_room(manager)
    await manager.start(state, data={"room_id": str(room.id)})


async def on_schedule(callback: CallbackQuery, button: Button, manager: DialogManager) -> None:
    await _open(manager, OwnerDaySG.schedule)


async def on_blocks(callback: CallbackQuery, button: Button, manager: DialogManager) -> None:
    await _open(manager, OwnerDaySG.blocks)


async def on_settings(callback: CallbackQuery, button: Button, manager: DialogManager) -> None:
    await _open(manager, RoomSettingsSG.menu)


async def on_month_selected(callback: CallbackQuery, widget: Any, manager: DialogManager, month: str) -> None:
    room = await owned_room(manager)
    try:
        first = date.fromisoformat(month).replace(day=1)
    except ValueError:
        await callback.answer(words.PICK_A_MONTH, show_alert=True)
        return
    found = await bookings_between(room, *month_span(first))
    musicians = await users_by_ids(b.user_id for b in found)
    await manager.middleware_data["bot"].send_document(
        callback.from_user.id,
        BufferedInputFile(bookings_csv(room, found, musicians), filename=f"{room.slug}-{first:%Y-%m}.csv"),
        caption=words.bookings_csv_caption(room, len(found), first),
    )
    await manager.switch_to(OwnerSG.room, show_mode=ShowMode.DELETE_AND_SEND)


async def on_heatmap(callback: CallbackQuery, button: Button, manager: DialogManager) -> None:
    room = await owned_room(manager)
    matrix = await occupancy(room, _services(manager).bookings.today(room), HEATMAP_WEEKS)
    await manager.middleware_data["bot"].send_photo(
        callback.from_user.id,
        BufferedInputFile(heatmap_png(room, matrix, HEATMAP_WEEKS), filename="occupancy.png"),
        caption=words.heatmap_caption(room, HEATMAP_WEEKS),
    )
    manager.show_mode = ShowMode.DELETE_AND_SEND


async def on_share(callback: CallbackQuery, button: Button, manager: DialogManager) -> None:
    room = await owned_room(manager)
    link = f"https://t.me/{_services(manager).bot_username}?start=room_{room.slug}"
    await manager.middleware_data["bot"].send_message(callback.from_user.id, words.share_text(room, link))
    manager.show_mode = ShowMode.DELETE_AND_SEND


def build_dialog() -> Dialog:
    return Dialog(
        Window(
            Const(words.WHICH_ROOM),
            Column(
                labelled_select("room", "rooms", on_room_selected),
            ),
            Cancel(Const("✖ Close")),
            state=OwnerSG.rooms,
            getter=rooms_getter,
        ),
        Window(
            Format(words.ROOM_MENU),
            Format(words.INVOICES),
            Format(words.NOTICE, when="notice"),
            Group(
                Button(Const("📅 Schedule"), id="schedule", on_click=on_schedule),
                Button(Const("🚫 Block slots"), id="blocks", on_click=on_blocks),
                SwitchTo(Const("💰 Earnings"), id="earnings", state=OwnerSG.earnings),
                SwitchTo(Const("💸 Payouts"), id="payouts", state=OwnerSG.payouts),
                SwitchTo(Const("📄 Bookings CSV"), id="csv", state=OwnerSG.csv),
                Button(Const("🔥 How full"), id="heat", on_click=on_heatmap),
                Button(Const("🔗 Share link"), id="share", on_click=on_share),
                width=2,
            ),
            Button(Const("⚙️ Room settings"), id="settings", on_click=on_settings),
            Row(
                SwitchTo(Const("‹ Rooms"), id="rooms", state=OwnerSG.rooms, when="several"),
                Cancel(Const("✖ Close")),
            ),
            state=OwnerSG.room,
            getter=room_getter,
        ),
        Window(
            Format(words.EARNINGS),
            Format(words.NO_SHOWS),
            Back(Const("‹ Room")),
            state=OwnerSG.earnings,
            getter=earnings_getter,
        ),
        Window(
            Format(words.PAYOUTS),
            SwitchTo(Const("‹ Room"), id="back_from_payouts", state=OwnerSG.room),
            state=OwnerSG.payouts,
            getter=payouts_getter,
        ),
        Window(
            Const(words.WHICH_MONTH),
            Group(
                labelled_select("month", "months", on_month_selected),
                width=2,
            ),
            SwitchTo(Const("‹ Room"), id="back", state=OwnerSG.room),
            state=OwnerSG.csv,
            getter=months_getter,
        ),
        on_start=on_start,
    )
