from django.urls import path

from contexts.shipping import api

urlpatterns = [
    path("shipments", api.ShipmentListApi.as_view()),
    path("shipments/<uuid:shipmentId>", api.ShipmentDetailApi.as_view()),
    path("shipments/<uuid:shipmentId>/dispatch", api.ShipmentDispatchApi.as_view()),
    path("shipments/<uuid:shipmentId>/deliver", api.ShipmentDeliverApi.as_view()),
]
