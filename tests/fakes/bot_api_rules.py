"""What Telegram refuses of the calls this bot makes, with the words Telegram answers.

One rule book for every stand-in of the Bot API the tests drive the bot through:
``tests.fakes.telegram.FakeTelegram`` and ``tests.fakes.bot_api.BotApi`` (over HTTP), and
``tests.dialog_support``'s message manager and bot (aiogram-dialog's test tools), so
no test can pass with a message or keyboard Telegram would refuse.

Telegram answers each of these with ``400`` and the description below:

- an inline button whose ``url`` is not http/https/tg or whose host has no dot
  (``http://localhost:8080/...``): ``BUTTON_URL_INVALID``;
- ``callback_data`` outside 1-64 bytes: ``BUTTON_DATA_INVALID``;
- message text over 4096 characters: ``message is too long``;
- a caption over 1024 characters: ``message caption is too long``;
- an ``answerCallbackQuery`` text over 200 characters: ``MESSAGE_TOO_LONG``;
- an ``answerInlineQuery`` with more than 50 results: ``RESULTS_TOO_MUCH``; a result id
  outside 1-64 bytes: ``RESULT_ID_INVALID``; two results with one id:
  ``RESULT_ID_DUPLICATE``; a results button whose ``start_parameter`` is not 1-64
  characters of ``A-Z a-z 0-9 _ -``: ``START_PARAM_INVALID``; and, for each result, its
  keyboard and its message text by the rules above for a message.

Lengths count what the user sees, after the HTML is parsed (tags dropped, ``&amp;``
read as ``&``), in UTF-16 code units as Telegram counts them.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from html.parser import HTMLParser
from typing import Any

from domain.urls import telegram_accepts_button_url

MAX_TEXT = 4096
MAX_CAPTION = 1024
MAX_CALLBACK_DATA_BYTES = 64
MAX_CALLBACK_ANSWER = 200

BUTTON_URL_INVALID = "Bad Request: BUTTON_URL_INVALID"
BUTTON_DATA_INVALID = "Bad Request: BUTTON_DATA_INVALID"
TEXT_TOO_LONG = "Bad Request: message is too long"
CAPTION_TOO_LONG = "Bad Request: message caption is too long"
CALLBACK_ANSWER_TOO_LONG = "Bad Request: MESSAGE_TOO_LONG"
RESULTS_TOO_MUCH = "Bad Request: RESULTS_TOO_MUCH"
RESULT_ID_INVALID = "Bad Request: RESULT_ID_INVALID"
RESULT_ID_DUPLICATE = "Bad Request: RESULT_ID_DUPLICATE"
START_PARAM_INVALID = "Bad Request: START_PARAM_INVALID"
MAX_INLINE_RESULTS = 50
MAX_RESULT_ID_BYTES = 64
START_PARAMETER = re.compile(r"[A-Za-z0-9_-]{1,64}")

TEXT_METHODS = frozenset({"sendmessage", "editmessagetext"})
CAPTION_METHODS = frozenset(
    {
        "senddocument",
        "sendphoto",
        "sendvideo",
        "sendaudio",
        "sendanimation",
        "sendvoice",
        "editmessagecaption",
    }
)


def refusal(method: str, fields: Mapping[str, Any]) -> str | None:
    """Telegram's description of why it refuses this call, or None when it accepts it.

    ``fields`` are the call's parameters as they arrive over HTTP (strings, the
    keyboard as JSON text) or as Python values (the keyboard as a dict)."""
    method = method.lower()
    why = keyboard_refusal(fields.get("reply_markup"))
    if why:
        return why
    parse_mode = fields.get("parse_mode")
    if method in TEXT_METHODS and _longer_than(MAX_TEXT, fields.get("text"), parse_mode):
        return TEXT_TOO_LONG
    if method in CAPTION_METHODS and _longer_than(MAX_CAPTION, fields.get("caption"), parse_mode):
        return CAPTION_TOO_LONG
    if method == "answercallbackquery" and _longer_than(MAX_CALLBACK_ANSWER, fields.get("text"), None):
        return CALLBACK_ANSWER_TOO_LONG
    if method == "answerinlinequery":
        return inline_answer_refusal(fields.get("results"), fields.get("button"))
    return None


class JsonText(str):
    """A structured value of a JSON body (a keyboard, a list of results) as the JSON text
    a form would carry, with the value it was read as kept beside it: the stand-ins read
    it without parsing it again (the bench's stand-in shares the bot's two cores)."""

    parsed: Any

    def __new__(cls, text: str, parsed: Any = None) -> JsonText:
        made = super().__new__(cls, text)
        made.parsed = parsed  # a copy or a pickle brings it back from the instance's __dict__
        return made


def form_text(value: Any) -> str:
    """A JSON body's value as the text a form would carry it as (``json.dumps`` for
    each, but a number or a flag without the encoder's cost)."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    return JsonText(json.dumps(value), value)


