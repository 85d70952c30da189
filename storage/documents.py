"""Every document the bot stores, in one list: database start-up initialises exactly
these, and the test fixtures empty exactly these. A new document is added here, and
nowhere else."""

from __future__ import annotations

from beanie import Document

from storage.holds import HoldClaim
from storage.invoices import DocumentCounter, Invoice, InvoiceCounter
from storage.live_screens import SlotScreen
from storage.models import Booking, Room, SlotClaim, User
from storage.outbox import OutboxMessage, OutboxPace
from storage.owners import OwnerInvite
from storage.payment_events import PaymentEvent
from storage.sandbox_links import SandboxLink
from storage.sellers import Seller
from storage.waitlist import SlotWait

DOCUMENTS: tuple[type[Document], ...] = (
    User,
    Room,
    Booking,
    SlotClaim,
    HoldClaim,
    OutboxMessage,
    PaymentEvent,
    Invoice,
    InvoiceCounter,
    OwnerInvite,
    OutboxPace,
    SandboxLink,
    Seller,
    DocumentCounter,
    SlotWait,
    SlotScreen,
)


def document_models() -> list[type[Document]]:
    return list(DOCUMENTS)
