"""The GST identification number (GSTIN) of a regular taxpayer, e.g. ``27AAPFU0939F1ZV``.

Fifteen characters (GST portal; CBIC's registration FAQ):

    27        state code of the registration (``domain.gst.states``)
    AAPFU0939F the holder's PAN: 5 letters, 4 digits, 1 letter
    1         entity number: the holder's 1st..35th registration in that state (1-9, then A-Z)
    Z         'Z' by default
    V         check character over the first fourteen

The check character is a Luhn mod 36 sum (the algorithm GSTN's offline validators and
the GST portal use, checked here against published GSTINs such as the portal's sample
``27AAPFU0939F1ZV``): each of the first fourteen characters is worth its place in
``0-9A-Z`` (0..35), multiplied by 1 at odd and 2 at even positions (counting from 1);
each product adds ``product // 36 + product % 36``; the check character is worth
``(36 - total % 36) % 36``.

Only regular taxpayers' GSTINs are accepted (the 'Z' at 14). Other registrations GSTN
issues (TDS deductors 'D', TCS collectors 'C', UN bodies, non-resident OIDAR suppliers)
have other shapes and are refused as ``NOT_Z``/``BAD_PAN``.

A GSTIN contains its holder's PAN, which for a sole proprietor is personal data: the
refusal carries what went wrong, never the number itself, so it is safe to log.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from domain.gst.states import State, StateNotFoundError, state_by_code

ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
LENGTH = 15
_SPACING = re.compile(r"[\s\-]+")
_PAN = re.compile(r"^[A-Z]{5}[0-9]{4}[A-Z]$")


class GstinProblem(StrEnum):
    """What is wrong with a GSTIN, checked in this order."""

    EMPTY = "empty"
    WRONG_LENGTH = "wrong_length"
    BAD_CHARACTERS = "bad_characters"
    """Something other than the letters A-Z and digits."""
    UNKNOWN_STATE = "unknown_state"
    BAD_PAN = "bad_pan"
    """Characters 3-12 are not 5 letters, 4 digits and a letter."""
    BAD_ENTITY_NUMBER = "bad_entity_number"
    """Character 13 is 0 (registrations count from 1)."""
    NOT_Z = "not_z"
    """Character 14 is not 'Z': not a regular taxpayer's GSTIN."""
    CHECKSUM = "checksum"
    """The check character does not match: most often a mistyped character."""


class GstinRefusedError(ValueError):
    """A GSTIN that cannot be accepted. ``length`` is the length given (without spaces
    and hyphens), for ``WRONG_LENGTH``."""

    def __init__(self, problem: GstinProblem, *, length: int) -> None:
        self.problem = problem
        self.length = length
        super().__init__(f"GSTIN refused: {problem} (length {length})")


@dataclass(frozen=True)
class Gstin:
    """A GSTIN that passed every check; build one with ``parse_gstin``."""

    number: str

    def __post_init__(self) -> None:
        problem = _problem(self.number)
        if problem is not None:
            raise GstinRefusedError(problem, length=len(self.number))

    @property
    def state(self) -> State:
        return state_by_code(self.number[:2])

    @property
    def pan(self) -> str:
        return self.number[2:12]

    @property
    def entity_number(self) -> str:
        return self.number[12]

    def __str__(self) -> str:
        return self.number


def check_character(first_fourteen: str) -> str:
    """The GSTIN check character of the first fourteen characters (uppercase A-Z, 0-9)."""
    if len(first_fourteen) != LENGTH - 1 or any(c not in ALPHABET for c in first_fourteen):
        raise ValueError("a GSTIN check character is computed over 14 characters A-Z, 0-9")
    total = 0
    for position, character in enumerate(first_fourteen, start=1):
        product = ALPHABET.index(character) * (2 if position % 2 == 0 else 1)
        total += product // len(ALPHABET) + product % len(ALPHABET)
    return ALPHABET[(len(ALPHABET) - total % len(ALPHABET)) % len(ALPHABET)]


def parse_gstin(text: str) -> Gstin:
    """A GSTIN as typed: case, spaces and hyphens do not matter
    (``"27aapfu0939f1zv"``, ``"27 AAPFU 0939 F1ZV"``); raises GstinRefusedError."""
    return Gstin(_SPACING.sub("", text).upper())


def is_valid_gstin(text: str) -> bool:
    try:
        parse_gstin(text)
    except GstinRefusedError:
        return False
    return True


def _problem(number: str) -> GstinProblem | None:
    if not number:
        return GstinProblem.EMPTY
    if len(number) != LENGTH:
        return GstinProblem.WRONG_LENGTH
    if any(c not in ALPHABET for c in number):
        return GstinProblem.BAD_CHARACTERS
    try:
        state_by_code(number[:2])
    except StateNotFoundError:
        return GstinProblem.UNKNOWN_STATE
    if not _PAN.match(number[2:12]):
        return GstinProblem.BAD_PAN
    if number[12] == "0":
        return GstinProblem.BAD_ENTITY_NUMBER
    if number[13] != "Z":
        return GstinProblem.NOT_Z
    if check_character(number[:14]) != number[14]:
        return GstinProblem.CHECKSUM
    return None
