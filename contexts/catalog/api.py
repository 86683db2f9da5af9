"""The catalog's endpoints: anyone browses products, staff who manage the catalog
change them.

Writes address product streams, not presentation rows: changing an unknown product is
accepted (202) and then rejected by the domain ("no such product"), because a product
created a moment ago may not be in the table yet.
"""

from __future__ import annotations

import uuid
from uuid import UUID

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.exceptions import NotFound
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response

from contexts.catalog import queries
from contexts.catalog.domain import (
    MAX_PRICE,
    ChangeProductPrice,
    CreateProduct,
    DiscontinueProduct,
)
from shop.api.auth import MaySubmit
from shop.api.pagination import CursorPage, paginate
from shop.api.serializers import (
    AcceptedSerializer,
    CurrencyField,
    MoneyField,
    StrictSerializer,
    positive_money,
    validated,
)
from shop.api.views import CommandApi, ReadApi

PRODUCT_BAKERS = ("sales.products",)


class ProductSerializer(serializers.Serializer):
    productId = serializers.UUIDField(source="product_id")
    vendorId = serializers.UUIDField(source="vendor_id")
    name = serializers.CharField()
    price = MoneyField()
    currency = CurrencyField()
    active = serializers.BooleanField()


class ProductListApi(ReadApi):
    permission_classes = [AllowAny]
    fed_by = PRODUCT_BAKERS
    pagination_class = CursorPage

    class Filters(serializers.Serializer):
        vendorId = serializers.UUIDField(required=False, help_text="Only this vendor's.")
        active = serializers.BooleanField(
            required=False, help_text="Only products on sale (true) or discontinued (false)."
        )
        search = serializers.CharField(required=False, default="", help_text="Part of a name.")

    @extend_schema(parameters=[Filters], responses=ProductSerializer(many=True), summary="Products")
    def get(self, request: Request) -> Response:
        filters = validated(self.Filters, request.query_params)
        rows = queries.products(
            vendor_id=filters.get("vendorId"),
            active=filters.get("active"),
            search=filters["search"],
        )
        return paginate(request, self, rows, ("name", "product_id"), ProductSerializer)


class ProductDetailApi(ReadApi):
    permission_classes = [AllowAny]
    fed_by = PRODUCT_BAKERS

    @extend_schema(responses=ProductSerializer, summary="One product")
    def get(self, request: Request, productId: UUID) -> Response:
        product = queries.product(productId)
        if product is None:
            raise NotFound("No such product.")
        return Response(ProductSerializer(product).data)


class ProductCreateApi(CommandApi):
    permission_classes = [MaySubmit]
    submits = CreateProduct

    class Input(StrictSerializer):
        vendorId = serializers.UUIDField()
        name = serializers.CharField(max_length=200)
        price = positive_money(MAX_PRICE)

    class Output(AcceptedSerializer):
        productId = serializers.UUIDField()

    @extend_schema(request=Input, responses={202: Output}, summary="Create a product")
    def post(self, request: Request) -> Response:
        data = validated(self.Input, request.data)
        product_id = uuid.uuid4()
        command = CreateProduct(product_id, data["vendorId"], data["name"], data["price"])
        return self.accept(command, productId=product_id)


class ProductPriceChangeApi(CommandApi):
    permission_classes = [MaySubmit]
    submits = ChangeProductPrice

    class Input(StrictSerializer):
        price = positive_money(MAX_PRICE)

    @extend_schema(request=Input, responses={202: AcceptedSerializer}, summary="Change a price")
    def patch(self, request: Request, productId: UUID) -> Response:
        data = validated(self.Input, request.data)
        return self.accept(ChangeProductPrice(productId, data["price"]))


class ProductDiscontinueApi(CommandApi):
    permission_classes = [MaySubmit]
    submits = DiscontinueProduct

    class Input(StrictSerializer):
        """No fields: an empty object, or no body at all."""

    @extend_schema(
        request=Input, responses={202: AcceptedSerializer}, summary="Discontinue a product"
    )
    def post(self, request: Request, productId: UUID) -> Response:
        validated(self.Input, request.data)
        return self.accept(DiscontinueProduct(productId))
