"""A Bot API stand-in over HTTP for the dialogs, shared by the tests and bench/dialogs.py.

Just enough of Telegram for a bot to be used as a person uses it: updates by long
polling or, once the bot has called ``setWebhook`` and the test has named the
processes behind the webhook's address, posted to them in turn as a load balancer
would (with the secret header Telegram sends); messages kept per chat (edits
replace), callback answers kept as alerts. It refuses what Telegram refuses
(``tests.fakes.bot_api_rules``) with Telegram's 400 answer."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections import Counter
from dataclasses import dataclass, field
from itertools import count
from typing import Any
from urllib.parse import urlsplit

import aiohttp
from aiohttp import web

from tests.fakes.bot_api_rules import json_value, refusal
from tests.fakes.telegram import bad_request, bot_api_fields

TOKEN = "123456:BOTAPI"
"""A token shaped like BotFather's; the stand-in takes any."""
ALERT_ONLY_SECONDS = 3.0
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"


@dataclass
class Chat:
    messages: dict[int, dict[str, Any]] = field(default_factory=dict)
    last_id: int | None = None
    changed: asyncio.Event = field(default_factory=asyncio.Event)
    version: int = 0
    pending_since: float | None = None
    pending_callback: str | None = None
    alerts: list[str] = field(default_factory=list)
    handling: str | None = None
    """The callback id (or "message") of the update whose answer is not complete yet."""
    alerted_at: float | None = None
    settled: asyncio.Event = field(default_factory=asyncio.Event)


@dataclass(frozen=True)
class Webhook:
    """What the bot gave ``setWebhook``."""

    url: str
    secret: str | None


@dataclass
class Delivery:
    """One update posted to a process behind the webhook, and its HTTP answer."""

    update_id: int
    backend: str
    status: int | None = None
    """None while in flight, or when the post got no answer (``error`` says why)."""
    error: str = ""


