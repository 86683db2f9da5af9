"""The cart shell at a terminal (a pseudo-terminal), with a real worker executing it."""

from __future__ import annotations

import os
import re
import select
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from django.contrib.auth.models import User

from contexts.cart.queries import cart_view
from contexts.sales.models import OrderSummary
from eventstore.models import Command
from shop.cli.cart import cart_id_of
from shop.customers import customer_id_for
from shop.devstack.services import ROOT
from tests.integration.processes import child_env

ANSI_STYLE = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("demo_catalog", "workers")]


class Terminal:
    """A process on the far side of a pseudo-terminal: type lines, read the screen."""

    def __init__(self, *args: str) -> None:
        self.fd, child = os.openpty()
        self.proc = subprocess.Popen(
            args, cwd=ROOT, env=child_env(TERM="dumb"), stdin=child, stdout=child, stderr=child,
            start_new_session=True,
        )  # fmt: skip
        os.close(child)
        self.screen = ""

    def type(self, text: str) -> None:
        os.write(self.fd, text.encode())

    def expect(self, pattern: str, timeout: float = 30) -> re.Match:
        """Read until `pattern` shows after what earlier expects consumed; return the match."""
        deadline = time.monotonic() + timeout
        while (found := re.search(pattern, self.screen)) is None:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([self.fd], [], [], left)[0]:
                raise AssertionError(f"no {pattern!r} on the terminal:\n{self.screen}")
            try:
                text = os.read(self.fd, 4096).decode(errors="replace")
            except OSError:  # the child closed the terminal
                raise AssertionError(f"no {pattern!r} before exit:\n{self.screen}") from None
            self.screen += ANSI_STYLE.sub("", text)  # Django colours errors on a terminal
        self.screen = self.screen[found.end() :]
        return found

    def close(self) -> int:
        """The exit status, once the process ends by itself (else it is killed)."""
        try:
            return self.proc.wait(30)
        finally:
            if self.proc.poll() is None:
                self.proc.kill()
                self.proc.wait()
            os.close(self.fd)


@pytest.fixture
def terminal() -> Iterator[Callable[..., Terminal]]:
    """Start processes on pseudo-terminals; any still running after the test is killed."""
    started: list[Terminal] = []

    def start(*args: str) -> Terminal:
        started.append(Terminal(*args))
        return started[-1]

    yield start
    for process in started:
        if process.proc.returncode is None:
            process.close()


def test_a_member_shops_and_checks_out_at_the_terminal(
    committed_db: None, tmp_path: Path, terminal: Callable[..., Terminal]
) -> None:
    name = f"terminal-{uuid.uuid4().hex[:8]}"
    shell = terminal(sys.executable, "manage.py", "cart", "--state", str(tmp_path / "member"))
    prompt = re.escape(f"cart ({name})> ")

    shell.expect(r"Shop cart shell\. Type help for the commands\.\r?\ncart> ")
    shell.type(f"change-member {name}\n")
    shell.expect(rf"Now shopping as {name} \(new demo customer.*\r?\n{prompt}")
    shell.type("add awesome-desktop-pc\n")
    shell.expect(rf"Added 1 x awesome-desktop-pc\.\r?\n{prompt}")
    shell.type("add usb-c-dok 2\n")
    shell.expect(rf"Unknown product 'usb-c-dok'\. Did you mean usb-c-dock\?\r?\n{prompt}")
    shell.type("show\n")
    shell.expect(r"awesome-desktop-pc +1 x +3200\.00 = +3200\.00\r?\n +total +3200\.00")
    shell.type("checkout\n")
    order_id = shell.expect(r"Checked out: order ([0-9a-f-]{36})\.").group(1)
    shell.expect(rf"Order {order_id} is (placed|invoiced): 1 items, total 3200\.00, shipping to")
    shell.expect(prompt)
    shell.type("\x04")  # Ctrl-D

    assert shell.close() == 0
    user = User.objects.get(username=name)
    summary = OrderSummary.objects.get(pk=order_id)
    assert (summary.customer_id, summary.total) == (customer_id_for(user), 3200)
    assert cart_view(cart_id_of(customer_id_for(user))).lines == ()
    commands = Command.objects.filter(actor=f"customer:{user.pk}").order_by("seq")
    assert list(commands.values_list("operation", "status")) == [
        ("AddItem", "done"), ("CheckOut", "done"),
    ]  # fmt: skip
