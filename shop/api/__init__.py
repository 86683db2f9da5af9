"""The REST API platform: what every endpoint of every context shares.

A context's `api.py` holds one `APIView` per operation, built on these pieces:

- `views.ReadApi`: a GET of presentation tables. Declare `fed_by` (the bakers that write
  them) and `?after=<commandId>` read-your-writes comes for free (`consistency`).
- `views.CommandApi`: a write. Validate with a nested `serializers.StrictSerializer`, build
  the domain command, `return self.accept(command, orderId=...)`: 202, `Location`, and the
  `Idempotency-Key` contract (`idempotency`) are handled here. `if_match = True` documents
  `If-Match`; call `preconditions.require_version(request, version)` to enforce it.
- `routing.operations(get=..., post=...)`: several operation classes on one URL.
- `problems`: every error is application/problem+json (RFC 9457).
- `pagination.CursorPage`: `{results, next, previous}` lists.
- `auth`: actors, `MaySubmit` and `MayReadAll` (staff rights: `shop.rights`),
  `IsCustomer`; `throttling`: per-user rates in Redis.
- `schema`: drf-spectacular documents all of the above from the view classes.
"""
