"""Words in one place (issue 15, item 4): what people read lives in ``domain/words``, keyed
by name, with one formatter per concept. Checked from the source (no user text left in
handlers, jobs or services), against storage's documents (they are the facts the words
read) and on the words themselves, without a database."""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

import bot.app  # noqa: F401 - loads every module, so every BookingError subclass is known
from bench.import_graph import ROOT, cycles, imports_of, module_name, project_files, resolve
from domain import errors
from domain.booking_status import BookingStatus
from domain.payment_fit import Refusal
from domain.refund_status import RefundStatus
from domain.words import facts, formats, musician, musician_screens, owner
from domain.words.refusals import SOMETHING_REFUSED, refusal
from domain.words.statuses import BOOKING_STATUS_NAMES, REFUND_STATUS_NAMES, refund_status_name, status_name
from storage.booking_service import BookingService
from storage.models import BookedSlot, Booking, Room, User

IST = ZoneInfo("Asia/Kolkata")

# ---- no user text outside the words -----------------------------------------------------

SCANNED = ("bot/handlers", "bot/dialogs", "bot/middlewares", "jobs", "payments", "storage")
SCANNED_FILES = ("bot/cancellations.py", "bot/owner_reports.py", "domain/errors.py")
NOT_SCANNED = {
    "storage/database.py": "the start-up banner's database line, for the operator",
    "storage/embedded.py": "the embedded database's start-up and errors, for the operator",
    "storage/embedded_sharing.py": "the admin CLI finding a running bot's database, for the operator",
    "storage/nx_27017_child.py": "starts the embedded database process",
    "storage/demo.py": "the demo rooms' content (names, addresses), data not words",
    "payments/setup.py": "configuration refused at start-up, for the operator",
}
"""Modules whose text is read by the operator, not by a musician or an owner."""

QUIET_CALLS = {
    "debug", "info", "warning", "error", "exception", "critical",  # log lines
    "json_response",  # answers to Razorpay's servers
    "settle", "retry_at",  # jobs/delivery.py: why a message waits or failed, for operators
}  # fmt: skip
"""Calls whose string arguments nobody reads in a chat or a page."""

FRAMES = {("payments/web.py", "_page"), ("payments/sandbox.py", "_html")}
"""Browser pages' HTML frames and style; their words come from ``domain.words.pages``."""

NOTES = {("payments/razorpay_gateway.py", "JamRoom booking refund")}
"""A refund's note for Razorpay's records."""

DATA_KEYWORDS = {"dedupe_key", "key", "id", "when", "callback_data", "state", "filename", "notes"}
"""Keyword arguments that name data, not words (``notes``: a refund's notes for Razorpay)."""

LABEL_LIMIT = 32
"""A window's text may stay in its window when it is a button's label: one line, this
long at most, not a sentence. Longer texts are the words'."""

TAG = re.compile(r"<[^>]*(?:>|$)|^[^<]*>")
LETTER = re.compile(r"[^\W\d_]")


def looks_like_words(text: str) -> bool:
    """A letter and a space outside HTML tags (an f-string's ``{values}`` count as
    neither): a person would read it."""
    bare = TAG.sub("", text).strip()
    return bool(LETTER.search(bare)) and any(c.isspace() for c in bare)


def is_label(text: str) -> bool:
    return "\n" not in text and len(text) <= LABEL_LIMIT and not text.rstrip().endswith((".", "?", "!", ":"))


def scanned_files(root: Path) -> list[Path]:
    files = [p for folder in SCANNED for p in sorted((root / folder).glob("*.py"))]
    files += [root / name for name in SCANNED_FILES]
    return [p for p in files if p.relative_to(root).as_posix() not in NOT_SCANNED]


def _call_name(call: ast.Call) -> str:
    func = call.func
    return func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""


