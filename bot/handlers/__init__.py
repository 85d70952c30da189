"""Plain aiogram routers. Each module has ``router = Router(name=__name__)``; routers
are built per dispatcher (a router can be attached to one dispatcher only)."""

from __future__ import annotations

from aiogram import Router


def get_routers() -> list[Router]:
    from bot.handlers import commands, errors, free, inline, owner, privacy, start_links, waitlist

    # The owner, start_links, free and privacy routers come before commands, so the deep
    # links they answer (/start owner_<token>, day_..., book, free_..., privacy) reach
    # them; the waitlist's too, before commands' catch-all for taps outside any dialog.
    return [
        errors.build_router(),
        owner.build_router(),
        start_links.build_router(),
        free.build_router(),
        privacy.build_router(),
        waitlist.build_router(),
        inline.build_router(),
        commands.build_router(),
    ]
