"""Back-office buttons that submit commands: each a small form page, the command type it
submits and a function from the form's data to one command.

A page never edits a row: a button's only effect is a command in the inbox, decided by
the same domain code as an API call. The permission a button needs is the one its
command's handler declares (`Handler.permission`), which the API checks too. A user
without it is refused with a message before anything is submitted.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django import forms
from django.contrib import admin
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse

from eventstore.admin.outcome import allowed, submit_and_report
from eventstore.commands import commands
from eventstore.models import Command


class ConfirmForm(forms.Form):
    """A button that needs no input: the page only asks to confirm."""


@dataclass(frozen=True)
class CommandAction:
    """One button. `command(row, data)` builds a command of type `submits` from the row
    the page shows (None for page-less actions such as creating a product) and the
    form's data."""

    slug: str
    label: str
    submits: type
    doing: str  # completes "You may not ...", e.g. "cancel orders"
    command: Callable[[Any, dict[str, Any]], object]
    form: type[forms.Form] = ConfirmForm
    on_row: bool = True
    baked_by: tuple[str, ...] = ()
    help_text: str = ""

    @property
    def permission(self) -> str:
        """The permission its command's handler declares (read when asked: handlers
        register after the admin modules are imported)."""
        return commands.permission_for(self.submits)


class CommandActionsMixin(admin.ModelAdmin):
    """Adds `command_actions` to a model's admin: URLs, form pages and buttons."""

    command_actions: tuple[CommandAction, ...] = ()

    def get_urls(self) -> list[URLPattern]:
        view = self.admin_site.admin_view(self.command_action_view)
        name = f"{self.opts.app_label}_{self.opts.model_name}"
        return [
            path("<path:object_id>/do/<slug:slug>/", view, name=f"{name}_action"),
            path("do/<slug:slug>/", view, name=f"{name}_page_action"),
            *super().get_urls(),
        ]

    def action_buttons(self, request: HttpRequest, row: Any = None) -> list[dict[str, str]]:
        """The buttons this user may press, on a row's page or (row None) on the list."""
        name = f"admin:{self.opts.app_label}_{self.opts.model_name}"
        return [
            {
                "label": action.label,
                "url": reverse(f"{name}_action", args=[row.pk, action.slug])
                if row is not None
                else reverse(f"{name}_page_action", args=[action.slug]),
            }
            for action in self.command_actions
            if action.on_row == (row is not None) and request.user.has_perm(action.permission)
        ]

    def change_view(
        self, request: HttpRequest, object_id: str, form_url: str = "", extra_context: Any = None
    ) -> HttpResponse:
        row = self.get_object(request, object_id)
        buttons = self.action_buttons(request, row) if row is not None else []
        context = {"command_buttons": buttons, **(extra_context or {})}
        return super().change_view(request, object_id, form_url, context)

    def changelist_view(self, request: HttpRequest, extra_context: Any = None) -> HttpResponse:
        context = {"command_buttons": self.action_buttons(request), **(extra_context or {})}
        return super().changelist_view(request, context)

    def command_action_view(
        self, request: HttpRequest, slug: str, object_id: str | None = None
    ) -> HttpResponse:
        action = next((a for a in self.command_actions if a.slug == slug), None)
        if action is None or action.on_row != (object_id is not None):
            raise Http404(f"no action {slug!r} here")
        row = self._row(request, object_id)
        if not allowed(request, action.permission, action.doing):
            return self.back_to(row)
        form = action.form(request.POST if request.method == "POST" else None)
        if request.method == "POST" and form.is_valid():
            command = submit_and_report(
                request, action.command(row, form.cleaned_data), action.baked_by
            )
            return self.after_action(request, action, row, command)
        return self.action_page(request, action, row, form)

    def _row(self, request: HttpRequest, object_id: str | None) -> Any:
        if object_id is None:
            return None
        row = self.get_object(request, object_id)
        if row is None or not self.has_view_permission(request, row):
            raise Http404(f"no {self.opts.verbose_name} {object_id}")
        return row

    def action_page(
        self, request: HttpRequest, action: CommandAction, row: Any, form: forms.Form
    ) -> HttpResponse:
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": action.label,
            "action": action,
            "row": row,
            "form": form,
            "back_url": self.back_to(row).url,
        }
        return TemplateResponse(request, "admin/eventstore/command_form.html", context)

    def after_action(
        self, request: HttpRequest, action: CommandAction, row: Any, command: Command
    ) -> HttpResponse:
        """Where a submitted action leads: back to the row's page, or the list."""
        return self.back_to(row)

    def back_to(self, row: Any) -> HttpResponseRedirect:
        name = f"admin:{self.opts.app_label}_{self.opts.model_name}"
        if row is None:
            return HttpResponseRedirect(reverse(f"{name}_changelist"))
        return HttpResponseRedirect(reverse(f"{name}_change", args=[row.pk]))
