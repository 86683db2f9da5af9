"""Orders over HTTP: customers place, list, read and cancel their own; staff who may
(`shop.rights`) read and cancel any.

An order belongs to the customer it was placed for. To any other customer it is a 404,
whether it exists or not; staff without the permission an endpoint needs get 403. Reads
and the checks a write makes when it is accepted (ownership, If-Match) use the order
summary, which trails a placement by a moment: `?after=<commandId>` waits for it. A
product that is not in the catalog table, or is discontinued there, is refused at once
(422); the domain decides the rest when the command runs (a product discontinued
meanwhile, a cancellation after payment).
"""

from __future__ import annotations

import uuid
from typing import Any, ClassVar
from uuid import UUID

from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from contexts.catalog import queries as catalog
from contexts.sales import queries
from contexts.sales.domain import CancelOrder, PlaceOrder, RequestedLine
from contexts.sales.models import OrderSummary
from contexts.sales.order_serializers import (
    ORDER_STATUSES,
    OrderDetailSerializer,
    OrderSummarySerializer,
    page_data,
    served,
    summary_data,
)
from contexts.shared.api import AddressSerializer, address_from, quantity_field
from contexts.shared.values import Address
from shop import customers
from shop.api.auth import IsCustomer, OwnOrMayReadAll, OwnOrMaySubmit
from shop.api.pagination import CursorPage, paginate
from shop.api.preconditions import require_version, with_etag
from shop.api.serializers import AcceptedSerializer, StrictSerializer, validated
from shop.api.views import CommandApi, ReadApi
from shop.rights import is_staff

ORDER_BAKERS = ("sales.orders",)
MAX_ORDER_LINES = 100
"""Lines per order: far above any real basket, well below the 64 KiB body limit."""


class OrderLineInput(StrictSerializer):
    productId = serializers.UUIDField()
    quantity = quantity_field()


class OrderPlaceApi(CommandApi):
    """Place an order for the signed-in customer, priced from the catalog when it runs.

    Each product appears on one line: a product listed twice is 422, so that the limit
    of 1000 per line is the limit per product.
    """

    beyond_schema: ClassVar[dict[str, str]] = {
        "lines.productId": "a product on sale, on one line only (else 422)."
    }

    permission_classes = [IsCustomer]
    checks_stream = False  # the order's id is minted here (`new_order`): no stream has it

    class Input(StrictSerializer):
        lines = serializers.ListField(
            child=OrderLineInput(), min_length=1, max_length=MAX_ORDER_LINES
        )
        shippingAddress = AddressSerializer()

        def validate_lines(self, lines: list[dict[str, Any]]) -> list[dict[str, Any]]:
            """Errors at `lines.<n>.productId` for every repeat of an earlier product."""
            seen: set[UUID] = set()
            errors: list[dict[str, list[str]]] = []
            for line in lines:
                repeated = line["productId"] in seen
                errors.append({"productId": ["Already on an earlier line."]} if repeated else {})
                seen.add(line["productId"])
            if any(errors):
                raise ValidationError(errors)
            return lines

    class Output(AcceptedSerializer):
        orderId = serializers.UUIDField(help_text="The order this command places.")

    @extend_schema(request=Input, responses={202: Output}, summary="Place an order")
    def post(self, request: Request) -> Response:
        command = self.command(request.data, request.user)
        return self.accept(command, orderId=command.order_id)

    @classmethod
    def command(cls, body: Any, user: Any) -> PlaceOrder:
        """The PlaceOrder a body asks of `user`; ValidationError (422) when the body is
        not valid."""
        data = validated(cls.Input, body)
        lines = tuple(RequestedLine(line["productId"], line["quantity"]) for line in data["lines"])
        require_on_sale(lines)
        address = address_from(data["shippingAddress"])
        return new_order(lines, address, customers.customer_id_for(user))


def require_on_sale(lines: tuple[RequestedLine, ...]) -> None:
    """ValidationError (422) at `lines.<n>.productId` for each product the catalog does
    not have on sale."""
    refused = catalog.not_on_sale([line.product_id for line in lines])
    if refused:
        raise ValidationError(
            {
                "lines": [
                    {"productId": [refused[line.product_id]]} if line.product_id in refused else {}
                    for line in lines
                ]
            }
        )


