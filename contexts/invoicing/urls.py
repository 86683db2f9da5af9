from django.urls import path

from contexts.invoicing import api

urlpatterns = [
    path("invoices", api.InvoiceListApi.as_view()),
    path("invoices/<uuid:invoiceId>", api.InvoiceDetailApi.as_view()),
    path("invoices/<uuid:invoiceId>/payments", api.PaymentRegisterApi.as_view()),
    path("analytics/vendor-billing", api.VendorBillingApi.as_view()),
]
