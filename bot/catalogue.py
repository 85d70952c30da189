"""The translators' tool: collects every marked word (``domain/words``, and the labels of
the dialogs' ``Const``/``Format``) with Babel's extractor, and brings each language's
catalogue up to date: new words are added untranslated, words gone are kept as obsolete.

    python -m bot.catalogue           # update domain/words/locales/*/LC_MESSAGES/messages.po
    python -m bot.catalogue --check   # exit 1 when a word has no translation

tests/test_i18n.py runs the same extraction: a word without its Hindi fails the suite."""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po, write_po

from domain.words.language import CATALOGUES, DOMAIN, Language

ROOT = Path(__file__).resolve().parent.parent
SOURCES = ("domain/words", "bot/dialogs", "bot/i18n.py")
KEYWORDS = {
    "_": None,
    "N_": None,
    "ngettext": (1, 2),
    "Noun": (1, 2),  # formats' nouns, counted with ngettext
    "Const": None,  # bot.i18n's dialog widgets
    "Format": None,
}
LETTER_OUTSIDE_FIELDS = re.compile(r"[^\W\d_]")
FIELD_OR_TAG = re.compile(r"\{[^{}]*\}|<[^>]*>")


def is_words(msgid: str | tuple[str, ...]) -> bool:
    """A letter outside ``{fields}`` and tags: ``Format("{lines}")`` is not words."""
    text = msgid[0] if isinstance(msgid, tuple) else msgid
    return bool(LETTER_OUTSIDE_FIELDS.search(FIELD_OR_TAG.sub("", text)))


def extract() -> Catalog:
    """Every marked word in the sources, as a template catalogue (English keys)."""
    template = Catalog(domain=DOMAIN, project="JamRoom bot", charset="utf-8")
    for source in SOURCES:
        path = ROOT / source
        folder, pattern = (path, "**.py") if path.is_dir() else (path.parent, path.name)
        found = extract_from_dir(
            folder, method_map=[(pattern, "python")], keywords=KEYWORDS, comment_tags=("Translators:",)
        )
        for filename, line, message, comments, context in found:
            if is_words(message):
                where = (Path(folder, filename).relative_to(ROOT).as_posix(), line)
                template.add(message, locations=[where], auto_comments=comments, context=context)
    return template


def po_path(language: Language) -> Path:
    return CATALOGUES / language.value / "LC_MESSAGES" / f"{DOMAIN}.po"


def read_catalogue(language: Language) -> Catalog:
    with po_path(language).open("rb") as source:
        return read_po(source, locale=language.value, domain=DOMAIN)


def untranslated(catalogue: Catalog, template: Catalog) -> list[str]:
    """The template's words that ``catalogue`` has no (or only a fuzzy) translation of."""
    missing = []
    for message in template:
        if not message.id:
            continue
        found = catalogue.get(message.id)
        strings = found.string if found else None
        translated = all(strings) if isinstance(strings, tuple) else bool(strings)
        if found is None or found.fuzzy or not translated:
            missing.append(message.id if isinstance(message.id, str) else message.id[0])
    return missing


def update() -> None:
    template = extract()
    for language in Language:
        if language is Language.ENGLISH:
            continue
        path = po_path(language)
        path.parent.mkdir(parents=True, exist_ok=True)
        fresh = Catalog(locale=language.value, domain=DOMAIN)
        catalogue = read_catalogue(language) if path.exists() else fresh
        catalogue.update(template, no_fuzzy_matching=True)
        with path.open("wb") as target:
            write_po(target, catalogue, width=100, sort_output=False, include_previous=False)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot.catalogue", description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only say which words lack a translation")
    args = parser.parse_args(argv)
    if not args.check:
        update()
    template = extract()
    missing = {
        language: untranslated(read_catalogue(language), template)
        for language in Language
        if language is not Language.ENGLISH
    }
    for language, words in missing.items():
        for word in words:
            print(f"{language.value}: no translation for {word!r}")  # noqa: T201 - a command-line tool
    return 1 if any(missing.values()) else 0


if __name__ == "__main__":
    sys.exit(main())
