"""Plain aiogram routers. Each module has ``router = Router(name=__name__)``; routers
are built per dispatcher (a router can be attached to one dispatcher only)."""

from __future__ import annotations

from aiogram import Router


def get_routers() -> list[Router]:
    from bot.handlers import commands, errors, owner, waitlist

    # The owner router comes before commands so /start owner_<token> reaches it; the
    # waitlist's before commands' catch-all for taps outside any dialog.
    return [errors.build_router(), owner.build_router(), waitlist.build_router(), commands.build_router()]
