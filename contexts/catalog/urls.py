from django.urls import path

from contexts.catalog import api
from shop.api.routing import operations

urlpatterns = [
    path("products", operations(get=api.ProductListApi, post=api.ProductCreateApi)),
    path(
        "products/<uuid:productId>",
        operations(get=api.ProductDetailApi, patch=api.ProductPriceChangeApi),
    ),
    path("products/<uuid:productId>/discontinue", api.ProductDiscontinueApi.as_view()),
]
