"""An amount in words the Indian way, as a GST invoice prints its total:
``amount_in_words(12000050) == "Rupees One Lakh Twenty Thousand and Fifty Paise Only"``.

The Indian system groups a number as crore (10^7), lakh (10^5), thousand, hundred and
the rest below a hundred: 1,23,45,678 is "One Crore Twenty Three Lakh Forty Five
Thousand Six Hundred Seventy Eight". More than 99 crore counts crores the same way
("One Hundred Crore", "One Lakh Crore"). No "and" inside a number, so the only "and"
is the one before the paise.

Every word is in one table per language (``NumberWords``): a number below a hundred is
looked up whole, not built from tens and units, because Hindi has its own word for each
of 1..99; a translator adds a table and passes it in.
"""

from __future__ import annotations

from dataclasses import dataclass

CRORE = 10_000_000
LAKH = 100_000
THOUSAND = 1_000
HUNDRED = 100


@dataclass(frozen=True)
class NumberWords:
    below_hundred: tuple[str, ...]
    """The words for 0..99."""
    hundred: str
    thousand: str
    lakh: str
    crore: str
    rupees_and_paise: str
    """With ``{rupees}`` and ``{paise}``, both already in words."""
    rupees_only: str
    """With ``{rupees}``, for an amount of whole rupees."""

    def __post_init__(self) -> None:
        if len(self.below_hundred) != HUNDRED:
            raise ValueError("a number table names each of 0..99")


_UNITS = (
    "Zero", "One", "Two", "Three", "Four", "Five", "Six", "Seven", "Eight", "Nine", "Ten",
    "Eleven", "Twelve", "Thirteen", "Fourteen", "Fifteen", "Sixteen", "Seventeen", "Eighteen",
    "Nineteen",
)  # fmt: skip
_TENS = ("", "", "Twenty", "Thirty", "Forty", "Fifty", "Sixty", "Seventy", "Eighty", "Ninety")

ENGLISH = NumberWords(
    below_hundred=tuple(
        _UNITS[n] if n < 20 else _TENS[n // 10] + (f" {_UNITS[n % 10]}" if n % 10 else "")
        for n in range(HUNDRED)
    ),
    hundred="Hundred",
    thousand="Thousand",
    lakh="Lakh",
    crore="Crore",
    rupees_and_paise="Rupees {rupees} and {paise} Paise Only",
    rupees_only="Rupees {rupees} Only",
)


def number_in_words(number: int, words: NumberWords = ENGLISH) -> str:
    """A whole number ≥ 0 in words, grouped the Indian way."""
    if number < 0:
        raise ValueError("only amounts of zero or more are written in words")
    if number < HUNDRED:
        return words.below_hundred[number]
    crores, rest = divmod(number, CRORE)
    parts = [number_in_words(crores, words), words.crore] if crores else []
    for size, name in ((LAKH, words.lakh), (THOUSAND, words.thousand), (HUNDRED, words.hundred)):
        count, rest = divmod(rest, size)
        if count:
            parts += [words.below_hundred[count], name]
    if rest:
        parts.append(words.below_hundred[rest])
    return " ".join(parts)


def amount_in_words(paise: int, words: NumberWords = ENGLISH) -> str:
    """``"Rupees One Thousand Two Hundred Only"``, or ``"... and Fifty Paise Only"``."""
    if paise < 0:
        raise ValueError("only amounts of zero or more are written in words")
    rupees, fraction = divmod(paise, HUNDRED)
    rupee_words = number_in_words(rupees, words)
    if fraction:
        return words.rupees_and_paise.format(rupees=rupee_words, paise=words.below_hundred[fraction])
    return words.rupees_only.format(rupees=rupee_words)
