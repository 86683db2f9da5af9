"""The rejection an order's `decide` raises."""


class SalesError(Exception):
    """A sales command refused, with the reason a person can act on."""
