from django.urls import path

from contexts.sales import analytics_api, api, orders_api
from shop.api.routing import operations

urlpatterns = [
    path("products", operations(get=api.ProductListApi, post=api.ProductCreateApi)),
    path(
        "products/<uuid:productId>",
        operations(get=api.ProductDetailApi, patch=api.ProductPriceChangeApi),
    ),
    path("products/<uuid:productId>/discontinue", api.ProductDiscontinueApi.as_view()),
    path("order", operations(get=orders_api.OrderListApi, post=orders_api.OrderPlaceApi)),
    path("order/<uuid:orderId>", orders_api.OrderDetailApi.as_view()),
    path("order/<uuid:orderId>/cancel", orders_api.OrderCancelApi.as_view()),
    path("analytics/popular-items", analytics_api.PopularItemsApi.as_view()),
]
