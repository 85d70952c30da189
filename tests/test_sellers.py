"""Sellers for the owner and the operator: set-seller and show-seller in the admin CLI
(bad input refused with a clear reason, changing nothing), the seller on the owner's
room menu, and invoices and credit notes in the owner's earnings and bookings CSV."""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta

import pytest
from aiogram.fsm.storage.base import BaseStorage

from bot.admin import AdminError, build_parser, execute, main
from bot.owner_reports import CSV_COLUMNS, bookings_csv
from domain.clock import ManualClock
from storage.database import Database
from storage.earnings import bookings_between
from storage.models import Room, User
from storage.sellers import Seller
from tests.dialog_support import Musician, make_dispatcher, make_services
from tests.payment_support import PaymentWorld, held_booking

BASS_CAVE = "bass-cave-indiranagar"
GSTIN = "29ABCDE1234F1ZW"


async def admin(*argv: str) -> str:
    return await execute(build_parser().parse_args(list(argv)))


async def state() -> tuple[list[dict], list[dict]]:
    rooms = await Room.get_pymongo_collection().find({}, {"created_at": 0}).sort("slug").to_list()
    sellers = await Seller.get_pymongo_collection().find({}, {"updated_at": 0}).sort("_id").to_list()
    return rooms, sellers


async def test_set_seller_registers_a_gstin_and_show_seller_says_how_invoices_are_taxed(
    db: Database, room: Room
) -> None:
    out = await admin(
        "set-seller", BASS_CAVE, "--legal-name", "Bass Cave Music  LLP",
        "--address", "Indiranagar, Bengaluru", "--gstin", "29 abcde 1234 f1zw",
        "--prefix", "bc", "--credit-note-prefix", "bcc", "--sac", "9972 12", "--gst-rate", "18%",
    )  # fmt: skip
    assert out.splitlines() == [
        "seller set",
        f"{BASS_CAVE}: invoices issued by Bass Cave Music LLP (set with set-seller)",
        "  address: Indiranagar, Bengaluru",
        f"  GSTIN {GSTIN}, registered in Karnataka (29)",
        "  place of supply: the room's state, Karnataka (29): CGST + SGST",
        "  SAC 997212 at 18%",
        f"  numbers: invoices BC/26-27/000001 on, credit notes BCC/26-27/000001 on (series gstin:{GSTIN})",
    ]
    stored = await Room.get(room.id)
    assert stored is not None
    assert (stored.seller_id, stored.sac_code, stored.gst_rate_bp) == (f"gstin:{GSTIN}", "997212", 1800)

    await admin("set-seller", BASS_CAVE, "--legal-name", "Bass Cave Music LLP", "--address", "Indiranagar",
                "--gstin", GSTIN, "--room-state", "27", "--gst-rate", "12")  # fmt: skip
    shown = await admin("show-seller", BASS_CAVE)
    assert "  place of supply: the room's state, Maharashtra (27): IGST" in shown
    assert "  SAC 997212 at 12%" in shown


async def test_set_room_tax_changes_the_rate_and_state_and_keeps_the_seller(db: Database, room: Room) -> None:
    await admin("set-seller", BASS_CAVE, "--legal-name", "Bass Cave Music LLP", "--address", "Bengaluru",
                "--gstin", GSTIN)  # fmt: skip
    out = await admin("set-room-tax", BASS_CAVE, "--gst-rate", "5", "--sac", "999692", "--room-state", "goa")
    assert "  place of supply: the room's state, Goa (30): IGST" in out
    assert "  SAC 999692 at 5%" in out
    stored = await Room.get(room.id)
    assert stored is not None
    assert (stored.seller_id, stored.gst_state_code, stored.gst_rate_bp) == (f"gstin:{GSTIN}", "30", 500)
    before = await state()
    for argv in ([], ["--gst-rate", "100"], ["--room-state", "Narnia"]):
        with pytest.raises(AdminError):
            await admin("set-room-tax", BASS_CAVE, *argv)
    assert await state() == before


