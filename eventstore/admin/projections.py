"""Projections: every baker and receptor with its checkpoint, the head, lag, status, last
error and last run. Bakers can be rebuilt or verified from here; the job runs in a
Celery worker and the page polls its progress."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse

from eventstore import jobs
from eventstore.admin.outcome import allowed
from eventstore.admin.readonly import ReadOnlyAdmin
from eventstore.models import Checkpoint
from eventstore.store import store
from eventstore.subscribers import Baker, Outlet, registry

REBUILD_PERMISSION = "eventstore.rebuild_projection"


@dataclass(frozen=True)
class Projection:
    name: str
    kind: str
    checkpoint: int
    head: int
    lag: int
    status: str
    error: str
    failed_position: int | None
    last_run: str
    outlets: tuple[Outlet, ...] = ()


def projections() -> list[Projection]:
    """Every registered subscriber, including those that never ran ("not started")."""
    head = store.head_position()
    saved = {c.name: c for c in Checkpoint.objects.all()}
    rows = []
    for subscriber in sorted(registry.all(), key=lambda s: s.name):
        row = saved.get(subscriber.name)
        position = row.position if row else 0
        rows.append(
            Projection(
                name=subscriber.name,
                kind="baker" if isinstance(subscriber, Baker) else "receptor",
                checkpoint=position,
                head=head,
                lag=head - position,
                status=row.status if row else "not started",
                error=row.error if row else "",
                failed_position=row.failed_position if row else None,
                last_run=row.last_run_at.isoformat(" ", "seconds")
                if row and row.last_run_at
                else "",
                outlets=tuple(subscriber.outlets()),
            )
        )
    return rows


@admin.register(Checkpoint)
class ProjectionAdmin(ReadOnlyAdmin):
    list_display = ("name", "position", "status", "last_run_at")

    def get_urls(self) -> list[URLPattern]:
        wrap = self.admin_site.admin_view
        return [
            path("progress/", wrap(self.progress_view), name="eventstore_checkpoint_progress"),
            path(
                "run/<str:name>/<slug:kind>/", wrap(self.job_view), name="eventstore_checkpoint_job"
            ),
            *super().get_urls(),
        ]

    def changelist_view(self, request: HttpRequest, extra_context: Any = None) -> HttpResponse:
        self._check_view(request)
        rows = projections()
        running = jobs.statuses([row.name for row in rows if row.kind == "baker"])
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": "Projections",
            "rows": [(row, running.get(row.name)) for row in rows],
            "head": rows[0].head if rows else store.head_position(),
            "can_rebuild": request.user.has_perm(REBUILD_PERMISSION),
        }
        return TemplateResponse(request, "admin/eventstore/projections.html", context)

    def progress_view(self, request: HttpRequest) -> JsonResponse:
        """What the page polls: each projection's figures and its job, if any."""
        self._check_view(request)
        rows = projections()
        found = jobs.statuses([row.name for row in rows if row.kind == "baker"])
        return JsonResponse(
            {"projections": [{**asdict(row), "job": found.get(row.name)} for row in rows]}
        )

    def job_view(self, request: HttpRequest, name: str, kind: str) -> HttpResponse:
        """Start a rebuild or a verify of one baker (POST)."""
        self._check_view(request)
        back = HttpResponseRedirect(reverse("admin:eventstore_checkpoint_changelist"))
        if kind not in jobs.KINDS or not isinstance(_subscriber(name), Baker):
            raise Http404(f"no {kind} for {name}")
        if not allowed(request, REBUILD_PERMISSION, f"{kind} projections"):
            return back
        if request.method != "POST":
            return back
        try:
            started = jobs.start(kind, name)
        except Exception as error:  # the broker is down: say so rather than fail the page
            messages.error(request, f"The {kind} of {name} could not be queued: {error}")
            return back
        if started:
            messages.info(request, f"{kind.capitalize()} of {name} started; progress shows below.")
        else:
            messages.warning(request, f"{name} already has a rebuild or verify under way.")
        return back

    def _check_view(self, request: HttpRequest) -> None:
        if not self.has_view_permission(request):
            raise PermissionDenied


def _subscriber(name: str) -> Any:
    try:
        return registry.named(name)
    except LookupError:
        raise Http404(f"no projection {name}") from None
