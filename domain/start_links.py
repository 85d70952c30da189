"""Links that open the bot's private chat at a place (``https://t.me/<bot>?start=<parameter>``),
and the inline query that shares a musician's session (``session JR-XXXXXX``).

Telegram hands the parameter to the bot as ``/start <parameter>`` only when it is 1-64
characters of ``A-Z a-z 0-9 _ -`` (anything else is dropped and the chat opens on a bare
/start), so every parameter made here is checked against that rule. Pure rules, no I/O.

The places: the menu, a room's card (``room_<slug>``), a room's day (``day_<YYYYMMDD>_<slug>``),
rooms by city (``book``), My bookings (``bookings``), the owner's menu (``owner``), /privacy
(``privacy``) and a
free-slot search (``free_<the query, base64url>``). Slugs are 3-50 lowercase letters, digits
and dashes (the admin CLI's rule), so a day link is at most 63 characters.
"""

from __future__ import annotations

import base64
import binascii
import re
from datetime import date, datetime

from domain.booking_status import PAID_NOT_OVER
from domain.codes import is_booking_code

PARAMETER = re.compile(r"[A-Za-z0-9_-]{1,64}")
MAX_PARAMETER = 64

MENU = "menu"
BOOK = "book"
BOOKINGS = "bookings"
OWNER = "owner"
PRIVACY = "privacy"
ROOM_PREFIX = "room_"
DAY_PREFIX = "day_"
FREE = "free"
FREE_PREFIX = "free_"

_DAY = re.compile(r"day_(\d{8})_([a-z0-9][a-z0-9-]{1,48}[a-z0-9])")


def is_start_parameter(text: str) -> bool:
    return PARAMETER.fullmatch(text) is not None


def start_url(bot_username: str, parameter: str) -> str:
    """The link that opens the bot's chat and sends it ``/start <parameter>``."""
    if not is_start_parameter(parameter):
        raise ValueError(f"not a start parameter Telegram passes on: {parameter!r}")
    return f"https://t.me/{bot_username}?start={parameter}"


def room_parameter(slug: str) -> str:
    return f"{ROOM_PREFIX}{slug}"


def day_parameter(slug: str, day: date) -> str:
    """A room's day; the room's card when the slug is too long for one (none is today)."""
    parameter = f"{DAY_PREFIX}{day:%Y%m%d}_{slug}"
    return parameter if is_start_parameter(parameter) else room_parameter(slug)


def parse_day_parameter(parameter: str) -> tuple[str, date] | None:
    """(slug, day) of a day link; None for anything else, a real date included."""
    found = _DAY.fullmatch(parameter)
    if found is None:
        return None
    try:
        day = datetime.strptime(found[1], "%Y%m%d").date()
    except ValueError:
        return None
    return found[2], day


def free_parameter(query: str) -> str:
    """A free-slot search for ``query`` (what follows /free); a bare search when the
    query does not fit in a parameter."""
    query = " ".join(query.split())
    if not query:
        return FREE
    encoded = base64.urlsafe_b64encode(query.encode()).decode().rstrip("=")
    parameter = f"{FREE_PREFIX}{encoded}"
    return parameter if is_start_parameter(parameter) else FREE


def parse_free_parameter(parameter: str) -> str | None:
    """The query of a free-slot link ("" for a bare one); None when it is not one."""
    if parameter == FREE:
        return ""
    if not parameter.startswith(FREE_PREFIX):
        return None
    encoded = parameter.removeprefix(FREE_PREFIX)
    try:
        padded = encoded + "=" * (-len(encoded) % 4)
        return base64.b64decode(padded, altchars=b"-_", validate=True).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return None


SHARE_KEYWORD = "session"
SHAREABLE = PAID_NOT_OVER
"""A session is shared while it is paid and not over; a hold, a cancelled or a past
session makes no card."""


def share_query(code: str) -> str:
    """The inline query "Share with the band" puts in the chat the musician picks."""
    return f"{SHARE_KEYWORD} {code}"


def parse_share_query(text: str) -> str | None:
    """The booking code of a share query; None for any other query."""
    words = text.split()
    if len(words) != 2 or words[0].casefold() != SHARE_KEYWORD:
        return None
    code = words[1].upper()
    return code if is_booking_code(code) else None