async def test_without_a_gstin_the_seller_is_the_owners_unregistered_series(db: Database, room: Room) -> None:
    out = await admin("set-seller", BASS_CAVE, "--legal-name", "Ravi Kumar", "--address", "Bengaluru")
    assert "invoices issued by Ravi Kumar (set with set-seller)" in out
    assert "  not registered under GST: no GST charged, no tax lines" in out
    assert "(series owner:9001)" in out
    other = await admin(
        "set-seller", BASS_CAVE, "--legal-name", "Meera", "--address", "Pune", "--owner", "77"
    )
    assert "(series owner:77)" in other


async def test_a_room_without_a_seller_shows_its_default(db: Database, room: Room) -> None:
    shown = await admin("show-seller", BASS_CAVE)
    assert "invoices issued by Bass Cave Music LLP (the room's own GSTIN from add-room/edit-room" in shown


@pytest.mark.parametrize(
    ("extra", "why"),
    [
        (["--gstin", "29ABCDE1234F1Z5"], "--gstin: This GSTIN's last character does not match the others"),
        (["--gstin", "29ABCDE1234F1Z"], "--gstin: A GSTIN has 15 characters; this one has 14."),
        (
            ["--gstin", "29ABCDE1234F0ZW"],
            "--gstin: The 13th character of a GSTIN counts registrations from 1",
        ),
        (["--prefix", "JRIN"], "a prefix is at most 3 characters"),
        (["--prefix", "0J"], "a prefix is 1-3 letters A-Z or digits, not starting with 0"),
        (["--prefix", "CN"], "--credit-note-prefix must differ from --prefix"),
        (["--room-state", "Atlantis"], "--room-state 'Atlantis' is not an Indian state or union territory"),
        (["--room-state", "25"], "--room-state '25' is not an Indian state"),
        (["--sac", "851713"], "--sac must be a service code"),
        (["--gst-rate", "0"], "--gst-rate must be a percentage above 0 and up to 40"),
        (["--gst-rate", "18.125"], "--gst-rate must be a percentage"),
        (["--gstin", GSTIN, "--owner", "5"], "--owner names an unregistered series"),
        (["--owner", "-5"], "--owner takes a Telegram user id"),
    ],
)
async def test_bad_seller_input_is_refused_with_its_reason_and_changes_nothing(
    db: Database, room: Room, extra: list[str], why: str
) -> None:
    before = await state()
    with pytest.raises(AdminError) as refused:
        await admin("set-seller", BASS_CAVE, "--legal-name", "X LLP", "--address", "Somewhere", *extra)
    assert str(refused.value).startswith(why)
    assert await state() == before


async def test_a_room_without_owners_needs_a_gstin_or_an_owner(db: Database) -> None:
    await admin("seed-demo")
    before = await state()
    with pytest.raises(AdminError, match="has no owner whose unregistered series to use"):
        await admin("set-seller", "tide-room-andheri", "--legal-name", "Tide", "--address", "Mumbai")
    assert await state() == before


def test_a_mistyped_gstin_exits_2_before_touching_any_database(
    capsys: pytest.CaptureFixture[str], tmp_path, monkeypatch
) -> None:
    monkeypatch.chdir(tmp_path)
    code = main(
        ["set-seller", BASS_CAVE, "--legal-name", "X", "--address", "Y", "--gstin", "29ABCDE1234F1ZX"]
    )
    assert code == 2
    error = capsys.readouterr().err
    assert error.startswith("error: --gstin: This GSTIN's last character does not match the others")
    assert "29ABCDE1234F1ZX" not in error
    assert not (tmp_path / "data").exists()


async def test_add_room_refuses_a_gstin_whose_check_character_is_wrong(db: Database) -> None:
    with pytest.raises(AdminError, match="--gstin: This GSTIN's last character"):
        await admin(
            "add-room", "pune-pad", "--name", "Pune Pad", "--city", "Pune", "--address", "FC Road",
            "--price", "500", "--peak-price", "700", "--gstin", "27AAACT2727Q1ZV",
        )  # fmt: skip
    assert await Room.count() == 0


# ---- the owner ---------------------------------------------------------------------------