def _text_of(node: ast.AST, parents: dict[ast.AST, ast.AST]) -> str | None:
    """A string literal's text, an f-string's with each ``{value}`` as a digit; None
    for anything else (and for an f-string's pieces and format specs)."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return None if isinstance(parents.get(node), ast.JoinedStr) else node.value
    if isinstance(node, ast.JoinedStr) and not isinstance(parents.get(node), ast.FormattedValue):
        return "".join(v.value if isinstance(v, ast.Constant) else "0" for v in node.values)
    return None


def user_text(source: str, path: str) -> list[str]:
    """String literals in ``source`` that look like words a person reads, outside what
    is excused above: docstrings, log lines and the other quiet calls, exceptions'
    messages, dict keys and data keywords, window labels, page frames, notes."""
    tree = ast.parse(source)
    parents: dict[ast.AST, ast.AST] = {}
    for node in ast.walk(tree):
        for child in ast.iter_child_nodes(node):
            parents[child] = node
    found = []
    for node in ast.walk(tree):
        text = _text_of(node, parents)
        if text is None or not looks_like_words(text) or _excused(node, text, parents, path):
            continue
        found.append(f"{path}:{getattr(node, 'lineno', 0)} {text[:60]!r}")
    return found


def _excused(node: ast.AST, text: str, parents: dict[ast.AST, ast.AST], path: str) -> bool:
    holder = parents.get(node)
    if isinstance(holder, ast.Expr) or (path, text) in NOTES:
        return True  # a docstring, a note
    if isinstance(holder, ast.Dict) and node in holder.keys:
        return True
    if isinstance(holder, ast.Subscript) and holder.slice is node:
        return True
    if isinstance(holder, ast.keyword) and holder.arg in DATA_KEYWORDS:
        return True
    if isinstance(holder, ast.Call) and _call_name(holder) in ("Const", "Format") and is_label(text):
        return True
    ancestor = holder
    while ancestor is not None:
        if isinstance(ancestor, ast.Raise):
            return True  # an exception's own message
        if isinstance(ancestor, ast.Call) and _call_name(ancestor) in QUIET_CALLS:
            return True
        if isinstance(ancestor, ast.FunctionDef | ast.AsyncFunctionDef) and (path, ancestor.name) in FRAMES:
            return True
        ancestor = parents.get(ancestor)
    return False


def user_text_under(root: Path) -> list[str]:
    return [
        line
        for path in scanned_files(root)
        for line in user_text(path.read_text(), path.relative_to(root).as_posix())
    ]


def test_no_user_text_outside_the_words() -> None:
    """Handlers, dialogs' getters and handlers, jobs, payments and storage take what people
    read from ``domain.words``; a window keeps only its short button labels."""
    assert user_text_under(ROOT) == []


@pytest.mark.parametrize(
    "source",
    [
        'await message.answer("There is nothing to cancel. Send /start for the menu.")',
        'text = f"Blocked {n} slot(s) on {day:%d %b}."',
        'Const("Every slot of this day is taken. Please pick another day.", when="none_free")',
        'Format("Pick up to {max_slots} slots:", when="any_free")',
        '{"label": f"{city} · {n} rooms"}',
        'tell(manager, "<b>Done</b> and dusted")',
    ],
)
def test_the_scan_sees_user_text(source: str) -> None:
    assert user_text(source, "bot/handlers/x.py") != []


@pytest.mark.parametrize(
    "source",
    [
        'log.warning("payment %s for %s refused", payment_id, code)',
        'raise ValueError(f"unknown attachment {attachment!r}")',
        'data = {"Today": 1}',
        'await enqueue(chat, text, dedupe_key=f"{booking.id}:started:owner:{owner_id}")',
        'Cancel(Const("✖ Close"))',
        'Button(Format("Review · {total} ›"), id="review")',
        'x = f"{day:%a %d %b}"',
        'web.json_response({"ok": False, "error": "invalid signature"}, status=400)',
        "body = f'<form method=post action=\"{base}/pay\"><button class=pay>{pages.PAY}</button></form>'",
    ],
)
def test_the_scan_lets_data_and_labels_be(source: str) -> None:
    assert user_text(source, "bot/handlers/x.py") == []


# ---- the documents are the facts --------------------------------------------------------


def _members(protocol: type) -> set[str]:
    return {
        name
        for klass in protocol.__mro__
        if klass is not object and getattr(klass, "_is_protocol", False)
        for name, value in vars(klass).items()
        if isinstance(value, property)
    }


@pytest.mark.parametrize(
    ("document", "protocol"),
    [
        (Booking, facts.BookingFacts),
        (BookedSlot, facts.PricedSlotFacts),
        (Room, facts.RoomCardFacts),
        (User, facts.PersonFacts),
    ],
)
def test_every_fact_the_words_read_is_on_the_document(document: type, protocol: type) -> None:
    """The words never import storage, so a renamed field shows here, not in a chat."""
    missing = [
        name
        for name in sorted(_members(protocol))
        if name not in getattr(document, "model_fields", {}) and not hasattr(document, name)
    ]
    assert missing == []


async def test_the_words_read_the_documents_as_they_are(
    room: Room, user: User, service: BookingService
) -> None:
    day = service.today(room) + timedelta(days=3)
    keys = [s.key for s in room.slots_on(day)[2:4]]
    booking = await service.create_booking(user.id, room.id, day, keys)
    assert isinstance(booking, facts.BookingFacts)
    assert isinstance(booking.slots[0], facts.PricedSlotFacts)
    assert isinstance(room, facts.RoomCardFacts)
    assert isinstance(user, facts.PersonFacts)
    span = formats.session_span(booking, room.zone)
    assert span.startswith(formats.day(day))
    assert span in owner.new_booking(booking, room, user)
    assert formats.user_link(user, user.id) in owner.new_booking(booking, room, user)
    assert musician_screens.room_card(room).startswith(f"<b>{room.name}</b> · {room.city}")


# ---- refusals ---------------------------------------------------------------------------

SAMPLE_ARGUMENTS: dict[type, tuple[Any, ...]] = {
    errors.TooManySlotsError: (8,),
    errors.SlotsNotBookableError: ([datetime(2026, 11, 26, 12, tzinfo=UTC)],),
    errors.SlotsTakenError: ([datetime(2026, 11, 26, 12, tzinfo=UTC)],),
    errors.TooManyUnpaidHoldsError: (2,),
    errors.BookingNotCancellableError: (BookingStatus.COMPLETED,),
    errors.IllegalTransitionError: ("COMPLETED", "ONGOING"),
    errors.SlotsNotContiguousError: (
        [
            (datetime(2026, 11, 26, 6, 30, tzinfo=UTC), datetime(2026, 11, 26, 7, 30, tzinfo=UTC)),
            (datetime(2026, 11, 26, 12, 30, tzinfo=UTC), datetime(2026, 11, 26, 13, 30, tzinfo=UTC)),
        ],
        IST,
    ),
    errors.SessionTooShortError: (60, 120),
    errors.NotAPaidSessionError: (BookingStatus.CANCELLED,),
    errors.SessionNotOverError: (datetime(2026, 11, 26, 13, 30, tzinfo=UTC), IST),
    errors.NoShowWindowClosedError: (datetime(2026, 11, 27, 13, 30, tzinfo=UTC), IST),
    errors.SeriesNotPossibleError: ("not_one_run", 4),
    errors.SeriesWeeksTakenError: ([date(2026, 12, 3)],),
    errors.OwnsRoomsError: (["Bass Cave Studio"],),
    errors.SessionInProgressError: (datetime(2026, 11, 26, 13, 30, tzinfo=UTC), IST),
    errors.SlotNotWaitableError: ("free",),
    errors.TooManyWaitsError: (10,),
    errors.NotMovableError: ("too_late", datetime(2026, 11, 25, 12, 30, tzinfo=UTC), IST),
    errors.NotExtendableError: ("not_yet",),
}


def _all_refusals(base: type = errors.BookingError) -> list[type]:
    return [c for sub in base.__subclasses__() for c in (sub, *_all_refusals(sub))]


@pytest.mark.parametrize("kind", _all_refusals(), ids=lambda kind: kind.__name__)
def test_every_refusal_has_its_words_and_str_says_them(kind: type) -> None:
    error = kind(*SAMPLE_ARGUMENTS.get(kind, ()))
    assert refusal(error) != SOMETHING_REFUSED
    assert str(error) == refusal(error)


def test_every_refusal_has_a_key_of_its_own() -> None:
    keys = [kind.key for kind in _all_refusals()]
    assert len(set(keys)) == len(keys)


def test_every_state_has_its_name() -> None:
    assert set(BOOKING_STATUS_NAMES) == {s.value for s in BookingStatus}
    assert set(REFUND_STATUS_NAMES) == {s.value for s in RefundStatus}
    assert status_name(BookingStatus.TERMINATED) == "cancelled by the room"


def test_the_words_and_the_rules_import_each_other_without_a_cycle() -> None:
    """The errors and the rules say themselves through the words (``str(error)``,
    ``describe_hours``), so those words import nothing that imports them back."""
    trees = {module_name(p): ast.parse(p.read_text()) for p in project_files()}
    edges: dict[str, set[str]] = {}
    for module, tree in trees.items():
        targets = {resolve(name, set(trees)) for name in imports_of(tree, module)}
        edges[module] = {t for t in targets if t and t != module}
    assert [c for c in cycles(edges) if any(m.startswith("domain") for m in c)] == []


def test_a_choice_with_a_gap_is_refused_naming_its_runs_on_the_rooms_clock() -> None:
    runs = SAMPLE_ARGUMENTS[errors.SlotsNotContiguousError]
    assert str(errors.SlotsNotContiguousError(*runs)) == (
        "12:00–13:00 and 18:00–19:00 are not next to each other: book them as two bookings."
    )
    assert str(errors.SessionTooShortError(60, 120)).startswith(
        "Sessions here are at least 2 hours on that day; you picked 1 hour."
    )


def test_a_refusal_says_its_facts() -> None:
    assert str(errors.BookingNotCancellableError(BookingStatus.EXPIRED)) == (
        "This booking can no longer be cancelled (it is expired (not paid in time))."
    )
    assert "2 bookings that wait" in str(errors.TooManyUnpaidHoldsError(2))
    assert "one booking that waits" in str(errors.TooManyUnpaidHoldsError(1))


# ---- one formatter per concept ----------------------------------------------------------


@dataclass
class Slot:
    start: datetime
    end: datetime
    price_paise: int = 60000


@dataclass
class LateBooking:
    """Friday night's 00:00–02:00 at a room open till 02:00: it belongs to Friday."""

    code: str = "JR-NIGHT1"
    user_id: int = 7
    day: date = date(2026, 11, 27)
    starts_at: datetime = datetime(2026, 11, 27, 18, 30, tzinfo=UTC)  # Sat 00:00 IST
    ends_at: datetime = datetime(2026, 11, 27, 20, 30, tzinfo=UTC)
    hold_expires_at: datetime = datetime(2026, 11, 27, 7, 15, tzinfo=UTC)
    slots: list[Slot] = field(
        default_factory=lambda: [
            Slot(datetime(2026, 11, 27, 18, 30, tzinfo=UTC), datetime(2026, 11, 27, 19, 30, tzinfo=UTC)),
            Slot(datetime(2026, 11, 27, 19, 30, tzinfo=UTC), datetime(2026, 11, 27, 20, 30, tzinfo=UTC)),
        ]
    )
    amount_paise: int = 120000
    status: BookingStatus = BookingStatus.NOT_STARTED
    payment_id: str | None = "pay_1"
    payment: dict[str, Any] = field(default_factory=dict)
    refund: dict[str, Any] = field(default_factory=dict)
    cancel_reason: str | None = None
    no_show: bool = False
    series: Any = None

    @property
    def paid_currency(self) -> str:
        return str(self.payment.get("currency") or "INR")


