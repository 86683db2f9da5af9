"""The bench baker's one presentation table: small, so the figures measure the baker."""

from django.db import models


class Tick(models.Model):
    """One row per tick, as a feed or timeline table keeps one per event. Written only by
    `bench.baker.TickBaker`."""

    position = models.BigIntegerField(primary_key=True)
    stream_id = models.UUIDField()
    n = models.IntegerField()
    amount = models.DecimalField(max_digits=21, decimal_places=2)

    def __str__(self) -> str:
        return f"#{self.position} tick {self.n} of {self.stream_id}"
