"""The Services Accounting Code (SAC) an invoice prints for a room booking.

Default: 997212, "Rental or leasing services involving own or leased non-residential
property" (heading 9972 Real estate services, in the scheme of classification of
services annexed to Notification 11/2017-Central Tax (Rate)). Why this one: a booking
grants the right to use a non-residential room for some hours with nothing else
supplied, which is also why its place of supply is the room's state (IGST Act s. 12(3),
see ``domain.gst.supply``); it is the code used for renting commercial space (offices,
co-working, halls, theatres), at 18%.

Considered and not taken: 999623 "Performing arts facility operation services" (running
a venue for performances, with staff and production), and 999692, which in the GST portal's
SAC list is "Coin-operated amusement machine services", not a cultural service. A room whose
owner supplies more than the room (an engineer recording the band) may need another
code; rooms can set their own, checked by ``parse_sac``.

Service codes are chapter 99. Notification 78/2020-Central Tax asks for at least four
digits (six above ₹5 crore turnover); six always satisfies it.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


@dataclass(frozen=True)
class ServiceCode:
    code: str
    description: str


DEFAULT_SAC = ServiceCode(
    "997212", "Rental or leasing services involving own or leased non-residential property"
)


class SacProblem(StrEnum):
    NOT_DIGITS = "not_digits"
    """Not four or six digits."""
    NOT_A_SERVICE = "not_a_service"
    """Does not start with 99, the chapter of services (an HSN code of goods, perhaps)."""


class SacRefusedError(ValueError):
    def __init__(self, problem: SacProblem) -> None:
        self.problem = problem
        super().__init__(f"SAC refused: {problem}")


def parse_sac(text: str) -> str:
    """``"9972 12"`` or ``"997212"`` → ``"997212"``; raises SacRefusedError."""
    code = "".join(text.split())
    if not code.isascii() or not code.isdigit() or len(code) not in (4, 6):
        raise SacRefusedError(SacProblem.NOT_DIGITS)
    if not code.startswith("99"):
        raise SacRefusedError(SacProblem.NOT_A_SERVICE)
    return code
