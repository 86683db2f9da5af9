"""Wire shapes every context's API shares: the shipping address, and a quantity."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from contexts.shared.values import MAX_QUANTITY, Address
from shop.api.countries import COUNTRY_CODES
from shop.api.serializers import JsonIntegerField, StrictSerializer


def quantity_field(**kwargs: Any) -> JsonIntegerField:
    """How many of a product: a JSON integer from 1 to 1000, wherever one comes in."""
    return JsonIntegerField(min_value=1, max_value=MAX_QUANTITY, **kwargs)


@extend_schema_field({"type": "string", "pattern": f"^({'|'.join(sorted(COUNTRY_CODES))})$"})
class CountryField(serializers.CharField):
    """An ISO 3166-1 alpha-2 code; the schema lists them all, as a pattern (an enum of
    249 would be a generated client's type, and 249 cases for a contract test each)."""

    def to_internal_value(self, data: Any) -> str:
        value = super().to_internal_value(data)
        if value not in COUNTRY_CODES:
            raise serializers.ValidationError("Must be an ISO 3166-1 alpha-2 code such as US.")
        return value


class AddressSerializer(StrictSerializer):
    """`{name, line1, line2?, city, postalCode, country}`; country is ISO 3166 alpha-2."""

    name = serializers.CharField(max_length=200)
    line1 = serializers.CharField(max_length=200)
    line2 = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    city = serializers.CharField(max_length=100)
    postalCode = serializers.CharField(max_length=20)
    country = CountryField(help_text="ISO 3166-1 alpha-2, e.g. US, DE, FR.")


def address_from(data: dict[str, Any]) -> Address:
    """A validated AddressSerializer's data as the domain's Address."""
    return Address(
        name=data["name"],
        line1=data["line1"],
        line2=data.get("line2", ""),
        city=data["city"],
        postal_code=data["postalCode"],
        country=data["country"],
    )


def address_data(address: Address) -> dict[str, str]:
    """The domain's Address in its wire shape."""
    return {
        "name": address.name,
        "line1": address.line1,
        "line2": address.line2,
        "city": address.city,
        "postalCode": address.postal_code,
        "country": address.country,
    }
