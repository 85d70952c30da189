"""Dispatcher middlewares and per-dispatcher helpers of the musician side."""

from __future__ import annotations

from aiogram import Dispatcher

from bot.dialogs.marks_cache import DayMarksCache
from bot.dialogs.room_cache import RoomCache
from bot.i18n import LanguageMiddleware
from bot.middlewares.background import BackgroundTurns
from bot.middlewares.groups import GroupChats
from bot.middlewares.outage import DatabaseOutageMiddleware
from bot.middlewares.throttling import ThrottlingMiddleware
from bot.perf import Speedups
from bot.perf.calendar_pages import CalendarPages
from bot.perf.dialog_state import DialogStateStorage
from bot.perf.response_models import pin_response_models
from bot.perf.state_writes import BatchedStateWrites


def setup_middlewares(dispatcher: Dispatcher, speedups: Speedups) -> ThrottlingMiddleware:
    """Answer every update even when the database is down; throttle messages and taps
    per user, before any dialog state is loaded; keep group chats away from dialogs."""
    if speedups.pinned_response_models:
        pin_response_models()
    # Outside aiogram's FSM middleware, which reads every update's raw state from the
    # storage (stock PyMongoStorage asks the database): an outage there is answered too.
    dispatcher.update.outer_middleware.unregister(dispatcher.fsm)
    dispatcher.update.outer_middleware(DatabaseOutageMiddleware())
    languages = LanguageMiddleware()
    dispatcher.update.outer_middleware(languages)  # after the outage answer: it reads the user
    dispatcher["known_languages"] = languages.known
    dispatcher.update.outer_middleware(dispatcher.fsm)
    throttle = ThrottlingMiddleware()
    dispatcher.message.outer_middleware(throttle)
    dispatcher.callback_query.outer_middleware(throttle)
    # Before any dialog state is read or written: a group chat never gets a dialog.
    group_chats = GroupChats()
    dispatcher.message.outer_middleware(group_chats)
    dispatcher.callback_query.outer_middleware(group_chats)
    batched = speedups.batched_state_writes and isinstance(dispatcher.storage, DialogStateStorage)
    if batched:
        writes = BatchedStateWrites(dispatcher.storage)
        dispatcher.message.outer_middleware(writes)
        dispatcher.callback_query.outer_middleware(writes)
    # Background dialog updates (live slot screens) take the user's turn too.
    dispatcher.update.outer_middleware(BackgroundTurns(throttle, dispatcher.storage if batched else None))
    dispatcher["throttle"] = throttle
    dispatcher["room_cache"] = RoomCache()
    dispatcher["marks_cache"] = DayMarksCache()
    dispatcher["calendar_pages"] = CalendarPages() if speedups.calendar_pages else None
    return throttle
