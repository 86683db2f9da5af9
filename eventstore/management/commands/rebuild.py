"""`manage.py rebuild NAME...|--all`: replay bakers from position 0 and swap the tables in."""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand, CommandError, CommandParser

from eventstore.progress import ProgressBar
from eventstore.rebuild import rebuild
from eventstore.subscribers import Baker, registry


def chosen_bakers(names: list[str], everything: bool) -> list[Baker]:
    if everything:
        return registry.bakers()
    if not names:
        raise CommandError("name one or more bakers, or pass --all")
    bakers = {baker.name: baker for baker in registry.bakers()}
    unknown = [name for name in names if name not in bakers]
    if unknown:
        known = ", ".join(sorted(bakers)) or "none"
        raise CommandError(f"no baker named {', '.join(unknown)}; bakers: {known}")
    return [bakers[name] for name in names]


class Command(BaseCommand):
    help = "Rebuild bakers' tables from position 0 while live traffic goes on."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("names", nargs="*", help="baker names")
        parser.add_argument("--all", action="store_true", help="every baker")

    def handle(self, *args: object, names: list[str], all: bool, **options: object) -> None:
        for baker in chosen_bakers(names, all):
            started = time.monotonic()
            position = rebuild(baker, progress=ProgressBar(baker.name, self.stderr._out))
            elapsed = time.monotonic() - started
            self.stdout.write(f"{baker.name}: rebuilt to position {position} in {elapsed:.1f}s")
