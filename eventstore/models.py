"""The event store's three tables. Rows are written through `eventstore.store` and the
executor, never through these models; the models give the admin and queries a typed view."""

from __future__ import annotations

from django.db import models
from django.db.models.expressions import RawSQL


class Event(models.Model):
    """One recorded event. Append-only: the database refuses UPDATE, DELETE and TRUNCATE."""

    position = models.BigAutoField(primary_key=True)
    stream_id = models.UUIDField()
    stream_type = models.CharField(max_length=100)
    version = models.IntegerField()
    type = models.CharField(max_length=100)
    schema_version = models.SmallIntegerField(default=1)
    data = models.JSONField()
    metadata = models.JSONField(default=dict)
    recorded_at = models.DateTimeField(db_default=models.functions.Now())

    class Meta:
        db_table = "eventstore_event"
        constraints = [
            models.UniqueConstraint(
                fields=["stream_id", "version"], name="event_stream_version_unique"
            ),
        ]
        indexes = [models.Index(fields=["type", "position"], name="event_type_position_idx")]

    def __str__(self) -> str:
        return f"#{self.position} {self.type} ({self.stream_type} {self.stream_id} v{self.version})"


class CommandStatus(models.TextChoices):
    """A command's status in the inbox (`Command.Status`)."""

    PENDING = "pending"
    DONE = "done"
    REJECTED = "rejected"
    FAILED = "failed"


class Command(models.Model):
    """The command inbox: every accepted command, pending until a worker executes it."""

    Status = CommandStatus

    id = models.UUIDField(primary_key=True)
    seq = models.BigIntegerField(
        unique=True, editable=False, db_default=RawSQL("nextval('eventstore_command_seq')", [])
    )
    service_name = models.CharField(max_length=50)
    operation = models.CharField(max_length=100)
    stream_id = models.UUIDField()
    payload = models.JSONField()
    actor = models.CharField(max_length=150)
    # NULL, not "", for "no key": the unique (actor, key) constraint ignores NULLs.
    idempotency_key = models.CharField(max_length=255, null=True, blank=True)  # noqa: DJ001
    correlation_id = models.UUIDField()
    causation_id = models.UUIDField(null=True, blank=True)
    created_at = models.DateTimeField(db_default=models.functions.Now())
    not_before = models.DateTimeField(db_default=models.functions.Now())
    executed_at = models.DateTimeField(null=True, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    error = models.JSONField(null=True, blank=True)
    positions = models.JSONField(default=list)
    retry_of = models.UUIDField(null=True, blank=True)  # the failed command this one retries

    class Meta:
        db_table = "eventstore_command"
        verbose_name_plural = "command inbox"
        permissions = [("retry_command", "Can retry a failed command")]
        constraints = [
            models.UniqueConstraint(
                fields=["actor", "idempotency_key"], name="command_actor_key_unique"
            ),
        ]
        indexes = [
            models.Index(
                fields=["not_before", "seq"],
                name="command_pending_idx",
                condition=models.Q(status=CommandStatus.PENDING),
            ),
            models.Index(fields=["stream_id", "seq"], name="command_stream_idx"),
            models.Index(fields=["causation_id"], name="command_causation_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.service_name}.{self.operation} {self.id} ({self.status})"


class Checkpoint(models.Model):
    """How far one baker or receptor has got, written in the same transaction as its rows,
    and its status: a failing event stops it here, with the error."""

    class Status(models.TextChoices):
        OK = "ok"
        FAILED = "failed"

    name = models.CharField(max_length=100, primary_key=True)
    position = models.BigIntegerField(default=0)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OK)
    error = models.TextField(blank=True, default="")
    failed_position = models.BigIntegerField(null=True, blank=True)
    last_run_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        db_table = "eventstore_checkpoint"
        verbose_name = "projection"
        permissions = [("rebuild_projection", "Can rebuild and verify projections")]

    def __str__(self) -> str:
        return f"{self.name} @ {self.position}"