@dataclass
class Place:
    slug: str = "bass-cave"
    name: str = "Bass Cave & Co"
    city: str = "Bengaluru"
    address: str = "12th Main"
    zone: ZoneInfo = IST
    latitude: float | None = None
    longitude: float | None = None
    active: bool = True


def test_a_session_reads_the_same_to_everyone_who_is_told_of_it() -> None:
    """One span formatter: the booking's day (a night past midnight belongs to its
    evening) and its times, in the room's zone, with the year; before, payments wrote
    the first slot's own date and the jobs left the year out."""
    booking, room = LateBooking(), Place()
    span = "Fri 27 Nov 2026, 00:00–02:00"
    assert formats.session_span(booking, IST) == span
    told = [
        musician.confirmed(booking, room),
        musician.hold_expired(booking, room),
        musician.reminder(booking, room, timedelta(hours=1)),
        musician.terminated(booking, room, "flooded"),
        musician.refused(booking, room, Refusal.SESSION_OVER, 120000, "INR"),
        owner.new_booking(booking, room, None),
        owner.session_started(booking, room),
        owner.musician_cancelled(booking, room, None, 0),
        owner.co_owner_terminated(booking, room, "flooded"),
        owner.refused_payment(booking, room, Refusal.SESSION_OVER, 120000, "INR"),
    ]
    assert [span in text for text in told] == [True] * len(told)


