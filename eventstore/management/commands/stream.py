"""`manage.py stream STREAM_ID`: one stream's events, as stored, oldest first."""

from __future__ import annotations

import json
import uuid

from django.core.management.base import BaseCommand, CommandError, CommandParser

from eventstore.models import Event


class Command(BaseCommand):
    requires_system_checks: list[str] = []  # a tool: start fast, `manage.py check` checks
    help = "Print a stream's events: position, version, type, time, actor and data as JSON."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("stream_id", help="the stream's id (a UUID)")

    def handle(self, *args: object, stream_id: str, **options: object) -> None:
        try:
            stream = uuid.UUID(stream_id)
        except ValueError:
            raise CommandError(f"{stream_id!r} is not a stream id (a UUID).") from None
        events = Event.objects.filter(stream_id=stream).order_by("version")
        first = events.first()
        if first is None:
            raise CommandError(f"No stream {stream}: it has no events.")
        self.stdout.write(f"{first.stream_type} {stream}")
        for event in events.iterator():
            self.stdout.write(format_event(event))


def format_event(event: Event) -> str:
    """One line per event; the data is the stored JSON, keys sorted, so lines diff well."""
    when = event.recorded_at.isoformat(timespec="milliseconds").replace("+00:00", "Z")
    actor = event.metadata.get("actor", "")
    data = json.dumps(event.data, sort_keys=True, separators=(",", ":"))
    return f"{event.position:>8}  v{event.version:<4} {event.type:<32} {when}  {actor:<16} {data}"
