"""The cart reads products from the sales context's published events.

The sales context registers its event types in its own handlers; should it not (yet),
register the product events here so that tests can append products directly.
"""

from contexts.sales import domain as sales
from eventstore.registry import registry

for name, cls in {
    "sales.ProductCreated": sales.ProductCreated,
    "sales.ProductPriceChanged": sales.ProductPriceChanged,
    "sales.ProductDiscontinued": sales.ProductDiscontinued,
}.items():
    if name not in registry.names():
        registry.register(name, cls)
