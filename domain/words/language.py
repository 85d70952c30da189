"""Which language the words speak, and the catalogues that speak it.

English is the words as written in this package: they are the catalogue's keys
(gettext's msgids). Hindi is ``locales/hi/LC_MESSAGES/messages.po``, a gettext
catalogue kept with Babel's tools (README, Languages). The catalogue is read and
compiled in memory the first time a Hindi word is asked for (``load_catalogues`` does it
at start-up, so a broken catalogue stops the bot there): there is no ``.mo`` file that a
fresh install could miss.

The language is a context variable. The bot's middleware sets it for each update from
the person's stored choice; jobs and notifications set it for each recipient
(``speaking``). The words are wrapped where they stand:

- ``_("...")`` in a function translates when the function runs; a template keeps its
  ``{names}`` and is filled after translating (``_("Paid {amount}").format(...)``), so a
  translator can move the facts around;
- ``N_("...")`` marks a constant for the catalogue without translating it at import:
  a module of words ends with ``speaks_when_read(__name__)``, so ``words.CONSTANT`` is
  translated each time it is read (a constant imported by name, ``from m import X``, is
  read once at import: read it through its module instead);
- ``ngettext(one, many, n)`` chooses by count (``formats.count``).

Imports nothing of ours, so every words module (and ``hours``, which imports nothing
else of ours) can use it."""

from __future__ import annotations

import io
import sys
import types
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from enum import StrEnum
from functools import cache
from gettext import NullTranslations
from pathlib import Path
from typing import Any

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations


class Language(StrEnum):
    """A language the bot speaks, by its code (what ``User.language`` stores)."""

    ENGLISH = "en"
    HINDI = "hi"


CATALOGUES = Path(__file__).parent / "locales"
DOMAIN = "messages"

_spoken: ContextVar[Language] = ContextVar("spoken_language", default=Language.ENGLISH)


def language_for_telegram(language_code: str | None) -> Language:
    """A person's first language from Telegram's ``language_code``: ``hi`` (or ``hi-IN``)
    is Hindi, anything else (or nothing) English."""
    if language_code and language_code.split("-")[0].strip().lower() == Language.HINDI:
        return Language.HINDI
    return Language.ENGLISH


def as_language(stored: str | None) -> Language | None:
    """A stored language code, or None when it is unset or one this bot no longer speaks."""
    try:
        return Language(stored) if stored else None
    except ValueError:
        return None


def current_language() -> Language:
    return _spoken.get()


@contextmanager
def speaking(language: Language | str | None) -> Iterator[Language]:
    """Words made inside are in ``language`` (English when None or unknown)."""
    chosen = as_language(language) or Language.ENGLISH
    token = _spoken.set(chosen)
    try:
        yield chosen
    finally:
        _spoken.reset(token)


def speak(language: Language) -> None:
    """From now on in this update (the person just chose ``language``); the middleware's
    ``speaking`` puts the previous one back when the update is done."""
    _spoken.set(language)


@cache
def catalogue(language: Language) -> NullTranslations:
    """The language's translations, compiled from its ``.po`` file once per process."""
    if language is Language.ENGLISH:
        return NullTranslations()
    path = CATALOGUES / language.value / "LC_MESSAGES" / f"{DOMAIN}.po"
    with path.open("rb") as source:
        parsed = read_po(source, locale=language.value, domain=DOMAIN)
    compiled = io.BytesIO()
    write_mo(compiled, parsed)  # fuzzy entries are left out: English until reviewed
    compiled.seek(0)
    return Translations(compiled, domain=DOMAIN)


def load_catalogues() -> None:
    """Read every catalogue now (start-up): a missing or broken one is an error here,
    not in the middle of a musician's booking."""
    for language in Language:
        catalogue(language)


def _(text: str) -> str:
    """``text`` in the current language."""
    language = _spoken.get()
    if language is Language.ENGLISH:
        return text
    return catalogue(language).gettext(text)


def ngettext(one: str, many: str, number: float) -> str:
    """``one`` or ``many`` by ``number``, in the current language."""
    language = _spoken.get()
    if language is Language.ENGLISH:
        return one if number == 1 else many
    count = int(number) if float(number).is_integer() else 2  # 1.5 hours is plural
    return catalogue(language).ngettext(one, many, count)


def N_(text: str) -> str:  # noqa: N802 - gettext's name for "mark, translate later"
    """Marks ``text`` for the catalogue; it is translated where it is read."""
    return text


class _SpeakingModule(types.ModuleType):
    """A words module whose string constants (UPPER_CASE names) are translated each
    time they are read from the module."""

    def __getattribute__(self, name: str) -> Any:
        value = super().__getattribute__(name)
        if isinstance(value, str) and name.isupper():
            return _(value)
        return value


def speaks_when_read(module_name: str) -> None:
    """Make ``module.CONSTANT`` read in the current language (see the module's docstring)."""
    sys.modules[module_name].__class__ = _SpeakingModule
