"""Refund policy: how much of a paid booking comes back, by notice before the first slot."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from domain.words.hours import refund_policy


@dataclass(frozen=True, order=True)
class RefundTier:
    """At least ``notice`` before the session, ``percent`` of the amount is refunded."""

    notice: timedelta
    percent: int

    def __post_init__(self) -> None:
        if not 0 <= self.percent <= 100:
            raise ValueError("a refund percentage is between 0 and 100")
        if self.notice < timedelta(0):
            raise ValueError("notice cannot be negative")


@dataclass(frozen=True)
class RefundQuote:
    percent: int
    amount_paise: int
    notice: timedelta


DEFAULT_TIERS = (RefundTier(timedelta(hours=24), 100), RefundTier(timedelta(hours=6), 50))


@dataclass(frozen=True)
class RefundPolicy:
    tiers: tuple[RefundTier, ...] = DEFAULT_TIERS

    def __post_init__(self) -> None:
        object.__setattr__(self, "tiers", tuple(sorted(self.tiers, reverse=True)))

    def quote(self, amount_paise: int, session_starts: datetime, now: datetime) -> RefundQuote:
        notice = session_starts - now
        for tier in self.tiers:
            if notice >= tier.notice:
                return RefundQuote(tier.percent, amount_paise * tier.percent // 100, notice)
        return RefundQuote(0, 0, notice)

    def describe(self) -> str:
        """The policy in the musician's words (``domain.words.hours``)."""
        return refund_policy(self)

    @classmethod
    def parse(cls, text: str) -> RefundPolicy:
        """``"24:100,6:50"`` (hours of notice : percent) → policy; ValueError when malformed."""
        try:
            tiers = []
            for part in filter(None, (p.strip() for p in text.split(","))):
                hours, percent = part.split(":")
                tiers.append(RefundTier(timedelta(hours=float(hours)), int(percent)))
        except ValueError as error:
            raise ValueError(f"refund policy must look like 24:100,6:50, got {text!r}") from error
        return cls(tuple(tiers))
