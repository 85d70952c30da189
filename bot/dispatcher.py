"""The one place that assembles a Dispatcher; ``python -m bot`` and the tests both
call it, so tests run the real wiring."""

from __future__ import annotations

from aiogram import Dispatcher
from aiogram.fsm.storage.base import BaseStorage, DefaultKeyBuilder
from aiogram_dialog import setup_dialogs
from aiogram_dialog.api.protocols import MessageManagerProtocol
from pymongo import AsyncMongoClient

from bot.dialogs import get_dialogs
from bot.fsm_storage import DialogStateStorage
from bot.handlers import get_routers
from bot.middlewares import setup_middlewares
from bot.services import Services

FSM_COLLECTION = "fsm_states"


def mongo_fsm_storage(
    client: AsyncMongoClient, db_name: str, *, single_process: bool = False
) -> DialogStateStorage:
    """Dialog state in MongoDB, so a restart resumes each user's dialog.
    aiogram-dialog needs the destiny in the key. ``single_process``: this process is
    the only one serving the bot's updates (long polling), so it may answer reads of
    the state it wrote from memory."""
    return DialogStateStorage(
        client,
        db_name=db_name,
        collection_name=FSM_COLLECTION,
        key_builder=DefaultKeyBuilder(with_destiny=True),
        single_process=single_process,
    )


def build_dispatcher(
    services: Services,
    storage: BaseStorage,
    *,
    message_manager: MessageManagerProtocol | None = None,
) -> Dispatcher:
    dispatcher = Dispatcher(storage=storage, **services.workflow_data())
    for router in get_routers():
        dispatcher.include_router(router)
    for dialog in get_dialogs():
        dispatcher.include_router(dialog)
    setup_middlewares(dispatcher)
    bg_factory = setup_dialogs(dispatcher, message_manager=message_manager)
    dispatcher["bg_manager_factory"] = bg_factory
    return dispatcher
