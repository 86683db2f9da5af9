"""The sales requests frontends send most, answered in the event loop (`shop.api.hot`).

- POST /api/order: a customer places an order. A body in the plain shape (`plain_order`)
  becomes the same PlaceOrder `OrderPlaceApi` would submit (`new_order`), written with
  the caller's token check and the view's catalog check (`queries.on_sale_condition`)
  in the same statement (with the orders placed meanwhile: `eventstore.group_submit`),
  and the executor is woken.
- GET /api/order/{orderId}: the owner reads an order's page: the document
  the `sales.orders` baker rendered (`render_detail`, the text `OrderDetailApi`'s
  serializer makes) and stored, read in one statement that checks the token too.

Whatever these do not take goes on to those views: an Idempotency-Key, a staff member
placing or reading an order (what staff may read is `shop.rights`), a body that is not
plainly valid (the view words the 400 or 422), an order that is not there or not the
caller's (the view's 404), a token that no longer checks out, a product that is not on
sale (the view's 422).
"""

from __future__ import annotations

import functools
import re
import uuid
from typing import Any
from uuid import UUID

from django.urls import reverse
from rest_framework.renderers import JSONRenderer

from contexts.sales import queries
from contexts.sales.domain import RequestedLine
from contexts.sales.models import OrderDetail, OrderSummary
from contexts.sales.orders_api import MAX_ORDER_LINES, OrderLineInput, OrderPlaceApi, new_order
from contexts.shared.api import AddressSerializer, address_from
from contexts.shared.values import Address
from shop import customers
from shop.api.auth import actor_for
from shop.api.countries import COUNTRY_CODES
from shop.api.hot import Caller, HotPaths, HotRequest, HotResponse, HotRoute
from shop.api.parsers import parse_json
from shop.api.preconditions import etag
from shop.api.serializers import is_json_integer

UUID_PATTERN = "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
"""What Django's `<uuid:...>` path converter matches: lowercase, with dashes."""
PLAIN_UUID = re.compile(UUID_PATTERN, re.IGNORECASE)

ORDER_FIELDS = frozenset(OrderPlaceApi.Input().fields)
LINE_FIELDS = frozenset(OrderLineInput().fields)
QUANTITY = OrderLineInput().fields["quantity"]
ADDRESS = AddressSerializer().fields
ADDRESS_REQUIRED = frozenset(name for name, field in ADDRESS.items() if field.required)
ADDRESS_LIMITS = {name: field.max_length for name, field in ADDRESS.items()}
ADDRESS_MAY_BE_BLANK = frozenset(name for name, field in ADDRESS.items() if field.allow_blank)


def plain_order(body: Any) -> tuple[tuple[RequestedLine, ...], Address] | None:
    """The lines and address of an order body that `OrderPlaceApi.Input` plainly
    accepts as it is, without trimming or coercing anything; None for any other body.

    None never means invalid, only "not plain": the view then decides, and words any
    error. The limits are read from the serializers, and tests/api/test_hot_paths.py
    checks with generated bodies that whatever this accepts the view accepts alike.
    """
    if type(body) is not dict or body.keys() != ORDER_FIELDS:
        return None
    lines, address = body["lines"], body["shippingAddress"]
    if type(lines) is not list or not 1 <= len(lines) <= MAX_ORDER_LINES:
        return None
    requested = []
    for line in lines:
        if type(line) is not dict or line.keys() != LINE_FIELDS:
            return None
        product, quantity = line["productId"], line["quantity"]
        if type(product) is not str or not PLAIN_UUID.fullmatch(product):
            return None
        if (
            not is_json_integer(quantity)
            or not QUANTITY.min_value <= quantity <= QUANTITY.max_value
        ):
            return None
        requested.append(RequestedLine(UUID(product), quantity))
    if len({line.product_id for line in requested}) != len(requested):
        return None
    if type(address) is not dict or not ADDRESS_REQUIRED <= address.keys() <= ADDRESS.keys():
        return None
    for name, value in address.items():
        if type(value) is not str or len(value) > ADDRESS_LIMITS[name]:
            return None
        if value != value.strip() or not value.isprintable():
            return None  # the view trims, or refuses control and surrogate characters
        if not value and name not in ADDRESS_MAY_BE_BLANK:
            return None
    if address["country"] not in COUNTRY_CODES or len(address["country"]) != 2:
        return None
    return tuple(requested), address_from(address)


