"""What a back-office button does with a command: submit it as the staff user, wait a
moment for the worker's verdict, and tell the user what happened.

Commands run asynchronously, but staff want to see at once whether their click worked.
So the page waits briefly (a few seconds, `SHOP_ADMIN_OUTCOME_SECONDS`) for the command
to leave `pending`, then for the named bakers to catch up with its events, so the page
it returns to already shows the change. A command still pending after that is reported
as pending, with a link to follow it in the command inbox.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from typing import Any
from uuid import UUID

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html

from eventstore.inbox import submit
from eventstore.models import Checkpoint, Command

POLL_SECONDS = 0.1


def actor_for(user: Any) -> str:
    """Who submitted a command from the back-office: the same `staff:<pk>` the REST
    API writes for a staff user, so the inbox and the timelines read alike."""
    return f"staff:{user.pk}"


def allowed(request: HttpRequest, permission: str, doing: str) -> bool:
    """Whether the user holds `permission`; if not, say so and let the caller stop."""
    if request.user.has_perm(permission):
        return True
    messages.error(request, f"You may not {doing}: that needs the permission {permission}.")
    return False


def submit_and_report(
    request: HttpRequest, command: object, baked_by: Iterable[str] = ()
) -> Command:
    """Submit `command` as the user, wait briefly for its outcome, report it, return it."""
    submitted = submit(command, actor=actor_for(request.user))
    outcome = await_outcome(submitted.command_id, baked_by)
    report(request, outcome)
    return outcome


def await_outcome(command_id: UUID, baked_by: Iterable[str] = ()) -> Command:
    """The command once executed and its events baked by `baked_by`, or as it stands
    when the wait runs out."""
    deadline = time.monotonic() + getattr(settings, "SHOP_ADMIN_OUTCOME_SECONDS", 5.0)
    command = Command.objects.get(id=command_id)
    while command.status == Command.Status.PENDING and time.monotonic() < deadline:
        time.sleep(POLL_SECONDS)
        command = Command.objects.get(id=command_id)
    if command.positions:
        _await_bakers(list(baked_by), max(command.positions), deadline)
    return command


def _await_bakers(names: list[str], position: int, deadline: float) -> None:
    while names and time.monotonic() < deadline:
        behind = Checkpoint.objects.filter(name__in=names, position__lt=position).exists()
        known = Checkpoint.objects.filter(name__in=names).count()
        if not behind and known == len(names):
            return
        time.sleep(POLL_SECONDS)


def report(request: HttpRequest, command: Command) -> None:
    """One message: the command submitted, and done, rejected (why), failed or pending."""
    link = reverse("admin:eventstore_command_change", args=[command.id])
    name = f"{command.service_name}.{command.operation}"
    said = format_html('Submitted {} (<a href="{}">{}</a>)', name, link, str(command.id)[:8])
    if command.status == Command.Status.DONE:
        messages.success(request, format_html("{}: done.", said))
    elif command.status == Command.Status.REJECTED:
        messages.error(request, format_html("{}: rejected: {}", said, reason(command)))
    elif command.status == Command.Status.FAILED:
        messages.error(request, format_html("{}: failed: {}", said, reason(command)))
    else:
        messages.warning(
            request, format_html('{}: still pending; <a href="{}">follow it</a>.', said, link)
        )


def reason(command: Command) -> str:
    """Why a command was rejected or failed, in one line."""
    error = command.error or {}
    if command.status == Command.Status.FAILED:
        return f"{error.get('type', 'error')}: {error.get('detail', '')}"
    return str(error.get("detail", ""))
