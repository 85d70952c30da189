"""Dialog state in MongoDB with the round trips that change nothing left out.

The documents are aiogram's PyMongoStorage's, under the same keys
(``DefaultKeyBuilder(with_destiny=True)``), so ``SPEEDUPS=off`` (that storage) and
``on`` (this one) read each other's dialogs. The queries are storage/dialog_state.py's.

aiogram-dialog keeps each user's dialog stack and contexts as documents under
destiny keys (``get_data``/``set_data``). Around every update, aiogram and
aiogram-dialog make about five calls to the storage; two of them are needless here:

- aiogram reads the raw FSM state of every update. This bot never sets one (its
  dialogs keep their state in their own documents), so until something sets one the
  answer is "no state" without asking the database.
- aiogram-dialog writes the stack and the context back after every update, changed
  or not. A write of exactly what this process last read or wrote under that key is
  skipped. Every update reads its stack and context before writing them, so what is
  remembered is what the database held at the start of the update: skipping can
  only differ from writing when another process changed the document during this
  very update, a race in which the write would have undone the other change anyway.

And some are made cheaper:

- A tap loads its dialog's context, then the stack the context names, one round trip
  after the other. The context's read fetches the user's default stack with it; the
  stack's read, in the same update (the same asyncio task), takes it from there.
  Nothing read this way outlives the update or survives a write to it, so no update
  sees what another update read.
- Inside ``writes_batched`` (one update, see bot/perf/state_writes.py) the writes are
  kept and sent together when the update is handled: the stack and the contexts
  aiogram-dialog saves one after the other, two or three round trips, become one (two
  when a context is removed). Reads inside see the kept writes; a write made after
  the block ended (by a task the update started) goes out at once.
- Removing a dialog's document is one delete: aiogram first unsets the data, then
  deletes the document if nothing else is left in it, but only the raw FSM state
  (default destiny) could be left, and aiogram-dialog's documents never hold one.
- With ``single_process`` (long polling: Telegram hands each update to the one process
  that polls), nobody else changes this bot's dialog state, so what this process
  last read or wrote under a key is what the database holds, and reads of it are
  answered from memory. Writes still go to the database before they are remembered,
  so a restart resumes from there. Several processes serving one bot (webhook mode
  behind a load balancer) must leave it off.

What this relies on in aiogram-dialog (its destinies, the order a tap reads context
and stack, a read before every write) is checked by tests/test_library_contracts.py.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import weakref
from collections import OrderedDict
from collections.abc import AsyncIterator, Mapping
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

from aiogram.exceptions import DataNotDictLikeError
from aiogram.fsm.state import State
from aiogram.fsm.storage.base import DEFAULT_DESTINY, BaseStorage, DefaultKeyBuilder, StorageKey

from storage.dialog_state import DialogStateDocuments, encode

REMEMBERED_KEYS = 20_000
CONTEXT_DESTINY = "aiogd:context:"
DEFAULT_STACK_DESTINY = "aiogd:stack:"
KEY_BUILDER = DefaultKeyBuilder(with_destiny=True)
"""The keys aiogram-dialog needs (the destiny in the key), as the stock storage gets them."""


@dataclass
class WriteBatch:
    """One update's dialog-state writes: document id -> what to store there."""

    storage: DialogStateStorage
    pending: dict[str, bytes] = field(default_factory=dict)
    open: bool = True


_WRITES: ContextVar[WriteBatch | None] = ContextVar("dialog_state_writes", default=None)


