"""A local fake of Razorpay's REST API (the parts we use), spoken to by the real SDK
over HTTP via ``base_url``. It checks basic auth, validates like Razorpay does, and
honours ``X-Refund-Idempotency``. Route: transfers from a captured payment to a linked
account it knows (``accounts``) and their reversals, refusing what Razorpay refuses and
the payouts rely on (more than the payment, a transfer once a refund of the payment
began, a reversal over what is left, an unknown account, a currency other than INR); a
payment's ``fee`` and ``tax`` (2% + 18% GST on it). Tests can make a call fail before it takes effect
(``fail_next``), take effect and answer too late (``answer_late_next``), or let
Razorpay's webhook about a refund arrive before the refund call's own answer
(``before_refund_answer``)."""

from __future__ import annotations

import asyncio
import base64
import json
import secrets
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from payments import webhook_bodies


def _error(status: int, description: str, code: str = "BAD_REQUEST_ERROR") -> web.Response:
    return web.json_response({"error": {"code": code, "description": description}}, status=status)


@dataclass
class Failure:
    path_contains: str
    status: int = 500
    delay: float = 0.0
    times: int = 1
    after_effect: bool = False
    """Take effect first, then answer after ``delay`` (a timeout that hides a success)."""
    method: str | None = None
    """Only requests with this method (None: any)."""


