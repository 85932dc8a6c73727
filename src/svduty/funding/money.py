"""Money as exact decimals: pounds and pence, never floats."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

PENNY = Decimal("0.01")
ZERO = Decimal("0.00")


def parse_money(text: str | int | Decimal) -> Decimal:
    """An amount in pounds from "£38,795", "38795.00" or a Decimal; at most two decimal places.

    Raises ValueError for anything else (floats included: they cannot hold pence exactly).
    """
    if isinstance(text, float):
        raise ValueError("money must not be given as a float")
    if isinstance(text, Decimal | int):
        value = Decimal(text)
    else:
        cleaned = str(text).strip().replace(",", "").replace("£", "").replace(" ", "")
        try:
            value = Decimal(cleaned)
        except InvalidOperation as exc:
            raise ValueError(f"“{text}” is not an amount of money") from exc
    if not value.is_finite():
        raise ValueError(f"“{text}” is not an amount of money")
    if value != value.quantize(PENNY):
        raise ValueError(f"“{text}” has fractions of a penny")
    return value.quantize(PENNY)


def total(values: Iterable[Decimal | None]) -> Decimal:
    """The exact sum of amounts (None counts as nothing)."""
    result = ZERO
    for value in values:
        if value is not None:
            result += value
    return result.quantize(PENNY)


def format_money(value: Decimal | None, *, pence: bool = True) -> str:
    """£38,795.00 (£38,795 without pence, rounded half up); "" for None; -£5.00 below zero."""
    if value is None:
        return ""
    amount = Decimal(value)
    if not pence:
        amount = amount.quantize(Decimal(1), rounding=ROUND_HALF_UP)
        text = f"{abs(amount):,.0f}"
    else:
        text = f"{abs(amount.quantize(PENNY)):,.2f}"
    return ("-£" if amount < 0 else "£") + text


def percent(part: Decimal, whole: Decimal) -> Decimal | None:
    """``part`` as a percentage of ``whole`` to one decimal place, half away from zero."""
    if not whole:
        return None
    return (part * 100 / whole).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
