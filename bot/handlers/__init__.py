"""Plain aiogram routers. Each module has ``router = Router(name=__name__)``; routers
are built per dispatcher (a router can be attached to one dispatcher only)."""

from __future__ import annotations

from aiogram import Router


def get_routers() -> list[Router]:
    from bot.handlers import commands, errors, free, inline, owner, start_links

    # The owner, start_links and free routers come before commands, so the deep links
    # they answer (/start owner_<token>, day_..., book, free_...) reach them.
    return [
        errors.build_router(),
        owner.build_router(),
        start_links.build_router(),
        free.build_router(),
        inline.build_router(),
        commands.build_router(),
    ]
