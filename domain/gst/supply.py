"""Where a room booking is supplied, and so which taxes it carries.

Place of supply. Booking a rehearsal room grants the right to use immovable property
for some hours, so IGST Act 2017 section 12(3)(a) applies ("services directly in
relation to an immovable property ... any service provided by way of grant of rights to
use immovable property"; clause (c), accommodation for a cultural function, points the
same way): the place of supply is the location of the immovable property, i.e. the
room's state. Section 12(3) overrides the general rule of 12(2), so who the musician is
does not matter: a band registered for GST in another state still gets the room's state
as place of supply, and pays that state's CGST + SGST when the owner is registered
there (it cannot take the credit in its own state; that is the law, not a bug).

Intra- or inter-state. IGST Act s. 8(2) and 7(3): a supply of services is intra-state
when the supplier's location and the place of supply are in the same state or union
territory (CGST + SGST, or CGST + UTGST in a union territory without a legislature), and
inter-state otherwise (IGST). We take the supplier's location from the seller's GSTIN
(its first two digits); a seller registered in another state than its room's makes an
inter-state supply. A seller not registered under GST charges no GST at all.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from domain.gst.gstin import Gstin
from domain.gst.states import State


class Treatment(StrEnum):
    INTRA_STATE = "intra_state"
    """CGST + SGST, each half the rate."""
    INTRA_UT = "intra_ut"
    """CGST + UTGST, each half the rate (a union territory without a legislature)."""
    INTER_STATE = "inter_state"
    """IGST at the full rate."""
    NOT_REGISTERED = "not_registered"
    """The seller is not registered under GST: no tax lines."""

    @property
    def splits_in_halves(self) -> bool:
        return self in (Treatment.INTRA_STATE, Treatment.INTRA_UT)

    @property
    def is_taxed(self) -> bool:
        return self is not Treatment.NOT_REGISTERED


@dataclass(frozen=True)
class Supply:
    place: State
    treatment: Treatment


def place_of_supply(*, room_state: State, recipient: Gstin | None) -> State:
    """The room's state, whoever the recipient is (IGST Act s. 12(3)). ``recipient`` is
    taken, and ignored, so that no caller has to wonder whether it should matter."""
    del recipient
    return room_state


def treatment(*, seller: Gstin | None, place: State) -> Treatment:
    """Which taxes a supply from ``seller`` (None: not registered) at ``place`` carries."""
    if seller is None:
        return Treatment.NOT_REGISTERED
    if seller.state != place:
        return Treatment.INTER_STATE
    return Treatment.INTRA_UT if place.levies_utgst else Treatment.INTRA_STATE


def supply_of_room(*, seller: Gstin | None, room_state: State, recipient: Gstin | None) -> Supply:
    """Place of supply and treatment of one booking of a room in ``room_state``."""
    place = place_of_supply(room_state=room_state, recipient=recipient)
    return Supply(place, treatment(seller=seller, place=place))
