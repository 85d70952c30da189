"""The Bot API stand-ins refuse what Telegram refuses, with Telegram's answer: the two
HTTP fakes (FakeTelegram, bench's BotApi) through a real aiogram Bot, and the
aiogram-dialog test tools through tests.dialog_support."""

from __future__ import annotations

import copy
import json
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest
from aiogram import Bot
from aiogram.enums import ParseMode
from aiogram.exceptions import TelegramBadRequest
from aiogram.methods import AnswerCallbackQuery, AnswerInlineQuery, SendMessage
from aiogram.types import (
    BufferedInputFile,
    Chat,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InlineQueryResultArticle,
    InlineQueryResultsButton,
    InputTextMessageContent,
)
from aiogram_dialog.api.entities import NewMessage

from tests.dialog_support import RecordingBot, RuleKeepingMessageManager
from tests.fakes.bot_api import BotApi
from tests.fakes.bot_api_rules import form_text, json_value, refusal, visible_length
from tests.fakes.telegram import FakeTelegram
from tests.telegram_support import bot_for

CHAT = 1001
PDF = BufferedInputFile(b"%PDF-1.4 test", filename="invoice.pdf")


def keyboard(**button: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(inline_keyboard=[[InlineKeyboardButton(text="💳 Pay ₹1,200", **button)]])


@pytest.fixture(params=["FakeTelegram", "BotApi"], scope="module")
async def bot(request: pytest.FixtureRequest) -> AsyncIterator[Bot]:
    """The bot's own Bot (bot.app.make_bot) talking HTTP to one of the fakes."""
    fake: Any = FakeTelegram() if request.param == "FakeTelegram" else BotApi()
    started = await fake.start()
    base_url = (started or fake).base_url
    bot = bot_for(base_url)
    yield bot
    await bot.session.close()
    await fake.stop()


async def refused(call: Awaitable[Any]) -> str:
    with pytest.raises(TelegramBadRequest) as error:
        await call
    return error.value.message


@pytest.mark.parametrize(
    "url",
    [
        "http://localhost:8080/sandbox/pay/plink_sbx1",
        "http://jamroom:8080/pay",
        "ftp://pay.example.com/l",
        "javascript:alert(1)",
    ],
)
async def test_a_button_url_telegram_refuses_is_answered_button_url_invalid(bot: Bot, url: str) -> None:
    send = bot.send_message(CHAT, "Pay here", reply_markup=keyboard(url=url))
    assert await refused(send) == "Bad Request: BUTTON_URL_INVALID"


@pytest.mark.parametrize("url", ["https://rzp.io/i/abc", "http://pay.example.com:8080/l", "tg://user?id=1"])
async def test_a_button_url_telegram_accepts_is_sent(bot: Bot, url: str) -> None:
    sent = await bot.send_message(CHAT, "Pay here", reply_markup=keyboard(url=url))
    assert sent.text == "Pay here"


async def test_the_rule_covers_edits_and_documents_too(bot: Bot) -> None:
    localhost = keyboard(url="http://localhost:8080/sandbox/pay/x")
    edit = bot.edit_message_text("Pay here", chat_id=CHAT, message_id=1, reply_markup=localhost)
    assert await refused(edit) == "Bad Request: BUTTON_URL_INVALID"
    document = bot.send_document(CHAT, PDF, caption="Invoice", reply_markup=localhost)
    assert await refused(document) == "Bad Request: BUTTON_URL_INVALID"


async def test_text_over_4096_characters_is_answered_message_is_too_long(bot: Bot) -> None:
    assert await refused(bot.send_message(CHAT, "a" * 4097)) == "Bad Request: message is too long"
    edit = bot.edit_message_text("a" * 4097, chat_id=CHAT, message_id=1)
    assert await refused(edit) == "Bad Request: message is too long"
    sent = await bot.send_message(CHAT, "<b>" + "a" * 4096 + "</b>")  # tags are not counted
    assert sent.message_id


async def test_a_caption_over_1024_characters_is_answered_caption_too_long(bot: Bot) -> None:
    send = bot.send_document(CHAT, PDF, caption="a" * 1025)
    assert await refused(send) == "Bad Request: message caption is too long"
    assert (await bot.send_document(CHAT, PDF, caption="a" * 1024)).message_id


@pytest.mark.parametrize("data", ["x" * 65, "₹" * 22, ""])
async def test_callback_data_outside_1_to_64_bytes_is_answered_button_data_invalid(
    bot: Bot, data: str
) -> None:
    send = bot.send_message(CHAT, "Pick", reply_markup=keyboard(callback_data=data))
    assert await refused(send) == "Bad Request: BUTTON_DATA_INVALID"


async def test_callback_data_of_64_bytes_is_sent(bot: Bot) -> None:
    assert (
        await bot.send_message(CHAT, "Pick", reply_markup=keyboard(callback_data="₹" * 21 + "a"))
    ).message_id


async def test_a_callback_answer_over_200_characters_is_answered_message_too_long(bot: Bot) -> None:
    answer = bot.answer_callback_query(f"{CHAT}:1", text="a" * 201, show_alert=True)
    assert await refused(answer) == "Bad Request: MESSAGE_TOO_LONG"
    assert await bot.answer_callback_query(f"{CHAT}:1", text="a" * 200, show_alert=True)


def test_lengths_count_what_the_user_sees_in_utf16_units() -> None:
    assert visible_length("<b>Booking</b> &amp; <code>JR-1</code>", "HTML") == len("Booking & JR-1")
    assert visible_length("<b>x</b>", None) == len("<b>x</b>")
    assert visible_length("🎸", "HTML") == 2
    assert (
        refusal("sendmessage", {"text": "🎸" * 2049, "parse_mode": "HTML"})
        == "Bad Request: message is too long"
    )
    # Markup over the limit whose visible text is within it is sent; the same text as plain is not.
    within = "<b>" + "a" * 4090 + "</b> &amp;"
    assert refusal("sendmessage", {"text": within, "parse_mode": "HTML"}) is None
    assert refusal("sendmessage", {"text": within}) == "Bad Request: message is too long"


# ---- the aiogram-dialog test tools (tests.dialog_support) ----------------------------


async def test_the_dialog_test_tools_refuse_a_screen_telegram_would_refuse() -> None:
    manager = RuleKeepingMessageManager()
    chat = Chat(id=CHAT, type="private")
    screen = NewMessage(
        chat=chat, text="Pay", reply_markup=keyboard(url="http://localhost:8080/sandbox/pay/x")
    )
    with pytest.raises(TelegramBadRequest, match="BUTTON_URL_INVALID"):
        await manager.show_message(RecordingBot(), screen, None)
    assert manager.sent_messages == []
    with pytest.raises(TelegramBadRequest, match="message is too long"):
        await manager.show_message(RecordingBot(), NewMessage(chat=chat, text="a" * 4097), None)
    await manager.show_message(RecordingBot(), NewMessage(chat=chat, text="a" * 4096), None)
    assert len(manager.sent_messages) == 1


async def test_the_dialog_test_bot_refuses_calls_telegram_would_refuse() -> None:
    bot = RecordingBot()
    calls: list[Callable[[], Awaitable[Any]]] = [
        lambda: bot(AnswerCallbackQuery(callback_query_id="1", text="a" * 201)),
        lambda: bot(SendMessage(chat_id=CHAT, text="x", reply_markup=keyboard(callback_data="x" * 65))),
    ]
    for call in calls:
        with pytest.raises(TelegramBadRequest):
            await call()
    assert bot.calls == []
    await bot(AnswerCallbackQuery(callback_query_id="1", text="a" * 200))
    assert bot.alerts() == ["a" * 200]


# ---- answerInlineQuery -------------------------------------------------------------


def article(result_id: str, **extra: Any) -> InlineQueryResultArticle:
    content = InputTextMessageContent(message_text="🎸 <b>Bass Cave</b>", parse_mode=ParseMode.HTML)
    return InlineQueryResultArticle(id=result_id, title="Bass Cave", input_message_content=content, **extra)


async def test_more_than_50_inline_results_are_answered_results_too_much(bot: Bot) -> None:
    answer = bot.answer_inline_query("q1", [article(str(n)) for n in range(51)])
    assert await refused(answer) == "Bad Request: RESULTS_TOO_MUCH"
    assert await bot.answer_inline_query("q1", [article("x" * 62 + str(n).zfill(2)) for n in range(50)])


@pytest.mark.parametrize("result_id", ["", "x" * 65, "₹" * 22])
async def test_a_result_id_outside_1_to_64_bytes_is_answered_result_id_invalid(
    bot: Bot, result_id: str
) -> None:
    assert (
        await refused(bot.answer_inline_query("q1", [article(result_id)])) == "Bad Request: RESULT_ID_INVALID"
    )


async def test_two_results_with_one_id_are_answered_result_id_duplicate(bot: Bot) -> None:
    answer = bot.answer_inline_query("q1", [article("room:1"), article("room:1")])
    assert await refused(answer) == "Bad Request: RESULT_ID_DUPLICATE"


@pytest.mark.parametrize("parameter", ["", "day 2026", "x" * 65, "free_a+b="])
async def test_a_results_button_with_a_bad_start_parameter_is_answered_start_param_invalid(
    bot: Bot, parameter: str
) -> None:
    button = InlineQueryResultsButton(text="Book in a private chat", start_parameter=parameter)
    answer = bot.answer_inline_query("q1", [article("room:1")], button=button)
    assert await refused(answer) == "Bad Request: START_PARAM_INVALID"


async def test_a_result_is_held_to_the_rules_of_a_message(bot: Bot) -> None:
    localhost = article("room:1", reply_markup=keyboard(url="http://localhost:8080/x"))
    assert await refused(bot.answer_inline_query("q1", [localhost])) == "Bad Request: BUTTON_URL_INVALID"
    long = InlineQueryResultArticle(
        id="room:2", title="Long", input_message_content=InputTextMessageContent(message_text="a" * 4097)
    )
    assert await refused(bot.answer_inline_query("q1", [long])) == "Bad Request: message is too long"
    fine = article("room:3", reply_markup=keyboard(url="https://t.me/jamroom_bot?start=room_bass-cave"))
    assert await bot.answer_inline_query("q1", [fine], is_personal=True, cache_time=5)


async def test_the_dialog_test_bot_refuses_an_inline_answer_telegram_would_refuse() -> None:
    bot = RecordingBot()
    with pytest.raises(TelegramBadRequest, match="RESULT_ID_DUPLICATE"):
        await bot(AnswerInlineQuery(inline_query_id="1", results=[article("a"), article("a")]))
    assert bot.calls == []


@pytest.mark.parametrize(
    "value",
    [7, True, False, None, 1.5, [1, 2], {"inline_keyboard": [[{"text": "💳 Pay ₹1,200", "url": "x"}]]}],
)
def test_a_json_body_value_reads_as_the_text_a_form_would_carry(value: Any) -> None:
    """The HTTP fakes read a JSON body's values as a form's (Telegram reads both alike),
    and keep a structured one's value beside its text so it is not parsed again."""
    text = form_text(value)
    assert text == json.dumps(value)
    assert json_value(text) == value
    assert json_value(json.dumps(value)) == value  # the same value from a form's text
    copied = copy.deepcopy(text)
    assert (copied, json_value(copied)) == (text, value)
