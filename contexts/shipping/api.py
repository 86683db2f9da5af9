"""Shipments over HTTP: customers read the shipments of their orders; staff who may
(`shop.rights`) read all (`shipping.view_shipment`), dispatch them
(`shipping.dispatch_shipment`) and confirm their delivery (`shipping.confirm_delivery`).

A shipment belongs to its order's customer. Shipping records only the order id, and its
events are a published contract, so ownership is read where it lives: the sales order
summary (an API module may read any context's queries). A customer's shipments are
those whose order is among their orders, one subquery; to any other customer a
shipment is a 404, and staff without the permission get 403. Reads therefore wait for
both bakers under `?after`.

Dispatch and delivery address the shipment's stream, not its row: one not (yet) in the
table is accepted, then rejected by the domain ("no such shipment").
"""

from __future__ import annotations

from uuid import UUID

from django.db.models import QuerySet
from django.utils import timezone
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers
from rest_framework.exceptions import NotFound
from rest_framework.request import Request
from rest_framework.response import Response

from contexts.sales import queries as orders
from contexts.shared.api import AddressSerializer
from contexts.shipping import queries
from contexts.shipping.domain import ConfirmDelivery, DispatchShipment
from contexts.shipping.models import Shipment, ShipmentStatus
from shop.api.auth import MaySubmit, OwnOrMayReadAll
from shop.api.pagination import CursorPage, paginate
from shop.api.serializers import AcceptedSerializer, StrictSerializer, validated
from shop.api.views import CommandApi, ReadApi
from shop.customers import customer_scope

SHIPMENT_BAKERS = ("shipping.shipments", "sales.orders")
SHIPMENT_STATUSES = ShipmentStatus.values


def own_orders(request: Request) -> QuerySet | None:
    """The ids of the caller's orders, as a subquery; None (every order) for staff who
    may read every shipment."""
    customer = customer_scope(request.user, Shipment)
    if customer is None:
        return None
    return orders.order_summaries(customer_id=customer).values("order_id")


class ShipmentItemSerializer(serializers.Serializer):
    productId = serializers.UUIDField(source="product_id")
    name = serializers.CharField()
    quantity = serializers.IntegerField()


class ShipmentSerializer(serializers.Serializer):
    shipmentId = serializers.UUIDField(source="shipment_id")
    orderId = serializers.UUIDField(source="order_id")
    status = serializers.ChoiceField(choices=SHIPMENT_STATUSES)
    address = serializers.SerializerMethodField()
    items = ShipmentItemSerializer(many=True)
    carrier = serializers.SerializerMethodField(help_text="null until dispatched.")
    trackingNumber = serializers.SerializerMethodField(help_text="null until dispatched.")

    @extend_schema_field(AddressSerializer)
    def get_address(self, shipment: Shipment) -> dict[str, str]:
        return {
            "name": shipment.name,
            "line1": shipment.line1,
            "line2": shipment.line2,
            "city": shipment.city,
            "postalCode": shipment.postal_code,
            "country": shipment.country,
        }

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_carrier(self, shipment: Shipment) -> str | None:
        return shipment.carrier or None

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_trackingNumber(self, shipment: Shipment) -> str | None:
        return shipment.tracking_number or None


class ShipmentListApi(ReadApi):
    """Shipments, newest first: those of a customer's orders, or every one for staff."""

    permission_classes = [OwnOrMayReadAll]
    reads = Shipment
    fed_by = SHIPMENT_BAKERS
    pagination_class = CursorPage

    class Filters(serializers.Serializer):
        status = serializers.ChoiceField(choices=SHIPMENT_STATUSES, required=False)
        orderId = serializers.UUIDField(required=False, help_text="The shipment of this order.")

    @extend_schema(
        parameters=[Filters], responses=ShipmentSerializer(many=True), summary="Shipments"
    )
    def get(self, request: Request) -> Response:
        filters = validated(self.Filters, request.query_params)
        rows = queries.shipments(order_ids=own_orders(request), status=filters.get("status"))
        if "orderId" in filters:
            rows = rows.filter(order_id=filters["orderId"])
        return paginate(request, self, rows, ("-created_at", "shipment_id"), ShipmentSerializer)


class ShipmentDetailApi(ReadApi):
    permission_classes = [OwnOrMayReadAll]
    reads = Shipment
    fed_by = SHIPMENT_BAKERS

    @extend_schema(responses=ShipmentSerializer, summary="One shipment")
    def get(self, request: Request, shipmentId: UUID) -> Response:
        shipment = queries.shipment(shipmentId, order_ids=own_orders(request))
        if shipment is None:
            raise NotFound("No such shipment.")
        return Response(ShipmentSerializer(shipment).data)


class ShipmentDispatchApi(CommandApi):
    """Hand a shipment awaiting dispatch to a carrier; the order becomes shipped."""

    permission_classes = [MaySubmit]
    submits = DispatchShipment

    class Input(StrictSerializer):
        carrier = serializers.CharField(max_length=100)
        trackingNumber = serializers.CharField(max_length=100)

    @extend_schema(request=Input, responses={202: AcceptedSerializer}, summary="Dispatch")
    def post(self, request: Request, shipmentId: UUID) -> Response:
        data = validated(self.Input, request.data)
        command = DispatchShipment(
            shipmentId, data["carrier"], data["trackingNumber"], timezone.now()
        )
        return self.accept(command)


class ShipmentDeliverApi(CommandApi):
    """Confirm a dispatched shipment arrived; the order becomes delivered."""

    permission_classes = [MaySubmit]
    submits = ConfirmDelivery

    class Input(StrictSerializer):
        """No fields: an empty object, or no body at all."""

    @extend_schema(request=Input, responses={202: AcceptedSerializer}, summary="Confirm delivery")
    def post(self, request: Request, shipmentId: UUID) -> Response:
        validated(self.Input, request.data)
        return self.accept(ConfirmDelivery(shipmentId, timezone.now()))
