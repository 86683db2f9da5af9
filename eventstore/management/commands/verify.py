"""`manage.py verify [NAME...]`: rebuild into scratch tables and diff them against the live
ones. Exits non-zero on any difference."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError, CommandParser

from eventstore.management.commands.rebuild import chosen_bakers
from eventstore.progress import ProgressBar
from eventstore.rebuild import verify


class Command(BaseCommand):
    help = "Replay bakers into scratch tables and compare them with the live tables."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("names", nargs="*", help="baker names (default: every baker)")

    def handle(self, *args: object, names: list[str], **options: object) -> None:
        differing = []
        for baker in chosen_bakers(names, everything=not names):
            for diff in verify(baker, progress=ProgressBar(baker.name, self.stderr._out)):
                if diff.equal:
                    self.stdout.write(f"{baker.name} {diff.table}: equal")
                    continue
                differing.append(diff.table)
                self.stdout.write(
                    f"{baker.name} {diff.table}: DIFFERENT ({diff.only_live} rows only live,"
                    f" {diff.only_rebuilt} only rebuilt)"
                )
                for sample in diff.samples:
                    self.stdout.write(f"    {sample}")
        if differing:
            raise CommandError(f"rebuilt tables differ from the live ones: {', '.join(differing)}")
