"""The GST rate a room's invoices charge, in basis points (1800 = 18%).

Renting non-residential property (SAC 997212) is taxed at 18%, the default. A room may
be configured with another rate (a different service, a changed schedule): any rate
above 0 and at most 40% (the highest slab since September 2025), in hundredths of a
percent. A rate of 0 is refused: a seller charging no GST on a taxable service would
issue a bill of supply, not a tax invoice, which this bot does not make.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from enum import StrEnum

DEFAULT_RATE_BP = 1800
MAX_RATE_BP = 4000


class RateProblem(StrEnum):
    NOT_A_NUMBER = "not_a_number"
    OUT_OF_RANGE = "out_of_range"
    """0 or less, or above MAX_RATE_BP."""
    TOO_PRECISE = "too_precise"
    """More than two decimals."""


class RateRefusedError(ValueError):
    def __init__(self, problem: RateProblem) -> None:
        self.problem = problem
        super().__init__(f"GST rate refused: {problem}")


def parse_rate_percent(text: str) -> int:
    """``"18"``, ``"18%"`` or ``" 2.5 "`` → basis points; raises RateRefusedError."""
    try:
        percent = Decimal(text.strip().removesuffix("%").strip())
    except InvalidOperation:
        raise RateRefusedError(RateProblem.NOT_A_NUMBER) from None
    if not percent.is_finite():
        raise RateRefusedError(RateProblem.NOT_A_NUMBER)
    basis_points = percent * 100
    if basis_points != basis_points.to_integral_value():
        raise RateRefusedError(RateProblem.TOO_PRECISE)
    if not 0 < basis_points <= MAX_RATE_BP:
        raise RateRefusedError(RateProblem.OUT_OF_RANGE)
    return int(basis_points)
