"""Live slot screens (issue 17 §4): which screens are redrawn, and when. Pure rules;
storage/live_screens.py keeps the screens, jobs/live_screens.py redraws them."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import timedelta

from domain.availability import SlotOffer

SCREEN_LIFETIME = timedelta(minutes=10)
"""A screen opened (or last touched) longer ago than this is no longer kept live."""

REDRAW_SPACING = timedelta(seconds=3)
"""At most one redraw of a screen this often: changes in between are drawn together."""


def states_shown(offers: Sequence[SlotOffer]) -> str:
    """What a day's slot screen shows of the day, as a short fingerprint: a redraw is
    sent only when this differs from what the screen last showed."""
    shown = ";".join(f"{o.slot.key}={o.state.value}" for o in offers)
    return hashlib.blake2b(shown.encode(), digest_size=8).hexdigest()
