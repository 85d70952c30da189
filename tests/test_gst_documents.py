"""Invoices and credit notes as a GST check reads them, field by field from the PDFs'
text (pypdf): a registered seller within its state (CGST + SGST, or CGST + UTGST in a
union territory), a registered seller whose room is in another state (IGST), and a
seller not registered under GST (no tax lines). The sellers are set with the admin CLI,
the booking is paid through the real SDK and a signed webhook, the refund is made at the
fake Razorpay, and the credit note follows the refund's message in the chat."""

from __future__ import annotations

import io
from datetime import timedelta

from pypdf import PdfReader

from bot.admin import build_parser, execute
from domain.clock import ManualClock
from payments import webhook_bodies
from storage.invoices import set_gst_recipient
from storage.models import Booking, Room, User
from tests.payment_support import PaymentWorld, held_booking, outbox_to

SELLER_ADDRESS = "1082 12th Main Rd, Indiranagar, Bengaluru"
MUMBAI_BAND = "27AAPFU0939F1ZV"
CHANDIGARH_GSTIN = "04AAPFU0939F1Z3"


async def admin(*argv: str) -> str:
    return await execute(build_parser().parse_args(list(argv)))


def lines_of(pdf: bytes) -> list[str]:
    text = PdfReader(io.BytesIO(pdf)).pages[0].extract_text()
    return [line.strip() for line in text.splitlines() if line.strip()]


def after(lines: list[str], label: str) -> str:
    """The value printed right of ``label`` (the next text drawn)."""
    return lines[lines.index(label) + 1]


def block(lines: list[str], first: str, size: int) -> list[str]:
    start = lines.index(first)
    return lines[start : start + size]


async def paid(
    world: PaymentWorld, room: Room, user: User, *, recipient: dict[str, str] | None = None
) -> Booking:
    """12:00 and 13:00 tomorrow, ₹600 each, paid in full."""
    booking = await held_booking(world, room, user, 12, 13)
    if recipient:
        assert await set_gst_recipient(str(booking.id), user.id, recipient)
    payment_id = world.api.pay_link(booking.payment["link_id"])
    await world.post_event(world.api.paid_event(booking.payment["link_id"], payment_id))
    return await world.payments.bookings.booking(booking.id)


async def invoice_lines(world: PaymentWorld, booking: Booking) -> list[str]:
    _, pdf, _ = await world.payments.render_attachment(f"invoice:{booking.id}")
    return lines_of(pdf)


async def cancel_half(world: PaymentWorld, clock: ManualClock, booking: Booking, user: User) -> Booking:
    """The musician cancels 8 hours before: 50% back, processed at once by the fake."""
    clock.set(booking.starts_at - timedelta(hours=8))
    outcome = await world.payments.bookings.cancel_by_musician(booking.id, user.id)
    assert await world.payments.refund_due(outcome.booking) == "processed"
    return await world.payments.bookings.booking(booking.id)


async def credit_note(world: PaymentWorld, booking: Booking) -> tuple[list[str], str]:
    _, pdf, caption = await world.payments.render_attachment(f"credit_note:{booking.id}")
    return lines_of(pdf), caption


