"""Signed ``payment_link.paid`` webhooks at our web server over loopback.

Each webhook is verified, recorded, confirms its booking and queues three messages
(the confirmation, the invoice and the owner's notice): the full production path.
The invoice PDF is made, and its number taken, when the outbox delivers it, so it
is timed on its own. Prints verified webhooks/s, p50/p99 latency, this process's
CPU per webhook (steadier than the rate on a shared machine: the database server is
another process) and ms per invoice PDF.

    python bench/webhooks.py [--webhooks 600] [--concurrency 16]
    MONGODB_URI=mongodb://... python bench/webhooks.py
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import time
from datetime import UTC, datetime, timedelta

import aiohttp
from aiohttp import web

from domain.clock import ManualClock
from domain.gst.states import state_by_code
from domain.gst.supply import Treatment
from domain.gst.tax import tax_inside_lines
from payments import webhook_bodies
from payments.invoice_pdf import InvoiceData, InvoiceLine, Party, render_invoice_pdf
from payments.sandbox import SandboxGateway
from payments.service import PaymentService
from payments.web import PaymentSecrets, install_payment_routes
from storage.booking_service import BookingRules, BookingService
from storage.database import document_models, open_database
from storage.models import Booking, Room, User
from storage.sandbox_links import MongoSandboxLinkStore

SECRET = "whsec_bench_0123456789"
NOW = datetime(2026, 11, 25, 4, 30, tzinfo=UTC)


async def prepare(count: int, service: BookingService) -> list[Booking]:
    for model in document_models():
        await model.get_pymongo_collection().delete_many({})
    room = await Room(
        slug="bench",
        name="Bench Room",
        city="Pune",
        address="FC Road, Pune",
        opening_hours={str(d): "00:00-00:00" for d in range(7)},  # 24 one-hour slots a day
        hourly_paise=50000,
        peak_hourly_paise=70000,
        owner_ids=[1],
    ).insert()
    bookings = []
    day = NOW.date() + timedelta(days=1)
    while len(bookings) < count:
        for offer in await service.offers(room, day):
            if len(bookings) == count:
                break
            # One musician per hold: a musician may hold only MAX_UNPAID_HOLDS unpaid at once.
            musician = await User(id=10_000 + len(bookings), first_name="Bench").insert()
            booking = await service.create_booking(musician.id, room.id, day, [offer.slot.key])
            await Booking.get_pymongo_collection().update_one(
                {"_id": booking.id}, {"$set": {"payment.link_id": f"plink_{booking.code}"}}
            )
            bookings.append(booking)
        day += timedelta(days=1)
    return bookings


KARNATAKA = state_by_code("29")


def sample_invoice() -> InvoiceData:
    start = datetime(2026, 11, 26, 12, 30, tzinfo=UTC)
    lines = [
        InvoiceLine(
            "Rehearsal slot", start + timedelta(hours=i), start + timedelta(hours=i + 1), 80000, 80000
        )
        for i in range(3)
    ]
    return InvoiceData(
        number="JR/2026-27/000042",
        issue_date=NOW.date(),
        seller=Party(
            "Bass Cave Music LLP",
            "1082 12th Main Rd, Indiranagar, Bengaluru",
            gstin="29ABCDE1234F1ZW",
            state=KARNATAKA,
        ),
        recipient=Party("Asha Rao", username="asha"),
        booking_code="JR-7F3K2Q",
        room_name="Bass Cave",
        session_date=start.date(),
        timezone="Asia/Kolkata",
        lines=lines,
        tax=tax_inside_lines([line.amount_paise for line in lines], 1800, Treatment.INTRA_STATE).total,
        place_of_supply=KARNATAKA,
        sac="997212",
        amount_paid_paise=240000,
        payment_id="pay_X",
    )


def paid_body(booking: Booking, n: int) -> tuple[bytes, dict[str, str]]:
    link = {
        "id": f"plink_{booking.code}",
        "reference_id": booking.code,
        "amount": booking.amount_paise,
        "status": "paid",
    }
    return webhook_bodies.signed(
        webhook_bodies.payment_link_paid(link, f"pay_bench{n:06d}"), SECRET, f"evt_bench_{n}"
    )


async def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--webhooks", type=int, default=600)
    parser.add_argument("--concurrency", type=int, default=16)
    args = parser.parse_args()
    uri = os.environ.get("MONGODB_URI")
    database = await open_database(uri, data_dir=None, database_name="jamroom_bench" if uri else None)
    clock = ManualClock(NOW)
    service = BookingService(clock, BookingRules(horizon_days=365, hold=timedelta(days=30)))
    gateway = SandboxGateway(
        public_base_url="http://127.0.0.1",
        webhook_url="http://127.0.0.1:1/none",
        webhook_secret=SECRET,
        key_secret="k",
        store=MongoSandboxLinkStore(),
    )
    payments = PaymentService(gateway, clock, service, public_base_url="http://127.0.0.1")
    app = web.Application()
    install_payment_routes(app, payments, PaymentSecrets(SECRET, "k", "bench_bot"))
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    url = f"http://127.0.0.1:{site._server.sockets[0].getsockname()[1]}/webhooks/razorpay"  # type: ignore[union-attr]
    try:
        print(f"database: {database.description}")
        bookings = await prepare(args.webhooks, service)
        bodies = [paid_body(b, i) for i, b in enumerate(bookings)]
        latencies: list[float] = []
        outcomes: dict[str, int] = {}
        gate = asyncio.Semaphore(args.concurrency)
        async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=args.concurrency)) as session:

            async def send(raw: bytes, headers: dict[str, str]) -> None:
                async with gate:
                    started = time.perf_counter()
                    async with session.post(url, data=raw, headers=headers) as response:
                        answer = await response.json()
                    latencies.append((time.perf_counter() - started) * 1000)
                    outcome = answer.get("outcome", f"HTTP {response.status}")
                    outcomes[outcome] = outcomes.get(outcome, 0) + 1

            started, cpu_started = time.perf_counter(), time.process_time()
            await asyncio.gather(*(send(raw, headers) for raw, headers in bodies))
            elapsed = time.perf_counter() - started
            cpu_ms = (time.process_time() - cpu_started) * 1000 / len(bodies)
        cuts = statistics.quantiles(latencies, n=100)
        confirmed = await Booking.find({"status": "NOT_STARTED"}).count()
        print(f"webhooks: {len(bodies)} signed payment_link.paid, {args.concurrency} in flight")
        rate = len(bodies) / elapsed
        print(f"  {rate:,.0f} verified webhooks/s   p50 {cuts[49]:.1f} ms   p99 {cuts[98]:.1f} ms")
        print(f"  CPU {cpu_ms:.2f} ms per webhook in this process (the bot's handling and the client's)")
        print(f"  outcomes: {outcomes}   bookings confirmed: {confirmed}")
        sample = sample_invoice()
        render_invoice_pdf(sample)
        rounds = 100
        t0 = time.perf_counter()
        for _ in range(rounds):
            render_invoice_pdf(sample)
        print(f"invoice PDF: {(time.perf_counter() - t0) / rounds * 1000:.1f} ms each")
        if uri:
            await database.client.drop_database("jamroom_bench")
    finally:
        await runner.cleanup()
        await database.close()


if __name__ == "__main__":
    asyncio.run(main())
