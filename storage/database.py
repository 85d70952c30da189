"""Database start-up: a real MongoDB from MONGODB_URI, or the embedded server."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from beanie import Document, init_beanie
from pymongo import AsyncMongoClient
from pymongo.asynchronous.database import AsyncDatabase

from storage.embedded import DATABASE_NAME, EmbeddedMongo

log = logging.getLogger(__name__)

_extra_documents: list[type[Document]] = []


def register_documents(*models: type[Document]) -> None:
    """Let a feature package (payments, jobs, ...) add its documents to start-up."""
    for model in models:
        if model not in _extra_documents:
            _extra_documents.append(model)


def document_models() -> list[type[Document]]:
    from storage.models import core_documents

    return [*core_documents(), *_extra_documents]


@dataclass
class Database:
    client: AsyncMongoClient
    db: AsyncDatabase
    uri: str
    embedded: EmbeddedMongo | None = None
    models: list[type[Document]] = field(default_factory=list)

    @property
    def description(self) -> str:
        if self.embedded is not None:
            return f"embedded NX-27017 on port {self.embedded.port}"
        return "MongoDB from MONGODB_URI"

    async def close(self) -> None:
        await self.client.close()
        if self.embedded is not None:
            await self.embedded.astop()


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
) -> Database:
    """Connect to ``uri`` or start the embedded server, then initialise Beanie."""
    embedded = None
    if uri is None:
        embedded = EmbeddedMongo(data_dir)
        uri = await embedded.astart()
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
    except BaseException:
        await client.close()
        if embedded is not None:
            await embedded.astop()
        raise
    database = Database(client=client, db=db, uri=uri, embedded=embedded, models=chosen)
    log.info("database ready: %s", database.description)
    return database