async def place_order(request: HotRequest, hot: HotPaths) -> HotResponse | None:
    caller = request.caller
    if caller.is_staff:  # staff do not shop: the view answers 403
        return None
    try:
        body = parse_json(request.body.decode())
    except ValueError:
        return None
    plain = plain_order(body)
    if plain is None or not await hot.admit(request):
        return None
    command = new_order(*plain, customers.customer_id_of(caller.pk))
    request.writing = True
    submitted = await hot.submitter.submit(
        command, actor=actor_for(caller), guard=_guard(caller, command.lines)
    )
    if submitted is None:  # the token no longer checks out (401) or a product is not on
        hot.forget(request)  # sale (422): the view answers
        return None
    hot.waker.poke()
    answer = {
        "commandId": str(submitted.command_id),
        "status": "pending",
        "orderId": str(command.order_id),
    }
    location = command_location(submitted.command_id)
    return HotResponse(202, JSONRenderer().render(answer), ((b"location", location),))


def _guard(caller: Caller, lines: tuple[RequestedLine, ...]) -> tuple[str, list]:
    """The caller's token check and the catalog's, as one condition of the INSERT."""
    token, token_arguments = caller.guard
    on_sale, on_sale_arguments = queries.on_sale_condition([line.product_id for line in lines])
    return f"{token} AND {on_sale}", [*token_arguments, *on_sale_arguments]


async def order_detail(request: HotRequest, hot: HotPaths) -> HotResponse | None:
    caller = request.caller
    if caller.is_staff:  # whether they may read every order is the view's to decide
        return None
    if not await hot.admit(request):
        return None
    condition, arguments = caller.guard
    parameters = [UUID(request.params["orderId"]), customers.customer_id_of(caller.pk)]
    pool = await hot.pool()
    async with pool.connection() as conn:
        sql = _OWN_DOCUMENT_SQL.format(guard=condition)
        cursor = await conn.execute(sql, [*arguments, *parameters])
        row = await cursor.fetchone()
    if row is None or row[0] is None:  # the view answers the 404, or renders an old row
        return None
    document, version, still_valid = row
    if not still_valid:
        hot.forget(request)
        return None
    return HotResponse(200, document.encode(), ((b"etag", etag(version).encode()),))


_DOCUMENT_SQL = (
    f"SELECT d.document, s.version, {{guard}} FROM {OrderSummary._meta.db_table} s"
    f" JOIN {OrderDetail._meta.db_table} d ON d.order_id = s.order_id WHERE s.order_id = %s"
)
"""The stored page of an order, its version (the ETag), and the caller's token check."""
_OWN_DOCUMENT_SQL = _DOCUMENT_SQL + " AND s.customer_id = %s"

_NO_COMMAND = uuid.UUID(int=0)


def command_location(command_id: UUID) -> bytes:
    """`reverse("command", ...)` for the Location header, resolved once per process."""
    return _location_template().replace(str(_NO_COMMAND), str(command_id)).encode()


@functools.cache
def _location_template() -> str:
    return reverse("command", kwargs={"commandId": _NO_COMMAND})


ROUTES = [
    HotRoute("POST", re.compile("/api/order"), place_order, b"POST, OPTIONS"),
    HotRoute(
        "GET",
        re.compile(f"/api/order/(?P<orderId>{UUID_PATTERN})"),
        order_detail,
        b"GET, HEAD, OPTIONS",
    ),
]
