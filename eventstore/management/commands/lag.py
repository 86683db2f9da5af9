"""`manage.py lag`: every baker and receptor's checkpoint, lag and status."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from eventstore.models import Checkpoint
from eventstore.store import store
from eventstore.subscribers import registry


class Command(BaseCommand):
    help = "Print every subscriber's checkpoint, lag behind the head, and status."

    def handle(self, *args: object, **options: object) -> None:
        head = store.head_position()
        checkpoints = {c.name: c for c in Checkpoint.objects.all()}
        self.stdout.write(f"head {head}")
        self.stdout.write(f"{'subscriber':<32} {'checkpoint':>10} {'lag':>8}  status")
        for subscriber in sorted(registry.all(), key=lambda s: s.name):
            checkpoint = checkpoints.get(subscriber.name)
            position = checkpoint.position if checkpoint else 0
            status = checkpoint.status if checkpoint else "not started"
            line = f"{subscriber.name:<32} {position:>10} {head - position:>8}  {status}"
            if checkpoint and checkpoint.error:
                line += f"  ({checkpoint.error.splitlines()[0]})"
            self.stdout.write(line)
