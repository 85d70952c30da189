"""Database start-up: a real MongoDB from MONGODB_URI, or the embedded server."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from beanie import Document, init_beanie
from pymongo import AsyncMongoClient
from pymongo.asynchronous.database import AsyncDatabase

from storage.availability import stamp_claim_starts
from storage.documents import document_models
from storage.embedded import DATABASE_NAME, EmbeddedMongo
from storage.embedded_sharing import Role, SharedServer, share_data_dir
from storage.models import Booking, SlotClaim
from storage.payment_records import migrate_to_ledger

log = logging.getLogger(__name__)


@dataclass
class Database:
    client: AsyncMongoClient
    db: AsyncDatabase
    uri: str
    embedded: EmbeddedMongo | None = None
    """The embedded server this process started, and stops on close."""
    models: list[type[Document]] = field(default_factory=list)
    shared: SharedServer | None = None
    """The data directory's server, this process's own or another's (see embedded_sharing)."""

    @property
    def description(self) -> str:
        if self.shared is not None:
            return self.shared.description
        if self.embedded is not None:
            return f"embedded NX-27017 on port {self.embedded.port}, {self.embedded.where}"
        return "MongoDB from MONGODB_URI"

    async def close(self) -> None:
        try:
            await self.client.close()
        finally:
            await _let_go(self.embedded, self.shared)


SERVER_SELECTION_TIMEOUT_MS = 3000
"""How long an operation waits for an unreachable database before failing: short, so
a musician hears "try again in a moment" and Razorpay gets a 503 well within its
webhook timeout."""


def make_client(uri: str) -> AsyncMongoClient:
    # tz_aware: without it datetimes come back naive and comparisons with UTC fail.
    return AsyncMongoClient(uri, tz_aware=True, serverSelectionTimeoutMS=SERVER_SELECTION_TIMEOUT_MS)


async def open_database(
    uri: str | None,
    data_dir: Path | None = Path("data"),
    *,
    models: Sequence[type[Document]] | None = None,
    database_name: str | None = None,
    role: Role = Role.BOT,
) -> Database:
    """Connect to ``uri``, or to the embedded server of ``data_dir`` (started here when
    no other process runs it; in memory when ``data_dir`` is None), then initialise
    Beanie. ``role`` says who asks: an admin CLI may use a running bot's server."""
    embedded = shared = None
    if uri is None and data_dir is None:
        embedded = EmbeddedMongo(None)
        uri = await embedded.astart()
    elif uri is None:
        assert data_dir is not None
        shared = await share_data_dir(data_dir, role)
        embedded, uri = shared.started, shared.uri
    client = make_client(uri)
    try:
        db = (
            client.get_database(database_name)
            if database_name
            else client.get_default_database(default=DATABASE_NAME)
        )
        await db.command("ping")
        chosen = list(models) if models is not None else document_models()
        await init_beanie(database=db, document_models=chosen)
        if SlotClaim in chosen:
            stamped = await stamp_claim_starts()
            if stamped:
                log.info("gave %d older slot claims their start_ms", stamped)
        if Booking in chosen:
            await migrate_to_ledger()
    except BaseException:
        try:
            await client.close()
        finally:
            await _let_go(embedded, shared)
        raise
    database = Database(client=client, db=db, uri=uri, embedded=embedded, models=chosen, shared=shared)
    log.info("database ready: %s", database.description)
    return database


async def _let_go(embedded: EmbeddedMongo | None, shared: SharedServer | None) -> None:
    if shared is not None:
        await shared.release()
    elif embedded is not None:
        await embedded.astop()
