"""The one place that assembles a Dispatcher; ``python -m bot`` and the tests both
call it, so tests run the real wiring."""

from __future__ import annotations

from aiogram import Dispatcher
from aiogram.fsm.storage.base import BaseStorage, DefaultKeyBuilder
from aiogram.fsm.storage.pymongo import PyMongoStorage
from aiogram_dialog import setup_dialogs
from aiogram_dialog.api.protocols import MessageManagerProtocol
from pymongo import AsyncMongoClient

from bot.dialogs import get_dialogs
from bot.handlers import routers_after_dialogs, routers_before_dialogs
from bot.intent_ids import install_unique_intent_ids
from bot.middlewares import setup_middlewares
from bot.perf import Speedups
from bot.perf.dialog_state import DialogStateStorage
from bot.services import Services
from storage.dialog_state import FSM_COLLECTION, DialogStateDocuments

__all__ = ["FSM_COLLECTION", "build_dispatcher", "mongo_fsm_storage"]


def mongo_fsm_storage(
    client: AsyncMongoClient, db_name: str, speedups: Speedups, *, single_process: bool = False
) -> BaseStorage:
    """Dialog state in MongoDB, so a restart resumes each user's dialog: aiogram's
    PyMongoStorage, or with the ``dialog_state_storage`` speed-up the bot's own on the
    same documents. aiogram-dialog needs the destiny in the key. ``single_process``:
    this process is the only one serving the bot's updates (long polling), so it may
    answer reads of the state it wrote from memory."""
    if not speedups.dialog_state_storage:
        return PyMongoStorage(
            client,
            db_name=db_name,
            collection_name=FSM_COLLECTION,
            key_builder=DefaultKeyBuilder(with_destiny=True),
        )
    return DialogStateStorage(
        DialogStateDocuments(client, db_name, FSM_COLLECTION),
        single_process=single_process and speedups.state_from_memory,
    )


def build_dispatcher(
    services: Services,
    storage: BaseStorage,
    *,
    speedups: Speedups | None = None,
    message_manager: MessageManagerProtocol | None = None,
) -> Dispatcher:
    """``speedups``: by default as the settings say (``SPEEDUPS``)."""
    if speedups is None:
        speedups = Speedups.from_setting(services.settings.speedups)
    install_unique_intent_ids()  # a correctness fix, whatever SPEEDUPS says
    dispatcher = Dispatcher(storage=storage, **services.workflow_data())
    dispatcher.include_routers(*routers_before_dialogs(), *get_dialogs(), *routers_after_dialogs())
    setup_middlewares(dispatcher, speedups)
    bg_factory = setup_dialogs(dispatcher, message_manager=message_manager)
    dispatcher["bg_manager_factory"] = bg_factory
    return dispatcher
