"""The sandbox gateway: Razorpay-like payment links served by our own web server.

``/sandbox/pay/<link id>`` shows the amount with Pay and Fail buttons; pressing one
sends our webhook a body signed exactly as Razorpay signs, then redirects to the
payment callback with Razorpay-style signed parameters. The same webhook code runs
as in production. It refuses to start where real Razorpay keys are configured
(``payments.setup``).

That page is only of use where a phone can open it (``PUBLIC_BASE_URL`` behind a
tunnel or on a server). Otherwise (the default ``http://localhost:8080``: Telegram
refuses a button to a host without a dot, and a phone cannot open a laptop's
localhost) the pay screens offer the same Pay and Fail in the chat
(``bot.dialogs.paying``), which call ``pay`` and ``fail`` here: the same path."""

from __future__ import annotations

import asyncio
import logging
import secrets
from collections.abc import Mapping
from enum import StrEnum
from html import escape
from typing import Any, Protocol
from urllib.parse import urlencode

import aiohttp
from aiohttp import web

from domain.clock import Clock, SystemClock
from domain.urls import reachable_from_a_phone
from domain.words import pages
from payments import webhook_bodies
from payments.gateway import GatewayError, PaymentLink, PaymentLinkRequest, Refund
from payments.signatures import sign_payment_link_callback

log = logging.getLogger(__name__)

WEBHOOK_TIMEOUT = aiohttp.ClientTimeout(total=10)


class PayRefusal(StrEnum):
    """Why a sandbox link could not be paid."""

    NO_LINK = "no_link"
    NOT_OPEN = "not_open"
    """Paid, expired or cancelled already."""
    JUST_USED = "just_used"
    """Another tap paid it a moment ago."""


class SandboxLinkStore(Protocol):
    async def add(self, link: dict[str, Any]) -> None: ...

    async def get(self, link_id: str) -> dict[str, Any] | None: ...

    async def by_payment(self, payment_id: str) -> dict[str, Any] | None: ...

    async def by_reference(self, reference_id: str) -> dict[str, Any] | None: ...

    async def change(
        self,
        link_id: str,
        expected: dict[str, Any],
        changes: dict[str, Any],
        push: dict[str, Any] | None = None,
    ) -> dict[str, Any] | None: ...