def json_value(value: str | Any) -> Any:
    """A call's structured field as a value, whether it came as JSON text, as a JSON
    body's ``JsonText`` or already as a Python value."""
    if isinstance(value, JsonText):
        return value.parsed
    return json.loads(value) if isinstance(value, str) else value


def inline_answer_refusal(
    results: str | list[Any] | None, button: str | Mapping[str, Any] | None
) -> str | None:
    """Why Telegram refuses an ``answerInlineQuery`` with these ``results`` and ``button``."""
    found = json_value(results) or []
    if len(found) > MAX_INLINE_RESULTS:
        return RESULTS_TOO_MUCH
    ids = [str(result.get("id") or "") for result in found]
    if any(not 1 <= len(result_id.encode()) <= MAX_RESULT_ID_BYTES for result_id in ids):
        return RESULT_ID_INVALID
    if len(set(ids)) != len(ids):
        return RESULT_ID_DUPLICATE
    chosen = json_value(button) or {}
    start = chosen.get("start_parameter")
    if start is not None and START_PARAMETER.fullmatch(str(start)) is None:
        return START_PARAM_INVALID
    for result in found:
        content = result.get("input_message_content") or {}
        why = keyboard_refusal(result.get("reply_markup")) or refusal(
            "sendmessage", {"text": content.get("message_text"), "parse_mode": content.get("parse_mode")}
        )
        if why:
            return why
    return None


def keyboard_refusal(markup: str | Mapping[str, Any] | None) -> str | None:
    """Why Telegram refuses this ``reply_markup``'s inline buttons, or None."""
    if not markup:
        return None
    keyboard = json_value(markup)
    for row in keyboard.get("inline_keyboard") or []:
        for button in row:
            url = button.get("url")
            if url is not None and not telegram_accepts_button_url(str(url)):
                return BUTTON_URL_INVALID
            data = button.get("callback_data")
            if data is not None and not 1 <= len(str(data).encode()) <= MAX_CALLBACK_DATA_BYTES:
                return BUTTON_DATA_INVALID
    return None


def _longer_than(limit: int, text: str | None, parse_mode: str | None) -> bool:
    """Whether Telegram counts ``text`` longer than ``limit``. Parsing HTML only ever
    shortens a text (tags go, an entity is longer than its character), so a text within
    the limit as sent needs no parsing: the bench's Bot API stand-in shares the bot's
    two cores, and most texts are short."""
    if not text or len(text.encode("utf-16-le")) // 2 <= limit:
        return False
    return visible_length(text, parse_mode) > limit


def visible_length(text: str | None, parse_mode: str | None) -> int:
    """How long Telegram counts ``text``: after HTML parsing, in UTF-16 code units."""
    if not text:
        return 0
    shown = _html_text(text) if str(parse_mode or "").upper() == "HTML" else text
    return len(shown.encode("utf-16-le")) // 2


class _TextOnly(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


def _html_text(html: str) -> str:
    parser = _TextOnly()
    parser.feed(html)
    parser.close()
    return "".join(parser.parts)
