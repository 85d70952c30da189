"""Hindi and English (issue 18 §1): the catalogue has every word in Hindi, the language
comes from Telegram the first time and from /language after, a Hindi musician books,
pays and cancels seeing no English, and notifications and invoices are made in each
recipient's own language."""

from __future__ import annotations

import io
import re
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta

import pytest
from aiogram import Dispatcher
from aiogram.fsm.storage.base import BaseStorage
from aiogram.types import Chat, InlineKeyboardButton, InlineKeyboardMarkup, Message
from aiogram.types import User as TelegramUser
from babel.messages.catalog import Catalog
from pypdf import PdfReader

from bot.app import command_menu
from bot.catalogue import extract, read_catalogue, untranslated
from bot.config import Settings
from bot.i18n import KnownLanguages
from bot.live_screens import slot_screen_painter
from bot.services import payments_config
from domain.booking_status import BookingStatus
from domain.clock import ManualClock
from domain.gst.supply import Treatment
from domain.gst.tax import tax_inside
from domain.words import formats, musician
from domain.words.language import Language, language_for_telegram, speaking
from jobs.delivery import RateLimits
from jobs.lifecycle import BookingClock
from payments.invoice_pdf import InvoiceData, InvoiceLine, Party, render_invoice_pdf
from payments.setup import PaymentSetup, build_payments
from storage.announcements import announce
from storage.booking_service import BookingService
from storage.database import Database
from storage.embedded import free_port
from storage.models import Booking, Room, User
from storage.outbox import OutboxMessage
from storage.payouts import set_payout_account
from storage.users import language_of
from tests.dialog_support import Musician, RedrawsAfterTheAnswer, make_dispatcher, make_services, slot_keys
from tests.fakes.razorpay_api import FakeRazorpayAPI
from tests.payment_support import held_booking, open_world, razorpay_settings, serve_app

TOMORROW = date(2026, 11, 26)  # a Thursday
ASHA, RAVI, OWNER = 1001, 1002, 9001

# ---- the catalogue ----------------------------------------------------------------------

FIELD = re.compile(r"\{[^{}]*\}")
TAG = re.compile(r"</?[a-z]+[^>]*>")


def test_every_word_has_its_hindi() -> None:
    assert untranslated(read_catalogue(Language.HINDI), extract()) == []


def test_a_word_without_its_hindi_is_found() -> None:
    template = extract()
    catalogue = read_catalogue(Language.HINDI)
    dropped = next(m.id for m in template if m.id == "Pick at least one slot first.")
    catalogue.delete(dropped)
    assert untranslated(catalogue, template) == [dropped]
    empty = Catalog(locale="hi")
    assert len(untranslated(empty, template)) == len([m for m in template if m.id])


def test_each_translation_keeps_the_facts_and_tags_of_its_english() -> None:
    for message in read_catalogue(Language.HINDI):
        if not message.id:
            continue
        plural = isinstance(message.id, tuple)
        pairs = zip(message.id, message.string, strict=True) if plural else [(message.id, message.string)]
        for english, hindi in pairs:
            assert sorted(FIELD.findall(hindi)) == sorted(FIELD.findall(english)), english
            assert sorted(TAG.findall(hindi)) == sorted(TAG.findall(english)), english


def test_money_and_days_in_hindi() -> None:
    with speaking(Language.HINDI):
        assert formats.money(12_000_000) == "₹1,20,000"
        assert formats.day(TOMORROW) == "गुरु 26 नव॰ 2026"
        assert formats.month(TOMORROW) == "नवंबर 2026"
        assert formats.count(3, formats.SLOT) == "3 स्लॉट"
        assert formats.count(1, formats.HOUR) == "1 घंटा"
        assert formats.count(1.5, formats.HOUR) == "1.5 घंटे"
        assert musician.SLOW_DOWN.startswith("ज़रा धीरे")  # a constant, read in the language
    assert formats.money(12_000_000) == "₹1,20,000"
    assert formats.day(TOMORROW) == "Thu 26 Nov 2026"
    assert musician.SLOW_DOWN == "Easy there: one tap at a time, please."


@pytest.mark.parametrize(
    ("code", "language"),
    [("hi", Language.HINDI), ("hi-IN", Language.HINDI), ("en", Language.ENGLISH), ("ta", Language.ENGLISH)],
)
def test_the_first_language_comes_from_telegram(code: str, language: Language) -> None:
    assert language_for_telegram(code) is language
    assert language_for_telegram(None) is Language.ENGLISH


