"""The cart reads products from the catalog's published events.

The catalog registers its event types in its own handlers; should it not (yet),
register the product events here so that tests can append products directly.
"""

from contexts.catalog import domain as catalog
from eventstore.registry import registry

for name, cls in {
    "sales.ProductCreated": catalog.ProductCreated,
    "sales.ProductPriceChanged": catalog.ProductPriceChanged,
    "sales.ProductDiscontinued": catalog.ProductDiscontinued,
}.items():
    if name not in registry.names():
        registry.register(name, cls)
