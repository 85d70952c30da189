"""aiogram-dialog dialogs, one module per dialog. ``get_dialogs()`` builds fresh
Dialog objects for each dispatcher (a Dialog can be attached to one only)."""

from __future__ import annotations

from aiogram_dialog import Dialog


def get_dialogs() -> list[Dialog]:
    from bot.dialogs import (
        booking,
        free_slots,
        main_menu,
        moving,
        my_bookings,
        owner,
        owner_day,
        privacy,
        room_settings,
        rooms,
    )

    # A dialog takes only the updates of its own states, so the order is free: the
    # busiest first, as aiogram asks each in turn.
    return [
        booking.build_dialog(),
        my_bookings.build_dialog(),
        rooms.build_dialog(),
        main_menu.build_dialog(),
        free_slots.build_dialog(),
        moving.build_dialog(),
        owner.build_dialog(),
        owner_day.build_dialog(),
        room_settings.build_dialog(),
        privacy.build_dialog(),
    ]