# ---- no English on a Hindi screen -------------------------------------------------------

ALLOWED = {
    "jamroom", "upi", "razorpay", "gst", "gstin", "pan", "sac", "csv", "google", "ist",
    "cgst", "sgst", "igst", "utgst",
    "test", "sbx", "pay",  # a sandbox payment's id
    "tonight", "tomorrow", "sat", "pm",  # /free's own arguments, shown as examples to type
    "asha", "bengaluru",
    "language", "english",  # "🌐 भाषा · Language", "English": the way back to English
}  # fmt: skip
"""Latin words a Hindi screen may show: brands, tax terms, codes, the musician's name,
what /free takes as typed."""
CODE = re.compile(r"\b[A-Z]{2,}[-/][A-Z0-9/-]+\b|\b\d+[A-Za-z]+\b|\b[A-Z0-9]{6,}\b")
URL = re.compile(r"https?://\S+|tg://\S+|/\w+|@\w+")


def english_left(text: str, room: Room | None = None, *names: str) -> set[str]:
    """Latin words in ``text`` that are neither in the allow-list, nor a code, a command,
    a link, nor the room's own facts (its name, address, zone, amenities, description)
    or other ``names`` shown (a seller's legal name, a state)."""
    facts = [*names]
    if room is not None:
        facts += [room.name, room.address, room.description, room.city, room.timezone, *room.amenities]
    allowed = ALLOWED | {w.lower() for w in re.findall(r"[A-Za-z]+", " ".join(facts))}
    bare = URL.sub(" ", CODE.sub(" ", TAG.sub(" ", text)))
    return {w for w in re.findall(r"[A-Za-z]+", bare) if w.lower() not in allowed}


def test_the_check_finds_english_left_on_a_screen(room: Room) -> None:
    assert english_left("🎸 रूम खोजें · Bass Cave Studio · BC-7K2Q · /free tonight", room) == set()
    assert english_left("बुकिंग Confirmed", room) == {"Confirmed"}


# ---- a Hindi musician's whole booking ----------------------------------------------------


@pytest.fixture
async def payments(db: Database, clock: ManualClock, service: BookingService) -> AsyncIterator[PaymentSetup]:
    """The sandbox gateway with our web server (it sends its signed webhooks there)."""
    settings = Settings(_env_file=None, bot_token="42:first-run", port=free_port())  # type: ignore[call-arg]
    built = build_payments(payments_config(settings, "jamroom_test_bot"), clock, service)
    from aiohttp import web

    app = web.Application()
    built.install_routes(app)
    runner, _ = await serve_app(app, settings.port)
    yield built
    await built.service.drain()
    await runner.cleanup()


def hindi_phone(chat: Musician) -> Musician:
    chat.client.user = TelegramUser(id=chat.user_id, is_bot=False, first_name="Asha", language_code="hi")
    return chat


@pytest.fixture
def asha(
    db: Database, clock: ManualClock, service: BookingService, room: Room, payments: PaymentSetup,
    dialog_storage: BaseStorage,
) -> Musician:  # fmt: skip
    dispatcher, manager = make_dispatcher(make_services(db, clock, service, payments.service), dialog_storage)
    return hindi_phone(Musician(dispatcher, manager, ASHA, "Asha"))


def screen(chat: Musician) -> str:
    return "\n".join([chat.text, *chat.button_texts()])