class BotApi:
    """Just enough of the Bot API for the dialogs: updates by long polling (or posted to
    the webhook, see ``serve_webhook_through``), messages kept per chat (edits replace),
    callback answers kept as alerts. It refuses what Telegram refuses
    (``tests.fakes.bot_api_rules``) with Telegram's 400 answer."""

    def __init__(self) -> None:
        self.updates: list[dict[str, Any]] = []
        self.new_update = asyncio.Event()
        self.update_ids = count(1)
        self.message_ids = count(1)
        self.chats: dict[int, Chat] = {}
        self.latencies: list[float] = []
        self.replied_at: list[float] = []
        self.handled = 0
        self.pushed = 0
        """How many updates musicians have sent."""
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.call_counts: Counter[str] = Counter()
        """How many times the bot called each method (lower-cased)."""
        self.files: list[tuple[str, dict[str, Any], dict[str, bytes]]] = []
        """With ``record_calls``: (method, fields, files) of every call that carried files."""
        self.record_calls = False
        self.refused: list[tuple[str, str]] = []
        """(method, Telegram's description) of every call refused by Telegram's rules."""
        self.runner: web.AppRunner | None = None
        self.base_url = ""
        self.webhook: Webhook | None = None
        self.backends: list[str] = []
        self.deliveries: list[Delivery] = []
        self._turns = count()
        self._posting: set[asyncio.Task[None]] = set()
        self._client: aiohttp.ClientSession | None = None

    async def start(self) -> None:
        app = web.Application()
        app.router.add_post("/bot{token}/{method}", self.handle)
        self.runner = web.AppRunner(app, access_log=None)
        await self.runner.setup()
        site = web.TCPSite(self.runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.base_url = f"http://127.0.0.1:{port}"

    async def stop(self) -> None:
        # A long poll left open by a bot that is gone would hold the shutdown for its timeout.
        self.new_update.set()
        if self._posting:
            await asyncio.wait(self._posting, timeout=30)
        if self._client is not None:
            await self._client.close()
        if self.runner is not None:
            await self.runner.cleanup()

    def serve_webhook_through(self, backends: list[str]) -> None:
        """Once the bot has set its webhook, post each update to the next of ``backends``
        (``http://host:port`` of each process; the path is the webhook's), in turn, as a
        load balancer in front of them would, instead of handing it to getUpdates."""
        self.backends = list(backends)

    def chat(self, chat_id: int) -> Chat:
        return self.chats.setdefault(chat_id, Chat())

    # -- what a musician does
    def push(self, chat_id: int, update: dict[str, Any]) -> int:
        chat = self.chat(chat_id)
        update["update_id"] = next(self.update_ids)
        self.pushed += 1
        chat.pending_since = time.perf_counter()
        chat.pending_callback = update.get("callback_query", {}).get("id")
        chat.handling = chat.pending_callback or "message"
        chat.alerted_at = None
        chat.settled.clear()
        chat.changed.clear()
        if self.webhook is not None and self.backends:
            backend = self.backends[next(self._turns) % len(self.backends)]
            posting = asyncio.get_running_loop().create_task(self._post(self.webhook, backend, update))
            self._posting.add(posting)
            posting.add_done_callback(self._posting.discard)
        else:
            self.updates.append(update)
            self.new_update.set()
        return chat.version

    async def _post(self, webhook: Webhook, backend: str, update: dict[str, Any]) -> None:
        """Post ``update`` to ``backend`` as Telegram posts to a webhook: JSON, with the
        secret the bot set in the header."""
        delivery = Delivery(update["update_id"], backend)
        self.deliveries.append(delivery)
        if self._client is None:
            self._client = aiohttp.ClientSession()
        headers = {SECRET_HEADER: webhook.secret} if webhook.secret else {}
        try:
            async with self._client.post(
                backend + (urlsplit(webhook.url).path or "/"), json=update, headers=headers
            ) as response:
                delivery.status = response.status
        except (aiohttp.ClientError, OSError) as error:
            delivery.error = f"{type(error).__name__}: {error}"

    def send_text(self, user: dict[str, Any], text: str) -> int:
        command = text.split()[0] if text.startswith("/") else None
        message = {
            "message_id": next(self.message_ids),
            "date": int(time.time()),
            "chat": {"id": user["id"], "type": "private"},
            "from": user,
            "text": text,
            **(
                {"entities": [{"type": "bot_command", "offset": 0, "length": len(command)}]}
                if command
                else {}
            ),
        }
        return self.push(user["id"], {"message": message})

    def press(self, user: dict[str, Any], message: dict[str, Any], data: str) -> int:
        callback = {
            "id": f"{user['id']}:{next(self.update_ids)}",
            "from": user,
            "message": message,
            "chat_instance": str(user["id"]),
            "data": data,
        }
        return self.push(user["id"], {"callback_query": callback})

    async def wait_reply(self, chat_id: int, version: int, timeout: float = 30.0) -> dict[str, Any]:
        chat = self.chat(chat_id)
        deadline = time.perf_counter() + timeout
        while chat.version == version:
            remaining = deadline - time.perf_counter()
            if remaining <= 0:
                raise TimeoutError(f"no reply in chat {chat_id}")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(chat.changed.wait(), remaining)
            chat.changed.clear()
        return self.screen(chat_id)

    async def wait_settled(self, chat_id: int, timeout: float = 30.0) -> None:
        """Wait until the bot has finished answering the chat's last update.

        A message is answered by the first message sent. A tap is answered completely
        when aiogram-dialog gives the callback its final, empty answer, or when a screen
        follows an answer with text (a stale tap: the alert, then a fresh menu); an
        answer with text and nothing after it for ``ALERT_ONLY_SECONDS`` (a throttled
        tap) is complete too. A bot handles one update per user at a time, so whatever
        comes later belongs to the next update."""
        chat = self.chat(chat_id)
        deadline = time.perf_counter() + timeout
        while not chat.settled.is_set():
            if chat.alerted_at is not None and time.perf_counter() - chat.alerted_at > ALERT_ONLY_SECONDS:
                return
            remaining = deadline - time.perf_counter()
            if remaining <= 0:
                raise TimeoutError(f"the bot did not finish answering chat {chat_id}")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(chat.settled.wait(), min(remaining, 0.5))

    def _settle(self, chat: Chat) -> None:
        chat.handling = None
        chat.settled.set()

    def screen(self, chat_id: int) -> dict[str, Any]:
        """The chat's latest screen."""
        chat = self.chat(chat_id)
        assert chat.last_id is not None
        return chat.messages[chat.last_id]

    # -- what the bot calls
    async def handle(self, request: web.Request) -> web.Response:
        method = request.match_info["method"].lower()
        fields, files = await bot_api_fields(request)
        self.call_counts[method] += 1
        if self.record_calls:
            self.calls.append((method, fields))
            if files:
                self.files.append((method, fields, files))
        refused = self.refuse(method, fields)
        if refused is not None:
            return refused
        result = await getattr(self, f"api_{method}", self.api_default)(fields)
        return web.json_response({"ok": True, "result": result})

    def refuse(self, method: str, fields: dict[str, Any]) -> web.Response | None:
        """Telegram's 400 answer to a call it would refuse (and a record of it), or None."""
        why = refusal(method, fields)
        if why is None:
            return None
        self.refused.append((method, why))
        return bad_request(why)

    async def api_default(self, fields: dict[str, Any]) -> Any:
        return True

    async def api_getme(self, fields: dict[str, Any]) -> Any:
        return {"id": 42, "is_bot": True, "first_name": "JamRoom", "username": "jamroom_bench_bot"}

    async def api_setwebhook(self, fields: dict[str, Any]) -> Any:
        self.webhook = Webhook(fields["url"], fields.get("secret_token"))
        return True

    async def api_deletewebhook(self, fields: dict[str, Any]) -> Any:
        self.webhook = None
        return True

    async def api_getupdates(self, fields: dict[str, Any]) -> Any:
        offset = int(fields.get("offset") or 0)
        self.updates = [u for u in self.updates if u["update_id"] >= offset]
        if not self.updates:
            self.new_update.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.new_update.wait(), float(fields.get("timeout") or 0) or 0.01)
        return self.updates[: int(fields.get("limit") or 100)]

    def _reply(self, chat_id: int, message: dict[str, Any] | None) -> dict[str, Any] | None:
        """The bot answered the chat: a new or edited message, or (when the screen
        did not change) the callback answer. The first answer to an update is its reply."""
        chat = self.chat(chat_id)
        if message is not None:
            chat.messages[message["message_id"]] = message
            chat.last_id = message["message_id"]
            if chat.handling == "message" or (chat.handling and chat.alerted_at is not None):
                self._settle(chat)
        if chat.pending_since is not None:
            self.latencies.append(time.perf_counter() - chat.pending_since)
            self.replied_at.append(time.perf_counter())
            self.handled += 1
            chat.pending_since = None
            chat.pending_callback = None
        chat.version += 1
        chat.changed.set()
        return message

    def _message(self, fields: dict[str, Any], message_id: int | None = None) -> dict[str, Any]:
        message: dict[str, Any] = {
            "message_id": message_id or next(self.message_ids),
            "date": int(time.time()),
            "chat": {"id": int(fields["chat_id"]), "type": "private"},
            "text": fields.get("text") or fields.get("caption") or "",
        }
        if fields.get("reply_markup"):
            message["reply_markup"] = json_value(fields["reply_markup"])
        return message

    async def api_sendmessage(self, fields: dict[str, Any]) -> Any:
        return self._reply(int(fields["chat_id"]), self._message(fields))

    async def api_sendphoto(self, fields: dict[str, Any]) -> Any:
        return self._reply(int(fields["chat_id"]), self._message(fields))

    async def api_senddocument(self, fields: dict[str, Any]) -> Any:
        message = self._message({k: v for k, v in fields.items() if isinstance(v, str)})
        message["document"] = {"file_id": f"doc{message['message_id']}", "file_unique_id": "d"}
        return self._reply(int(fields["chat_id"]), message)

    async def api_sendvenue(self, fields: dict[str, Any]) -> Any:
        return self._reply(int(fields["chat_id"]), self._message(fields))

    async def api_editmessagetext(self, fields: dict[str, Any]) -> Any:
        return self._reply(int(fields["chat_id"]), self._message(fields, int(fields["message_id"])))

    async def api_editmessagereplymarkup(self, fields: dict[str, Any]) -> Any:
        chat = self.chat(int(fields["chat_id"]))
        message = dict(chat.messages.get(int(fields["message_id"]), self._message(fields)))
        message["reply_markup"] = json_value(fields.get("reply_markup") or "{}") or None
        chat.messages[message["message_id"]] = message
        return message

    async def api_answercallbackquery(self, fields: dict[str, Any]) -> Any:
        callback_id = str(fields["callback_query_id"])
        chat = self.chat(int(callback_id.split(":")[0]))
        if fields.get("text"):
            chat.alerts.append(fields["text"])
        if chat.handling == callback_id:
            if fields.get("text"):
                chat.alerted_at = time.perf_counter()
            else:
                self._settle(chat)
        if chat.pending_callback == callback_id:
            self._reply(int(callback_id.split(":")[0]), None)
        return True


def buttons(message: dict[str, Any]) -> list[dict[str, Any]]:
    markup = message.get("reply_markup") or {}
    return [b for row in markup.get("inline_keyboard", []) for b in row]


def button(message: dict[str, Any], *, text: str = "", data_suffix: str = "") -> dict[str, Any] | None:
    for candidate in buttons(message):
        data = candidate.get("callback_data") or ""
        if text and candidate["text"].startswith(text):
            return candidate
        if data_suffix and data.endswith(data_suffix):
            return candidate
    return None