def new_order(lines: tuple[RequestedLine, ...], address: Address, customer_id: UUID) -> PlaceOrder:
    """A PlaceOrder of valid lines, for a customer, with a new order id, placed now."""
    return PlaceOrder(
        order_id=uuid.uuid4(),
        customer_id=customer_id,
        lines=lines,
        shipping_address=address,
        placed_at=timezone.now(),
    )


class OrderListApi(ReadApi):
    """Orders, newest first: a customer's own, or every order for staff who may read
    them."""

    permission_classes = [OwnOrMayReadAll]
    reads = OrderSummary
    fed_by = ORDER_BAKERS
    pagination_class = CursorPage
    beyond_schema: ClassVar[dict[str, str]] = {
        "customer": "staff who may read every order only (else 422).",
        "search": "staff who may read every order only (else 422).",
    }

    class Filters(serializers.Serializer):
        status = serializers.ChoiceField(choices=ORDER_STATUSES, required=False)
        placedAfter = serializers.DateTimeField(required=False, help_text="Inclusive.")
        placedBefore = serializers.DateTimeField(required=False, help_text="Exclusive.")
        customer = serializers.CharField(
            required=False, help_text="Staff only: a customer id, or a username or email."
        )
        search = serializers.CharField(
            required=False,
            help_text="Staff only: the start of an order id, part of a product name on the "
            "order, or part of the customer's username or email.",
        )

    @extend_schema(
        parameters=[Filters], responses=OrderSummarySerializer(many=True), summary="Orders"
    )
    def get(self, request: Request) -> Response:
        filters = validated(self.Filters, request.query_params)
        staff_only = [name for name in ("customer", "search") if name in filters]
        if staff_only and not queries.can_watch_all_orders(request.user):
            raise ValidationError({name: ["Only staff may filter by this."] for name in staff_only})
        customer = customers.customer_scope(request.user, OrderSummary)
        if "customer" in filters:
            customer = customers.exactly(filters["customer"])
        term = filters.get("search", "").strip()
        rows = queries.order_summaries(
            status=filters.get("status"),
            placed_after=filters.get("placedAfter"),
            placed_before=filters.get("placedBefore"),
            customer_id=customer,
            search=term,
            search_customers=customers.matching(term) if term else (),
        )
        if "customer" in filters and customer is None:
            rows = rows.none()  # nobody by that name: no orders
        return paginate(request, self, rows, ("-placed_at", "order_id"), served_summary)


class OrderDetailApi(ReadApi):
    """One order with its lines, invoice, shipment and timeline; its ETag is its version."""

    permission_classes = [OwnOrMayReadAll]
    reads = OrderSummary
    fed_by = ORDER_BAKERS
    etag = True

    @extend_schema(responses=OrderDetailSerializer, summary="One order")
    def get(self, request: Request, orderId: UUID) -> Response:
        """The page the baker stored with the order, or rendered now from its rows when
        it was baked before pages were stored."""
        customer_id = customers.customer_scope(request.user, OrderSummary)
        stored = queries.order_document(orderId, customer_id=customer_id)
        if stored is not None:
            return with_etag(Response(served(stored.document)), stored.version)
        page = queries.order_page(orderId, customer_id=customer_id)
        if page is None:
            raise NotFound("No such order.")
        return with_etag(Response(served(page_data(page))), page.summary.version)


def served_summary(summary: OrderSummary) -> dict:
    """An order summary as the list serves it: as the feed has it, with the currency."""
    return served(summary_data(summary))


class OrderCancelApi(CommandApi):
    """Cancel an order: its customer until it is paid, staff who may cancel orders until
    it is shipped.

    Both are checked by the domain when the command runs; a refusal shows at the
    command's Location. An order not in the summary yet is 404, to staff too: whose it
    is, and its version for If-Match, are read there.
    """

    permission_classes = [OwnOrMaySubmit]
    submits = CancelOrder
    if_match = True

    class Input(StrictSerializer):
        reason = serializers.CharField(max_length=500)

    @extend_schema(request=Input, responses={202: AcceptedSerializer}, summary="Cancel an order")
    def post(self, request: Request, orderId: UUID) -> Response:
        data = validated(self.Input, request.data)
        staff = is_staff(request.user)  # then holding sales.cancel_order: any order
        owner = None if staff else customers.customer_id_for(request.user)
        order = queries.order_summary(orderId, customer_id=owner)
        if order is None:
            raise NotFound("No such order.")
        require_version(request, order.version)
        by = "staff" if staff else "customer"
        return self.accept(CancelOrder(orderId, data["reason"], by, timezone.now()))
