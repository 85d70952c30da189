"""HTTP endpoints for Razorpay: the webhook (the source of truth) and the payment
callback (a courtesy page after the browser redirect; it never confirms anything)."""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass
from html import escape

from aiohttp import web
from pymongo.errors import PyMongoError

from domain.words import pages
from payments.service import PaymentService
from payments.signatures import verify_payment_link_callback, verify_webhook

log = logging.getLogger(__name__)

SECRETS_KEY = web.AppKey("payment_secrets", object)
PAYMENTS_KEY = web.AppKey("payments", object)


@dataclass(frozen=True)
class PaymentSecrets:
    webhook_secret: str
    key_secret: str
    bot_username: str


def install_payment_routes(app: web.Application, payments: PaymentService, secrets: PaymentSecrets) -> None:
    app[PAYMENTS_KEY] = payments
    app[SECRETS_KEY] = secrets
    app.router.add_post("/webhooks/razorpay", razorpay_webhook)
    app.router.add_get("/payments/callback", payment_callback)


async def razorpay_webhook(request: web.Request) -> web.Response:
    secrets: PaymentSecrets = request.app[SECRETS_KEY]  # type: ignore[assignment]
    payments: PaymentService = request.app[PAYMENTS_KEY]  # type: ignore[assignment]
    body = await request.read()
    if not verify_webhook(body, request.headers.get("X-Razorpay-Signature"), secrets.webhook_secret):
        log.warning(
            "rejected a Razorpay webhook from %s: %s signature",
            request.remote,
            "missing" if "X-Razorpay-Signature" not in request.headers else "bad",
        )
        return web.json_response({"ok": False, "error": "invalid signature"}, status=400)
    try:
        payload = json.loads(body)
    except ValueError:
        return web.json_response({"ok": False, "error": "not JSON"}, status=400)
    if not isinstance(payload, dict):
        return web.json_response({"ok": False, "error": "not an event"}, status=400)
    event_id = request.headers.get("X-Razorpay-Event-Id") or "sha256:" + hashlib.sha256(body).hexdigest()
    try:
        outcome = await payments.handle_event(event_id, payload)
    except PyMongoError as error:
        log.error("webhook %s not processed, database unavailable: %s", event_id, type(error).__name__)
        return web.json_response({"ok": False, "error": "temporarily unavailable"}, status=503)
    log.info("webhook %s %s: %s", event_id, payload.get("event"), outcome)
    return web.json_response({"ok": True, "outcome": outcome})


async def payment_callback(request: web.Request) -> web.Response:
    secrets: PaymentSecrets = request.app[SECRETS_KEY]  # type: ignore[assignment]
    params = dict(request.query)
    reference = params.get("razorpay_payment_link_reference_id", "")
    if not verify_payment_link_callback(params, secrets.key_secret):
        log.warning("payment callback with an invalid signature from %s", request.remote)
        return _page(
            pages.NOT_VERIFIED_TITLE,
            pages.NOT_VERIFIED,
            secrets.bot_username,
            None,
            status=400,
        )
    status = params.get("razorpay_payment_link_status", "")
    if status != "paid":
        return _page(pages.NOT_PAID_TITLE, pages.NOT_PAID, secrets.bot_username, reference)
    return _page(pages.PAID_TITLE, pages.paid(reference), secrets.bot_username, reference)


def _page(
    title: str, text: str, bot_username: str, reference: str | None, *, status: int = 200
) -> web.Response:
    start = f"?start=booking_{escape(reference)}" if reference else ""
    link = f"https://t.me/{escape(bot_username)}{start}"
    html = f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{escape(title)}</title>
<style>body{{font-family:system-ui,sans-serif;max-width:28rem;margin:3rem auto;padding:0 1rem;
line-height:1.5;color:#222}}a.button{{display:inline-block;margin-top:1rem;padding:.8rem 1.4rem;
background:#229ED9;color:#fff;border-radius:.5rem;text-decoration:none;font-weight:600}}</style>
</head><body><h1>{escape(title)}</h1><p>{text}</p>
<a class="button" href="{link}">{escape(pages.OPEN_THE_BOT)}</a></body></html>"""
    return web.Response(text=html, content_type="text/html", status=status)
