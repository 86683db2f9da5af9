from django.urls import path

from contexts.cart import api
from shop.api.routing import operations

urlpatterns = [
    path("cart/<uuid:cartId>", operations(get=api.CartDetailApi, post=api.CartItemAddApi)),
    path(
        "cart/<uuid:cartId>/productId/<uuid:productId>",
        operations(delete=api.CartItemRemoveApi, patch=api.CartItemAdjustApi),
    ),
    path("cart/<uuid:cartId>/checkout", api.CheckoutApi.as_view()),
]
