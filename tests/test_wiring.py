"""The composition root (bot/app.py) and the seams it joins: arrows point down only,
the services are built once, the payment service is what the bot and the jobs ask for
(and so is the dialog tests' fake), and ``python -m bot`` runs the jobs it builds."""

from __future__ import annotations

import dataclasses
import inspect
import re
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from aiogram import Router
from aiogram.fsm.storage.base import BaseStorage
from aiogram.fsm.storage.pymongo import PyMongoStorage
from aiogram_dialog.test_tools.memory_storage import JsonMemoryStorage

from bot.config import Settings
from bot.dispatcher import FSM_COLLECTION
from bot.handlers import routers_before_dialogs
from bot.perf import Speedups
from bot.perf.dialog_state import DialogStateStorage
from bot.perf.state_writes import BatchedStateWrites
from bot.services import Payments, payments_config
from domain.booking_status import BookingStatus
from domain.clock import ManualClock
from domain.words import musician as payment_messages
from jobs.ports import JobPayments
from payments.setup import build_payments
from storage.booking_service import BookingRules, BookingService
from storage.database import Database
from storage.models import Booking, Room, User
from tests.dialog_support import Musician, RecordingPayments, make_dispatcher, make_services, slot_keys
from tests.fakes.bot_api import BotApi
from tests.process_support import start_bot, startup_env, until, uri_of

ROOT = Path(__file__).resolve().parent.parent
KEY_SECRET = "key-secret-0123456789"
WEBHOOK_SECRET = "whsec-0123456789"
BOT_TOKEN = "42:sandbox-token-0123456789"


def unmet(implementation: object, protocol: type) -> list[str]:
    """What ``implementation`` lacks of ``protocol``: a member, a method being async, or
    a parameter the protocol's callers pass."""
    problems = []
    for name, member in vars(protocol).items():
        if name.startswith("_"):
            continue
        found = getattr(implementation, name, None)
        if found is None and not hasattr(implementation, name):
            problems.append(f"{name}: missing")
            continue
        if isinstance(member, property) or not callable(member):
            continue
        if inspect.iscoroutinefunction(member) != inspect.iscoroutinefunction(found):
            problems.append(f"{name}: async in one, not in the other")
        passed = list(inspect.signature(member).parameters.values())[1:]  # without self
        positional = [p for p in passed if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
        keywords = {p.name: None for p in passed if p.kind is p.KEYWORD_ONLY}
        try:
            inspect.signature(found).bind(*[None] * len(positional), **keywords)
        except TypeError as error:
            problems.append(f"{name}: {error}")
    return problems


def sandbox_settings() -> Settings:
    return Settings(_env_file=None, bot_token=BOT_TOKEN)  # type: ignore[call-arg]


def razorpay_settings() -> Settings:
    return Settings(
        _env_file=None,  # type: ignore[call-arg]
        bot_token=BOT_TOKEN,  # type: ignore[arg-type]
        razorpay_key_id="rzp_test_0123456789",
        razorpay_key_secret=KEY_SECRET,  # type: ignore[arg-type]
        razorpay_webhook_secret=WEBHOOK_SECRET,  # type: ignore[arg-type]
        public_base_url="https://bot.example.com",
    )


def test_no_import_points_outward_or_sideways() -> None:
    """bot -> jobs, payments -> storage -> domain, and nothing else (bench/import_graph.py)."""
    graph = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "import_graph.py")],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    ).stdout
    wrong_way = re.search(r"imports pointing outward or sideways: (\d+)\n((?:  .*\n)*)", graph)
    assert wrong_way is not None, graph
    assert (wrong_way.group(1), wrong_way.group(2)) == ("0", "")


def test_the_services_are_built_once_and_never_changed(db: Database, clock: ManualClock) -> None:
    services = make_services(db, clock, BookingService(clock, BookingRules()), RecordingPayments())
    with pytest.raises(dataclasses.FrozenInstanceError):
        services.payments = None  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        services.bot_username = "someone_else_bot"  # type: ignore[misc]


def test_the_payment_service_is_what_the_bot_and_the_jobs_ask_for(clock: ManualClock) -> None:
    for settings in (sandbox_settings(), razorpay_settings()):
        config = payments_config(settings, "jamroom_test_bot")
        service = build_payments(config, clock, BookingService(clock, BookingRules())).service
        assert unmet(service, Payments) == []
        assert unmet(service, JobPayments) == []


def test_the_dialog_tests_fake_is_what_the_bot_asks_for() -> None:
    assert unmet(RecordingPayments(), Payments) == []