async def test_a_registered_seller_within_its_state_charges_cgst_and_sgst(
    world: PaymentWorld, clock: ManualClock, room: Room, user: User
) -> None:
    await admin(
        "set-seller", room.slug, "--legal-name", "Bass Cave Music LLP", "--address", SELLER_ADDRESS,
        "--gstin", "29abcde1234f1zw", "--prefix", "BC", "--credit-note-prefix", "BCC",
    )  # fmt: skip
    booking = await paid(world, room, user, recipient={"gstin": MUMBAI_BAND, "name": "Tide Collective LLP"})
    lines = await invoice_lines(world, booking)

    assert lines[:5] == [
        "TAX INVOICE",
        "Invoice no. BC/26-27/000001",
        "Issued 25 Nov 2026",
        "From",
        "Billed to",
    ]
    seller = ["Bass Cave Music LLP", SELLER_ADDRESS, "GSTIN 29ABCDE1234F1ZW", "State: Karnataka (29)"]
    assert block(lines, "Bass Cave Music LLP", 4) == seller
    # The band is in Maharashtra; a room in Karnataka is supplied in Karnataka all the same.
    recipient = [
        "Tide Collective LLP",
        f"GSTIN {MUMBAI_BAND}",
        "State: Maharashtra (27)",
        "Telegram @asha_drums",
    ]
    assert block(lines, "Tide Collective LLP", 4) == recipient
    assert block(lines, "Place of supply: Karnataka (29)", 3) == [
        "Place of supply: Karnataka (29)",
        "SAC 997212",
        "Tax payable on reverse charge: No",
    ]
    assert f"Booking {booking.code} · Bass Cave Studio · Thu 26 Nov 2026" in lines
    assert lines.count("₹600.00") == 4  # two slots: rate and amount
    # Each ₹600 line holds round(60000 × 9/118) = 4576 paise of CGST and as much SGST.
    assert after(lines, "Taxable value") == "₹1,016.96"
    assert after(lines, "CGST 9%") == "₹91.52"
    assert after(lines, "SGST 9%") == "₹91.52"
    assert after(lines, "Total (tax inclusive)") == "₹1,200.00"
    assert "Amount in words: Rupees One Thousand Two Hundred Only" in lines
    assert not any(line.startswith(("IGST", "UTGST")) or "Not registered" in line for line in lines)

    refunded = await cancel_half(world, clock, booking, user)
    told = [m.attachment or m.dedupe_key.split(":", 1)[1] for m in await outbox_to(user.id)]
    assert told[-2:] == [
        "refund:started",
        f"credit_note:{booking.id}",
    ]  # the note follows the refund's message
    note, caption = await credit_note(world, refunded)
    assert note[:6] == [
        "CREDIT NOTE",
        "Credit note no. BCC/26-27/000001",
        "Issued 26 Nov 2026",
        "Against invoice BC/26-27/000001 of 25 Nov 2026",
        "From",
        "Billed to",
    ]
    assert block(note, "Bass Cave Music LLP", 4) == seller
    assert block(note, "Tide Collective LLP", 4) == recipient
    assert "Place of supply: Karnataka (29)" in note
    assert "SAC 997212" in note
    assert after(note, f"Refund for booking {booking.code}") == "₹600.00"
    assert f"Reason: booking cancelled, refunded as {refunded.refund['id']}" in note
    # Half the price: the invoice's taxable share rounded down, the rest tax, in halves.
    assert after(note, "Taxable value") == "₹508.48"
    assert after(note, "CGST 9%") == "₹45.76"
    assert after(note, "SGST 9%") == "₹45.76"
    assert after(note, "Total credited (tax inclusive)") == "₹600.00"
    assert "Amount in words: Rupees Six Hundred Only" in note
    assert caption == (
        f"Credit note BCC/26-27/000001 for booking {booking.code}: ₹600 refunded, "
        "against invoice BC/26-27/000001"
    )
    stored = await Booking.get(booking.id)
    assert stored is not None
    assert (stored.invoice_number, stored.credit_note_number) == ("BC/26-27/000001", "BCC/26-27/000001")


async def test_a_seller_registered_in_another_state_than_its_room_charges_igst(
    world: PaymentWorld, room: Room, user: User
) -> None:
    await admin(
        "set-seller", room.slug, "--legal-name", "Tide Music Pvt Ltd", "--address", "Andheri West, Mumbai",
        "--gstin", MUMBAI_BAND, "--room-state", "Karnataka",
    )  # fmt: skip
    booking = await paid(world, room, user)
    lines = await invoice_lines(world, booking)

    assert lines[:3] == ["TAX INVOICE", "Invoice no. JR/26-27/000001", "Issued 25 Nov 2026"]
    assert block(lines, "Tide Music Pvt Ltd", 4) == [
        "Tide Music Pvt Ltd",
        "Andheri West, Mumbai",
        f"GSTIN {MUMBAI_BAND}",
        "State: Maharashtra (27)",
    ]
    assert block(lines, "Asha", 2) == ["Asha", "Telegram @asha_drums"]  # no GSTIN given
    assert "Place of supply: Karnataka (29)" in lines
    assert "Tax payable on reverse charge: No" in lines
    # Each ₹600 line: IGST round(60000 × 18/118) = 9153 paise.
    assert after(lines, "Taxable value") == "₹1,016.94"
    assert after(lines, "IGST 18%") == "₹183.06"
    assert after(lines, "Total (tax inclusive)") == "₹1,200.00"
    assert not any(line.startswith(("CGST", "SGST")) for line in lines)

    ended = await world.payments.bookings.terminate_by_owner(booking, owner_id=9001, reason="Water leak")
    assert await world.payments.refund_due(ended) == "processed"
    note, _ = await credit_note(world, await world.payments.bookings.booking(booking.id))
    assert note[:4] == [
        "CREDIT NOTE",
        "Credit note no. CN/26-27/000001",
        "Issued 25 Nov 2026",
        "Against invoice JR/26-27/000001 of 25 Nov 2026",
    ]
    # A full refund gives back exactly what the invoice charged.
    assert after(note, "Taxable value") == "₹1,016.94"
    assert after(note, "IGST 18%") == "₹183.06"
    assert after(note, "Total credited (tax inclusive)") == "₹1,200.00"
    assert "Place of supply: Karnataka (29)" in note


