"""Money is integer paise everywhere; rupees appear only at the edge."""

from __future__ import annotations

PAISE_PER_RUPEE = 100


def rupees(amount: int) -> int:
    """Paise for a whole-rupee amount (``rupees(1200) == 120000``)."""
    return amount * PAISE_PER_RUPEE


def group_indian(whole: int) -> str:
    """Indian digit grouping: the last three digits, then pairs (12,34,567)."""
    digits = str(whole)
    if len(digits) <= 3:
        return digits
    head, tail = digits[:-3], digits[-3:]
    pairs = []
    while len(head) > 2:
        pairs.insert(0, head[-2:])
        head = head[:-2]
    if head:
        pairs.insert(0, head)
    return ",".join([*pairs, tail])


def format_inr(paise: int, *, always_show_paise: bool = False) -> str:
    """``₹1,23,456`` or ``₹1,23,456.50``; negative amounts keep their sign in front."""
    sign = "-" if paise < 0 else ""
    whole, fraction = divmod(abs(paise), PAISE_PER_RUPEE)
    text = f"{sign}₹{group_indian(whole)}"
    if fraction or always_show_paise:
        text += f".{fraction:02d}"
    return text
