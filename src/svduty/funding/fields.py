"""Form fields shared by the strategy, funding and decisions pages: dates, years and money."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms

from svduty.funding.money import parse_money
from svduty.funding.periods import parse_financial_year


class DateInput(forms.DateInput):
    """A native date picker (works without JavaScript; browsers without one accept YYYY-MM-DD)."""

    input_type = "date"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(
            attrs={"class": "govuk-input--width-10", **(attrs or {})}, format="%Y-%m-%d"
        )


class FinancialYearField(forms.CharField):
    """A financial year written any common way ("2023-24", "23/24"…), kept as "2023/24"."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", 20)
        super().__init__(**kwargs)
        self.widget.attrs.setdefault("class", "govuk-input--width-5")

    def clean(self, value: Any) -> str:
        text = super().clean(value)
        if not text:
            return text
        try:
            return parse_financial_year(text)
        except ValueError as exc:
            raise forms.ValidationError(
                "Enter a financial year such as 2024/25", code="financial_year"
            ) from exc


class MoneyField(forms.CharField):
    """An amount in pounds: accepts "£38,795" or "38795.00", gives an exact Decimal."""

    def __init__(self, *, allow_negative: bool = False, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", 20)
        super().__init__(**kwargs)
        self.allow_negative = allow_negative
        self.widget.attrs.setdefault("class", "govuk-input--width-10")
        self.widget.attrs.setdefault("inputmode", "decimal")

    def prepare_value(self, value: Any) -> Any:
        return f"{value:.2f}" if isinstance(value, Decimal) else value

    def clean(self, value: Any) -> Decimal | None:  # type: ignore[override]
        text = super().clean(value)
        if not text:
            return None
        try:
            amount = parse_money(text)
        except ValueError as exc:
            raise forms.ValidationError(
                "Enter an amount in pounds and pence, such as £38,795.00", code="money"
            ) from exc
        if amount < 0 and not self.allow_negative:
            raise forms.ValidationError("The amount cannot be negative", code="negative")
        return amount


def sentence(text: str) -> str:
    """A message as a sentence: its first letter capitalised, the rest left alone."""
    return text[:1].upper() + text[1:]
