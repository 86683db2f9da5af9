from django.urls import path

from contexts.sales import analytics_api, orders_api
from shop.api.routing import operations

urlpatterns = [
    path("order", operations(get=orders_api.OrderListApi, post=orders_api.OrderPlaceApi)),
    path("order/<uuid:orderId>", orders_api.OrderDetailApi.as_view()),
    path("order/<uuid:orderId>/cancel", orders_api.OrderCancelApi.as_view()),
    path("analytics/popular-items", analytics_api.PopularItemsApi.as_view()),
]
