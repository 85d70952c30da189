"""Dispatcher middlewares of the musician side."""

from __future__ import annotations

from aiogram import Dispatcher

from bot.middlewares.throttling import ThrottlingMiddleware


def setup_middlewares(dispatcher: Dispatcher) -> ThrottlingMiddleware:
    """Throttle messages and taps per user, before any dialog state is loaded."""
    throttle = ThrottlingMiddleware()
    dispatcher.message.outer_middleware(throttle)
    dispatcher.callback_query.outer_middleware(throttle)
    dispatcher["throttle"] = throttle
    return throttle
