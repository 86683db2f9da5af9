"""The event store: the events table (source of truth), the command inbox and checkpoints.

Generic by design: it knows no context. Contexts register their event types and
command handlers with it.
"""
