"""Erasing a musician who deleted their data (``/privacy`` › Delete my data), one
function per collection that can hold something about them.

The bot layer cancels their upcoming bookings first, by the usual rules, and issues any
invoice a paid booking still lacks (``bot.data_deletion``); then ``erase_person``
removes the person and leaves a pseudonym (``domain.privacy``) where a record must stay:

- ``users`` (id, names, username, city): the document is deleted;
- ``bookings`` (``user_id``, ``gst_recipient``): the pseudonym; GST details no invoice
  printed are erased; issued invoices and credit notes stay as printed (CGST Act s. 36);
- ``hold_claims`` (``<user>|<n>``): deleted (cancelling released them; a crash may not);
- ``outbox``: messages to them deleted, sent or not; messages to owners that name them
  or link to their chat say "a musician who deleted their data" instead;
- ``outbox_pace`` (``chat:<id>``) and ``fsm_states`` (dialog state keyed by their id):
  deleted;
- ``slot_claims.created_by``, ``owner_invites.used_by``, a booking's
  ``no_show_marked_by`` / ``terminated_by`` (a former owner's): the pseudonym;
- ``document_counters``: the last document issued, as printed: kept;
- ``rooms``, ``sellers``: owners only, and an owner with rooms cannot delete;
- ``payment_events``, ``sandbox_links``, ``invoices``, ``invoice_counters``: ids, codes
  and amounts only.

``COLLECTIONS`` says this as data, and a test fails when a document is added to
``storage.documents`` without a line here. Per-slot waits go (``drop_waits``: a held
offer is given back through the booking service first, by the caller), and so does the
record of the slot screen they had open."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from bson import Binary

from domain.booking_status import BookingStatus
from domain.privacy import new_pseudonym
from domain.words.formats import user_link
from storage.dialog_state import FSM_COLLECTION
from storage.holds import HoldClaim
from storage.live_screens import SlotScreen
from storage.models import Booking, SlotClaim, User
from storage.outbox import OutboxMessage, OutboxPace
from storage.owners import OwnerInvite, rooms_owned_by
from storage.waitlist import SlotWait


class Keeping(StrEnum):
    """What deleting a person does to a collection."""

    ERASED = "erased"
    KEPT_AS_PRINTED = "kept_as_printed"
    NOTHING_PERSONAL = "nothing_personal"


ERASED, KEPT_AS_PRINTED, NOTHING_PERSONAL = Keeping

COLLECTIONS: dict[str, Keeping] = {
    "users": ERASED,
    "bookings": ERASED,
    "hold_claims": ERASED,
    "outbox": ERASED,
    "outbox_pace": ERASED,
    FSM_COLLECTION: ERASED,
    "slot_claims": ERASED,
    "owner_invites": ERASED,
    "slot_waits": ERASED,
    "slot_screens": ERASED,
    "document_counters": KEPT_AS_PRINTED,
    "rooms": NOTHING_PERSONAL,
    "sellers": NOTHING_PERSONAL,
    "payment_events": NOTHING_PERSONAL,
    "sandbox_links": NOTHING_PERSONAL,
    "invoices": NOTHING_PERSONAL,
    "invoice_counters": NOTHING_PERSONAL,
}
"""Every collection the bot keeps, and what deleting a person does to it."""

UPCOMING = (BookingStatus.PENDING_PAYMENT, BookingStatus.NOT_STARTED)
"""The bookings deleting cancels first (by the usual rules, with their refunds)."""


@dataclass(frozen=True)
class Person:
    """What identifies the person in what the bot stored about them."""

    id: int
    display_name: str | None = None
    username: str | None = None

    @classmethod
    def of(cls, telegram_id: int, user: User | None) -> Person:
        if user is None:
            return cls(telegram_id)
        named = user.first_name or user.last_name
        return cls(telegram_id, user.display_name if named else None, user.username)

    def in_texts(self) -> list[re.Pattern[str]]:
        """How the words write them in others' messages: the link to their chat with their
        name and @username (``formats.user_link``), a bare @username, their id. A name
        alone is not looked for: "Raj" would also be found in "Rajesh"."""
        patterns = [re.compile(rf'<a href="tg://user\?id={self.id}">[^<]*</a>(?: \(@[^)]*\))?')]
        if self.username:
            patterns.append(re.compile(rf"(?<![\w@])@{re.escape(self.username)}(?!\w)"))
        return [*patterns, re.compile(rf"(?<!\d){self.id}(?!\d)")]

    def in_files(self) -> list[re.Pattern[str]]:
        """In a text file (a CSV) the name stands alone, whole."""
        whole = [rf"(?<!\w){re.escape(self.display_name)}(?!\w)"] if self.display_name else []
        if self.username:
            whole.append(rf"(?<!\w){re.escape(self.username)}(?!\w)")
        return [*self.in_texts(), *(re.compile(pattern) for pattern in whole)]


@dataclass(frozen=True)
class Erased:
    pseudonym: int
    bookings: int
    outbox_messages: int
    dialog_states: int


# ---- what deleting needs to know first ----------------------------------------------------


async def person(telegram_id: int) -> Person:
    return Person.of(telegram_id, await User.get(telegram_id))


async def owned_room_names(telegram_id: int) -> list[str]:
    """The rooms ``telegram_id`` owns: an owner cannot delete their data while they do."""
    return [room.name for room in await rooms_owned_by(telegram_id)]


async def bookings_of(telegram_id: int) -> list[Booking]:
    """Every booking the musician ever made (their ``user_id``, one indexed equality)."""
    return await Booking.find({"user_id": telegram_id}).to_list()


# ---- erasing ------------------------------------------------------------------------------


async def erase_person(telegram_id: int) -> Erased:
    """Remove the person from every collection (see the module's table). Safe to repeat:
    a second run finds nothing and changes nothing."""
    who = await person(telegram_id)
    pseudonym = new_pseudonym()
    await drop_waits(telegram_id)
    erased_bookings = await pseudonymise_bookings(telegram_id, pseudonym)
    await drop_hold_claims(telegram_id)
    messages = await drop_messages_to(telegram_id)
    await scrub_messages_about(who)
    await drop_send_pace(telegram_id)
    states = await drop_dialog_states(telegram_id)
    await pseudonymise_blocks(telegram_id, pseudonym)
    await pseudonymise_invites(telegram_id, pseudonym)
    await drop_user(telegram_id)
    return Erased(pseudonym, erased_bookings, messages, states)


async def drop_waits(telegram_id: int) -> int:
    """Their per-slot waits and the slot screen they had open. An offer still held for
    them is given back by ``BookingService.drop_waits_of`` before this runs; one made in
    between lapses by itself (its claim names the pseudonym, ``pseudonymise_blocks``)."""
    result = await SlotWait.get_pymongo_collection().delete_many({"user_id": telegram_id})
    await SlotScreen.get_pymongo_collection().delete_one({"_id": telegram_id})
    return result.deleted_count


async def pseudonymise_bookings(telegram_id: int, pseudonym: int) -> int:
    """Their bookings keep their money ledger (refunds still due, the owners' earnings)
    under the pseudonym. GST details no invoice printed go; issued invoices and credit
    notes stay as printed."""
    collection = Booking.get_pymongo_collection()
    await collection.update_many(
        {"user_id": telegram_id, "invoice_number": None}, {"$set": {"gst_recipient": {}}}
    )
    result = await collection.update_many({"user_id": telegram_id}, {"$set": {"user_id": pseudonym}})
    # An owner's marks on others' bookings (a former owner: one with rooms cannot delete).
    for field in ("no_show_marked_by", "terminated_by"):
        await collection.update_many({field: telegram_id}, {"$set": {field: pseudonym}})
    return result.modified_count


async def drop_hold_claims(telegram_id: int) -> int:
    result = await HoldClaim.get_pymongo_collection().delete_many({"user_id": telegram_id})
    return result.deleted_count


async def drop_messages_to(telegram_id: int) -> int:
    """Every message to them, sent or not: what was sent is in their chat, and what was
    not goes nowhere now (refunds reach the account they paid from without one)."""
    result = await OutboxMessage.get_pymongo_collection().delete_many({"chat_id": telegram_id})
    return result.deleted_count


def _scrubbed(text: str, patterns: Iterable[re.Pattern[str]], gone: str) -> str:
    for pattern in patterns:
        text = pattern.sub(gone, text)
    return text


async def scrub_messages_about(who: Person) -> int:
    """Messages to others (owners: a booking, a cancellation, a digest) that name them or
    link to their chat now say "a musician who deleted their data" instead. A rare,
    whole-collection look: the texts are not indexed."""
    gone = user_link(None, new_pseudonym())
    wanted = [str(who.id)] + ([re.escape(f"@{who.username}")] if who.username else [])
    either: list[dict[str, Any]] = [{"text": {"$regex": text}} for text in wanted]
    either.append({"document": {"$ne": None}})
    collection = OutboxMessage.get_pymongo_collection()
    changed = 0
    async for message in collection.find({"chat_id": {"$ne": who.id}, "$or": either}):
        changes = _scrubbed_message(message, who, gone)
        if changes:
            await collection.update_one({"_id": message["_id"]}, {"$set": changes})
            changed += 1
    return changed


def _scrubbed_message(message: dict[str, Any], who: Person, gone: str) -> dict[str, Any]:
    changes: dict[str, Any] = {}
    text = message.get("text") or ""
    if (scrubbed := _scrubbed(text, who.in_texts(), gone)) != text:
        changes["text"] = scrubbed
    rows = message.get("buttons") or []
    kept = [[button for button in row if str(who.id) not in button.get("url", "")] for row in rows]
    if kept != rows:
        changes["buttons"] = [row for row in kept if row]
    document = message.get("document")
    if document is not None:
        # A CSV or text file is scrubbed like a text; a file it cannot read is left.
        try:
            content = bytes(document).decode()
        except UnicodeDecodeError:
            return changes
        if (scrubbed := _scrubbed(content, who.in_files(), "")) != content:
            changes["document"] = Binary(scrubbed.encode())
    return changes


async def drop_send_pace(telegram_id: int) -> None:
    await OutboxPace.get_pymongo_collection().delete_one({"_id": f"chat:{telegram_id}"})


def dialog_state_key_pattern(telegram_id: int) -> str:
    """Keys naming the chat or user (``fsm:<chat>:<user>:<destiny>``, a group's stack
    ``<id>``)."""
    return rf"(^|:){telegram_id}(:|$)|<{telegram_id}>"


async def drop_dialog_states(telegram_id: int) -> int:
    """Their dialog state and the FSM documents of their chat."""
    states = User.get_pymongo_collection().database[FSM_COLLECTION]
    result = await states.delete_many({"_id": {"$regex": dialog_state_key_pattern(telegram_id)}})
    return result.deleted_count


async def pseudonymise_blocks(telegram_id: int, pseudonym: int) -> None:
    await SlotClaim.get_pymongo_collection().update_many(
        {"created_by": telegram_id}, {"$set": {"created_by": pseudonym}}
    )


async def pseudonymise_invites(telegram_id: int, pseudonym: int) -> None:
    await OwnerInvite.get_pymongo_collection().update_many(
        {"used_by": telegram_id}, {"$set": {"used_by": pseudonym}}
    )


async def drop_user(telegram_id: int) -> None:
    """Last, so a deletion cut short is finished by the next one."""
    await User.get_pymongo_collection().delete_one({"_id": telegram_id})
