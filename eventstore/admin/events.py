"""The event store browser: events by stream, type and date; a stream's page with every
event in order; and any aggregate's state as of one of its versions."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils.html import format_html
from django.utils.safestring import SafeString

from eventstore.admin.filters import TermSearch, date_range_filter, id_filter, uuid_or_none
from eventstore.admin.readonly import (
    EstimatedCountPaginator,
    ReadOnlyAdmin,
    pretty_json,
    short_id_html,
)
from eventstore.admin.states import NoFold, state_as_of
from eventstore.commands import commands
from eventstore.models import Event
from eventstore.registry import registry


class StreamTypeFilter(admin.SimpleListFilter):
    title = "stream type"
    parameter_name = "stream_type"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        types = {commands.named(*name.split(".", 1)).stream_type for name in commands.names()}
        return [(t, t) for t in sorted(types)]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        return queryset.filter(stream_type=self.value()) if self.value() else queryset


class EventTypeFilter(admin.SimpleListFilter):
    title = "event type"
    parameter_name = "type"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [(name, name) for name in registry.names()]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        return queryset.filter(type=self.value()) if self.value() else queryset


@admin.register(Event)
class EventAdmin(TermSearch, ReadOnlyAdmin):
    list_display = ("position", "recorded_at", "stream_type", "stream", "version", "type", "actor")
    list_filter = (
        StreamTypeFilter,
        EventTypeFilter,
        id_filter("stream_id", "stream"),
        date_range_filter("recorded_at", "recorded"),
    )
    search_fields = ("type",)
    search_help_text = "A stream id, a position, or part of an event type."
    ordering = ("-position",)
    paginator = EstimatedCountPaginator
    fields = (
        "position",
        "recorded_at",
        "stream_type",
        "stream",
        "version",
        "type",
        "schema_version",
        "actor",
        "data_block",
        "metadata_block",
    )
    readonly_fields = ("stream", "actor", "data_block", "metadata_block")

    def matches(self, term: str) -> Q:
        if stream := uuid_or_none(term):
            return Q(stream_id=stream)
        if term.isdigit():
            return Q(position=int(term))
        return Q(type__icontains=term)

    @admin.display(description="stream")
    def stream(self, event: Event) -> SafeString:
        url = reverse("admin:eventstore_event_stream", args=[event.stream_id])
        return format_html('<a href="{}">{}</a>', url, short_id_html(event.stream_id))

    @admin.display(description="actor")
    def actor(self, event: Event) -> str:
        return (event.metadata or {}).get("actor", "")

    @admin.display(description="data")
    def data_block(self, event: Event) -> SafeString:
        return pretty_json(event.data)

    @admin.display(description="metadata")
    def metadata_block(self, event: Event) -> SafeString:
        return pretty_json(event.metadata)

    def get_urls(self) -> list[URLPattern]:
        wrap = self.admin_site.admin_view
        return [
            path(
                "stream/<uuid:stream_id>/", wrap(self.stream_view), name="eventstore_event_stream"
            ),
            path(
                "stream/<uuid:stream_id>/state/",
                wrap(self.state_view),
                name="eventstore_event_state",
            ),
            *super().get_urls(),
        ]

    def stream_view(self, request: HttpRequest, stream_id: UUID) -> HttpResponse:
        """Every event of one stream in version order, with its data and metadata."""
        self._check_view(request)
        events = list(Event.objects.filter(stream_id=stream_id).order_by("version"))
        if not events:
            raise Http404(f"no events in stream {stream_id}")
        context = self._context(request, f"Stream {stream_id}", stream_id=stream_id)
        context |= {"events": events, "stream_type": events[0].stream_type}
        return TemplateResponse(request, "admin/eventstore/stream.html", context)

    def state_view(self, request: HttpRequest, stream_id: UUID) -> HttpResponse:
        """The aggregate as of `?version=N`: the fold of its first N events."""
        self._check_view(request)
        version = request.GET.get("version", "")
        try:
            state = state_as_of(stream_id, int(version) if version.isdigit() else None)
        except NoFold as reason:
            raise Http404(str(reason)) from None
        title = f"{state.stream_type} {stream_id} as of version {state.version}"
        context = self._context(request, title, stream_id=stream_id)
        context |= {"state": state, "versions": range(state.head, -1, -1)}
        return TemplateResponse(request, "admin/eventstore/state.html", context)

    def _check_view(self, request: HttpRequest) -> None:
        if not self.has_view_permission(request):
            raise PermissionDenied

    def _context(self, request: HttpRequest, title: str, **more: Any) -> dict[str, Any]:
        return {**self.admin_site.each_context(request), "opts": self.opts, "title": title, **more}
