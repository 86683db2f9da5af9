"""The command inbox: every command with its status and, for rejected and failed ones,
the reason. A failed command can be retried: resubmitted as the staff user, linked to
the original (`retry_of`)."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any
from uuid import UUID

from django import forms
from django.contrib import admin, messages
from django.db.models import Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

from eventstore.admin.filters import TermSearch, date_range_filter, uuid_or_none
from eventstore.admin.outcome import actor_for, allowed, await_outcome, reason, report
from eventstore.admin.readonly import (
    EstimatedCountPaginator,
    ReadOnlyAdmin,
    pretty_json,
    short_id_html,
)
from eventstore.commands import commands
from eventstore.inbox import resubmit
from eventstore.models import Command

RETRY_PERMISSION = "eventstore.retry_command"


class OperationFilter(admin.SimpleListFilter):
    title = "operation"
    parameter_name = "operation"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [(name, name) for name in commands.names()]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        if not self.value():
            return queryset
        service, _, operation = self.value().partition(".")
        return queryset.filter(service_name=service, operation=operation)


def _command_link(command_id: UUID | None) -> SafeString | str:
    if command_id is None:
        return ""
    url = reverse("admin:eventstore_command_change", args=[command_id])
    return format_html('<a href="{}">{}</a>', url, short_id_html(command_id))


@admin.register(Command)
class CommandAdmin(TermSearch, ReadOnlyAdmin):
    list_display = (
        "created_at",
        "command",
        "status",
        "actor",
        "stream",
        "why",
        "retry_of_link",
        "executed_at",
    )
    list_filter = ("status", OperationFilter, date_range_filter("created_at", "submitted"))
    search_fields = ("actor",)
    search_help_text = "A command, stream or correlation id, an idempotency key, or an actor."
    ordering = ("-seq",)
    paginator = EstimatedCountPaginator
    fields = (
        "id",
        "seq",
        "command",
        "status",
        "why",
        "stream",
        "actor",
        "idempotency_key",
        "correlation_id",
        "causation_id",
        "retry_of_link",
        "retries",
        "created_at",
        "not_before",
        "executed_at",
        "payload_block",
        "error_block",
        "events",
    )
    readonly_fields = (
        "command",
        "why",
        "stream",
        "retry_of_link",
        "retries",
        "payload_block",
        "error_block",
        "events",
    )
    change_form_template = "admin/eventstore/command_change.html"

    def matches(self, term: str) -> Q:
        if ident := uuid_or_none(term):
            return Q(id=ident) | Q(stream_id=ident) | Q(correlation_id=ident)
        return Q(actor__icontains=term) | Q(idempotency_key=term)

    @admin.display(description="command", ordering="operation")
    def command(self, command: Command) -> str:
        return f"{command.service_name}.{command.operation}"

    @admin.display(description="reason")
    def why(self, command: Command) -> str:
        failed = (Command.Status.REJECTED, Command.Status.FAILED)
        return reason(command) if command.status in failed else ""

    @admin.display(description="stream")
    def stream(self, command: Command) -> SafeString:
        url = reverse("admin:eventstore_event_stream", args=[command.stream_id])
        return format_html('<a href="{}">{}</a>', url, short_id_html(command.stream_id))

    @admin.display(description="retry of")
    def retry_of_link(self, command: Command) -> SafeString | str:
        return _command_link(command.retry_of)

    @admin.display(description="retried by")
    def retries(self, command: Command) -> SafeString | str:
        retries = Command.objects.filter(retry_of=command.id).order_by("seq")
        return format_html_join(", ", "{}", ((_command_link(r.id),) for r in retries))

    @admin.display(description="payload")
    def payload_block(self, command: Command) -> SafeString:
        return pretty_json(command.payload)

    @admin.display(description="error")
    def error_block(self, command: Command) -> SafeString | str:
        return pretty_json(command.error) if command.error else ""

    @admin.display(description="events it produced")
    def events(self, command: Command) -> SafeString | str:
        links = ((reverse("admin:eventstore_event_change", args=[p]), p) for p in command.positions)
        return format_html_join(", ", '<a href="{}">#{}</a>', links)

    def change_view(
        self, request: HttpRequest, object_id: str, form_url: str = "", extra_context: Any = None
    ) -> HttpResponse:
        command = self.get_object(request, object_id)
        retryable = command is not None and command.status == Command.Status.FAILED
        can_retry = retryable and request.user.has_perm(RETRY_PERMISSION)
        context = {"can_retry": can_retry, **(extra_context or {})}
        return super().change_view(request, object_id, form_url, context)

    def get_urls(self) -> list[URLPattern]:
        view = self.admin_site.admin_view(self.retry_view)
        return [
            path("<uuid:command_id>/retry/", view, name="eventstore_command_retry"),
            *super().get_urls(),
        ]

    def retry_view(self, request: HttpRequest, command_id: UUID) -> HttpResponse:
        """Resubmit a failed command as this user; show the retry's outcome."""
        original = Command.objects.filter(id=command_id).first()
        if original is None or not self.has_view_permission(request, original):
            raise Http404(f"no command {command_id}")
        back = HttpResponseRedirect(reverse("admin:eventstore_command_change", args=[command_id]))
        if not allowed(request, RETRY_PERMISSION, "retry commands"):
            return back
        if original.status != Command.Status.FAILED:
            messages.error(
                request, f"Only a failed command can be retried; this one is {original.status}."
            )
            return back
        if request.method != "POST":
            return self._confirm_page(request, original)
        retry = resubmit(original.id, actor=actor_for(request.user))
        report(request, await_outcome(retry.command_id))
        return HttpResponseRedirect(
            reverse("admin:eventstore_command_change", args=[retry.command_id])
        )

    def _confirm_page(self, request: HttpRequest, original: Command) -> HttpResponse:
        action = SimpleNamespace(
            label="Retry command",
            help_text=f"Submit {original.service_name}.{original.operation} again with the "
            "same payload, as you, linked to this failed command.",
        )
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": "Retry command",
            "action": action,
            "row": original,
            "form": forms.Form(),
            "back_url": reverse("admin:eventstore_command_change", args=[original.id]),
        }
        return TemplateResponse(request, "admin/eventstore/command_form.html", context)
