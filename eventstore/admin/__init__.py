"""The event store's back-office pages (events and streams, the command inbox,
projections) and what every context's pages share: read-only admins, input filters,
and buttons that submit commands and report their outcome."""

from eventstore.admin import events, inbox, projections  # noqa: F401  registers the pages