async def test_a_hindi_musician_books_pays_and_cancels_in_hindi(
    asha: Musician, room: Room, clock: ManualClock
) -> None:
    seen: list[str] = []

    async def look() -> str:
        seen.append(screen(asha))
        assert english_left(seen[-1], room) == set(), seen[-1]
        return seen[-1]

    await asha.send("/start")
    assert "नमस्ते Asha!" in await look()
    assert await language_of(ASHA) is Language.HINDI  # from Telegram's language_code, stored
    await asha.tap("🎸 रूम खोजें")
    assert "Bengaluru · 1 रूम" in await look()
    await asha.tap("Bengaluru.*")
    await asha.tap("Bass Cave Studio.*")
    card = await look()
    assert "₹600/घंटा · पीक ₹800/घंटा" in card
    assert "सोम–गुरु 10:00–22:00" in card
    await asha.tap("📅 बुक करें")
    calendar = await look()
    assert "आप किस दिन बजाना चाहेंगे?" in calendar
    assert "🗓 नवंबर 2026" in calendar  # the month and weekdays through Babel
    assert "गुरु" in asha.button_texts()
    await asha.tap_day(TOMORROW)
    assert "गुरु 26 नव॰ 2026" in await look()
    for key in slot_keys(room, TOMORROW, 20, 21):
        await asha.tap_slot(key)
    assert "कुल <b>₹1,600</b>" in await look()
    await asha.tap("समीक्षा.*")
    review = await look()
    assert "<b>कृपया अपनी बुकिंग जाँच लें</b>" in review
    assert "रद्द करने पर पूरा रिफ़ंड" in review
    await asha.tap("✅ पक्का करें")
    pay = await look()
    assert "टेस्ट भुगतान" in pay
    assert asha.button_texts()[0] == "💳 ₹1,600 का भुगतान करें (टेस्ट)"

    await asha.tap(r"💳 ₹1,600 का भुगतान करें \(टेस्ट\)")
    booking = await Booking.find_one(Booking.user_id == ASHA)
    assert booking is not None
    assert booking.status is BookingStatus.NOT_STARTED
    assert asha.bot.alerts()[-1].startswith("✅ भुगतान हुआ (टेस्ट)")
    assert "स्थिति: <b>पक्की</b>" in await look()
    confirmation = await OutboxMessage.find_one(OutboxMessage.dedupe_key == f"{booking.id}:confirmed")
    assert confirmation is not None
    assert confirmation.text.startswith("✅ <b>बुकिंग पक्की हो गई</b>")
    assert english_left(confirmation.text, room) == set()

    await asha.tap("📋 मेरी बुकिंग")
    mine = await look()
    assert "<b>आपकी आने वाली बुकिंग</b>" in mine
    assert "₹1,600 · पक्की" in mine
    await asha.tap(f"{booking.code}.*")
    details = await look()
    assert f"<b>बुकिंग {booking.code}</b>" in details
    assert "📄 इनवॉइस फिर से भेजें" in asha.button_texts()
    await asha.tap("✖ यह बुकिंग रद्द करें")
    preview = await look()
    assert f"बुकिंग <b>{booking.code}</b> रद्द करें?" in preview
    assert "आपको <b>₹1,600</b> वापस मिलेंगे" in preview
    await asha.tap("हाँ, रद्द करें")
    assert "✅ रद्द हो गया। ₹1,600 उसी खाते में वापस आएँगे" in await look()

    await asha.send("/help")
    help_text = asha.bot.sent_texts()[-1]
    assert help_text.startswith("<b>JamRoom बॉट कैसे काम करता है</b>")
    assert english_left(help_text, room) == set()
    assert len(seen) >= 12


# ---- /language ---------------------------------------------------------------------------


@pytest.fixture
def chat(db: Database, clock, service: BookingService, room: Room, dialog_storage: BaseStorage) -> Musician:
    dispatcher, manager = make_dispatcher(make_services(db, clock, service, None), dialog_storage)
    return Musician(dispatcher, manager, RAVI, "Ravi")


async def test_language_switches_to_hindi_and_back_and_is_stored(chat: Musician) -> None:
    await chat.send("/start")
    assert chat.text.startswith("Hi Ravi!")
    assert await language_of(RAVI) is Language.ENGLISH
    await chat.send("/language")
    assert chat.button_texts()[:2] == ["English", "हिन्दी"]
    await chat.tap("हिन्दी")
    assert chat.text.startswith("नमस्ते Ravi!")  # the menu, at once in the new language
    assert chat.button_texts()[0] == "🎸 रूम खोजें"
    assert await language_of(RAVI) is Language.HINDI
    await chat.send("/start")
    assert chat.text.startswith("नमस्ते Ravi!")  # kept, although Telegram says English

    await chat.tap("🌐 भाषा · Language")  # the menu's button
    await chat.tap("English")
    assert chat.text.startswith("Hi Ravi!")
    assert await language_of(RAVI) is Language.ENGLISH


async def test_an_unknown_language_stored_reads_as_english(chat: Musician) -> None:
    await chat.send("/start")
    await User.get_pymongo_collection().update_one({"_id": RAVI}, {"$set": {"language": "xx"}})
    await chat.send("/start")
    assert chat.text.startswith("Hi Ravi!")


