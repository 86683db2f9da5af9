"""Registers the catalog's events and commands with the event store.

The catalog was part of sales: its stream type (`sales.Product`), its events and its
commands keep the stable names they were stored under, so stored events still read and
pending commands still run.
"""

from __future__ import annotations

from contexts.catalog import domain
from eventstore.commands import Aggregate, commands
from eventstore.registry import registry

EVENTS = {
    "sales.ProductCreated": domain.ProductCreated,
    "sales.ProductPriceChanged": domain.ProductPriceChanged,
    "sales.ProductDiscontinued": domain.ProductDiscontinued,
}

COMMANDS = {
    "sales.CreateProduct": domain.CreateProduct,
    "sales.ChangeProductPrice": domain.ChangeProductPrice,
    "sales.DiscontinueProduct": domain.DiscontinueProduct,
}

MANAGE_CATALOG = "catalog.manage_catalog"
"""What staff need to submit any catalog command, in the API and the back office alike
(the permission of the products' table, models.py)."""


PRODUCT = Aggregate(
    stream_type=domain.PRODUCT_STREAM,
    stream_of=lambda command: command.product_id,
    initial_state=domain.Product,
    evolve=domain.evolve,
    decide=domain.decide,
    rejection=domain.CatalogError,
)


for name, cls in EVENTS.items():
    registry.register(name, cls)
commands.register_aggregate(PRODUCT, COMMANDS, permission=MANAGE_CATALOG)
