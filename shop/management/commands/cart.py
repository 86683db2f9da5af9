"""`manage.py cart [COMMAND ...]`: the cart shell, or one of its commands as arguments.

manage.py cart                                  an interactive shell
manage.py cart change-member alice              remembered in .run/cart-member
manage.py cart add awesome-desktop-pc 2
manage.py cart --member bob show                one run as another member
"""

from __future__ import annotations

import logging
import shlex
import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandParser

from shop.cli.cart import CartShellError, default_state_file
from shop.cli.cart_shell import CartShell


class Command(BaseCommand):
    requires_system_checks: list[str] = []  # a tool: start fast, `manage.py check` checks
    help = (
        "Shop as a demo member: change-member, current-member, add, remove, adjust, show,"
        " checkout, help. With no command, an interactive shell."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("words", nargs="*", help="one shell command, e.g. add notebook-a5 2")
        parser.add_argument("--member", help="shop as this member for this run only")
        parser.add_argument(
            "--state", type=Path, default=None,
            help="the file that remembers the current member (default .run/cart-member)",
        )  # fmt: skip
        parser.add_argument(
            "--wait", type=float, default=3.0,
            help="seconds to wait for a worker before executing a command in this process",
        )  # fmt: skip

    def handle(self, *args: object, **options: object) -> None:
        # The shell says how each command went; the executor's own lines about commands
        # it runs in this process (with no worker up) would say it twice.
        logging.getLogger("eventstore.executor").setLevel(logging.WARNING)
        shell = CartShell(
            state=options["state"] or default_state_file(),
            wait=options["wait"],
            stdout=self.stdout,
            stderr=self.stderr,
        )
        try:
            shell.restore_member(options["member"])
        except CartShellError as error:
            shell.complain(str(error))
        words = options["words"]
        if words:
            shell.onecmd(shlex.join(words))
        else:
            interactive = sys.stdin.isatty()
            if not interactive:
                shell.prompt = ""  # a script on stdin gets answers, not prompts
            shell.cmdloop(shell.intro if interactive else "")
        if shell.failed and words:
            sys.exit(1)
