"""Financial years and the numbers of invoices and credit notes: ``JR/26-27/000042``.

India's financial year runs from 1 April to 31 March; ``financial_year`` names it
``"2026-27"``.

CGST Rules 2017, rule 46(b) (invoices) and rule 53(1A)(b) (credit notes): "a
consecutive serial number not exceeding sixteen characters, in one or multiple series,
containing alphabets or numerals or special characters hyphen or dash and slash ...
unique for a financial year". Our numbers are ``<PREFIX>/<YY-YY>/<6-digit sequence>``:
the year in its short form ("26-27", 5 characters) and a six-digit sequence leave at
most 3 characters for the prefix (3 + 1 + 5 + 1 + 6 = 16). With the long year
("2026-27") the prefix could only be one character, which is why the short form is
used here (today's ``JR/2026-27/000042`` in ``domain.invoice_numbers`` is 17 characters).

A prefix is 1-3 uppercase letters or digits and does not start with 0 (the e-invoice
portal refuses a document number whose first character is 0, '/' or '-'). Each seller
has one series for invoices and another for credit notes, told apart by their prefixes.
A sequence runs 1..999999 in a year; the millionth document of a year has no number.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

MAX_NUMBER_LENGTH = 16
SEQUENCE_DIGITS = 6
MAX_SEQUENCE = 10**SEQUENCE_DIGITS - 1
SHORT_YEAR_LENGTH = len("26-27")
MAX_PREFIX_LENGTH = MAX_NUMBER_LENGTH - SHORT_YEAR_LENGTH - SEQUENCE_DIGITS - 2
"""3: what the 16 characters leave after two slashes, the year and the sequence."""

_FINANCIAL_YEAR = re.compile(r"^(?P<start>\d{4})-(?P<end>\d{2})$")
_PREFIX = re.compile(r"^[A-Z1-9][A-Z0-9]*$")
_NUMBER = re.compile(r"^(?P<prefix>[A-Z0-9]+)/(?P<start>\d{2})-(?P<end>\d{2})/(?P<seq>\d{6})$")


class NumberProblem(StrEnum):
    PREFIX_EMPTY = "prefix_empty"
    PREFIX_TOO_LONG = "prefix_too_long"
    """Longer than MAX_PREFIX_LENGTH."""
    PREFIX_CHARACTERS = "prefix_characters"
    """Something other than A-Z and 0-9, or a leading 0."""
    SAME_PREFIX = "same_prefix"
    """Invoices and credit notes would share one series."""
    SEQUENCE_OUT_OF_RANGE = "sequence_out_of_range"
    """Below 1, or past MAX_SEQUENCE: the year's series is used up."""
    NOT_A_FINANCIAL_YEAR = "not_a_financial_year"
    NOT_A_NUMBER = "not_a_number"
    """Text that is not one of our document numbers."""


class NumberRefusedError(ValueError):
    def __init__(self, problem: NumberProblem, *, limit: int | None = None) -> None:
        self.problem = problem
        self.limit = limit
        super().__init__(f"document number refused: {problem}")


@dataclass(frozen=True)
class DocumentNumber:
    prefix: str
    financial_year: str
    """Long form, ``"2026-27"``."""
    sequence: int

    def __post_init__(self) -> None:
        check_prefix(self.prefix)
        short_financial_year(self.financial_year)
        if not 1 <= self.sequence <= MAX_SEQUENCE:
            raise NumberRefusedError(NumberProblem.SEQUENCE_OUT_OF_RANGE, limit=MAX_SEQUENCE)

    def __str__(self) -> str:
        year = short_financial_year(self.financial_year)
        return f"{self.prefix}/{year}/{self.sequence:0{SEQUENCE_DIGITS}d}"


def financial_year(day: date) -> str:
    """``"2026-27"`` for any day from 1 April 2026 to 31 March 2027."""
    start = day.year if day.month >= 4 else day.year - 1
    return f"{start}-{(start + 1) % 100:02d}"


def short_financial_year(year: str) -> str:
    """``"2026-27"`` → ``"26-27"``; refuses anything that is not two consecutive years."""
    match = _FINANCIAL_YEAR.match(year)
    if match is None or (int(match["start"]) + 1) % 100 != int(match["end"]):
        raise NumberRefusedError(NumberProblem.NOT_A_FINANCIAL_YEAR)
    return f"{match['start'][2:]}-{match['end']}"


def check_prefix(text: str) -> str:
    """A series prefix as typed (``" jr "`` → ``"JR"``); raises NumberRefusedError."""
    prefix = text.strip().upper()
    if not prefix:
        raise NumberRefusedError(NumberProblem.PREFIX_EMPTY)
    if len(prefix) > MAX_PREFIX_LENGTH:
        raise NumberRefusedError(NumberProblem.PREFIX_TOO_LONG, limit=MAX_PREFIX_LENGTH)
    if not prefix.isascii() or not _PREFIX.match(prefix):
        raise NumberRefusedError(NumberProblem.PREFIX_CHARACTERS)
    return prefix


def check_series_prefixes(invoice_prefix: str, credit_note_prefix: str) -> tuple[str, str]:
    """Both prefixes checked, and different, so the two series never share a number."""
    invoices, credit_notes = check_prefix(invoice_prefix), check_prefix(credit_note_prefix)
    if invoices == credit_notes:
        raise NumberRefusedError(NumberProblem.SAME_PREFIX)
    return invoices, credit_notes


def document_number(prefix: str, day: date, sequence: int) -> DocumentNumber:
    """The ``sequence``-th document of the series ``prefix`` in the financial year of ``day``."""
    return DocumentNumber(check_prefix(prefix), financial_year(day), sequence)


def parse_document_number(text: str) -> DocumentNumber:
    """``"JR/26-27/000042"`` → its parts (years are taken as 20xx); raises NumberRefusedError."""
    match = _NUMBER.match(text.strip())
    if match is None:
        raise NumberRefusedError(NumberProblem.NOT_A_NUMBER)
    return DocumentNumber(match["prefix"], f"20{match['start']}-{match['end']}", int(match["seq"]))
