"""Money in templates, as `shop.money` shows it: `{{ amount|money }}` is "54.50 EUR", and
`{% currency %}` the code alone, for a page whose script updates an amount in place."""

from __future__ import annotations

from decimal import Decimal

from django import template

from shop import money as rules

register = template.Library()


@register.filter
def money(amount: Decimal | None) -> str:
    return rules.shown(amount)


@register.simple_tag
def currency() -> str:
    return rules.currency()