@dataclass
class FakeRazorpayAPI:
    key_id: str = "rzp_test_fake"
    key_secret: str = "fake_key_secret"
    links: dict[str, dict[str, Any]] = field(default_factory=dict)
    refunds: list[dict[str, Any]] = field(default_factory=list)
    requests: list[tuple[str, str, dict[str, Any], dict[str, str]]] = field(default_factory=list)
    failures: list[Failure] = field(default_factory=list)
    refund_status: str = "processed"
    """What a new refund is: "processed" (instant) or "pending" (the bank is paying)."""
    before_refund_answer: Callable[[dict[str, Any]], Awaitable[None]] | None = None
    """Runs with a new refund before the refund call is answered."""
    accounts: set[str] = field(default_factory=set)
    """Route linked accounts the fake knows; a transfer to any other is refused."""
    transfers: list[dict[str, Any]] = field(default_factory=list)
    reversals: list[dict[str, Any]] = field(default_factory=list)
    _runner: web.AppRunner | None = None
    port: int = 0

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def start(self) -> FakeRazorpayAPI:
        app = web.Application(middlewares=[self._middleware])
        app.add_routes(
            [
                web.post("/v1/payment_links", self._create),
                web.post("/v1/payment_links/", self._create),
                web.get("/v1/payment_links", self._list),
                web.get("/v1/payment_links/", self._list),
                web.get("/v1/payment_links/{id}", self._fetch),
                web.post("/v1/payment_links/{id}/cancel", self._cancel),
                web.post("/v1/payments/{id}/refund", self._refund),
                web.get("/v1/payments/{id}", self._payment),
                web.post("/v1/payments/{id}/transfers", self._transfer),
                web.get("/v1/payments/{id}/transfers", self._transfers),
                web.post("/v1/transfers/{id}/reversals", self._reverse),
                web.get("/v1/transfers/{id}/reversals", self._reversals),
            ]
        )
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        return self

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    # ---- test controls -------------------------------------------------------------

    def fail_next(self, path_contains: str, *, status: int = 500, delay: float = 0.0, times: int = 1) -> None:
        self.failures.append(Failure(path_contains, status, delay, times))

    def answer_late_next(self, path_contains: str, *, delay: float, method: str | None = None) -> None:
        """The next matching call takes effect, and is answered ``delay`` seconds late."""
        self.failures.append(Failure(path_contains, status=0, delay=delay, after_effect=True, method=method))

    def links_with_reference(self, reference_id: str) -> list[dict[str, Any]]:
        return [link for link in self.links.values() if link["reference_id"] == reference_id]

    def pay_link(self, link_id: str, amount: int | None = None) -> str:
        """A customer pays the link; returns the payment id."""
        link = self.links[link_id]
        payment_id = "pay_" + secrets.token_hex(7)
        paid = link["amount"] if amount is None else amount
        link.update(status="paid", amount_paid=paid)
        link["payments"] = [{"payment_id": payment_id, "amount": paid, "status": "captured"}]
        return payment_id

    def paid_event(self, link_id: str, payment_id: str, amount: int | None = None) -> dict[str, Any]:
        return webhook_bodies.payment_link_paid(self.links[link_id], payment_id, amount)

    def transfers_of(self, payment_id: str) -> list[dict[str, Any]]:
        return [t for t in self.transfers if t["source"] == payment_id]

    def reversals_of(self, transfer_id: str) -> list[dict[str, Any]]:
        return [r for r in self.reversals if r["transfer_id"] == transfer_id]

    def captured(self, payment_id: str) -> dict[str, Any] | None:
        return next(
            (
                p
                for link in self.links.values()
                for p in link.get("payments") or []
                if p["payment_id"] == payment_id
            ),
            None,
        )

    def refunded_total(self, payment_id: str) -> int:
        return sum(r["amount"] for r in self.refunds if r["payment_id"] == payment_id)

    # ---- the API -------------------------------------------------------------------

    @web.middleware
    async def _middleware(self, request: web.Request, handler: Any) -> web.StreamResponse:
        body = await request.read()
        self.requests.append(
            (request.method, request.path, json.loads(body) if body else {}, dict(request.headers))
        )
        late = 0.0
        for failure in list(self.failures):
            if failure.path_contains in request.path and failure.method in (None, request.method):
                failure.times -= 1
                if failure.times <= 0:
                    self.failures.remove(failure)
                if failure.after_effect:
                    late = failure.delay
                    break
                if failure.delay:
                    await asyncio.sleep(failure.delay)
                if failure.status:
                    return _error(failure.status, "simulated failure", "SERVER_ERROR")
        expected = "Basic " + base64.b64encode(f"{self.key_id}:{self.key_secret}".encode()).decode()
        if request.headers.get("Authorization") != expected:
            return _error(401, "The api key provided is invalid")
        response = await handler(request)
        if late:
            await asyncio.sleep(late)
        return response

    async def _create(self, request: web.Request) -> web.Response:
        data = await request.json()
        if not isinstance(data.get("amount"), int) or data["amount"] < 100:
            return _error(400, "The amount must be atleast INR 1.00")
        if data.get("currency") != "INR":
            return _error(400, "Currency is not supported")
        if data.get("expire_by") and data["expire_by"] < time.time() + 15 * 60:
            return _error(400, "expire_by should be at least 15 minutes after current time")
        if any(link["reference_id"] == data.get("reference_id") for link in self.links.values()):
            return _error(400, f"Payment Link with reference {data.get('reference_id')} already exists")
        if data.get("callback_url") and data.get("callback_method") != "get":
            return _error(400, "callback_method should be get")
        if len(data.get("notes", {})) > 15:
            return _error(400, "notes can have at most 15 keys")
        link_id = "plink_" + secrets.token_hex(7)
        link = {
            "id": link_id,
            "entity": "payment_link",
            "amount": data["amount"],
            "amount_paid": 0,
            "currency": "INR",
            "status": "created",
            "reference_id": data.get("reference_id", ""),
            "short_url": f"https://rzp.io/i/{link_id[-8:]}",
            "expire_by": data.get("expire_by"),
            "notes": data.get("notes", {}),
            "callback_url": data.get("callback_url"),
            "payments": None,
        }
        self.links[link_id] = link
        return web.json_response(link)

    async def _list(self, request: web.Request) -> web.Response:
        found = list(self.links.values())
        if "reference_id" in request.query:
            found = self.links_with_reference(request.query["reference_id"])
        return web.json_response({"payment_links": found})

    async def _fetch(self, request: web.Request) -> web.Response:
        link = self.links.get(request.match_info["id"])
        return web.json_response(link) if link else _error(400, "The id provided does not exist")

    async def _cancel(self, request: web.Request) -> web.Response:
        link = self.links.get(request.match_info["id"])
        if link is None:
            return _error(400, "The id provided does not exist")
        if link["status"] != "created":
            return _error(400, f"Payment link cannot be cancelled as it is already {link['status']}")
        link["status"] = "cancelled"
        return web.json_response(link)

    async def _refund(self, request: web.Request) -> web.Response:
        payment_id = request.match_info["id"]
        data = await request.json()
        key = request.headers.get("X-Refund-Idempotency")
        if key:
            for earlier in self.refunds:
                if earlier.get("idempotency_key") == key:
                    return web.json_response(earlier)
        paid = next(
            (
                p
                for link in self.links.values()
                for p in link.get("payments") or []
                if p["payment_id"] == payment_id
            ),
            None,
        )
        if paid is None:
            return _error(400, "The id provided does not exist")
        if len(data.get("notes") or {}) > 15:
            return _error(400, "notes can have at most 15 keys")
        amount = int(data.get("amount", paid["amount"]))
        if amount <= 0 or self.refunded_total(payment_id) + amount > paid["amount"]:
            return _error(400, "The refund amount provided is greater than amount captured")
        refund = {
            "id": "rfnd_" + secrets.token_hex(7),
            "entity": "refund",
            "amount": amount,
            "currency": "INR",
            "payment_id": payment_id,
            "status": self.refund_status,
            "speed_requested": data.get("speed", "normal"),
            "notes": data.get("notes") or {},
            "idempotency_key": key,
        }
        self.refunds.append(refund)
        if self.before_refund_answer is not None:
            await self.before_refund_answer(refund)
        return web.json_response(refund)

    # ---- Route ---------------------------------------------------------------------

    @staticmethod
    def charges(amount: int) -> tuple[int, int]:
        """(fee with its tax, tax): 2% of the payment and 18% GST on that."""
        base = amount * 2 // 100
        tax = base * 18 // 100
        return base + tax, tax

    async def _payment(self, request: web.Request) -> web.Response:
        payment_id = request.match_info["id"]
        paid = self.captured(payment_id)
        if paid is None:
            return _error(400, "The id provided does not exist")
        fee, tax = self.charges(paid["amount"])
        refunded = self.refunded_total(payment_id)
        return web.json_response(
            {
                "id": payment_id,
                "entity": "payment",
                "amount": paid["amount"],
                "currency": "INR",
                "status": "refunded" if refunded >= paid["amount"] else "captured",
                "amount_refunded": refunded,
                "fee": fee,
                "tax": tax,
            }
        )

    async def _transfer(self, request: web.Request) -> web.Response:
        payment_id = request.match_info["id"]
        data = await request.json()
        paid = self.captured(payment_id)
        if paid is None:
            return _error(400, "The id provided does not exist")
        wanted = data.get("transfers")
        if not isinstance(wanted, list) or not wanted:
            return _error(400, "The transfers field is required")
        if any(r["payment_id"] == payment_id for r in self.refunds):
            return _error(400, "Transfer cannot be initiated on a refunded payment")
        made = []
        total = sum(t["amount"] for t in self.transfers_of(payment_id))
        for item in wanted:
            amount = item.get("amount")
            if item.get("currency") != "INR":
                return _error(400, "Currency is not supported")
            if item.get("account") not in self.accounts:
                return _error(400, "The id provided does not exist", "BAD_REQUEST_ERROR")
            if not isinstance(amount, int) or amount < 100:
                return _error(400, "The amount must be atleast INR 1.00")
            total += amount
            if total > paid["amount"]:
                return _error(
                    400, "The sum of amount requested for transfer is greater than the captured amount"
                )
            if len(item.get("notes") or {}) > 15:
                return _error(400, "notes can have at most 15 keys")
            made.append(
                {
                    "id": "trf_" + secrets.token_hex(7),
                    "entity": "transfer",
                    "status": "processed",
                    "source": payment_id,
                    "recipient": item["account"],
                    "amount": amount,
                    "currency": "INR",
                    "amount_reversed": 0,
                    "notes": item.get("notes") or [],
                    "on_hold": bool(item.get("on_hold", False)),
                    "created_at": int(time.time()),
                }
            )
        self.transfers.extend(made)
        return web.json_response({"entity": "collection", "count": len(made), "items": made})

    async def _transfers(self, request: web.Request) -> web.Response:
        found = self.transfers_of(request.match_info["id"])
        return web.json_response({"entity": "collection", "count": len(found), "items": found})

    async def _reverse(self, request: web.Request) -> web.Response:
        transfer = next((t for t in self.transfers if t["id"] == request.match_info["id"]), None)
        if transfer is None:
            return _error(400, "The id provided does not exist")
        data = await request.json()
        left = transfer["amount"] - transfer["amount_reversed"]
        amount = data.get("amount", left)
        if not isinstance(amount, int) or amount <= 0:
            return _error(400, "The amount must be a positive integer")
        if amount > left:
            return _error(400, "Reversal amount is greater than the unreversed amount of the transfer")
        transfer["amount_reversed"] += amount
        transfer["status"] = (
            "reversed" if transfer["amount_reversed"] == transfer["amount"] else "partially_reversed"
        )
        reversal = {
            "id": "rvrsl_" + secrets.token_hex(7),
            "entity": "reversal",
            "transfer_id": transfer["id"],
            "amount": amount,
            "currency": "INR",
            "notes": data.get("notes") or [],
            "created_at": int(time.time()),
        }
        self.reversals.append(reversal)
        return web.json_response(reversal)

    async def _reversals(self, request: web.Request) -> web.Response:
        found = self.reversals_of(request.match_info["id"])
        return web.json_response({"entity": "collection", "count": len(found), "items": found})
