"""Short booking codes a human can read out over the phone: ``JR-7F3K2Q``."""

from __future__ import annotations

import re
import secrets

# No 0/O, 1/I/L or U: nothing that reads ambiguously or spells words by accident.
ALPHABET = "23456789ABCDEFGHJKMNPQRSTVWXYZ"
CODE_LENGTH = 6
CODE_PATTERN = re.compile(rf"^JR-[{ALPHABET}]{{{CODE_LENGTH}}}$")
SERIES_PATTERN = re.compile(rf"^JW-[{ALPHABET}]{{{CODE_LENGTH}}}$")


def new_booking_code() -> str:
    return "JR-" + "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))


def is_booking_code(text: str) -> bool:
    return bool(CODE_PATTERN.match(text))


def new_series_code() -> str:
    """A weekly series' code (``JW-...``): its payment link's reference and its name."""
    return "JW-" + "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))


def is_series_code(text: str) -> bool:
    return bool(SERIES_PATTERN.match(text))
