"""ISO 4217: the currency codes SHOP_CURRENCY may name, checked as the settings load.

Shop keeps every amount to exactly two decimal places (`contexts.shared.values.money`,
the money columns, the API's amounts), so the shop's currency is one whose minor unit
is a hundredth: the national currencies of ISO 4217's current list with two decimal
places. Those with none (JPY, KRW, ...) or three (KWD, BHD, ...) are refused with that
reason rather than shown with places they do not have; funds, metals and test codes are
not currencies a shop prices in.
"""

from __future__ import annotations

import re

from django.core.exceptions import ImproperlyConfigured

TWO_PLACES = frozenset(
    """
    AED AFN ALL AMD AOA ARS AUD AWG AZN BAM BBD BDT BMD BND BOB BRL BSD BTN BWP BYN BZD
    CAD CDF CHF CNY COP CRC CUP CVE CZK DKK DOP DZD EGP ERN ETB EUR FJD FKP GBP GEL GHS
    GIP GMD GTQ GYD HKD HNL HTG HUF IDR ILS INR IRR JMD KES KGS KHR KPW KYD KZT LAK LBP
    LKR LRD LSL MAD MDL MGA MKD MMK MNT MOP MRU MUR MVR MWK MXN MYR MZN NAD NGN NIO NOK
    NPR NZD PAB PEN PGK PHP PKR PLN QAR RON RSD RUB SAR SBD SCR SDG SEK SGD SHP SLE SOS
    SRD SSP STN SVC SYP SZL THB TJS TMT TOP TRY TTD TWD TZS UAH USD UYU UZS VED VES WST
    XCD XCG YER ZAR ZMW ZWG
    """.split()  # noqa: SIM905  (a block of codes reads better than 150 lines)
)
NO_PLACES = "BIF CLP DJF GNF ISK JPY KMF KRW PYG RWF UGX VND VUV XAF XOF XPF"
THREE_PLACES = "BHD IQD JOD KWD LYD OMR TND"
OTHER_PLACES = {
    **dict.fromkeys(NO_PLACES.split(), 0),
    **dict.fromkeys(THREE_PLACES.split(), 3),
}
"""Current ISO 4217 currencies whose minor unit is not a hundredth, and their places."""

SHAPE = re.compile(r"[A-Z]{3}")


def shop_currency(code: str) -> str:
    """`code` if it can be the shop's currency; else ImproperlyConfigured saying why."""
    if not SHAPE.fullmatch(code):
        raise ImproperlyConfigured(
            f"SHOP_CURRENCY must be three upper-case letters, an ISO 4217 code such as EUR"
            f" or USD: got {code!r}"
        )
    if code in OTHER_PLACES:
        raise ImproperlyConfigured(
            f"SHOP_CURRENCY {code} has {OTHER_PLACES[code]} decimal places; Shop keeps"
            " amounts to two, so its currency must have two (such as EUR or USD)"
        )
    if code not in TWO_PLACES:
        raise ImproperlyConfigured(
            f"SHOP_CURRENCY {code} is not an ISO 4217 currency code (such as EUR or USD)"
        )
    return code
