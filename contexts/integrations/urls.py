from django.urls import path

from contexts.integrations import api
from shop.api.routing import operations

urlpatterns = [
    path("webhooks", operations(get=api.WebhookListApi, post=api.WebhookRegisterApi)),
    path(
        "webhooks/<uuid:webhookId>",
        operations(
            get=api.WebhookDetailApi, patch=api.WebhookChangeApi, delete=api.WebhookDeleteApi
        ),
    ),
    path("webhooks/<uuid:webhookId>/rotate-secret", api.WebhookRotateSecretApi.as_view()),
    path("webhooks/<uuid:webhookId>/deliveries", api.DeliveryListApi.as_view()),
    path(
        "webhooks/<uuid:webhookId>/deliveries/<uuid:deliveryId>/redeliver",
        api.RedeliverApi.as_view(),
    ),
    path("webhooks/<uuid:webhookId>/replay", api.ReplayApi.as_view()),
]
