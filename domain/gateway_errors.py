"""The payment gateway failing, as every layer may name it: payments raises it, and the
jobs, which must not import payments, tell "the gateway is down, try on the next tick"
from a bug by it."""

from __future__ import annotations


class GatewayError(Exception):
    """The gateway failed or refused; the message is safe to log (never a secret)."""
