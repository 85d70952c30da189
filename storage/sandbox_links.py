"""The sandbox gateway's payment links in MongoDB, so they survive a restart and every
process of a deployment sees the same link. Each change is one conditional update."""

from __future__ import annotations

from typing import Any

from beanie import Document
from pymongo import ReturnDocument


class SandboxLink(Document):
    id: str  # type: ignore[assignment]
    reference_id: str
    amount: int
    amount_paid: int = 0
    currency: str = "INR"
    status: str = "created"
    description: str = ""
    callback_url: str = ""
    short_url: str = ""
    expire_by_ms: int
    notes: dict[str, str] = {}
    payment_id: str | None = None
    refunds: list[dict[str, Any]] = []
    refund_version: int = 0

    class Settings:
        name = "sandbox_links"


class MongoSandboxLinkStore:
    """``payments.sandbox.SandboxLinkStore`` in the database."""

    async def add(self, link: dict[str, Any]) -> None:
        await SandboxLink.get_pymongo_collection().insert_one({**link, "_id": link["id"]})

    async def get(self, link_id: str) -> dict[str, Any] | None:
        found = await SandboxLink.get_pymongo_collection().find_one({"_id": link_id})
        return _plain(found)

    async def by_payment(self, payment_id: str) -> dict[str, Any] | None:
        return _plain(await SandboxLink.get_pymongo_collection().find_one({"payment_id": payment_id}))

    async def by_reference(self, reference_id: str) -> dict[str, Any] | None:
        return _plain(await SandboxLink.get_pymongo_collection().find_one({"reference_id": reference_id}))

    async def change(
        self,
        link_id: str,
        expected: dict[str, Any],
        changes: dict[str, Any],
        push: dict[str, Any] | None = None,
    ) -> dict[str, Any] | None:
        """Apply ``changes`` only while the link still matches ``expected``."""
        update: dict[str, Any] = {"$set": changes} if changes else {}
        if push:
            update["$push"] = push
        found = await SandboxLink.get_pymongo_collection().find_one_and_update(
            {"_id": link_id, **expected}, update, return_document=ReturnDocument.AFTER
        )
        return _plain(found)


def _plain(document: dict[str, Any] | None) -> dict[str, Any] | None:
    if document is None:
        return None
    document["id"] = document.pop("_id")
    return document
