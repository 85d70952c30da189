"""Dispatcher middlewares and per-dispatcher helpers of the musician side."""

from __future__ import annotations

from aiogram import Dispatcher

from bot.dialogs.room_cache import RoomCache
from bot.fsm_storage import DialogStateStorage
from bot.middlewares.outage import DatabaseOutageMiddleware
from bot.middlewares.response_models import pin_response_models
from bot.middlewares.state_writes import BatchedStateWrites
from bot.middlewares.throttling import ThrottlingMiddleware


def setup_middlewares(dispatcher: Dispatcher) -> ThrottlingMiddleware:
    """Answer every update even when the database is down; throttle messages and taps
    per user, before any dialog state is loaded."""
    pin_response_models()
    dispatcher.update.outer_middleware(DatabaseOutageMiddleware())
    throttle = ThrottlingMiddleware()
    dispatcher.message.outer_middleware(throttle)
    dispatcher.callback_query.outer_middleware(throttle)
    if isinstance(dispatcher.storage, DialogStateStorage):
        writes = BatchedStateWrites(dispatcher.storage)
        dispatcher.message.outer_middleware(writes)
        dispatcher.callback_query.outer_middleware(writes)
    dispatcher["throttle"] = throttle
    dispatcher["room_cache"] = RoomCache()
    return throttle
