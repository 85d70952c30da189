"""Plain aiogram routers. Each module has a ``build_router()``; routers are built per
dispatcher (a router can be attached to one dispatcher only).

aiogram hands an update to each router in turn until one handles it, and each visit
costs (the routers' middlewares are wrapped, the data copied, the filters asked). Taps
are most of what the bot gets, and only a few routers answer taps, so the routers that
answer only messages and inline queries sit under one parent that taps pass by in a
single visit (``messages_only``)."""

from __future__ import annotations

from aiogram import Router
from aiogram.types import TelegramObject


def routers_before_dialogs() -> list[Router]:
    """The routers that must see an update before the dialogs do: the deep links and
    commands (a dialog waiting for text would take them), and the waitlist's offer
    buttons (the open dialog would take a tap on one)."""
    from bot.handlers import commands, errors, free, inline, owner, privacy, start_links, waitlist

    # The owner, start_links, free and privacy routers come before commands, so the deep
    # links they answer (/start owner_<token>, day_..., book, free_..., privacy) reach them.
    return [
        messages_only(
            errors.build_router(),
            owner.build_router(),
            start_links.build_router(),
            free.build_router(),
            privacy.build_router(),
            inline.build_router(),
            commands.build_router(),
        ),
        waitlist.build_router(),
    ]


def routers_after_dialogs() -> list[Router]:
    """What no dialog took: a tap on a button of a dialog that is gone."""
    from bot.handlers import commands

    return [commands.build_stray_taps_router()]


def messages_only(*routers: Router) -> Router:
    """``routers`` under one parent that a tap (a callback query) passes by without
    visiting them: none of them answers one. Errors still reach them."""
    parent = Router(name="messages_only")
    parent.callback_query.filter(_never)
    parent.include_routers(*routers)
    return parent


def _never(event: TelegramObject) -> bool:
    return False
