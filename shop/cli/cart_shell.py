"""The cart shell's commands (`manage.py cart`), interactive or one line at a time.

Command names are hyphenated (`change-member`); cmd.Cmd looks them up as `do_change_member`.
Every problem is one line on stderr, and marks the shell as failed, which a one-shot run
turns into exit status 1.
"""

from __future__ import annotations

import cmd
import shlex
from pathlib import Path
from typing import Any, TextIO

from shop.cli import cart
from shop.cli.cart import CartShellError, Outcome
from shop.customers import customer_id_for

COMMANDS = {
    "change-member": "change-member NAME    shop as NAME (a new name becomes a demo customer)",
    "current-member": "current-member        who is shopping, and their cart",
    "add": "add PRODUCT [QTY]     put QTY (default 1) of a catalog product in the cart",
    "remove": "remove PRODUCT        take a product out of the cart",
    "adjust": "adjust PRODUCT DELTA  change a quantity by DELTA (e.g. 2 or -1)",
    "show": "show                  the cart's lines and total",
    "checkout": "checkout              place the order, shipped to the member's demo address",
    "help": "help [COMMAND]        this list, or one command's use",
    "quit": "quit                  leave the shell (also exit, or Ctrl-D)",
}


class CartShell(cmd.Cmd):
    intro = "Shop cart shell. Type help for the commands."
    identchars = cmd.Cmd.identchars + "-"

    def __init__(self, state: Path, wait: float, stdout: TextIO, stderr: TextIO) -> None:
        super().__init__(stdout=stdout)
        self.stderr = stderr
        self.state = state
        self.wait = wait
        self.member: cart.Member | None = None
        self.failed = False
        self.prompt = "cart> "

    # Plumbing: hyphenated names, errors, prompts.

    def parseline(self, line: str) -> tuple[str | None, str | None, str]:
        name, arg, line = super().parseline(line)
        return (name.replace("-", "_") if name else name), arg, line

    def onecmd(self, line: str) -> bool:
        try:
            return super().onecmd(line)
        except CartShellError as error:
            self.complain(str(error))
        except ValueError as error:  # shlex on unbalanced quotes
            self.complain(f"Could not read that line: {error}.")
        return False

    def emptyline(self) -> bool:
        return False

    def default(self, line: str) -> bool:
        if line.strip() == "EOF":
            if self.prompt:
                self.say("")  # end the prompt's line, as a shell does on Ctrl-D
            return True
        name = line.split()[0]
        self.complain(f"Unknown command {name!r}. Commands: {', '.join(COMMANDS)}.")
        return False

    def completenames(self, text: str, *ignored: Any) -> list[str]:
        return [name for name in COMMANDS if name.startswith(text)]

    def say(self, message: str) -> None:
        self.stdout.write(message + "\n")

    def complain(self, message: str) -> None:
        self.failed = True
        self.stderr.write(message + "\n")

    def postcmd(self, stop: bool, line: str) -> bool:
        if self.member is not None and self.prompt:
            self.prompt = f"cart ({self.member.user.get_username()})> "
        return stop

    # Members.

    def restore_member(self, name: str | None) -> None:
        """Shop as `name`, or as whoever the state file remembers (if anyone)."""
        remembered = self.state.read_text().strip() if self.state.exists() else ""
        if name or remembered:
            user = cart.member_named(name or remembered)
            self.member = cart.Member(user, self.wait)
            self.postcmd(False, "")

    def do_change_member(self, arg: str) -> None:
        """change-member NAME: shop as NAME; a new name becomes a demo customer."""
        user, created = cart.change_member(arg)
        self.member = cart.Member(user, self.wait)
        self.state.parent.mkdir(parents=True, exist_ok=True)
        self.state.write_text(user.get_username() + "\n")
        how = " (new demo customer, password demo-password-1)" if created else ""
        self.say(f"Now shopping as {user.get_username()}{how}; cart {self.member.cart_id}.")

    def do_current_member(self, arg: str) -> None:
        """current-member: who is shopping, their customer id and cart."""
        member = self.current()
        self.say(
            f"{member.user.get_username()}: customer {customer_id_for(member.user)},"
            f" cart {member.cart_id}"
        )

    def current(self) -> cart.Member:
        if self.member is None:
            raise CartShellError("No member yet: change-member NAME first (e.g. alice).")
        return self.member

    # The cart.

    def do_add(self, arg: str) -> None:
        """add PRODUCT [QTY]: put QTY (default 1) of a catalog product in the cart."""
        name, quantity = self.product_and_number(arg, "add PRODUCT [QTY]", default=1)
        member = self.current()
        product = cart.product_named(name)
        self.report(member.add(product, quantity), f"Added {quantity} x {product.name}.")

    def do_remove(self, arg: str) -> None:
        """remove PRODUCT: take a product out of the cart."""
        (name,) = self.words(arg, "remove PRODUCT", 1, 1)
        member = self.current()
        product = cart.product_named(name)
        self.report(member.remove(product), f"Removed {product.name}.")

    def do_adjust(self, arg: str) -> None:
        """adjust PRODUCT DELTA: change a quantity by DELTA (e.g. 2 or -1); 0 or less removes."""
        name, delta = self.product_and_number(arg, "adjust PRODUCT DELTA")
        member = self.current()
        product = cart.product_named(name)
        self.report(member.adjust(product, delta), f"Changed {product.name} by {delta:+d}.")

    def do_show(self, arg: str) -> None:
        """show: the cart's lines and total."""
        member = self.current()
        view = member.view()
        if view is None or not view.lines:
            self.say(f"{member.user.get_username()}'s cart is empty.")
            return
        for line in view.lines:
            self.say(
                f"  {line.name:<24} {line.quantity:>5} x {line.unit_price:>10}"
                f" = {line.line_total:>11}"
            )
        self.say(f"  {'total':<24} {view.total:>32}")

    def do_checkout(self, arg: str) -> None:
        """checkout: place the order, shipped to the member's demo address."""
        member = self.current()
        address = cart.demo_address(member.user.get_username())
        outcome, order_id = member.checkout(address)
        if not self.report(outcome, f"Checked out: order {order_id}."):
            return
        order = cart.placed_order(order_id, self.wait)
        if order is None:
            self.say("The order is on its way; it shows in the orders list shortly.")
            return
        self.say(
            f"Order {order_id} is {order.status}: {order.item_count} items, total {order.total},"
            f" shipping to {address.name}, {address.line1}, {address.city}."
        )

    def report(self, outcome: Outcome, success: str) -> bool:
        if outcome.done:
            self.say(success)
        else:
            self.complain(f"Rejected: {outcome.reason or outcome.status}.")
        return outcome.done

    def product_and_number(
        self, arg: str, usage: str, default: int | None = None
    ) -> tuple[str, int]:
        """`PRODUCT NUMBER`, where the number may be left out when there is a default."""
        words = self.words(arg, usage, 1 if default is not None else 2, 2)
        if len(words) == 1 and default is not None:
            return words[0], default
        try:
            return words[0], int(words[1])
        except ValueError:
            raise CartShellError(f"{words[1]!r} is not a whole number. Usage: {usage}") from None

    def words(self, arg: str, usage: str, least: int, most: int) -> list[str]:
        words = shlex.split(arg)
        if not least <= len(words) <= most:
            raise CartShellError(f"Usage: {usage}")
        return words

    # Leaving, and help.

    def do_quit(self, arg: str) -> bool:
        """quit: leave the shell."""
        return True

    do_exit = do_quit

    def do_help(self, arg: str) -> None:
        """help [COMMAND]: the commands, or one command's use."""
        name = arg.strip()
        if not name:
            self.say("Commands:\n" + "\n".join(f"  {usage}" for usage in COMMANDS.values()))
        elif name in COMMANDS:
            self.say(COMMANDS[name])
        else:
            self.complain(f"Unknown command {name!r}. Commands: {', '.join(COMMANDS)}.")