async def test_a_seller_in_a_union_territory_charges_cgst_and_utgst(
    world: PaymentWorld, clock: ManualClock, room: Room, user: User
) -> None:
    await admin(
        "set-seller", room.slug, "--legal-name", "Sector 17 Jams", "--address", "SCO 42, Chandigarh",
        "--gstin", CHANDIGARH_GSTIN, "--gst-rate", "18",
    )  # fmt: skip
    booking = await paid(world, room, user)
    lines = await invoice_lines(world, booking)
    assert "State: Chandigarh (04)" in lines
    assert "Place of supply: Chandigarh (04)" in lines
    assert after(lines, "CGST 9%") == "₹91.52"
    assert after(lines, "UTGST 9%") == "₹91.52"
    assert not any(line.startswith(("SGST", "IGST")) for line in lines)
    note, _ = await credit_note(world, await cancel_half(world, clock, booking, user))
    assert after(note, "UTGST 9%") == "₹45.76"


async def test_a_seller_not_registered_under_gst_prints_no_tax(
    world: PaymentWorld, clock: ManualClock, room: Room, user: User
) -> None:
    await admin(
        "set-seller", room.slug, "--legal-name", "Asha Rehearsal Rooms", "--address", "12 MG Road, Bengaluru"
    )
    booking = await paid(world, room, user)
    lines = await invoice_lines(world, booking)

    assert lines[:3] == ["INVOICE", "Invoice no. JR/26-27/000001", "Issued 25 Nov 2026"]
    assert block(lines, "Asha Rehearsal Rooms", 3) == [
        "Asha Rehearsal Rooms",
        "12 MG Road, Bengaluru",
        "Not registered under GST",
    ]
    assert "SAC 997212" in lines
    assert after(lines, "Total") == "₹1,200.00"
    assert "Amount in words: Rupees One Thousand Two Hundred Only" in lines
    assert "No GST is charged: the seller is not registered under GST." in lines
    for taxed in ("TAX INVOICE", "Taxable value", "CGST", "SGST", "IGST", "UTGST", "GSTIN", "reverse charge"):
        assert not any(taxed in line for line in lines), taxed

    note, _ = await credit_note(world, await cancel_half(world, clock, booking, user))
    assert note[:4] == [
        "CREDIT NOTE",
        "Credit note no. CN/26-27/000001",
        "Issued 26 Nov 2026",
        "Against invoice JR/26-27/000001 of 25 Nov 2026",
    ]
    assert "Not registered under GST" in note
    assert after(note, "Total credited") == "₹600.00"
    assert not any(("CGST" in line or "Taxable" in line) for line in note)


async def test_a_room_without_a_seller_keeps_invoicing_as_before(
    world: PaymentWorld, room: Room, user: User
) -> None:
    """The room's own GSTIN (add-room --gstin) is its seller; a room without one is in
    its first owner's unregistered series."""
    booking = await paid(world, room, user)
    lines = await invoice_lines(world, booking)
    assert lines[:2] == ["TAX INVOICE", "Invoice no. JR/26-27/000001"]
    assert after(lines, "GSTIN 29ABCDE1234F1ZW") == "State: Karnataka (29)"
    assert "Bass Cave Music LLP" in lines  # the room's business name

    other = await Room(
        **{**room.model_dump(exclude={"id", "revision_id"}), "slug": "plain", "gstin": None}
    ).insert()
    plain = await paid(world, other, await User(id=1002, first_name="Ravi").insert())
    plain_lines = await invoice_lines(world, plain)
    assert plain_lines[:2] == ["INVOICE", "Invoice no. JR/26-27/000001"]  # owner 9001's own series
    assert "Not registered under GST" in plain_lines
    assert (await Booking.get(plain.id)).invoice["seller_id"] == "owner:9001"  # type: ignore[union-attr]


async def test_a_refund_replayed_by_razorpay_sends_one_credit_note(
    world: PaymentWorld, clock: ManualClock, room: Room, user: User
) -> None:
    booking = await paid(world, room, user)
    await cancel_half(world, clock, booking, user)
    refund = world.api.refunds[-1]
    for event_id in ("evt_r1", "evt_r2"):
        await world.post_event(webhook_bodies.refund_event("refund.processed", refund), event_id=event_id)
    notes = [m for m in await outbox_to(user.id) if m.attachment == f"credit_note:{booking.id}"]
    assert len(notes) == 1
    first = await credit_note(world, await world.payments.bookings.booking(booking.id))
    again = await credit_note(world, await world.payments.bookings.booking(booking.id))
    assert first[0][1] == again[0][1] == "Credit note no. CN/26-27/000001"


async def test_money_refused_before_it_bought_a_booking_gets_no_credit_note(
    world: PaymentWorld, room: Room, user: User
) -> None:
    booking = await held_booking(world, room, user, 12)
    short = booking.amount_paise - 100
    payment_id = world.api.pay_link(booking.payment["link_id"], amount=short)
    await world.post_event(world.api.paid_event(booking.payment["link_id"], payment_id, short))
    await world.payments.drain()
    refused = await world.payments.bookings.booking(booking.id)
    assert refused.refund["status"] == "processed"
    assert [m for m in await outbox_to(user.id) if m.attachment] == []  # no invoice, no credit note
