"""What the owner reads about money: the bookings CSV is safe to open in a spreadsheet,
and a refund counts in earnings, the CSV and the invoice exactly when its money went back."""

from __future__ import annotations

import csv
import io
from datetime import date

import pytest

from bot.owner_reports import bookings_csv
from domain.refund_status import RefundStatus, refunded_paise
from domain.spreadsheet import as_text_cell
from storage.booking_service import BookingService
from storage.earnings import bookings_between
from storage.models import Room, User
from tests.conftest import make_user

TOMORROW = date(2026, 11, 26)


@pytest.mark.parametrize(
    ("value", "cell"),
    [
        ('=HYPERLINK("http://evil.example","Asha")', '\'=HYPERLINK("http://evil.example","Asha")'),
        ("+91 98450 12345", "'+91 98450 12345"),
        ("-1+1", "'-1+1"),
        ("@SUM(A1:A9)", "'@SUM(A1:A9)"),
        ("\t=1+1", "'\t=1+1"),
        ("\r=1+1", "'\r=1+1"),
        ("Asha", "Asha"),
        ("Asha = drums", "Asha = drums"),
        ("", ""),
    ],
)
def test_a_cell_that_a_spreadsheet_would_run_is_kept_as_text(value: str, cell: str) -> None:
    assert as_text_cell(value) == cell


async def test_the_csv_never_hands_a_formula_to_the_spreadsheet(service: BookingService, room: Room) -> None:
    names = ['=HYPERLINK("http://evil.example","x")', "+cmd", "-2+3", "@SUM(1)", "\t=1", "\r=1", "Ravi"]
    musicians: dict[int, User] = {}
    for n, name in enumerate(names):
        musician = await make_user(5000 + n, name)
        musician.username = "@evil" if n == 0 else None
        musicians[musician.id] = musician
        await service.create_booking(musician.id, room.id, TOMORROW, [room.slots_on(TOMORROW)[n].key])
    found = await bookings_between(room, TOMORROW, TOMORROW)
    rows = list(csv.reader(io.StringIO(bookings_csv(room, found, musicians).decode("utf-8-sig"), newline="")))
    cells = [cell for row in rows[1:] for cell in row]
    assert not [cell for cell in cells if cell[:1] in ("=", "+", "-", "@", "\t", "\r")]
    by_name = {row[9]: row for row in rows[1:]}
    assert set(by_name) == {"'" + name if name != "Ravi" else name for name in names}
    assert by_name["'" + names[0]][10] == "'@evil"


@pytest.mark.parametrize(
    ("status", "returned"),
    [
        (None, 0),
        (RefundStatus.DUE, 0),
        (RefundStatus.REQUESTING, 0),
        (RefundStatus.PENDING, 60000),
        (RefundStatus.PROCESSED, 60000),
        (RefundStatus.FAILED, 0),
        (RefundStatus.NOT_NEEDED, 0),
    ],
)
def test_a_refund_counts_once_its_money_went_back(status: RefundStatus | None, returned: int) -> None:
    record = {"due_paise": 60000, "amount_paise": 60000} | ({"status": status.value} if status else {})
    assert refunded_paise(record) == returned
