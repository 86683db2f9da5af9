"""Webhook endpoints over HTTP, for staff with `integrations.manage_webhooks`.

These are not commands: an endpoint is the relay's configuration, written at once, so
writes answer 201 or 200 with the endpoint, not 202. The secret is shown only when the
endpoint is created and when it is rotated.
"""

from __future__ import annotations

from typing import ClassVar
from uuid import UUID

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from contexts.integrations import addresses, endpoints, queries
from contexts.integrations.catalogue import PUBLIC_TYPES
from contexts.integrations.models import (
    MANAGE_WEBHOOKS,
    DeliveryStatus,
    WebhookDelivery,
    WebhookEndpoint,
)
from shop.api.auth import MayDo
from shop.api.pagination import CursorPage, paginate
from shop.api.serializers import StrictSerializer, validated
from shop.api.views import ApiView


def event_types(**kwargs: object) -> serializers.ListField:
    return serializers.ListField(
        child=serializers.ChoiceField(choices=PUBLIC_TYPES), min_length=1, max_length=20,
        help_text="The public event types to receive (docs/integration-events.md).", **kwargs,
    )  # fmt: skip


class WebhookSerializer(serializers.Serializer):
    webhookId = serializers.UUIDField(source="id")
    url = serializers.URLField()
    events = serializers.ListField(child=serializers.ChoiceField(choices=PUBLIC_TYPES))
    description = serializers.CharField()
    enabled = serializers.BooleanField()
    disabledReason = serializers.CharField(source="disabled_reason")
    failingSince = serializers.DateTimeField(source="failing_since", allow_null=True)
    createdAt = serializers.DateTimeField(source="created_at")
    updatedAt = serializers.DateTimeField(source="updated_at")


class WebhookWithSecretSerializer(WebhookSerializer):
    secret = serializers.CharField(help_text="whsec_...; shown only now: keep it.")


class DeliverySerializer(serializers.Serializer):
    deliveryId = serializers.UUIDField(source="id")
    messageId = serializers.CharField(source="message_id", help_text="The webhook-id header.")
    eventType = serializers.CharField(source="event_type")
    orderId = serializers.UUIDField(source="ordering_key")
    occurredAt = serializers.DateTimeField(source="occurred_at")
    status = serializers.ChoiceField(choices=DeliveryStatus.values)
    attempts = serializers.IntegerField()
    lastStatusCode = serializers.IntegerField(source="last_status_code", allow_null=True)
    lastLatencyMs = serializers.IntegerField(source="last_latency_ms", allow_null=True)
    lastError = serializers.CharField(source="last_error")
    lastAttemptAt = serializers.DateTimeField(source="last_attempt_at", allow_null=True)
    nextAttemptAt = serializers.SerializerMethodField()
    deliveredAt = serializers.DateTimeField(source="delivered_at", allow_null=True)

    def get_nextAttemptAt(self, delivery: WebhookDelivery) -> str | None:
        """Null once delivered or dead."""
        if delivery.status != DeliveryStatus.PENDING:
            return None
        return serializers.DateTimeField().to_representation(delivery.next_attempt_at)


class WebhookApi(ApiView):
    permission_classes = [MayDo]
    permission: ClassVar[str] = MANAGE_WEBHOOKS

    def endpoint(self, webhook_id: UUID) -> WebhookEndpoint:
        found = queries.endpoint(webhook_id)
        if found is None:
            raise NotFound("No such webhook.")
        return found


def refused_url(refused: addresses.Refused) -> ValidationError:
    return ValidationError({"url": [str(refused)]})


class WebhookListApi(WebhookApi):
    pagination_class = CursorPage

    @extend_schema(responses=WebhookSerializer(many=True), summary="Webhooks")
    def get(self, request: Request) -> Response:
        rows = queries.endpoints()
        return paginate(request, self, rows, ("-created_at", "id"), WebhookSerializer)


class WebhookRegisterApi(WebhookApi):
    """Register an endpoint. Its URL must be https and resolve to public addresses."""

    beyond_schema: ClassVar[dict[str, str]] = {"url": addresses.RULE}

    class Input(StrictSerializer):
        url = serializers.URLField(max_length=2000)
        events = event_types()
        description = serializers.CharField(max_length=500, required=False, allow_blank=True)

    @extend_schema(request=Input, responses={201: WebhookWithSecretSerializer}, summary="Register")
    def post(self, request: Request) -> Response:
        data = validated(self.Input, request.data)
        try:
            created = endpoints.register(data["url"], data["events"], data.get("description", ""))
        except addresses.Refused as refused:
            raise refused_url(refused) from None
        return Response(WebhookWithSecretSerializer(created).data, status=201)


