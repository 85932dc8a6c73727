"""Template filters for money: ``{% load svduty_money %}{{ amount|money }}``."""

from __future__ import annotations

from decimal import Decimal

from django import template

from svduty.funding.money import format_money

register = template.Library()


@register.filter
def money(value: Decimal | None) -> str:
    """£38,795.00"""
    return format_money(value)


@register.filter
def pounds(value: Decimal | None) -> str:
    """£38,795 (whole pounds, for headline figures)."""
    return format_money(value, pence=False)
