"""Razorpay's signatures: HMAC-SHA256 hex digests, compared in constant time.

A signature arrives in a header or a query string that anyone can fill: anything but 64
hex digits is refused before comparing (``hmac.compare_digest`` raises on non-ASCII
text, which answered a forged request with a 500 and a traceback)."""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Mapping

HEX_DIGEST = re.compile(r"[0-9a-f]{64}")


def sign_webhook(body: bytes, secret: str) -> str:
    """``X-Razorpay-Signature`` of a webhook body: HMAC-SHA256 of the raw body."""
    return hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def verify_webhook(body: bytes, signature: str | None, secret: str) -> bool:
    """True only for a present signature that matches; never raises."""
    if not signature or not secret:
        return False
    return _same_digest(sign_webhook(body, secret), signature.strip())


def _same_digest(expected: str, given: str) -> bool:
    if not HEX_DIGEST.fullmatch(given):
        return False
    return hmac.compare_digest(expected.encode(), given.encode())


def sign_payment_link_callback(
    link_id: str, reference_id: str, status: str, payment_id: str, key_secret: str
) -> str:
    message = f"{link_id}|{reference_id}|{status}|{payment_id}"
    return hmac.new(key_secret.encode(), message.encode(), hashlib.sha256).hexdigest()


CALLBACK_FIELDS = (
    "razorpay_payment_link_id",
    "razorpay_payment_link_reference_id",
    "razorpay_payment_link_status",
    "razorpay_payment_id",
)


def verify_payment_link_callback(params: Mapping[str, str], key_secret: str) -> bool:
    """Verify the query of Razorpay's redirect after a payment-link payment."""
    signature = params.get("razorpay_signature")
    if not signature or not key_secret or any(name not in params for name in CALLBACK_FIELDS):
        return False
    expected = sign_payment_link_callback(*(params[name] for name in CALLBACK_FIELDS), key_secret=key_secret)
    return _same_digest(expected, signature)
