"""Indian states and union territories with their GST state codes.

The codes are the first two digits of every GSTIN and what an invoice prints beside the
place of supply. Source: the GST portal's state code list (the census codes), as used by
GSTN's e-invoice masters: 01..38 and 97 "Other Territory" (the sea beyond territorial
waters). Two codes are retired and not issued any more: 25 Daman and Diu (merged with
Dadra and Nagar Haveli into 26 on 26 Jan 2020) and 28 Andhra Pradesh before its 2014
division (Andhra Pradesh is 37, Telangana 36).

Union territories without a legislature levy UTGST instead of SGST (UTGST Act s. 2(8):
Andaman and Nicobar Islands, Lakshadweep, Dadra and Nagar Haveli and Daman and Diu,
Ladakh, Chandigarh and other territory). Delhi, Puducherry and Jammu and Kashmir have
legislatures and levy SGST.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


@dataclass(frozen=True)
class State:
    """A state or union territory as GST knows it."""

    code: str
    """Two digits, ``"27"``."""
    name: str
    levies_utgst: bool = False
    """A union territory without a legislature: its half of an intra-state tax is UTGST."""


STATES: tuple[State, ...] = (
    State("01", "Jammu and Kashmir"),
    State("02", "Himachal Pradesh"),
    State("03", "Punjab"),
    State("04", "Chandigarh", levies_utgst=True),
    State("05", "Uttarakhand"),
    State("06", "Haryana"),
    State("07", "Delhi"),
    State("08", "Rajasthan"),
    State("09", "Uttar Pradesh"),
    State("10", "Bihar"),
    State("11", "Sikkim"),
    State("12", "Arunachal Pradesh"),
    State("13", "Nagaland"),
    State("14", "Manipur"),
    State("15", "Mizoram"),
    State("16", "Tripura"),
    State("17", "Meghalaya"),
    State("18", "Assam"),
    State("19", "West Bengal"),
    State("20", "Jharkhand"),
    State("21", "Odisha"),
    State("22", "Chhattisgarh"),
    State("23", "Madhya Pradesh"),
    State("24", "Gujarat"),
    State("26", "Dadra and Nagar Haveli and Daman and Diu", levies_utgst=True),
    State("27", "Maharashtra"),
    State("29", "Karnataka"),
    State("30", "Goa"),
    State("31", "Lakshadweep", levies_utgst=True),
    State("32", "Kerala"),
    State("33", "Tamil Nadu"),
    State("34", "Puducherry"),
    State("35", "Andaman and Nicobar Islands", levies_utgst=True),
    State("36", "Telangana"),
    State("37", "Andhra Pradesh"),
    State("38", "Ladakh", levies_utgst=True),
    State("97", "Other Territory", levies_utgst=True),
)

RETIRED_CODES: dict[str, str] = {
    "25": "Daman and Diu",
    "28": "Andhra Pradesh (before 2014)",
}
"""Codes no longer issued; looking one up is refused with ``StateProblem.RETIRED``."""

FORMER_NAMES: dict[str, str] = {
    "orissa": "21",
    "pondicherry": "34",
    "uttaranchal": "05",
    "lakshadweep islands": "31",
    "nct of delhi": "07",
    "national capital territory of delhi": "07",
    "new delhi": "07",
    "andaman and nicobar": "35",
}
"""Names people still write, already in the normalised form of ``_key``."""


def _key(name: str) -> str:
    words = name.replace(".", "").replace(",", " ").replace("&", " and ").casefold().split()
    return " ".join(words)


_BY_CODE = {state.code: state for state in STATES}
_BY_NAME = {former: _BY_CODE[code] for former, code in FORMER_NAMES.items()} | {
    _key(state.name): state for state in STATES
}


class StateProblem(StrEnum):
    UNKNOWN = "unknown"
    RETIRED = "retired"


class StateNotFoundError(LookupError):
    """No state or union territory for ``given``; ``problem`` says why."""

    def __init__(self, problem: StateProblem, given: str) -> None:
        self.problem = problem
        self.given = given
        super().__init__(f"no GST state for {given!r} ({problem})")


def state_by_code(code: str | int) -> State:
    """``"27"``, ``"7"`` or ``7`` → the state; retired and unknown codes are refused."""
    text = f"{code:02d}" if isinstance(code, int) else code.strip().zfill(2)
    if text in RETIRED_CODES:
        raise StateNotFoundError(StateProblem.RETIRED, text)
    state = _BY_CODE.get(text)
    if state is None:
        raise StateNotFoundError(StateProblem.UNKNOWN, text)
    return state


def state_by_name(name: str) -> State:
    """Case, ``&`` for "and", dots, commas and extra spaces do not matter; a few former
    names (Orissa, Pondicherry, Uttaranchal) are understood."""
    state = _BY_NAME.get(_key(name))
    if state is None:
        raise StateNotFoundError(StateProblem.UNKNOWN, name)
    return state