class SandboxGateway:
    name = "sandbox"

    def __init__(
        self,
        *,
        public_base_url: str,
        webhook_url: str,
        webhook_secret: str,
        key_secret: str,
        store: SandboxLinkStore,
        clock: Clock | None = None,
    ) -> None:
        self.clock = clock or SystemClock()
        self.public_base_url = public_base_url.rstrip("/")
        self.webhook_url = webhook_url
        self.webhook_secret = webhook_secret
        self.key_secret = key_secret
        self.store = store
        self._tasks: set[asyncio.Task[None]] = set()

    @property
    def pages_open_on_a_phone(self) -> bool:
        """Can a musician's phone open this sandbox's pay pages? If not, pay in the chat."""
        return reachable_from_a_phone(self.public_base_url)

    def page_url(self, link_id: str) -> str:
        """The link's pay page under the current PUBLIC_BASE_URL."""
        return f"{self.public_base_url}/sandbox/pay/{link_id}"

    def now_ms(self) -> int:
        """Now by the bot's clock (the one that set the links' deadlines)."""
        return int(self.clock.now().timestamp() * 1000)

    # ---- the gateway interface -----------------------------------------------------

    async def create_link(self, request: PaymentLinkRequest) -> PaymentLink:
        link_id = "plink_sbx" + secrets.token_hex(6)
        link = {
            "id": link_id,
            "reference_id": request.reference_id,
            "amount": request.amount_paise,
            "amount_paid": 0,
            "currency": "INR",
            "status": "created",
            "description": request.description,
            "callback_url": request.callback_url,
            "short_url": self.page_url(link_id),
            "expire_by_ms": int(request.expire_by.timestamp() * 1000),
            "notes": dict(request.notes),
            "payment_id": None,
            "refunds": [],
            "refund_version": 0,
        }
        await self.store.add(link)
        return to_link(link)

    async def cancel_link(self, link_id: str) -> PaymentLink:
        changed = await self.store.change(link_id, {"status": "created"}, {"status": "cancelled"})
        link = changed or await self.store.get(link_id)
        if link is None:
            raise GatewayError(f"no sandbox link {link_id}")
        if changed is None and link["status"] != "cancelled":
            raise GatewayError(f"sandbox link {link_id} is {link['status']} and cannot be cancelled")
        return to_link(link)

    async def fetch_link(self, link_id: str) -> PaymentLink:
        link = await self.store.get(link_id)
        if link is None:
            raise GatewayError(f"no sandbox link {link_id}")
        return to_link(link)

    async def find_link(self, reference_id: str) -> PaymentLink | None:
        link = await self.store.by_reference(reference_id)
        return to_link(link) if link else None

    async def refund(
        self,
        payment_id: str,
        amount_paise: int,
        idempotency_key: str,
        *,
        notes: Mapping[str, str] | None = None,
    ) -> Refund:
        """Like Razorpay: once per key, never more than was paid, the notes kept on the
        refund and echoed in its ``refund.processed`` webhook."""
        link = await self.store.by_payment(payment_id)
        if link is None:
            raise GatewayError(f"no sandbox payment {payment_id}")
        for earlier in link["refunds"]:
            if earlier["key"] == idempotency_key:
                return to_refund(earlier)
        refunded = sum(r["amount"] for r in link["refunds"])
        if amount_paise <= 0 or refunded + amount_paise > link["amount_paid"]:
            raise GatewayError("the refund amount exceeds what was paid")
        refund = {
            "id": "rfnd_sbx" + secrets.token_hex(6),
            "payment_id": payment_id,
            "amount": amount_paise,
            "status": "processed",
            "key": idempotency_key,
            "notes": dict(notes or {}),
        }
        version = link.get("refund_version", 0)
        stored = await self.store.change(
            link["id"], {"refund_version": version}, {"refund_version": version + 1}, push={"refunds": refund}
        )
        if stored is None:  # another refund landed meanwhile: look again
            return await self.refund(payment_id, amount_paise, idempotency_key, notes=notes)
        self._later(self.send_webhook(webhook_bodies.refund_event("refund.processed", refund)))
        return to_refund(refund)

    # ---- the pay page --------------------------------------------------------------

    async def pay(self, link_id: str) -> tuple[dict[str, Any] | None, PayRefusal | None]:
        """Mark the link paid and tell our webhook: (link, None); (link, why not) when it
        cannot be paid."""
        link = await self.store.get(link_id)
        if link is None:
            return None, PayRefusal.NO_LINK
        if link["status"] == "created" and link["expire_by_ms"] < self.now_ms():
            link = await self.store.change(link_id, {"status": "created"}, {"status": "expired"}) or link
        if link["status"] != "created":
            return link, PayRefusal.NOT_OPEN
        payment_id = "pay_sbx" + secrets.token_hex(7)
        paid = await self.store.change(
            link_id,
            {"status": "created"},
            {"status": "paid", "amount_paid": link["amount"], "payment_id": payment_id},
        )
        if paid is None:
            return await self.store.get(link_id), PayRefusal.JUST_USED
        await self.send_webhook(webhook_bodies.payment_link_paid(paid, payment_id))
        return paid, None

    async def fail(self, link_id: str) -> dict[str, Any] | None:
        link = await self.store.get(link_id)
        if link is None or link["status"] != "created":
            return link
        await self.send_webhook(
            webhook_bodies.payment_failed(link, "pay_sbx" + secrets.token_hex(7), pages.DECLINE_REASON)
        )
        return link

    def callback_query(self, link: dict[str, Any]) -> str:
        params = {
            "razorpay_payment_id": link["payment_id"] or "",
            "razorpay_payment_link_id": link["id"],
            "razorpay_payment_link_reference_id": link["reference_id"],
            "razorpay_payment_link_status": link["status"],
        }
        params["razorpay_signature"] = sign_payment_link_callback(
            params["razorpay_payment_link_id"],
            params["razorpay_payment_link_reference_id"],
            params["razorpay_payment_link_status"],
            params["razorpay_payment_id"],
            self.key_secret,
        )
        return urlencode(params)

    async def send_webhook(self, body: dict[str, Any]) -> int:
        raw, headers = webhook_bodies.signed(body, self.webhook_secret)
        try:
            async with (
                aiohttp.ClientSession(timeout=WEBHOOK_TIMEOUT) as session,
                session.post(self.webhook_url, data=raw, headers=headers) as response,
            ):
                return response.status
        except (aiohttp.ClientError, TimeoutError) as error:
            log.warning("sandbox could not deliver %s: %s", body.get("event"), type(error).__name__)
            return 0

    async def drain(self) -> None:
        """Wait for the webhooks it sends after answering (a refund's): tests, shutdown."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    def _later(self, coroutine: Any) -> None:
        task = asyncio.get_running_loop().create_task(coroutine)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)


def to_link(link: dict[str, Any]) -> PaymentLink:
    return PaymentLink(
        id=link["id"],
        short_url=link["short_url"],
        status=link["status"],
        amount_paise=link["amount"],
        amount_paid_paise=link.get("amount_paid", 0),
        currency=link.get("currency", "INR"),
        reference_id=link["reference_id"],
        payment_id=link.get("payment_id"),
    )


def to_refund(refund: dict[str, Any]) -> Refund:
    return Refund(refund["id"], refund["payment_id"], refund["amount"], refund["status"])


def sandbox_routes(gateway: SandboxGateway) -> list[web.RouteDef]:
    async def page(request: web.Request) -> web.Response:
        link = await gateway.store.get(request.match_info["link_id"])
        if link is None:
            return _html(pages.LINK_NOT_FOUND_TITLE, pages.LINK_NOT_FOUND, status=404)
        payable = link["status"] == "created" and link["expire_by_ms"] >= gateway.now_ms()
        body = pages.payment_summary(link["amount"], link["description"], link["reference_id"])
        if payable:
            base = f"/sandbox/pay/{escape(link['id'])}"
            body += (
                f'<form method=post action="{base}/pay"><button class=pay>{pages.PAY}</button></form>'
                f'<form method=post action="{base}/fail"><button class=fail>{pages.FAIL}</button></form>'
                f"{pages.SANDBOX_NOTE}"
            )
        else:
            body += pages.not_payable("expired" if link["status"] == "created" else link["status"])
        return _html(pages.SANDBOX_TITLE, body)

    async def pay(request: web.Request) -> web.Response:
        link, refusal = await gateway.pay(request.match_info["link_id"])
        if link is None or refusal is not None:
            return _html(pages.CANNOT_PAY_TITLE, f"<p>{escape(_why_not(link, refusal))}</p>", status=409)
        raise web.HTTPSeeOther(f"{link['callback_url']}?{gateway.callback_query(link)}")

    async def fail(request: web.Request) -> web.Response:
        link = await gateway.fail(request.match_info["link_id"])
        if link is None:
            return _html(pages.LINK_NOT_FOUND_TITLE, pages.LINK_NOT_FOUND, status=404)
        return _html(pages.DECLINED_TITLE, pages.declined(f"/sandbox/pay/{link['id']}"))

    return [
        web.get("/sandbox/pay/{link_id}", page),
        web.post("/sandbox/pay/{link_id}/pay", pay),
        web.post("/sandbox/pay/{link_id}/fail", fail),
    ]


def _why_not(link: dict[str, Any] | None, refusal: PayRefusal | None) -> str:
    if link is None or refusal is PayRefusal.NO_LINK:
        return pages.LINK_MISSING
    if refusal is PayRefusal.JUST_USED:
        return pages.LINK_JUST_USED
    return pages.link_is(link["status"])


def _html(title: str, body: str, *, status: int = 200) -> web.Response:
    page = f"""<!doctype html><html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>{escape(title)}</title>
<style>body{{font-family:system-ui,sans-serif;max-width:26rem;margin:2.5rem auto;padding:0 1rem;color:#222}}
.amount{{font-size:2.2rem;font-weight:700;margin:.5rem 0}}button{{width:100%;padding:.9rem;margin:.4rem 0;
font-size:1.1rem;border:0;border-radius:.5rem;color:#fff}}.pay{{background:#16a34a}}.fail{{background:#dc2626}}
.note{{color:#666;font-size:.85rem}}</style></head><body><h1>{escape(title)}</h1>{body}</body></html>"""
    return web.Response(text=page, content_type="text/html", status=status)