# ---- notifications and jobs, each in the recipient's language ----------------------------


async def hindi_musician_and_english_owner(room: Room) -> None:
    await User(id=ASHA, first_name="Asha", language="hi").insert()
    await User(id=OWNER, first_name="Ravi", language="en").insert()
    assert room.owner_ids == [OWNER]


async def test_one_announcement_speaks_to_each_in_their_language(
    room: Room, clock: ManualClock, service: BookingService
) -> None:
    await hindi_musician_and_english_owner(room)
    booking = await service.create_booking(ASHA, room.id, TOMORROW, slot_keys(room, TOMORROW, 20))

    def news() -> str:
        return musician.hold_expired(booking, room)

    queued = await announce(booking, room, musician=news, owners=news, key="expired", now=clock.now())
    assert queued == 2
    to_asha = await OutboxMessage.find_one(OutboxMessage.chat_id == ASHA)
    to_owner = await OutboxMessage.find_one(OutboxMessage.chat_id == OWNER)
    assert to_asha is not None
    assert to_owner is not None
    assert to_asha.text.startswith("⌛ गुरु 26 नव॰ 2026, 20:00–21:00 के लिए Bass Cave Studio पर आपकी रोक")
    assert to_owner.text.startswith("⌛ Your hold on Bass Cave Studio for Thu 26 Nov 2026, 20:00–21:00")
    again = await announce(booking, room, musician=news, owners=news, key="expired", now=clock.now())
    assert again == 0  # never twice
    assert await OutboxMessage.count() == 2


async def test_the_clocks_reminder_is_in_the_musicians_language(
    room: Room, clock: ManualClock, service: BookingService
) -> None:
    await hindi_musician_and_english_owner(room)
    booking = await service.create_booking(ASHA, room.id, TOMORROW, slot_keys(room, TOMORROW, 20))
    paid = await service.confirm_payment(booking, {"payment_id": "pay_1"})
    assert paid is not None
    jobs = BookingClock(service, clock, None, (timedelta(hours=24),))
    clock.set(paid.starts_at - timedelta(hours=23))
    assert await jobs.send_reminders() == 1
    reminder = await OutboxMessage.find_one(OutboxMessage.chat_id == ASHA)
    assert reminder is not None
    assert reminder.text.startswith("⏰ <b>Bass Cave Studio</b> में आपका सेशन 23 घंटे में शुरू होगा")
    assert reminder.buttons == [[{"text": "🗺 मैप में खोलें", "url": musician.map_link(room)}]]
    assert english_left(reminder.text, room) == set()


# ---- the invoice PDF ----------------------------------------------------------------------


def an_invoice(room: Room) -> InvoiceData:
    start = datetime(2026, 11, 26, 14, 30, tzinfo=room.zone)
    return InvoiceData(
        number="BC/2026-27/000001",
        issue_date=date(2026, 11, 25),
        seller=Party(name="Bass Cave Music LLP", address="12 Church Street, Bengaluru", gstin=None),
        recipient=Party(name="Asha", username="asha_drums"),
        booking_code="BC-7K2Q",
        room_name=room.name,
        session_date=TOMORROW,
        timezone="Asia/Kolkata",
        lines=[InvoiceLine("Rehearsal slot", start, start + timedelta(hours=1), 60_000, 60_000)],
        tax=tax_inside(60_000, 0, Treatment.NOT_REGISTERED),
        place_of_supply=None,
        sac="999652",
        amount_paid_paise=60_000,
        payment_id="pay_1",
    )


