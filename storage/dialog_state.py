"""The dialog-state collection: one document per key, as aiogram's PyMongoStorage
keeps them (``{"_id": key, "data": {...}, "state": "..."}``), so the bot may switch
between that storage and its own (bot/perf/dialog_state.py) and every user's dialog
carries on.

Plain ids, dicts and BSON bytes in and out: what a key means is the bot's business.
A stored value is the BSON of ``{"data": ...}``; ``EMPTY`` (no data) removes the
document."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import bson
from bson.raw_bson import RawBSONDocument
from pymongo import AsyncMongoClient, DeleteOne, UpdateOne

FSM_COLLECTION = "fsm_states"
EMPTY = bson.encode({"data": {}})


def encode(data: Mapping[str, Any]) -> bytes:
    """What ``data`` is stored as; equal bytes mean equal documents."""
    return bson.encode({"data": dict(data)})


class DialogStateDocuments:
    def __init__(self, client: AsyncMongoClient, db_name: str, collection_name: str = FSM_COLLECTION) -> None:
        self._client = client
        self._collection = client[db_name][collection_name]

    @property
    def name(self) -> str:
        return self._collection.name

    def decode(self, stored: bytes) -> dict[str, Any]:
        return bson.decode(stored, codec_options=self._collection.codec_options)["data"]

    async def read(self, document_id: str) -> dict[str, Any]:
        document = await self._collection.find_one({"_id": document_id}, {"data": 1})
        return (document or {}).get("data") or {}

    async def read_many(self, document_ids: Iterable[str]) -> dict[str, dict[str, Any]]:
        """The data of each of ``document_ids`` that exists, in one round trip."""
        return {
            document["_id"]: document.get("data") or {}
            async for document in self._collection.find({"_id": {"$in": list(document_ids)}}, {"data": 1})
        }

    async def write(self, stored_by_id: Mapping[str, bytes]) -> None:
        """Store each document's data (``EMPTY``: remove the document), in one round
        trip. Only for documents that hold data alone (no raw FSM state)."""
        if len(stored_by_id) == 1:  # the usual case, without bulk_write's bookkeeping
            [(document_id, stored)] = stored_by_id.items()
            if stored == EMPTY:
                await self._collection.delete_one({"_id": document_id})
            else:
                await self._collection.update_one({"_id": document_id}, _set(stored), upsert=True)
        elif stored_by_id:
            await self._collection.bulk_write(
                [
                    DeleteOne({"_id": document_id})
                    if stored == EMPTY
                    else UpdateOne({"_id": document_id}, _set(stored), upsert=True)
                    for document_id, stored in stored_by_id.items()
                ],
                ordered=False,
            )

    async def write_beside_state(self, document_id: str, data: Mapping[str, Any]) -> None:
        """Store data in a document that may also hold a raw FSM state, as aiogram does:
        no data unsets it, and the document goes once nothing is left in it."""
        if data:
            await self._collection.update_one(
                {"_id": document_id}, {"$set": {"data": dict(data)}}, upsert=True
            )
        else:
            await self._unset(document_id, "data")

    async def read_state(self, document_id: str) -> str | None:
        document = await self._collection.find_one({"_id": document_id}, {"state": 1})
        return (document or {}).get("state")

    async def write_state(self, document_id: str, state: str | None) -> None:
        if state is None:
            await self._unset(document_id, "state")
        else:
            await self._collection.update_one({"_id": document_id}, {"$set": {"state": state}}, upsert=True)

    async def _unset(self, document_id: str, name: str) -> None:
        left = await self._collection.find_one_and_update(
            {"_id": document_id}, {"$unset": {name: 1}}, projection={"_id": 0}, return_document=True
        )
        if left == {}:
            await self._collection.delete_one({"_id": document_id})

    async def close(self) -> None:
        """Close the client, as aiogram's storages do when polling stops."""
        await self._client.close()


def _set(stored: bytes) -> dict[str, Any]:
    """The update that stores ``stored`` (``{"data": ...}`` as BSON) in a document."""
    return {"$set": RawBSONDocument(stored)}
