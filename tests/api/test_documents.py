"""`shop.api.documents`: a serializer rendered as a plain function gives DRF's values,
less the currency a server adds as it serves, with times in UTC whatever zone is active.

No database: the objects rendered are plain ones.
"""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal
from types import SimpleNamespace
from typing import Any

from django.utils import timezone
from rest_framework import serializers

from shop.api.documents import renderer
from shop.api.serializers import CurrencyField, MoneyField

AT = dt.datetime(2026, 3, 1, 23, 30, 0, 123456, tzinfo=dt.timezone(dt.timedelta(hours=-5)))
ID = uuid.UUID("8f1c2d3e-0000-4000-8000-000000000001")


class PartSerializer(serializers.Serializer):
    partName = serializers.CharField(source="name")
    count = serializers.IntegerField()


class ThingSerializer(serializers.Serializer):
    thingId = serializers.UUIDField(source="thing_id")
    price = MoneyField()
    currency = CurrencyField()
    madeAt = serializers.DateTimeField(source="made_at")
    maker = serializers.CharField(source="maker.name")
    parts = PartSerializer(many=True)
    spare = PartSerializer(allow_null=True)
    label = serializers.SerializerMethodField()

    def get_label(self, thing: Any) -> str:
        return f"{thing.maker.name}: {len(thing.parts)} parts"


def thing(*, spare: Any = None, price: Decimal = Decimal("12")) -> SimpleNamespace:
    parts = [SimpleNamespace(name="bolt", count=4), SimpleNamespace(name="nut", count=2)]
    return SimpleNamespace(
        thing_id=ID, price=price, made_at=AT, maker=SimpleNamespace(name="Ann"), parts=parts,
        spare=spare,
    )  # fmt: skip


def without_currency(data: dict) -> dict:
    return {key: value for key, value in data.items() if key != "currency"}


def test_a_rendered_object_is_what_drf_makes_of_it_less_the_currency() -> None:
    for made in (thing(), thing(spare=SimpleNamespace(name="washer", count=1))):
        assert renderer(ThingSerializer)(made) == without_currency(ThingSerializer(made).data)


def test_each_field_is_rendered_by_its_own_representation() -> None:
    rendered = renderer(ThingSerializer)(thing(price=Decimal("3.5")))

    assert rendered == {
        "thingId": "8f1c2d3e-0000-4000-8000-000000000001", "price": "3.50",
        "madeAt": "2026-03-02T04:30:00.123456Z", "maker": "Ann",
        "parts": [{"partName": "bolt", "count": 4}, {"partName": "nut", "count": 2}],
        "spare": None, "label": "Ann: 2 parts",
    }  # fmt: skip


def test_times_are_rendered_in_utc_whatever_zone_a_request_chose() -> None:
    with timezone.override("Europe/Amsterdam"):
        rendered = renderer(ThingSerializer)(thing())
        local = ThingSerializer(thing()).data

    assert rendered["madeAt"] == "2026-03-02T04:30:00.123456Z"
    assert local["madeAt"] == "2026-03-02T05:30:00.123456+01:00"
