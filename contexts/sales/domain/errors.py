"""The one rejection both sales aggregates raise."""


class SalesError(Exception):
    """A sales command refused, with the reason a person can act on."""