class WebhookDetailApi(WebhookApi):
    @extend_schema(responses=WebhookSerializer, summary="One webhook")
    def get(self, request: Request, webhookId: UUID) -> Response:
        return Response(WebhookSerializer(self.endpoint(webhookId)).data)


class WebhookChangeApi(WebhookApi):
    """Enable or disable an endpoint, or change its events, URL or description."""

    beyond_schema: ClassVar[dict[str, str]] = {"url": addresses.RULE}

    class Input(StrictSerializer):
        url = serializers.URLField(max_length=2000, required=False)
        events = event_types(required=False)
        description = serializers.CharField(max_length=500, required=False, allow_blank=True)
        enabled = serializers.BooleanField(required=False)

    @extend_schema(request=Input, responses=WebhookSerializer, summary="Change a webhook")
    def patch(self, request: Request, webhookId: UUID) -> Response:
        data = validated(self.Input, request.data)
        try:
            changed = endpoints.change(self.endpoint(webhookId), **data)
        except addresses.Refused as refused:
            raise refused_url(refused) from None
        return Response(WebhookSerializer(changed).data)


class WebhookDeleteApi(WebhookApi):
    """Delete an endpoint and its deliveries."""

    @extend_schema(responses={204: None}, summary="Delete a webhook")
    def delete(self, request: Request, webhookId: UUID) -> Response:
        self.endpoint(webhookId).delete()
        return Response(status=204)


class WebhookRotateSecretApi(WebhookApi):
    """A new secret. For a day the old one signs too (a second `v1,` signature)."""

    class Input(StrictSerializer):
        """No fields: an empty object, or no body at all."""

    @extend_schema(request=Input, responses=WebhookWithSecretSerializer, summary="Rotate secret")
    def post(self, request: Request, webhookId: UUID) -> Response:
        validated(self.Input, request.data)
        rotated = endpoints.rotate_secret(self.endpoint(webhookId))
        return Response(WebhookWithSecretSerializer(rotated).data)


class DeliveryListApi(WebhookApi):
    """An endpoint's deliveries, newest event first."""

    pagination_class = CursorPage

    class Filters(serializers.Serializer):
        status = serializers.ChoiceField(choices=DeliveryStatus.values, required=False)

    @extend_schema(
        parameters=[Filters], responses=DeliverySerializer(many=True), summary="Deliveries"
    )
    def get(self, request: Request, webhookId: UUID) -> Response:
        filters = validated(self.Filters, request.query_params)
        rows = queries.deliveries(self.endpoint(webhookId).id, filters.get("status"))
        return paginate(request, self, rows, ("-position", "-index"), DeliverySerializer)


class RedeliverApi(WebhookApi):
    """Send a delivery again now (a dead-lettered one, say), with a fresh retry schedule."""

    class Input(StrictSerializer):
        """No fields: an empty object, or no body at all."""

    @extend_schema(request=Input, responses={202: DeliverySerializer}, summary="Redeliver")
    def post(self, request: Request, webhookId: UUID, deliveryId: UUID) -> Response:
        validated(self.Input, request.data)
        delivery = queries.delivery(webhookId, deliveryId)
        if delivery is None:
            raise NotFound("No such delivery.")
        return Response(DeliverySerializer(endpoints.redeliver(delivery)).data, status=202)


class ReplayApi(WebhookApi):
    """Send again every event recorded after `since` (the body's `timestamp`), in order."""

    class Input(StrictSerializer):
        since = serializers.DateTimeField()

    class Output(serializers.Serializer):
        replayed = serializers.IntegerField(help_text="How many deliveries will go again.")

    @extend_schema(request=Input, responses={202: Output}, summary="Replay since a time")
    def post(self, request: Request, webhookId: UUID) -> Response:
        data = validated(self.Input, request.data)
        count = endpoints.replay(self.endpoint(webhookId), data["since"])
        return Response({"replayed": count}, status=202)
