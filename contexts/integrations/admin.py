"""Webhook endpoints in the back office: the same operations as the REST API
(`endpoints.py`), for staff holding the same permission (`integrations.manage_webhooks`).

An endpoint's page registers, changes, rotates its secret (shown once, in a message) and
replays; its deliveries list shows every attempt's outcome and redelivers by hand.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.html import format_html

from contexts.integrations import addresses, endpoints, queries
from contexts.integrations.catalogue import PUBLIC_TYPES
from contexts.integrations.models import MANAGE_WEBHOOKS, WebhookDelivery, WebhookEndpoint
from eventstore.admin.readonly import id_column
from shop.rights import may


class ManagedByPermission:
    """Every page and action needs the one permission the API's endpoints need."""

    def has_module_permission(self, request: HttpRequest) -> bool:
        return may(request.user, MANAGE_WEBHOOKS)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return may(request.user, MANAGE_WEBHOOKS)

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return may(request.user, MANAGE_WEBHOOKS)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return may(request.user, MANAGE_WEBHOOKS)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return may(request.user, MANAGE_WEBHOOKS)


EDITABLE = ("url", "events", "description", "enabled")


class EndpointForm(forms.ModelForm):
    url = forms.URLField(max_length=2000, assume_scheme="https")
    events = forms.MultipleChoiceField(
        choices=[(name, name) for name in PUBLIC_TYPES], widget=forms.CheckboxSelectMultiple
    )

    class Meta:
        model = WebhookEndpoint
        fields = EDITABLE

    def clean_url(self) -> str:
        url = self.cleaned_data["url"]
        if self.instance.pk and url == self.instance.url:
            return url
        try:
            addresses.resolve(url)
        except addresses.Refused as refused:
            raise forms.ValidationError(str(refused)) from None
        return url


class ReplayForm(forms.Form):
    since = forms.DateTimeField(help_text="Events recorded after this time go out again (UTC).")


class TroubleFilter(admin.SimpleListFilter):
    title = "trouble"
    parameter_name = "trouble"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [("yes", "failing or disabled")]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        if self.value() == "yes":
            return queryset.filter(pk__in=queries.failing().values("pk"))
        return queryset


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(ManagedByPermission, admin.ModelAdmin):
    form = EndpointForm
    list_display = ("url", "event_list", "enabled", "failing_since", "pending", "deliveries")
    list_filter = (TroubleFilter, "enabled")
    search_fields = ("url", "description")
    readonly_fields = ("id", "disabled_reason", "failing_since", "created_at", "updated_at")
    change_form_template = "admin/integrations/endpoint_change_form.html"

    def get_urls(self) -> list[URLPattern]:
        wrap = self.admin_site.admin_view
        return [
            path("<uuid:pk>/rotate/", wrap(self.rotate_view), name="integrations_rotate"),
            path("<uuid:pk>/replay/", wrap(self.replay_view), name="integrations_replay"),
            *super().get_urls(),
        ]

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return queries.with_backlog(super().get_queryset(request))

    @admin.display(description="events")
    def event_list(self, endpoint: WebhookEndpoint) -> str:
        return ", ".join(endpoint.events)

    @admin.display(description="pending (oldest)")
    def pending(self, endpoint: WebhookEndpoint) -> str:
        count, oldest = endpoint.pending_count, endpoint.oldest_pending
        return f"{count} ({_age(oldest)})" if count else "0"

    @admin.display(description="deliveries")
    def deliveries(self, endpoint: WebhookEndpoint) -> str:
        url = reverse("admin:integrations_webhookdelivery_changelist")
        return format_html('<a href="{}?endpoint__id__exact={}">deliveries</a>', url, endpoint.pk)

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        data = {name: form.cleaned_data[name] for name in EDITABLE}
        if change:
            endpoints.change(WebhookEndpoint.objects.get(pk=obj.pk), **data)
            return
        created = endpoints.register(data["url"], data["events"], data["description"])
        if not data["enabled"]:
            endpoints.change(created, enabled=False)
        obj.pk = created.pk
        _show_secret(request, created, "registered")

    def delete_model(self, request: HttpRequest, obj: WebhookEndpoint) -> None:
        obj.delete()  # its deliveries go with it, as through the API

    def rotate_view(self, request: HttpRequest, pk: str) -> HttpResponse:
        endpoint = self._post_target(request, pk)
        if endpoint is not None:
            _show_secret(request, endpoints.rotate_secret(endpoint), "given a new secret")
        return HttpResponseRedirect(reverse("admin:integrations_webhookendpoint_change", args=[pk]))

    def replay_view(self, request: HttpRequest, pk: str) -> HttpResponse:
        endpoint = self.get_object(request, pk)
        if endpoint is None or not self.has_change_permission(request, endpoint):
            return HttpResponseRedirect(reverse("admin:index"))
        form = ReplayForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            count = endpoints.replay(endpoint, form.cleaned_data["since"])
            messages.info(request, f"{count} deliveries will go out again, in order.")
            return HttpResponseRedirect(
                reverse("admin:integrations_webhookendpoint_change", args=[pk])
            )
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": f"Replay to {endpoint.url}",
            "form": form,
            "endpoint": endpoint,
        }
        return TemplateResponse(request, "admin/integrations/replay.html", context)

    def _post_target(self, request: HttpRequest, pk: str) -> WebhookEndpoint | None:
        endpoint = self.get_object(request, pk)
        if request.method != "POST" or endpoint is None:
            return None
        return endpoint if self.has_change_permission(request, endpoint) else None


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(ManagedByPermission, admin.ModelAdmin):
    list_display = (
        "event_type", id_column("ordering_key"), "occurred_at", "status", "attempts",
        "last_status_code", "last_latency_ms", "next_attempt_at", "endpoint",
    )  # fmt: skip
    list_filter = ("status", "event_type", "endpoint")
    search_fields = ("=ordering_key",)
    ordering = ("-position", "index")
    actions = ("redeliver",)
    readonly_fields = [field.name for field in WebhookDelivery._meta.fields]

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # deliveries are written by the relay's outbox alone

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def get_actions(self, request: HttpRequest) -> dict:
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions

    @admin.action(description="Redeliver the selected deliveries now")
    def redeliver(self, request: HttpRequest, queryset: QuerySet) -> None:
        for delivery in queryset.order_by("position", "index"):
            endpoints.redeliver(delivery)
        messages.info(request, f"{queryset.count()} deliveries will go out again.")


def _show_secret(request: HttpRequest, endpoint: WebhookEndpoint, what: str) -> None:
    messages.warning(
        request,
        f"{endpoint.url} {what}. Its signing secret, shown only now: {endpoint.secret}",
    )


def _age(at: dt.datetime | None) -> str:
    return f"{(timezone.now() - at).total_seconds():.0f} s old" if at else "-"
