"""The ledger's presentation tables, each written only by its baker."""

from django.db import models


class AccountBalance(models.Model):
    account_id = models.UUIDField(primary_key=True)
    owner = models.CharField(max_length=150)
    balance = models.DecimalField(max_digits=21, decimal_places=2)
    entries = models.IntegerField()
    version = models.IntegerField()
    updated_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.account_id}: {self.balance}"


class AccountFeedEntry(models.Model):
    """One live-feed message per event, kept so clients can resume after a position."""

    position = models.BigIntegerField(primary_key=True)
    account_id = models.UUIDField()
    owner = models.CharField(max_length=150, db_index=True)
    message = models.JSONField()

    def __str__(self) -> str:
        return f"#{self.position} {self.account_id}"
