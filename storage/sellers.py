"""Sellers: who issues a room's invoices and credit notes, each with its own series.

A seller is an owner entity registered under GST (its ``_id`` is ``gstin:<GSTIN>``, so
every room set to one GSTIN shares one series), or an owner's unregistered series
(``owner:<telegram id>``), set with ``python -m bot.admin set-seller``. A room points at
its seller by ``Room.seller_id``.

A room without a seller keeps what it had before sellers existed: its own GSTIN (set
with ``add-room --gstin``), when that is a valid one, is its seller, with the room's
business name and address; otherwise its first owner's unregistered series (a room
without owners has a series of its own, ``room:<id>``). The same ids are used, so a
room given a seller later continues the series it was numbered in.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from beanie import Document
from pydantic import Field
from pymongo import ReturnDocument

from domain.gst.gstin import Gstin, GstinRefusedError, parse_gstin
from domain.gst.sac import DEFAULT_SAC
from domain.gst.states import State, StateNotFoundError, state_by_code
from storage.models import Room
from storage.times import UtcDatetime, utc_now

DEFAULT_INVOICE_PREFIX = "JR"
DEFAULT_CREDIT_NOTE_PREFIX = "CN"


class Seller(Document):
    id: str  # type: ignore[assignment]
    legal_name: str
    address: str
    gstin: str | None = None
    invoice_prefix: str = DEFAULT_INVOICE_PREFIX
    credit_note_prefix: str = DEFAULT_CREDIT_NOTE_PREFIX
    updated_at: UtcDatetime = Field(default_factory=utc_now)

    class Settings:
        name = "sellers"


@dataclass(frozen=True)
class IssuingSeller:
    """The seller of a room's invoices as they print: resolved from the room."""

    id: str
    legal_name: str
    address: str
    gstin: Gstin | None
    invoice_prefix: str
    credit_note_prefix: str
    configured: bool
    """Set with ``set-seller``; False for the default a room without one falls back to."""

    @property
    def state(self) -> State | None:
        return self.gstin.state if self.gstin else None


def registered_seller_id(gstin: Gstin) -> str:
    return f"gstin:{gstin}"


def owner_seller_id(owner_id: int) -> str:
    return f"owner:{owner_id}"


def default_seller_id(room: Room) -> str:
    """The series a room without a seller is numbered in."""
    legacy = _legacy_gstin(room)
    if legacy is not None:
        return registered_seller_id(legacy)
    if room.owner_ids:
        return owner_seller_id(room.owner_ids[0])
    return f"room:{room.id}"


async def seller_of(room: Room) -> IssuingSeller:
    """Who issues ``room``'s documents now."""
    seller_id = room.seller_id or default_seller_id(room)
    stored = await Seller.get(seller_id)
    if stored is not None:
        return IssuingSeller(
            id=stored.id,
            legal_name=stored.legal_name,
            address=stored.address,
            gstin=parse_gstin(stored.gstin) if stored.gstin else None,
            invoice_prefix=stored.invoice_prefix,
            credit_note_prefix=stored.credit_note_prefix,
            configured=True,
        )
    legacy = _legacy_gstin(room) if seller_id.startswith("gstin:") else None
    return IssuingSeller(
        id=seller_id,
        legal_name=room.business_name or room.name,
        address=room.address,
        gstin=legacy,
        invoice_prefix=DEFAULT_INVOICE_PREFIX,
        credit_note_prefix=DEFAULT_CREDIT_NOTE_PREFIX,
        configured=False,
    )


def room_state(room: Room, seller: IssuingSeller) -> State | None:
    """The room's state, the place of supply of its bookings: as set on the room, else
    its seller's (a registered seller's GSTIN says where it is)."""
    if room.gst_state_code:
        try:
            return state_by_code(room.gst_state_code)
        except StateNotFoundError:
            return seller.state
    return seller.state


def room_sac(room: Room) -> str:
    return room.sac_code or DEFAULT_SAC.code


async def save_seller(
    seller_id: str,
    *,
    legal_name: str,
    address: str,
    gstin: Gstin | None,
    invoice_prefix: str,
    credit_note_prefix: str,
) -> Seller:
    """Create or replace a seller's details (its series' counters are kept)."""
    fields = {
        "legal_name": legal_name,
        "address": address,
        "gstin": str(gstin) if gstin else None,
        "invoice_prefix": invoice_prefix,
        "credit_note_prefix": credit_note_prefix,
        "updated_at": utc_now(),
    }
    raw = await Seller.get_pymongo_collection().find_one_and_update(
        {"_id": seller_id}, {"$set": fields}, upsert=True, return_document=ReturnDocument.AFTER
    )
    return Seller.model_validate(raw)


async def seller_by_id(seller_id: str) -> Seller | None:
    return await Seller.get(seller_id)


async def set_room_tax(room: Room, changes: dict[str, Any]) -> Room:
    """Set a room's seller and tax settings (``seller_id``, ``gst_state_code``,
    ``sac_code``, ``gst_rate_bp``); the rest of the room stays as it is."""
    allowed = {"seller_id", "gst_state_code", "sac_code", "gst_rate_bp"}
    unknown = set(changes) - allowed
    if unknown:
        raise ValueError(f"not a room tax setting: {sorted(unknown)}")
    raw = await Room.get_pymongo_collection().find_one_and_update(
        {"_id": room.id}, {"$set": changes}, return_document=ReturnDocument.AFTER
    )
    return Room.model_validate(raw)


def _legacy_gstin(room: Room) -> Gstin | None:
    if not room.gstin:
        return None
    try:
        return parse_gstin(room.gstin)
    except GstinRefusedError:
        return None
