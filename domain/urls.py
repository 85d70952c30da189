"""What Telegram and a musician's phone can open. Pure rules, no I/O.

Telegram answers ``400 BUTTON_URL_INVALID`` to an inline button whose ``url`` is not
``http``/``https``/``tg`` or whose host has no dot (``http://localhost:8080/...``),
and even a URL Telegram accepts is no use to a phone when it names the laptop
(``127.0.0.1``, a private address).
"""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit

BUTTON_URL_SCHEMES = frozenset({"http", "https", "tg"})


def telegram_accepts_button_url(url: str) -> bool:
    """Would Telegram accept ``url`` on an inline keyboard button?"""
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return False
    if parts.scheme.lower() not in BUTTON_URL_SCHEMES:
        return False
    if parts.scheme.lower() == "tg":
        return bool(parts.netloc or parts.path)
    host = parts.hostname or ""
    return "." in host.strip(".") and " " not in url.strip()


def reachable_from_a_phone(url: str) -> bool:
    """Is ``url`` an http(s) address that Telegram accepts on a button and that a
    phone on the internet could open (no loopback, private or link-local host)?"""
    if not telegram_accepts_button_url(url):
        return False
    parts = urlsplit(url.strip())
    if parts.scheme.lower() not in ("http", "https"):
        return False
    host = (parts.hostname or "").lower().rstrip(".")
    if host == "localhost" or host.endswith((".localhost", ".local", ".internal", ".lan")):
        return False
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return True
    return address.is_global


def is_public_https(url: str) -> bool:
    """A public ``https://`` URL: what Razorpay's ``callback_url`` must be."""
    return reachable_from_a_phone(url) and urlsplit(url.strip()).scheme.lower() == "https"
