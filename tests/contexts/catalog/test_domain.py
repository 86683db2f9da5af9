"""The catalog's decisions, pure: given events, when a command, then events or a rejection."""

from __future__ import annotations

import re
import uuid
from decimal import Decimal
from functools import reduce

import pytest

from contexts.catalog.domain import (
    CatalogError,
    ChangeProductPrice,
    CreateProduct,
    DiscontinueProduct,
    Product,
    ProductCreated,
    ProductDiscontinued,
    ProductPriceChanged,
    decide,
    evolve,
)

PC = uuid.UUID("00000000-0000-0000-0000-0000000000a1")
VENDOR = uuid.UUID("00000000-0000-0000-0000-0000000000e1")
CREATED = ProductCreated(PC, VENDOR, "awesome-desktop-pc", Decimal("3200.00"))


def rejected(reason: str) -> pytest.RaisesExc:
    """Expect a rejection with exactly this reason."""
    return pytest.raises(CatalogError, match=f"^{re.escape(reason)}$")


def given(*events: object) -> Product:
    return reduce(evolve, events, Product())


def test_creating_a_product_trims_its_name_and_rounds_its_price_to_cents() -> None:
    events = decide(given(), CreateProduct(PC, VENDOR, "  Desk  ", Decimal("19.999")))

    assert events == [ProductCreated(PC, VENDOR, "Desk", Decimal("20.00"))]


def test_a_created_product_is_active_at_its_price() -> None:
    assert given(CREATED) == Product(True, VENDOR, "awesome-desktop-pc", Decimal("3200.00"), True)


def test_creating_an_existing_product_is_rejected() -> None:
    with rejected("the product already exists"):
        decide(given(CREATED), CreateProduct(PC, VENDOR, "Other", Decimal("1.00")))


@pytest.mark.parametrize("price", ["0", "-1.00", "0.004", "NaN", "Infinity"])
def test_creating_a_product_without_a_positive_price_is_rejected(price: str) -> None:
    with rejected("the price must be greater than 0"):
        decide(given(), CreateProduct(PC, VENDOR, "Desk", Decimal(price)))


def test_creating_a_product_above_the_price_cap_is_rejected() -> None:
    with rejected("the price must be at most 1000000000.00"):
        decide(given(), CreateProduct(PC, VENDOR, "Desk", Decimal("1000000000.01")))


def test_creating_a_product_without_a_name_is_rejected() -> None:
    with rejected("a product needs a name"):
        decide(given(), CreateProduct(PC, VENDOR, "   ", Decimal("1.00")))


def test_changing_the_price_records_the_rounded_new_price() -> None:
    events = decide(given(CREATED), ChangeProductPrice(PC, Decimal("2999.995")))

    assert events == [ProductPriceChanged(PC, Decimal("3000.00"))]
    assert given(CREATED, *events).price == Decimal("3000.00")


def test_changing_the_price_of_no_product_is_rejected() -> None:
    with rejected("no such product"):
        decide(given(), ChangeProductPrice(PC, Decimal("1.00")))


def test_changing_the_price_of_a_discontinued_product_is_rejected() -> None:
    with rejected("the product is discontinued"):
        decide(given(CREATED, ProductDiscontinued(PC)), ChangeProductPrice(PC, Decimal("1.00")))


def test_changing_to_a_price_of_zero_is_rejected() -> None:
    with rejected("the price must be greater than 0"):
        decide(given(CREATED), ChangeProductPrice(PC, Decimal("0.00")))


def test_discontinuing_a_product_makes_it_inactive() -> None:
    events = decide(given(CREATED), DiscontinueProduct(PC))

    assert events == [ProductDiscontinued(PC)]
    assert given(CREATED, *events).active is False


def test_discontinuing_no_product_is_rejected() -> None:
    with rejected("no such product"):
        decide(given(), DiscontinueProduct(PC))


def test_discontinuing_twice_is_rejected() -> None:
    with rejected("the product is discontinued"):
        decide(given(CREATED, ProductDiscontinued(PC)), DiscontinueProduct(PC))


def test_products_take_no_order_commands() -> None:
    with rejected("products do not take object"):
        decide(given(CREATED), object())
