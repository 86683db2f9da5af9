"""Sales analytics for staff: what sold most on a day, from the popular-items table, for
staff who may read that table (`sales.view_popularitem`)."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from contexts.sales import queries
from contexts.sales.models import PopularItem
from shop.api.auth import MayReadAll
from shop.api.pagination import CursorPage, paginate
from shop.api.serializers import validated
from shop.api.views import ReadApi


class PopularItemsApi(ReadApi):
    """The day's products by quantity sold, most first, net of cancelled orders.

    The day is the UTC day the orders were placed on.
    """

    permission_classes = [MayReadAll]
    reads = PopularItem
    fed_by = ("sales.popular_items",)
    pagination_class = CursorPage

    class Filters(serializers.Serializer):
        date = serializers.DateField(input_formats=["%Y-%m-%d"], help_text="The UTC day.")
        vendorId = serializers.UUIDField(required=False, help_text="Only this vendor's.")

    class Output(serializers.Serializer):
        vendorId = serializers.UUIDField(source="vendor_id")
        productId = serializers.UUIDField(source="product_id")
        name = serializers.CharField()
        date = serializers.DateField(source="day")
        quantity = serializers.IntegerField()

    @extend_schema(
        parameters=[Filters], responses=Output(many=True), summary="Popular items of a day"
    )
    def get(self, request: Request) -> Response:
        filters = validated(self.Filters, request.query_params)
        rows = queries.popular_items(filters["date"], vendor_id=filters.get("vendorId"), limit=None)
        ordering = ("-quantity", "-orders", "name", "product_id")
        return paginate(request, self, rows, ordering, self.Output)