@pytest.mark.parametrize(
    ("number", "expected"),
    [(0, "0 slots"), (1, "1 slot"), (2, "2 slots"), (1.5, "1.5 slots"), (1_000_000, "1000000 slots")],
)
def test_a_count_says_its_noun(number: float, expected: str) -> None:
    assert formats.count(number, formats.SLOT) == expected


def test_names_people_typed_are_escaped_and_nothing_else() -> None:
    room = Place(name="<b>Loud</b> & Co's")
    text = musician.hold_expired(LateBooking(), room)
    assert "&lt;b&gt;Loud&lt;/b&gt; &amp; Co's" in text
    assert "<code>JR-NIGHT1</code>" in text


def test_a_user_link_names_the_person_or_says_musician() -> None:
    @dataclass
    class Person:
        id: int = 5
        display_name: str = "Asha <3"
        username: str | None = "asha"

    assert formats.user_link(Person(), 5) == '<a href="tg://user?id=5">Asha &lt;3</a> (@asha)'
    assert formats.user_link(None, 9) == '<a href="tg://user?id=9">musician</a>'


def test_money_comes_back_in_the_currency_it_came_in() -> None:
    booking = LateBooking(payment={"currency": "USD"})
    assert "12.50 USD" in musician.refund_started(booking, 1250)
    assert "₹1,20,000" in musician.refund_started(LateBooking(), 12000000)


def test_a_refund_state_is_named_and_an_unknown_one_shown_as_stored() -> None:
    assert [refund_status_name(s.value) for s in RefundStatus] == [s.value for s in RefundStatus]
    assert refund_status_name(None) == "due"
    assert refund_status_name("on_hold") == "on_hold"