def pdf_text(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def test_the_invoice_is_drawn_in_hindi_with_a_devanagari_font(room: Room) -> None:
    with speaking(Language.HINDI):
        pdf = render_invoice_pdf(an_invoice(room))
    text = pdf_text(pdf)
    assert "इनवॉइस" in text
    assert "₹600.00" in text
    assert "BC/2026-27/000001" in text
    assert "INVOICE" not in text
    assert b"NotoSansDevanagari" in pdf
    english = pdf_text(render_invoice_pdf(an_invoice(room)))
    assert english.startswith("INVOICE")


# ---- the owner's screens -------------------------------------------------------------------


@pytest.fixture
def ravi(db: Database, clock, service: BookingService, room: Room, dialog_storage: BaseStorage) -> Musician:
    """Bass Cave's owner, whose Telegram speaks Hindi."""
    dispatcher, manager = make_dispatcher(make_services(db, clock, service, None), dialog_storage)
    owner = Musician(dispatcher, manager, OWNER, "Ravi")
    owner.client.user = TelegramUser(id=OWNER, is_bot=False, first_name="Ravi", language_code="hi")
    return owner


async def test_an_owner_runs_the_room_in_hindi(
    ravi: Musician, room: Room, service: BookingService, user: User
) -> None:
    booking = await service.create_booking(user.id, room.id, TOMORROW, slot_keys(room, TOMORROW, 12))
    await service.confirm_payment(booking, {"payment_id": "pay_1"})
    await ravi.send("/start")  # registers the owner, in Hindi from Telegram
    await ravi.send("/owner")
    menu = screen(ravi)
    assert "स्थिति: बुकिंग ले रहा है" in menu
    assert "₹600/घंटा · पीक ₹800/घंटा" in menu
    assert english_left(menu, room, "Bass Cave Music LLP", "Karnataka") == set(), menu
    await ravi.tap("⚙️ रूम सेटिंग")
    settings = screen(ravi)
    assert "💵 कीमत: ₹600/घंटा" in settings
    assert english_left(settings, room) == set(), settings
    await ravi.tap("📏 बुकिंग नियम")
    rules = screen(ravi)
    assert "⏱ सबसे छोटा सेशन: कामकाजी दिनों में कोई भी लंबाई" in rules
    assert english_left(rules, room) == set(), rules
    await ravi.tap("🔢 स्लॉट सीमा")
    await ravi.send("99")
    assert ravi.bot.sent_texts()[-1] == "⚠️ हर बुकिंग में स्लॉट 1 से 24 स्लॉट होना चाहिए। कुछ भी नहीं बदला गया।"


# ---- the waitlist and live slot screens in Hindi ------------------------------------------


@pytest.fixture
def hindi_world(
    db: Database, clock: ManualClock, service: BookingService, room: Room, payments: PaymentSetup,
    dialog_storage: BaseStorage,
) -> tuple[Dispatcher, Musician]:  # fmt: skip
    dispatcher, manager = make_dispatcher(make_services(db, clock, service, payments.service), dialog_storage)
    return dispatcher, hindi_phone(Musician(dispatcher, manager, ASHA, "Asha"))


def as_shown(stored: OutboxMessage) -> Message:
    """A queued message as Telegram shows it in the chat, with its buttons."""
    return Message(
        message_id=99_000,
        date=datetime.now(UTC),
        chat=Chat(id=stored.chat_id, type="private"),
        text=stored.text,
        reply_markup=InlineKeyboardMarkup(
            inline_keyboard=[[InlineKeyboardButton(**b) for b in row] for row in stored.buttons]
        ),
    )


async def test_a_hindi_musician_waits_for_a_taken_slot_and_is_offered_it_in_hindi(
    hindi_world: tuple[Dispatcher, Musician], room: Room, service: BookingService, clock: ManualClock
) -> None:
    dispatcher, asha = hindi_world
    rival = await User(id=2002, first_name="Bela", language="en").insert()
    taken = slot_keys(room, TOMORROW, 12)
    booking = await service.create_booking(rival.id, room.id, TOMORROW, taken)

    await asha.send("/start")
    await asha.tap("🎸 रूम खोजें")
    await asha.tap("Bengaluru.*")
    await asha.tap("Bass Cave Studio.*")
    await asha.tap("📅 बुक करें")
    await asha.tap_day(TOMORROW)
    await asha.tap_slot(taken[0])
    assert english_left(asha.bot.alerts()[-1], room) == set(), asha.bot.alerts()[-1]
    hint = screen(asha)
    assert "फिर भी भरा हुआ स्लॉट चाहिए?" in hint
    assert english_left(hint, room) == set(), hint
    await asha.tap("🔔 खाली हो तो बताना")
    waiting = screen(asha)
    assert "🔔 12:00–13:00 खाली होते ही मैं आपको बताऊँगा" in waiting
    assert english_left(waiting, room) == set(), waiting

    # Another musician books on the open screen: the redraw speaks Asha's language too.
    redraws = RedrawsAfterTheAnswer(service, clock, slot_screen_painter(asha.bot, dispatcher))
    await service.create_booking(rival.id, room.id, TOMORROW, slot_keys(room, TOMORROW, 13))
    assert await redraws.redraw_due(RateLimits(shared=False, clock=ManualClock(clock.now()))) == 1
    redrawn = screen(asha)
    assert any(b.startswith("✕ 13:00–14:00 · ") for b in asha.button_texts())
    assert english_left(redrawn, room) == set(), redrawn

    # The slot frees: the offer is made in Asha's language, though the rival's English cancel freed it.
    await service.cancel_by_musician(booking.id, rival.id)
    await service.aftermath.drain()  # the offer follows the answer
    (offer,) = [
        m
        for m in await OutboxMessage.find(OutboxMessage.chat_id == ASHA).to_list()
        if m.dedupe_key.startswith("offer:")
    ]
    assert offer.text.startswith("🔔 <b>जो स्लॉट आप चाहते थे, वह खाली है!</b>")
    assert english_left(offer.text, room) == set(), offer.text
    assert [[b["text"] for b in row] for row in offer.buttons] == [
        ["✅ पक्का करें और भुगतान करें"],
        ["✖ नहीं, धन्यवाद, आगे दे दें"],
    ]

    await asha.send("/start")
    await asha.tap("📅 मेरी बुकिंग")
    await asha.tap(r"🔔 मेरे इंतज़ार \(1\)")
    waits = screen(asha)
    assert "खाली है और" in waits
    assert english_left(waits, room) == set(), waits

    await asha.tap("✖ नहीं.*", as_shown(offer))
    assert asha.bot.alerts()[-1] == "ठीक है, मैंने इसे इंतज़ार कर रहे अगले संगीतकार को दे दिया।"


# ---- /privacy and Delete my data in Hindi -------------------------------------------------


async def test_a_hindi_musician_reads_privacy_and_deletes_their_data_in_hindi(
    asha: Musician, room: Room, service: BookingService
) -> None:
    await asha.send("/start")
    await service.create_booking(ASHA, room.id, TOMORROW, slot_keys(room, TOMORROW, 20))
    await asha.send("/privacy")
    policy = screen(asha)
    assert policy.startswith("🔒 <b>JamRoom बॉट में आपका डेटा</b>")
    assert english_left(policy, room) == set(), policy
    await asha.tap("🗑 मेरा डेटा हटाएँ")
    preview = screen(asha)
    assert "• आपकी आने वाली 1 बुकिंग रद्द होगी।" in preview
    assert english_left(preview, room) == set(), preview
    await asha.tap("🗑 हाँ, सब कुछ हटा दें")
    done = asha.bot.sent_texts()[-1]
    assert done.startswith("✅ आपका डेटा हटा दिया गया है।")
    assert english_left(done, room) == set(), done


async def test_an_owner_is_told_in_hindi_why_their_data_cannot_be_deleted_yet(
    ravi: Musician, room: Room
) -> None:
    await ravi.send("/start")
    await ravi.send("/privacy")
    await ravi.tap("🗑 मेरा डेटा हटाएँ")
    refused = screen(ravi)
    assert "यहाँ Bass Cave Studio आपके हैं" in refused
    assert "हाँ, सब कुछ हटा दें" not in refused
    assert english_left(refused, room) == set(), refused


# ---- moving a session and the owner's payouts in Hindi ------------------------------------


async def test_a_hindi_musician_moves_a_session_in_hindi_and_the_news_speaks_to_each(
    asha: Musician, room: Room, service: BookingService
) -> None:
    await User(id=OWNER, first_name="Ravi", language="hi").insert()
    await asha.send("/start")
    booking = await service.create_booking(ASHA, room.id, TOMORROW, slot_keys(room, TOMORROW, 14))
    await service.confirm_payment(
        booking, {"payment_id": "pay_m1", "amount_paid_paise": booking.amount_paise}
    )
    await asha.send("/bookings")
    await asha.tap(f"{booking.code} .*")
    await asha.tap("🔁 समय बदलें")
    pick = screen(asha)
    assert f"🔁 <b>{booking.code} का समय बदलें</b>" in pick
    assert english_left(pick, room) == set(), pick
    await asha.tap_day(TOMORROW)
    slots = screen(asha)
    assert "आपके सेशन के अपने स्लॉट भी चुने जा सकते हैं" in slots
    assert english_left(slots, room) == set(), slots
    await asha.tap_slot(slot_keys(room, TOMORROW, 18)[0])  # peak: ₹800
    await asha.tap("समीक्षा.*")
    review = screen(asha)
    assert "<b>कृपया समय बदलने की जाँच करें</b>" in review
    assert "अंतर के <b>₹200</b> का भुगतान करें" in review
    assert english_left(review, room) == set(), review
    await asha.tap("✅ समय बदलें और अंतर का भुगतान करें")
    pay = screen(asha)
    assert "<b>₹200</b> का भुगतान करें" in pay
    assert english_left(pay, room) == set(), pay

    await asha.tap(r"💳 ₹200 का भुगतान करें \(टेस्ट\)")
    assert english_left(asha.bot.alerts()[-1], room) == set(), asha.bot.alerts()[-1]
    (told,) = await OutboxMessage.find(OutboxMessage.dedupe_key == f"{booking.id}:changed:1").to_list()
    assert told.text.startswith(f"🔁 <b>सेशन का समय बदल गया</b> · <code>{booking.code}</code>")
    assert english_left(told.text, room) == set(), told.text
    # The owner's news is made in the owner's own language, not in the update's.
    (news,) = await OutboxMessage.find(OutboxMessage.chat_id == OWNER).to_list()
    assert news.text.startswith("🔁 <b>बुकिंग का समय बदला</b>")
    assert english_left(news.text, room, "Asha") == set(), news.text


async def test_an_owner_reads_the_payouts_screen_in_hindi(
    db: Database,
    clock: ManualClock,
    service: BookingService,
    room: Room,
    user: User,
    razorpay_api: FakeRazorpayAPI,
    dialog_storage: BaseStorage,
) -> None:
    account = "acc_Owner0000000001"
    razorpay_api.accounts.add(account)
    linked = await set_payout_account(room, account)
    async with open_world(razorpay_api, clock, service, commission_bp=1000) as world:
        held = await held_booking(world, linked, user, 12)
        payment_id = world.api.pay_link(held.payment["link_id"])
        await world.post_event(world.api.paid_event(held.payment["link_id"], payment_id))
        await world.payments.drain()
    settings = razorpay_settings(razorpay_api, commission_bp=1000)
    dispatcher, manager = make_dispatcher(
        make_services(db, clock, service, settings=settings), dialog_storage
    )
    owner = Musician(dispatcher, manager, OWNER, "Ravi")
    owner.client.user = TelegramUser(id=OWNER, is_bot=False, first_name="Ravi", language_code="hi")
    await owner.send("/owner")
    await owner.tap("💸 पेआउट")
    payouts = screen(owner)
    assert "पेआउट <b>चालू</b> हैं" in payouts
    assert "प्लेटफ़ॉर्म 10% रखता है" in payouts
    line = next(line for line in payouts.splitlines() if held.code in line)
    assert "प्लेटफ़ॉर्म शुल्क ₹60" in line
    assert "ट्रांसफ़र हुए" in line
    assert "(1 ट्रांसफ़र)" in payouts
    assert english_left(payouts, linked, account) == set(), payouts


def test_a_language_read_is_kept_for_a_while_and_then_read_again() -> None:
    """bot/i18n.py keeps a person's language for KNOWN_FOR_SECONDS instead of reading it
    on every update; a choice made in the process replaces it at once."""
    now = [100.0]
    known = KnownLanguages(seconds=30, clock=lambda: now[0])
    assert known.get(1001) is None
    known.remember(1001, Language.HINDI)
    now[0] += 29.9
    assert known.get(1001) is Language.HINDI
    known.remember(1001, Language.ENGLISH)  # /language in this process
    assert known.get(1001) is Language.ENGLISH
    now[0] += 30
    assert known.get(1001) is None  # read again: another process may have changed it
    assert known.get(2002) is None


def test_telegrams_command_menu_is_described_in_both_languages() -> None:
    """python -m bot sets the menu twice: English for everyone, Hindi for ``hi`` apps."""
    english, hindi = command_menu(Language.ENGLISH), command_menu(Language.HINDI)
    assert [c.command for c in english] == [c.command for c in hindi]
    assert next(c.description for c in english if c.command == "bookings") == "My bookings"
    assert next(c.description for c in hindi if c.command == "bookings") == "मेरी बुकिंग"
    for command in hindi:
        words = re.findall(r"(?<![/\w])[A-Za-z]{3,}", command.description.replace(f"/{command.command}", ""))
        assert set(words) <= {"English", "free", "tonight", "tomorrow"}, command
