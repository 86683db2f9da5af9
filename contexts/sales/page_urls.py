"""The browser pages' routes (not the API's), included at the site root by shop.urls."""

from django.contrib.auth.views import LogoutView
from django.urls import path

from contexts.sales import pages

urlpatterns = [
    path("live", pages.live_board, name="live-board"),
    path("orders/", pages.my_orders, name="my-orders"),
    path("orders/<uuid:order_id>", pages.order_page, name="order-page"),
    path("accounts/login/", pages.ShopLoginView.as_view(), name="login"),
    path("accounts/logout/", LogoutView.as_view(next_page=pages.LOGIN_URL), name="logout"),
]
