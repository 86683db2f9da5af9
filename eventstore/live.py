"""Live feeds over websockets: replay what a client missed from Postgres, then push live.

A feed message is a JSON object with an integer `position`, the global position of the
event it reports. Bakers write messages to a feed table and, after commit, send each
group one `feed.batch` per batch (`eventstore.feed_batches`). A client that connects
with `?after=<n>` first receives, from the table, every message after `n` it may see,
then the live ones, with no gap and no duplicate:

1. join the user's groups, so every message committed from now on reaches this channel;
2. buffer live messages while replaying the table after `n`, page by page;
3. flush the buffer, dropping anything at or below the last position sent;
4. go live, still dropping anything at or below the last position sent.

A message committed before the replay's last query is in the replay, and its live copy,
if any, is dropped. One committed after it is sent to the groups after the join, so it
waits in the buffer. Paging by position is safe because a baker commits its feed rows in
position order (one runner per baker). The handshake completes only once the groups are
joined, so a client without `after` gets every message committed after it connected.

Close codes: 4401 without an authenticated user, 4400 for an `after` that is not a
non-negative integer, 1011 when the replay fails (reconnect with the last position seen).
The server sends `{"type": "heartbeat", "position": <last position sent, or the given
after, or null>}` every `SHOP_WS_HEARTBEAT_SECONDS`.

Before each heartbeat the socket's credentials are checked again, with the gate's
`scope["reauthenticate"]`: once they no longer sign the same user in (token expired or
revoked, session ended, password changed, user deactivated) the socket closes with 4401;
once the user may no longer see a group the socket joined (`may_keep`), with 4403.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from typing import Any, ClassVar
from urllib.parse import parse_qs

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.conf import settings

log = logging.getLogger(__name__)

UNAUTHENTICATED = 4401
FORBIDDEN = 4403
BAD_REQUEST = 4400
SERVER_ERROR = 1011


class BadRequest(ValueError):
    """The connection's query string asks for something the feed cannot serve."""


def parse_after(query_string: bytes) -> int | None:
    """The `after` query parameter: None when absent, else a non-negative integer."""
    values = parse_qs(query_string.decode("latin1"), keep_blank_values=True).get("after")
    if values is None:
        return None
    raw = values[-1]
    if not (raw.isascii() and raw.isdigit()):
        raise BadRequest("after must be a non-negative integer")
    return int(raw)


class FeedConsumer(AsyncJsonWebsocketConsumer):
    """A context's live feed. Subclasses say which groups and rows a user may see.

    Both hooks are synchronous and run in a worker thread, so they may query the database.
    """

    replay_page: ClassVar[int] = 500

    def groups_for(self, user: Any) -> list[str]:
        """The channel-layer groups whose messages this user may see."""
        raise NotImplementedError

    def replay(self, user: Any, after: int, limit: int) -> list[dict]:
        """Up to `limit` messages with position > `after` this user may see, in order."""
        raise NotImplementedError

    def may_keep(self, user: Any) -> bool:
        """Whether the user may still see every group this socket joined."""
        return set(self.groups) <= set(self.groups_for(user))

    async def connect(self) -> None:
        self.last_sent: int | None = None
        self.live = False
        self.buffer: deque[dict] = deque()
        self.catching_up: asyncio.Task | None = None
        self.heartbeat: asyncio.Task | None = None
        user = self.scope.get("user")
        if user is None or not user.is_authenticated:
            await self._refuse(UNAUTHENTICATED, "authentication required")
            return
        try:
            after = parse_after(self.scope.get("query_string", b""))
        except BadRequest as error:
            await self._refuse(BAD_REQUEST, str(error))
            return
        self.user = user
        await self._join(await database_sync_to_async(self.groups_for)(user))
        await self.accept()  # once joined: whatever commits from now on reaches this client
        self.heartbeat = asyncio.create_task(self._beat())
        if after is None:
            self.live = True
        else:
            self.last_sent = after
            self.catching_up = asyncio.create_task(self._catch_up())

    async def _refuse(self, code: int, reason: str) -> None:
        """Accept, then close: a close during the handshake shows the client only a 403."""
        await self.accept()
        await self.close(code, reason)

    async def _join(self, groups: list[str]) -> None:
        self.groups = groups  # the base class leaves these groups on disconnect
        for group in groups:
            await self.channel_layer.group_add(group, self.channel_name)

    async def _catch_up(self) -> None:
        """Replay the table after `last_sent`, flush the buffer, then go live."""
        try:
            while True:
                page = await database_sync_to_async(self.replay)(
                    self.user, self.last_sent, self.replay_page
                )
                for message in page:
                    await self._send_new(message)
                if len(page) < self.replay_page:
                    break
        except Exception:
            log.exception("feed replay after %s failed", self.last_sent)
            self.heartbeat.cancel()  # no heartbeats on a closing socket
            await self.close(SERVER_ERROR, "replay failed; reconnect with the last position")
            return
        while self.buffer:
            await self._send_new(self.buffer.popleft())
        self.live = True  # no await since the buffer was seen empty: nothing slips past

    async def _beat(self) -> None:
        every = settings.SHOP_WS_HEARTBEAT_SECONDS
        while True:
            await asyncio.sleep(every)
            if (refusal := await self._recheck()) is not None:
                if self.catching_up is not None:
                    self.catching_up.cancel()
                await self.close(*refusal)
                return
            await self.send_json({"type": "heartbeat", "position": self.last_sent})

    async def _recheck(self) -> tuple[int, str] | None:
        """A close code and reason once the socket's user lost access, else None."""
        reauthenticate = self.scope.get("reauthenticate")
        user = None if reauthenticate is None else await reauthenticate()
        if user is None or not user.is_authenticated or user.pk != self.user.pk:
            return UNAUTHENTICATED, "credentials no longer valid"
        if not await database_sync_to_async(self.may_keep)(user):
            return FORBIDDEN, "no longer allowed"
        self.user = user
        return None

    async def _send_new(self, message: dict) -> None:
        position = message["position"]
        if self.last_sent is not None and position <= self.last_sent:
            return
        await self.send_json(message)
        self.last_sent = position

    async def feed_batch(self, event: dict) -> None:
        """A baker's batch for one group, from the channel layer (`eventstore.feed_batches`)."""
        for entry in event["entries"]:
            if self.live:
                await self._send_new(entry["message"])
            else:
                self.buffer.append(entry["message"])

    async def disconnect(self, code: int) -> None:
        tasks = [task for task in (self.catching_up, self.heartbeat) if task is not None]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)  # a send to a gone client