async def test_the_dialog_tests_keep_their_state_where_python_m_bot_does(
    db: Database, clock: ManualClock, room: Room, dialog_storage: BaseStorage, request: pytest.FixtureRequest
) -> None:
    """The ``mongodb`` run of every dialog test is on the storage polling runs: with the
    speed-ups, the bot's own (state from memory, an update's writes in one batch), else
    aiogram's; the dialog really lands in MongoDB."""
    await db.db[FSM_COLLECTION].delete_many({})  # what other tests' dialogs left
    services = make_services(db, clock, BookingService(clock, BookingRules()))
    dispatcher, manager = make_dispatcher(services, dialog_storage)
    await Musician(dispatcher, manager, user_id=1001, name="Asha").send("/start")
    stored = await db.db[FSM_COLLECTION].count_documents({})
    if request.node.callspec.params["dialog_storage"] == "memory":
        assert isinstance(dialog_storage, JsonMemoryStorage)
        assert stored == 0
        return
    assert stored > 0
    if not Speedups.from_setting(services.settings.speedups).any:
        assert type(dialog_storage) is PyMongoStorage
        return
    assert isinstance(dialog_storage, DialogStateStorage)
    assert dialog_storage.single_process
    assert any(isinstance(m, BatchedStateWrites) for m in dispatcher.callback_query.outer_middleware)


def test_a_protocol_check_sees_a_missing_method_and_a_missing_parameter() -> None:
    class Half:
        gateway = None

        async def ensure_payment_link(self, booking: Booking) -> None: ...

        def refund_due(self, booking: Booking) -> None: ...

    assert unmet(Half(), Payments) == [
        "ensure_payment_link: too many positional arguments",
        "refund_due: async in one, not in the other",
        "send_invoice: missing",
        "issue_invoice: missing",
        "ensure_change_link: missing",
        "announce_change: missing",
    ]


def test_payments_get_razorpay_with_its_keys_and_the_sandbox_without(clock: ManualClock) -> None:
    bookings = BookingService(clock, BookingRules())
    real = build_payments(payments_config(razorpay_settings(), "jamroom_test_bot"), clock, bookings)
    assert real.sandbox is None
    assert (real.secrets.key_secret, real.secrets.webhook_secret) == (KEY_SECRET, WEBHOOK_SECRET)
    sandbox = build_payments(payments_config(sandbox_settings(), "jamroom_test_bot"), clock, bookings)
    assert sandbox.sandbox is not None
    assert sandbox.service.gateway is sandbox.sandbox
    assert sandbox.secrets.bot_username == "jamroom_test_bot"


def test_the_payments_config_never_shows_a_secret() -> None:
    shown = repr(payments_config(razorpay_settings(), "jamroom_test_bot"))
    assert "rzp_test_0123456789" in shown
    for secret in (KEY_SECRET, WEBHOOK_SECRET, BOT_TOKEN):
        assert secret not in shown


async def test_python_m_bot_runs_the_jobs_it_builds(
    db: Database, room: Room, user: User, tmp_path: Path, bot_api: BotApi
) -> None:
    """A hold that ran out before the bot started is expired on the booking clock's first
    tick, in the webhook's words, and the delivery loop brings the musician the news."""
    then = ManualClock(datetime.now(UTC) - timedelta(hours=2))
    day = (then.now() + timedelta(days=2)).astimezone(room.zone).date()
    held = await BookingService(then, BookingRules()).create_booking(
        user.id, room.id, day, slot_keys(room, day, 12)
    )
    expected = payment_messages.hold_expired(held, room)
    bot = await start_bot(startup_env(tmp_path, bot_api.base_url, MONGODB_URI=uri_of(db)), tmp_path)
    try:
        await until(
            lambda: any(m.get("text") == expected for m in bot_api.chat(user.id).messages.values()),
            timeout=60,
            what="the expired hold's message",
        )
        stored = await Booking.get(held.id)
        assert stored is not None
        assert stored.status is BookingStatus.EXPIRED
    finally:
        code = await bot.stop()
    assert code == 0, bot.output[-2000:]
    assert "Traceback" not in bot.output


def test_only_the_routers_that_answer_taps_are_where_taps_go() -> None:
    """A router under ``messages_only`` never sees a tap: a tap handler put there would
    never run."""
    (parent,) = [r for r in routers_before_dialogs() if r.name == "messages_only"]
    under = [r for r in parent.chain_tail if r is not parent]

    assert {r.name for r in under} >= {"bot.handlers.commands", "bot.handlers.owner", "bot.handlers.errors"}
    assert [r.name for r in under if r.callback_query.handlers] == []
    assert any(r.message.handlers for r in under)


async def test_a_tap_passes_by_the_message_routers_in_one_visit(
    db: Database, clock: ManualClock, room: Room, service: BookingService
) -> None:
    dispatcher, manager = make_dispatcher(make_services(db, clock, service), JsonMemoryStorage())
    chat = Musician(dispatcher, manager, user_id=1001, name="Asha")
    visited: list[str] = []

    def note_visits(router: Router) -> None:
        async def visit(handler, event, data):  # type: ignore[no-untyped-def]
            visited.append(router.name)
            return await handler(event, data)

        router.callback_query.outer_middleware(visit)

    for router in dispatcher.chain_tail:
        note_visits(router)
    await chat.send("/start")
    await chat.tap("🎸 Find a room")

    assert "Which city" in chat.text
    (parent,) = [r for r in dispatcher.sub_routers if r.name == "messages_only"]
    message_routers = {r.name for r in parent.chain_tail if r is not parent}
    assert visited.count("messages_only") == 1
    assert message_routers.isdisjoint(visited)
    assert visited[-1] == "MainSG"  # the main menu's dialog took it