class DialogStateStorage(BaseStorage):
    def __init__(
        self,
        documents: DialogStateDocuments,
        *,
        single_process: bool = False,
        remembered_keys: int = REMEMBERED_KEYS,
    ) -> None:
        self.documents = documents
        self.single_process = single_process
        self._remembered_keys = remembered_keys
        self._stored: OrderedDict[str, bytes] = OrderedDict()
        self._raw_states_used = False
        self._fetched_along: weakref.WeakKeyDictionary[asyncio.Task[Any], dict[str, dict[str, Any]]] = (
            weakref.WeakKeyDictionary()
        )

    async def close(self) -> None:
        await self.documents.close()

    async def get_state(self, key: StorageKey) -> str | None:
        if key.destiny == DEFAULT_DESTINY and not self._raw_states_used:
            return None
        return await self.documents.read_state(KEY_BUILDER.build(key))

    async def set_state(self, key: StorageKey, state: str | State | None = None) -> None:
        if state is not None:
            self._raw_states_used = True
        document_id = KEY_BUILDER.build(key)
        self._forget(document_id)
        resolved = state.state if isinstance(state, State) else state
        await self.documents.write_state(document_id, None if resolved is None else str(resolved))

    @contextlib.asynccontextmanager
    async def writes_batched(self) -> AsyncIterator[None]:
        """Keep the dialog-state writes made inside until the block ends, then write
        them together: one round trip for an update's stack and contexts. Reads inside
        see the kept writes."""
        batch = WriteBatch(self)
        token = _WRITES.set(batch)
        try:
            yield
        finally:
            _WRITES.reset(token)
            batch.open = False
            await self._write(batch.pending)

    def _batch(self) -> WriteBatch | None:
        batch = _WRITES.get()
        return batch if batch is not None and batch.open and batch.storage is self else None

    async def _write(self, pending: dict[str, bytes]) -> None:
        for document_id in pending:
            self._forget(document_id)  # a failed write must not be remembered
        await self.documents.write(pending)
        for document_id, stored in pending.items():
            self._remember_stored(document_id, stored)

    async def get_data(self, key: StorageKey) -> dict[str, Any]:
        document_id = KEY_BUILDER.build(key)
        batch = self._batch()
        if batch is not None and (pending := batch.pending.get(document_id)) is not None:
            return self.documents.decode(pending)
        if self.single_process and (remembered := self._recall(document_id)) is not None:
            return remembered
        data = self._take_fetched_along(document_id)
        if data is None:
            if key.destiny.startswith(CONTEXT_DESTINY):
                data = await self._context_and_default_stack(key, document_id)
            else:
                data = await self.documents.read(document_id)
        self._remember(document_id, data)
        return data

    def _recall(self, document_id: str) -> dict[str, Any] | None:
        """A fresh copy of what was last read or written under ``document_id``."""
        stored = self._stored.get(document_id)
        if stored is None:
            return None
        self._stored.move_to_end(document_id)
        return self.documents.decode(stored)

    async def _context_and_default_stack(self, key: StorageKey, document_id: str) -> dict[str, Any]:
        stack_id = KEY_BUILDER.build(dataclasses.replace(key, destiny=DEFAULT_STACK_DESTINY))
        found = await self.documents.read_many([document_id, stack_id])
        task = asyncio.current_task()
        if task is not None:
            self._fetched_along.setdefault(task, {})[stack_id] = found.get(stack_id, {})
        return found.get(document_id, {})

    def _take_fetched_along(self, document_id: str) -> dict[str, Any] | None:
        task = asyncio.current_task()
        fetched = self._fetched_along.get(task) if task is not None else None
        return fetched.pop(document_id, None) if fetched else None

    async def set_data(self, key: StorageKey, data: Mapping[str, Any]) -> None:
        if not isinstance(data, dict):  # aiogram's own refusal
            raise DataNotDictLikeError(f"Data must be a dict or dict-like object, got {type(data).__name__}")
        document_id = KEY_BUILDER.build(key)
        stored = encode(data)
        batch = self._batch()
        if self._stored.get(document_id) == stored:  # what the database holds already
            self._stored.move_to_end(document_id)
            if batch is not None:
                batch.pending.pop(document_id, None)  # a change earlier in this update, undone
        elif key.destiny == DEFAULT_DESTINY:  # the raw FSM's document: it may hold a state
            self._forget(document_id)  # a failed write must not be remembered
            await self.documents.write_beside_state(document_id, data)
            self._remember_stored(document_id, stored)
        elif batch is not None:
            batch.pending[document_id] = stored
        else:
            await self._write({document_id: stored})

    def _forget(self, document_id: str) -> None:
        self._stored.pop(document_id, None)
        for fetched in self._fetched_along.values():
            fetched.pop(document_id, None)

    def _remember(self, document_id: str, data: Mapping[str, Any]) -> None:
        self._remember_stored(document_id, encode(data))

    def _remember_stored(self, document_id: str, stored: bytes) -> None:
        self._stored[document_id] = stored
        self._stored.move_to_end(document_id)
        while len(self._stored) > self._remembered_keys:
            self._stored.popitem(last=False)
