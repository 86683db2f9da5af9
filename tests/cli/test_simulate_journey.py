"""`simulate`'s cart journey does only what a real client knows will work: whatever it adds,
changes and removes, it never checks out an empty cart (which the API refuses, and the
run then counted as an error).

A stand-in for the cart API keeps each cart's lines by the API's rules (a change that
takes a line to 0 removes it) and refuses an empty checkout as the API does.
"""

from __future__ import annotations

from collections import Counter
from random import Random
from typing import Any

import pytest

from shop.simulate.client import ApiError
from shop.simulate.journey import check_out_a_cart

PRODUCTS = tuple({"productId": f"product-{n}"} for n in range(9))
JOURNEYS = 2000


class CartApi:
    """The cart endpoints `check_out_a_cart` calls, over lines kept in memory."""

    def __init__(self) -> None:
        self.lines: dict[str, int] = {}
        self.calls: Counter[str] = Counter()
        self.emptied_a_line = False

    def call(self, operation: str, method: str, path: str, body: Any = None) -> Any:
        self.calls[operation] += 1
        product = path.rsplit("/", 1)[-1]
        if operation == "add item":
            self.lines[body["productId"]] = self.lines.get(body["productId"], 0) + body["quantity"]
        elif operation == "change quantity":
            self.lines[product] += body["delta"]
            if self.lines[product] <= 0:
                del self.lines[product]
                self.emptied_a_line = True
        elif operation == "remove item":
            del self.lines[product]
        elif operation == "check out":
            if not self.lines:
                raise ApiError(f"POST {path}: 400 an empty cart cannot check out")
            return {"orderId": "order", "commandId": "command"}
        else:
            pytest.fail(f"unexpected call {operation} {method} {path}")
        return {}


def test_no_cart_journey_checks_out_an_empty_cart() -> None:
    seen: Counter[str] = Counter()
    refused = []
    emptied_a_line = 0

    for seed in range(JOURNEYS):
        api = CartApi()
        try:
            check_out_a_cart(api, PRODUCTS, Random(seed))
        except ApiError as error:
            refused.append((seed, str(error)))
        seen += api.calls
        emptied_a_line += api.emptied_a_line

    assert refused == []
    assert seen["check out"] == JOURNEYS
    # and the journeys still change and remove lines, a change to 0 included
    assert seen["change quantity"] > 0 and seen["remove item"] > 0 and emptied_a_line > 0
