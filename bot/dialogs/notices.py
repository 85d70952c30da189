"""One-shot notices: a line a handler wants shown on the screen its update draws
("✅ Price set to ₹800/h."), and on no later one.

The handler says it (``tell``) and the window's getter reads it (``told``), so getters
only read. The notice is kept in the update's own data, under the dialog it belongs
to, not in ``dialog_data``: it lives exactly as long as the update that said it, so
nothing has to clear it and nothing is stored."""

from __future__ import annotations

from aiogram_dialog import DialogManager

NOTICES = "jamroom_notices"
"""Key of this update's notices (dialog context id -> text) in aiogram's per-update data."""


def tell(manager: DialogManager, text: str) -> None:
    """Show ``text`` on the screen this update draws for the current dialog."""
    manager.middleware_data.setdefault(NOTICES, {})[manager.current_context().id] = text


def told(manager: DialogManager) -> str:
    """What this update told the current dialog, or ""."""
    return manager.middleware_data.get(NOTICES, {}).get(manager.current_context().id, "")