@pytest.fixture
def owner(
    db: Database, clock: ManualClock, world: PaymentWorld, room: Room, dialog_storage: BaseStorage
) -> Musician:
    dispatcher, manager = make_dispatcher(
        make_services(db, clock, world.payments.bookings, world.payments), dialog_storage
    )
    return Musician(dispatcher, manager, user_id=9001, name="Ravi")


async def test_the_owners_room_menu_says_who_issues_the_invoices(owner: Musician, room: Room) -> None:
    await owner.send("/owner")
    assert (
        f"🧾 Invoices by <b>Bass Cave Music LLP</b>, GSTIN <code>{GSTIN}</code>\n"
        "   Place of supply Karnataka (29): CGST + SGST 18% · SAC 997212\n"
        "   Numbers JR/26-27/…, credit notes CN/26-27/…\n"
        "   To print your legal name and GSTIN, ask JamRoom to set this room's seller."
    ) in owner.text
    await admin("set-seller", BASS_CAVE, "--legal-name", "Tide Music Pvt Ltd", "--address", "Mumbai",
                "--gstin", "27AAPFU0939F1ZV", "--room-state", "Karnataka", "--prefix", "TM")  # fmt: skip
    await owner.send("/owner")
    assert "🧾 Invoices by <b>Tide Music Pvt Ltd</b>, GSTIN <code>27AAPFU0939F1ZV</code>" in owner.text
    assert "Place of supply Karnataka (29): IGST 18% · SAC 997212" in owner.text
    assert "Numbers TM/26-27/…" in owner.text
    assert "ask JamRoom" not in owner.text
    await admin("set-seller", BASS_CAVE, "--legal-name", "Ravi Kumar", "--address", "Bengaluru")
    await owner.send("/owner")
    assert "🧾 Invoices by <b>Ravi Kumar</b>, not registered under GST: no GST charged" in owner.text


async def test_earnings_and_the_csv_show_invoices_and_credit_notes(
    world: PaymentWorld, clock: ManualClock, owner: Musician, room: Room, user: User
) -> None:
    booking = await held_booking(world, room, user, 12, 13)
    payment_id = world.api.pay_link(booking.payment["link_id"])
    await world.post_event(world.api.paid_event(booking.payment["link_id"], payment_id))
    await world.payments.render_attachment(f"invoice:{booking.id}")  # the outbox delivers it
    clock.set(booking.starts_at - timedelta(hours=8))  # 50% back
    outcome = await world.payments.bookings.cancel_by_musician(booking.id, user.id)
    await world.payments.refund_due(outcome.booking)
    await world.payments.render_attachment(f"credit_note:{booking.id}")

    found = await bookings_between(room, date(2026, 11, 26), date(2026, 11, 26))
    text = bookings_csv(room, found, {user.id: user}).decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text, newline="")))
    assert list(rows[0])[: len(CSV_COLUMNS)] == CSV_COLUMNS
    document_columns = CSV_COLUMNS[
        CSV_COLUMNS.index("invoice_number") : CSV_COLUMNS.index("credit_note_total_inr") + 1
    ]
    documents = {key: rows[0][key] for key in document_columns}
    assert documents == {
        "invoice_number": "JR/26-27/000001",
        "invoice_date": "2026-11-25",
        "taxable_inr": "1016.96",
        "cgst_inr": "91.52",
        "sgst_or_utgst_inr": "91.52",
        "igst_inr": "0.00",
        "invoice_total_inr": "1200.00",
        "credit_note_number": "CN/26-27/000001",
        "credit_note_date": "2026-11-26",
        "credit_taxable_inr": "508.48",
        "credit_tax_inr": "91.52",
        "credit_note_total_inr": "600.00",
    }

    await owner.send("/owner")
    await owner.tap("💰 Earnings")
    assert (
        "This month: <b>₹600</b> · 1 booking(s)\n"
        "   🧾 1 invoice ₹1,200 (taxable ₹1,016.96, GST ₹183.04) · "
        "1 credit note −₹600 (taxable −₹508.48, GST −₹91.52)"
    ) in owner.text
