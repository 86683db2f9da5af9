"""The cart's endpoints, for signed-in customers (staff do not shop: 403).

A cart belongs to the customer who first writes to it; to everyone else it is a 404,
whether it exists or not. A cart nobody has written to yet may be written by anyone,
who becomes its owner. Ownership is read from the cart view, which may lag a moment:
the domain re-checks it when the command runs, and rejects a stranger's command.

Writes take If-Match with the ETag of a GET; it is compared with the cart view's version
when the request is accepted (see shop.api.preconditions).
"""

from __future__ import annotations

from typing import Any, ClassVar
from uuid import UUID

from django.utils import timezone
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from contexts.cart import queries
from contexts.cart.domain import AddItem, AdjustQuantity, CheckOut, RemoveItem
from contexts.catalog import queries as catalog
from contexts.catalog.domain import MAX_PRICE
from contexts.shared.api import AddressSerializer, address_from, quantity_field
from contexts.shared.values import MAX_QUANTITY, fresh_id, may_be_derived
from shop.api.auth import IsCustomer
from shop.api.preconditions import require_version, with_etag
from shop.api.serializers import (
    AcceptedSerializer,
    CurrencyField,
    JsonIntegerField,
    MoneyField,
    StrictSerializer,
    positive_money,
    validated,
)
from shop.api.streams import require_stream_type
from shop.api.views import CommandApi, ReadApi
from shop.customers import customer_id_for

CART_STREAM = "cart.Cart"
CART_BAKERS = ("cart.carts",)
DERIVED_ID = (
    "A new cart's id must not be a version 5 UUID: Shop keeps those for the records it"
    " derives (an order's invoice and shipment). Use a random (version 4) UUID."
)


def writable_cart(request: Request, cart_id: UUID) -> queries.CartView | None:
    """The caller's cart as last baked, None while nobody has written to it, or 404.

    A cart not baked yet must be one, or a new id: an id that is already another kind of
    record's (an order, a shipment) is 409, and a new cart at an id Shop derives for
    records to come (an order's invoice or shipment) is 422.
    """
    cart = queries.cart_view(cart_id)
    if cart is None:
        if require_stream_type(cart_id, CART_STREAM) is None and may_be_derived(cart_id):
            raise ValidationError({"cartId": [DERIVED_ID]})
        return None
    if cart.customer_id != customer_id_for(request.user):
        raise NotFound("No such cart.")
    return cart


class CartWriteApi(CommandApi):
    """A write to one cart: ownership (404), then If-Match (412), then accept."""

    beyond_schema: ClassVar[dict[str, str]] = {
        "cartId": "a new cart's id is a random (version 4) UUID: Shop keeps version 5 ones"
        " for the records it derives (else 422)."
    }

    permission_classes = [IsCustomer]
    if_match = True
    checks_stream = False  # check_cart does

    def check_cart(self, request: Request, cart_id: UUID) -> UUID:
        """The caller's customer id, once the cart is theirs to write at this version."""
        cart = writable_cart(request, cart_id)
        require_version(request, cart.version if cart else None)
        return customer_id_for(request.user)


class LineSerializer(serializers.Serializer):
    productId = serializers.UUIDField(source="product_id")
    vendorId = serializers.UUIDField(source="vendor_id")
    name = serializers.CharField()
    unitPrice = MoneyField(source="unit_price")
    quantity = serializers.IntegerField()
    lineTotal = MoneyField(source="line_total")


class RefusalSerializer(serializers.Serializer):
    orderId = serializers.UUIDField(source="order_id")
    reason = serializers.CharField()


class CartDetailApi(ReadApi):
    permission_classes = [IsCustomer]
    fed_by = CART_BAKERS
    etag = True

    class Output(serializers.Serializer):
        cartId = serializers.UUIDField(source="cart_id")
        lines = LineSerializer(many=True)
        total = MoneyField()
        currency = CurrencyField()
        version = serializers.IntegerField(help_text="Also the ETag, for If-Match.")
        checkoutRefused = RefusalSerializer(
            source="refusal", allow_null=True,
            help_text="The last checkout's order was rejected, and why: its lines are back "
            "in the cart. null otherwise; the next checkout clears it.",
        )  # fmt: skip

    @extend_schema(responses=Output, summary="Your cart")
    def get(self, request: Request, cartId: UUID) -> Response:
        cart = queries.cart_view(cartId)
        if cart is None or cart.customer_id != customer_id_for(request.user):
            raise NotFound("No such cart.")
        return with_etag(Response(self.Output(cart).data), cart.version)


