"""A tiny ledger: accounts take deposits and withdrawals. Standard library only."""

from __future__ import annotations

from dataclasses import dataclass, replace
from decimal import Decimal
from uuid import UUID


class LedgerError(Exception):
    """A command the ledger refuses."""


@dataclass(frozen=True)
class OpenAccount:
    account_id: UUID
    owner: str


@dataclass(frozen=True)
class Deposit:
    account_id: UUID
    amount: Decimal
    note: str = ""


@dataclass(frozen=True)
class Withdraw:
    account_id: UUID
    amount: Decimal


@dataclass(frozen=True)
class Explode:
    """Always fails unexpectedly: how the executor treats a bug in a handler."""

    account_id: UUID


@dataclass(frozen=True)
class DepositUnstorable:
    """Decides a deposit whose note Postgres cannot store (a NUL character)."""

    account_id: UUID


@dataclass(frozen=True)
class Stall:
    """Takes `seconds` to prepare, or until a test releases it (see handlers.py), and
    changes nothing: a slow command."""

    account_id: UUID
    seconds: float


@dataclass(frozen=True)
class AccountOpened:
    account_id: UUID
    owner: str


@dataclass(frozen=True)
class Deposited:
    account_id: UUID
    amount: Decimal
    note: str


@dataclass(frozen=True)
class Withdrawn:
    account_id: UUID
    amount: Decimal


@dataclass(frozen=True)
class Account:
    opened: bool = False
    owner: str = ""
    balance: Decimal = Decimal("0.00")


def evolve(state: Account, event: object) -> Account:
    match event:
        case AccountOpened(owner=owner):
            return replace(state, opened=True, owner=owner)
        case Deposited(amount=amount):
            return replace(state, balance=state.balance + amount)
        case Withdrawn(amount=amount):
            return replace(state, balance=state.balance - amount)
    return state


def decide(state: Account, command: object) -> list[object]:
    match command:
        case OpenAccount(account_id=account_id, owner=owner):
            if state.opened:
                raise LedgerError("the account is already open")
            return [AccountOpened(account_id, owner)]
        case Deposit(account_id=account_id, amount=amount, note=note):
            _require_open(state)
            if amount <= 0:
                raise LedgerError("a deposit must be positive")
            return [Deposited(account_id, amount, note)]
        case Withdraw(account_id=account_id, amount=amount):
            _require_open(state)
            if amount > state.balance:
                raise LedgerError(f"insufficient funds: balance {state.balance}, asked {amount}")
            return [Withdrawn(account_id, amount)]
        case Explode():
            raise RuntimeError("boom")
        case Stall():
            return []
        case DepositUnstorable(account_id=account_id):
            return [Deposited(account_id, Decimal("1.00"), "nul\x00")]
    raise LedgerError(f"unknown command {type(command).__name__}")


def _require_open(state: Account) -> None:
    if not state.opened:
        raise LedgerError("no such account")
