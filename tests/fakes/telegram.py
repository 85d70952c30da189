"""A small fake Telegram Bot API for delivery tests: it records every call (files
included), injects 429/403/4xx/5xx answers on demand, refuses what Telegram refuses
(``tests.fakes.bot_api_rules``: a button URL Telegram rejects, text, captions or
callback data over Telegram's limits) with Telegram's 400 answer, and can enforce
Telegram's send limits (30/s per bot, 1/s per chat) with real 429 + retry_after
answers."""

from __future__ import annotations

import time
from collections import deque
from dataclasses import dataclass, field
from itertools import count
from typing import Any

from aiohttp import web

from tests.fakes.bot_api_rules import form_text, json_value, refusal

SEND_METHODS = {"sendmessage", "senddocument", "sendvenue", "sendphoto", "sendlocation"}


async def bot_api_fields(request: web.Request) -> tuple[dict[str, Any], dict[str, bytes]]:
    """A Bot API call's parameters and files, whichever way they came: a JSON body or
    a form. As Telegram does, both read the same: a JSON body's structured values
    (a keyboard, a number) are kept as the JSON text a form would carry. A file's name
    is kept as the field ``<part>:filename``."""
    if request.content_type == "application/json":
        body = await request.json()
        return {name: form_text(value) for name, value in body.items()}, {}
    fields: dict[str, Any] = {}
    files: dict[str, bytes] = {}
    for name, value in (await request.post()).items():
        if hasattr(value, "file"):
            files[name] = value.file.read()
            fields[f"{name}:filename"] = getattr(value, "filename", "")
        else:
            fields[name] = value
    return fields, files


def bad_request(description: str) -> web.Response:
    """Telegram's answer to a call it refuses."""
    return web.json_response({"ok": False, "error_code": 400, "description": description}, status=400)


@dataclass
class Call:
    method: str
    fields: dict[str, Any]
    files: dict[str, bytes]
    ok: bool = True
    content_type: str = ""


@dataclass
class FakeTelegram:
    enforce_limits: bool = False
    per_second: int = 30
    calls: list[Call] = field(default_factory=list)
    rejected_429: int = 0
    rejected_429_chat: int = 0
    """Of ``rejected_429``, those for the 1/s per chat limit (the rest: 30/s per bot)."""
    refused: list[tuple[str, str]] = field(default_factory=list)
    """(method, Telegram's description) of every call refused by Telegram's rules."""
    _faults: list[tuple[str, int, dict[str, Any]]] = field(default_factory=list)
    _sent_at: deque[float] = field(default_factory=deque)
    _chat_sent_at: dict[str, float] = field(default_factory=dict)
    _ids: count[int] = field(default_factory=lambda: count(1))
    _runner: web.AppRunner | None = None
    base_url: str = ""

    async def start(self) -> FakeTelegram:
        app = web.Application(client_max_size=20 * 1024 * 1024)
        app.router.add_post("/bot{token}/{method}", self._handle)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.base_url = f"http://127.0.0.1:{site._server.sockets[0].getsockname()[1]}"  # type: ignore[union-attr]
        return self

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    def fail_next(self, method: str, status: int, *, retry_after: int | None = None, times: int = 1) -> None:
        description = {403: "Forbidden: bot was blocked by the user", 400: "Bad Request: chat not found"}.get(
            status, "Too Many Requests" if status == 429 else "Bad Gateway"
        )
        answer: dict[str, Any] = {"ok": False, "error_code": status, "description": description}
        if retry_after is not None:
            answer["parameters"] = {"retry_after": retry_after}
        for _ in range(times):
            self._faults.append((method.lower(), status, answer))

    def delivered(self, method: str | None = None) -> list[Call]:
        return [c for c in self.calls if c.ok and (method is None or c.method == method.lower())]

    async def _handle(self, request: web.Request) -> web.Response:
        method = request.match_info["method"].lower()
        fields, files = await bot_api_fields(request)
        for i, (wanted, status, answer) in enumerate(self._faults):
            if wanted == method:
                del self._faults[i]
                self.calls.append(Call(method, fields, files, ok=False, content_type=request.content_type))
                return web.json_response(answer, status=status)
        why = refusal(method, fields)
        if why is not None:
            self.refused.append((method, why))
            self.calls.append(Call(method, fields, files, ok=False, content_type=request.content_type))
            return bad_request(why)
        if self.enforce_limits and method in SEND_METHODS and self._over_limit(str(fields.get("chat_id"))):
            self.rejected_429 += 1
            self.calls.append(Call(method, fields, files, ok=False, content_type=request.content_type))
            return web.json_response(
                {
                    "ok": False,
                    "error_code": 429,
                    "description": "Too Many Requests: retry after 1",
                    "parameters": {"retry_after": 1},
                },
                status=429,
            )
        self.calls.append(Call(method, fields, files, content_type=request.content_type))
        return web.json_response({"ok": True, "result": self._result(method, fields)})

    def _over_limit(self, chat_id: str) -> bool:
        now = time.monotonic()
        while self._sent_at and now - self._sent_at[0] > 1.0:
            self._sent_at.popleft()
        if len(self._sent_at) >= self.per_second:
            return True
        if now - self._chat_sent_at.get(chat_id, -10.0) < 1.0:
            self.rejected_429_chat += 1
            return True
        self._sent_at.append(now)
        self._chat_sent_at[chat_id] = now
        return False

    def _result(self, method: str, fields: dict[str, Any]) -> Any:
        if method == "getme":
            return {"id": 42, "is_bot": True, "first_name": "JamRoom", "username": "jamroom_test_bot"}
        if method not in SEND_METHODS:
            return True
        message: dict[str, Any] = {
            "message_id": next(self._ids),
            "date": int(time.time()),
            "chat": {"id": int(fields["chat_id"]), "type": "private"},
        }
        if method == "sendmessage":
            message["text"] = fields.get("text", "")
        if fields.get("reply_markup"):  # Telegram echoes the keyboard back
            message["reply_markup"] = json_value(fields["reply_markup"])
        if method == "senddocument":
            message["document"] = {"file_id": "doc", "file_unique_id": "doc"}
            message["caption"] = fields.get("caption")
        if method == "sendvenue":
            message["venue"] = {
                "location": {"latitude": float(fields["latitude"]), "longitude": float(fields["longitude"])},
                "title": fields.get("title", ""),
                "address": fields.get("address", ""),
            }
        return message