class CartItemAddApi(CartWriteApi):
    beyond_schema: ClassVar[dict[str, str]] = {
        **CartWriteApi.beyond_schema,
        "productId": "a product on sale (else 422).",
        **dict.fromkeys(("vendorId", "name", "price"), "if given, the catalog's (else 422)."),
    }

    class Input(StrictSerializer):
        productId = serializers.UUIDField()
        quantity = quantity_field()
        vendorId = serializers.UUIDField(required=False, help_text="If given, must match.")
        name = serializers.CharField(required=False, help_text="If given, must match.")
        price = positive_money(MAX_PRICE, required=False, help_text="If given, must match.")

    @extend_schema(request=Input, responses={202: AcceptedSerializer}, summary="Add an item")
    def post(self, request: Request, cartId: UUID) -> Response:
        data = validated(self.Input, request.data)
        check_catalog_match(data)
        customer = self.check_cart(request, cartId)
        return self.accept(AddItem(cartId, customer, data["productId"], data["quantity"]))


def check_catalog_match(data: dict[str, Any]) -> None:
    """The product must be on sale, and a vendorId, name or price the client gave must
    be the catalog's, or 422.

    The price a cart uses is always the catalog's, read when the command runs; these
    fields only let a client say what it believes it is buying. The command checks the
    product again then, should it be discontinued meanwhile.
    """
    refused = catalog.not_on_sale([data["productId"]])
    if refused:
        raise ValidationError({"productId": [refused[data["productId"]]]})
    given = {field: data[field] for field in ("vendorId", "name", "price") if field in data}
    if not given:
        return
    product = catalog.product(data["productId"])
    actual = {"vendorId": product.vendor_id, "name": product.name, "price": product.price}
    errors = {
        field: [f"Does not match the catalog, which says {actual[field]}."]
        for field, value in given.items()
        if value != actual[field]
    }
    if errors:
        raise ValidationError(errors)


class CartItemRemoveApi(CartWriteApi):
    @extend_schema(request=None, responses={202: AcceptedSerializer}, summary="Remove an item")
    def delete(self, request: Request, cartId: UUID, productId: UUID) -> Response:
        customer = self.check_cart(request, cartId)
        return self.accept(RemoveItem(cartId, customer, productId))


@extend_schema_field(
    {"type": "integer", "minimum": -MAX_QUANTITY, "maximum": MAX_QUANTITY, "not": {"enum": [0]}}
)
class DeltaField(JsonIntegerField):
    """A change of quantity: any JSON integer in range but 0, which changes nothing."""

    def to_internal_value(self, data: Any) -> int:
        value = super().to_internal_value(data)
        if value == 0:
            raise serializers.ValidationError("A change of 0 changes nothing.")
        return value


class CartItemAdjustApi(CartWriteApi):
    class Input(StrictSerializer):
        delta = DeltaField(
            min_value=-MAX_QUANTITY, max_value=MAX_QUANTITY,
            help_text="Added to the quantity; the line goes at 0 or below. Not 0.",
        )  # fmt: skip

    @extend_schema(request=Input, responses={202: AcceptedSerializer}, summary="Change a quantity")
    def patch(self, request: Request, cartId: UUID, productId: UUID) -> Response:
        data = validated(self.Input, request.data)
        customer = self.check_cart(request, cartId)
        return self.accept(AdjustQuantity(cartId, customer, productId, data["delta"]))


class CheckoutApi(CartWriteApi):
    class Input(StrictSerializer):
        shippingAddress = AddressSerializer()

    class Output(AcceptedSerializer):
        orderId = serializers.UUIDField(help_text="The order the checkout places.")

    @extend_schema(request=Input, responses={202: Output}, summary="Check out")
    def post(self, request: Request, cartId: UUID) -> Response:
        data = validated(self.Input, request.data)
        customer = self.check_cart(request, cartId)
        order_id = fresh_id("order")
        address = address_from(data["shippingAddress"])
        command = CheckOut(cartId, customer, order_id, address, at=timezone.now())
        return self.accept(command, orderId=order_id)
