"""Webhook bodies shaped like Razorpay's, for the sandbox and the test fake: the same
webhook code handles them as it handles Razorpay's own."""

from __future__ import annotations

import json
import secrets
import time
from typing import Any

from payments.signatures import sign_webhook


def new_event_id() -> str:
    return "evt_" + secrets.token_hex(7)


def _envelope(event: str, contains: list[str], payload: dict[str, Any]) -> dict[str, Any]:
    return {
        "entity": "event",
        "account_id": "acc_JamRoomSandbox",
        "event": event,
        "contains": contains,
        "payload": payload,
        "created_at": int(time.time()),
    }


def payment_entity(
    payment_id: str, amount: int, *, status: str, notes: dict[str, str], error: str | None = None
) -> dict[str, Any]:
    return {
        "id": payment_id,
        "entity": "payment",
        "amount": amount,
        "currency": "INR",
        "status": status,
        "method": "upi",
        "captured": status == "captured",
        "notes": notes,
        "error_code": "BAD_REQUEST_ERROR" if error else None,
        "error_description": error,
        "created_at": int(time.time()),
    }


def link_entity(link: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": link["id"],
        "entity": "payment_link",
        "amount": link["amount"],
        "amount_paid": link.get("amount_paid", 0),
        "currency": link.get("currency", "INR"),
        "reference_id": link["reference_id"],
        "status": link["status"],
        "short_url": link.get("short_url", ""),
        "notes": link.get("notes", {}),
    }


def payment_link_paid(link: dict[str, Any], payment_id: str, amount: int | None = None) -> dict[str, Any]:
    paid = amount if amount is not None else link["amount"]
    payment = payment_entity(payment_id, paid, status="captured", notes=link.get("notes", {}))
    order = {"id": "order_" + secrets.token_hex(7), "entity": "order", "amount": paid, "status": "paid"}
    return _envelope(
        "payment_link.paid",
        ["payment_link", "order", "payment"],
        {
            "payment_link": {"entity": {**link_entity(link), "status": "paid", "amount_paid": paid}},
            "order": {"entity": order},
            "payment": {"entity": payment},
        },
    )


def payment_link_closed(link: dict[str, Any], event: str) -> dict[str, Any]:
    status = "expired" if event == "payment_link.expired" else "cancelled"
    return _envelope(
        event, ["payment_link"], {"payment_link": {"entity": {**link_entity(link), "status": status}}}
    )


def payment_failed(link: dict[str, Any], payment_id: str, reason: str) -> dict[str, Any]:
    notes = {**link.get("notes", {}), "booking_code": link["reference_id"]}
    payment = payment_entity(payment_id, link["amount"], status="failed", notes=notes, error=reason)
    return _envelope("payment.failed", ["payment"], {"payment": {"entity": payment}})


def refund_event(event: str, refund: dict[str, Any]) -> dict[str, Any]:
    entity = {
        "id": refund["id"],
        "entity": "refund",
        "amount": refund["amount"],
        "currency": "INR",
        "payment_id": refund["payment_id"],
        "notes": refund.get("notes") or {},
        "status": "processed" if event == "refund.processed" else "failed",
    }
    return _envelope(event, ["refund"], {"refund": {"entity": entity}})


def signed(body: dict[str, Any], secret: str, event_id: str | None = None) -> tuple[bytes, dict[str, str]]:
    """The raw body and headers of a webhook delivery, signed exactly as Razorpay signs."""
    raw = json.dumps(body, separators=(",", ":")).encode()
    return raw, {
        "Content-Type": "application/json",
        "X-Razorpay-Signature": sign_webhook(raw, secret),
        "X-Razorpay-Event-Id": event_id or new_event_id(),
    }
