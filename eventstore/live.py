"""Live feeds over websockets: replay what a client missed from Postgres, then push live.

A feed message is a JSON object with an integer `position`, the global position of the
event it reports. Bakers write messages to a feed table and, after commit, send each
group one `feed.batch` per batch (`eventstore.feed_batches`), every entry linked to the
position of the previous row of that group's feed. A client that connects with
`?after=<n>` first receives, from the table, every message after `n` it may see, then
the live ones, with no gap and no duplicate:

1. join the user's groups, so every message committed from now on reaches this channel;
2. buffer live entries while replaying the table after `n`, page by page;
3. flush the buffer, dropping anything at or below the last position sent;
4. go live, still dropping anything at or below the last position sent.

A message committed before the replay's last query is in the replay, and its live copy,
if any, is dropped. One committed after it is sent to the groups after the join, so it
waits in the buffer. Paging by position is safe because a baker commits its feed rows in
position order (one runner per baker). A client without `after` starts at the head of
its feed (`head_for`), read once the groups are joined and before the handshake
completes: it gets every message committed after it connected.

The channel layer loses messages silently (one published while a process's Redis
connection is down; the oldest of a channel whose socket fell `capacity` messages
behind, `shop.channel_layer`), so the socket never trusts it to be complete. A live
entry whose `previous` is beyond the last position this socket has is a gap: the socket
buffers again and refills from the table exactly as in steps 2-4, then goes on. A lost
last message has no next one to show the gap, so each heartbeat also compares the
feed's head with the last position and refills when behind. Sends go one at a time,
each above the last: whatever the layer and the table race to deliver, no position goes
out twice or out of order. The buffer keeps the newest `replay_page` entries: a client
that stops reading blocks the replay's sends while live entries keep coming, and those
it lets go show as a gap once the replay is done, so they are read from the table too.

Every message sent carries `"previous"`: the position the client had before it (the
last one sent, else the connection's `after`, else null), so a client can check the
chain itself and, should it ever break, reconnect with `?after=<last position seen>`.

Close codes: 4401 without an authenticated user, 4400 for an `after` that is not a
non-negative integer, 1011 when a replay fails (reconnect with the last position seen).
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

from eventstore.feed_batches import BATCH_TYPE

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

    The hooks are synchronous and run in a worker thread, so they may query the database.
    A user's groups together carry exactly the messages `replay` reads for them, and each
    group's entries come from one baker, in position order.
    """

    replay_page: ClassVar[int] = 500

    def groups_for(self, user: Any) -> list[str]:
        """The channel-layer groups whose messages this user may see."""
        raise NotImplementedError

    def replay(self, user: Any, after: int, limit: int) -> list[dict]:
        """Up to `limit` messages with position > `after` this user may see, in order."""
        raise NotImplementedError

    def head_for(self, user: Any) -> int:
        """The position of the last message this user may see, 0 when there is none."""
        raise NotImplementedError

    def may_keep(self, user: Any) -> bool:
        """Whether the user may still see every group this socket joined."""
        return set(self.groups) <= set(self.groups_for(user))

    async def connect(self) -> None:
        self.last_sent: int | None = None  # or the `after` asked for
        self.start = 0  # where a socket without `after` begins: its feed's head
        self.live = False
        self.buffer: deque[dict] = deque(maxlen=self.replay_page)  # oldest go: a gap
        self.sending = asyncio.Lock()
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
        if after is None:  # read once joined: anything later reaches this channel
            self.start = await database_sync_to_async(self.head_for)(user)
        else:
            self.last_sent = after
        await self.accept()  # once joined: whatever commits from now on reaches this client
        self.heartbeat = asyncio.create_task(self._beat())
        if after is None:
            self.live = True
        else:
            self._refill()

    @property
    def position(self) -> int:
        """The last position this socket's client has: sent, asked for, or the start."""
        return self.start if self.last_sent is None else self.last_sent

    async def _refuse(self, code: int, reason: str) -> None:
        """Accept, then close: a close during the handshake shows the client only a 403."""
        await self.accept()
        await self.close(code, reason)

    async def _join(self, groups: list[str]) -> None:
        self.groups = groups  # the base class leaves these groups on disconnect
        for group in groups:
            await self.channel_layer.group_add(group, self.channel_name)

    def _refill(self) -> None:
        """Buffer live entries and catch up from the table (no await: nothing slips past)."""
        self.live = False
        self.catching_up = asyncio.create_task(self._catch_up())

    async def _catch_up(self) -> None:
        """Replay the table after the last position, flush the buffer, then go live."""
        try:
            await self._replay()
            while self.buffer:
                entry = self.buffer.popleft()
                if not await self._send_entry(entry):
                    await self._replay()  # lost by the layer or the buffer since the read
                    await self._send_entry(entry, trust=True)
        except Exception:
            log.exception("feed replay after %s failed", self.position)
            self.heartbeat.cancel()  # no heartbeats on a closing socket
            await self.close(SERVER_ERROR, "replay failed; reconnect with the last position")
            return
        self.live = True  # no await since the buffer was seen empty: nothing slips past

    async def _replay(self) -> None:
        while True:
            page = await database_sync_to_async(self.replay)(
                self.user, self.position, self.replay_page
            )
            for message in page:
                await self._send_new(message)
            if len(page) < self.replay_page:
                return

    async def _beat(self) -> None:
        every = settings.SHOP_WS_HEARTBEAT_SECONDS
        while True:
            await asyncio.sleep(every)
            refusal, head = await self._recheck()
            if refusal is not None:
                if self.catching_up is not None:
                    self.catching_up.cancel()
                await self.close(*refusal)
                return
            if self.live and head > self.position:  # a dropped last message, or in flight
                self._refill()
            await self.send_json({"type": "heartbeat", "position": self.last_sent})

    async def _recheck(self) -> tuple[tuple[int, str] | None, int]:
        """A close code and reason once the socket's user lost access, else None; and
        the head of the user's feed."""
        reauthenticate = self.scope.get("reauthenticate")
        user = None if reauthenticate is None else await reauthenticate()
        if user is None or not user.is_authenticated or user.pk != self.user.pk:
            return (UNAUTHENTICATED, "credentials no longer valid"), 0
        allowed, head = await database_sync_to_async(self._standing)(user)
        if not allowed:
            return (FORBIDDEN, "no longer allowed"), 0
        self.user = user
        return None, head

    def _standing(self, user: Any) -> tuple[bool, int]:
        """One trip to a worker thread for both of the heartbeat's reads."""
        allowed = self.may_keep(user)
        return allowed, self.head_for(user) if allowed else 0

    async def _send_entry(self, entry: dict, trust: bool = False) -> bool:
        """Send a live entry unless already sent. False, sending nothing, when the entry
        shows a gap: the group's previous message is beyond this socket's position. After
        a refill, `trust` it: the table is the truth, and the layer may disagree."""
        async with self.sending:
            previous = entry["previous"]
            if not trust and previous is not None and previous > self.position:
                return False
            await self._send_unsent(entry["message"])
            return True

    async def _send_new(self, message: dict) -> None:
        async with self.sending:
            await self._send_unsent(message)

    async def _send_unsent(self, message: dict) -> None:
        """Send the message with the position before it, unless that is at or past it.
        Only under `sending`: the check and the send are one step."""
        position = message["position"]
        if position <= self.position:
            return
        await self.send_json({**message, "previous": self.last_sent})
        self.last_sent = position

    async def dispatch(self, message: dict) -> None:
        """A live batch goes straight to `feed_batch`. Channels' own dispatch first sends
        every message through the process's one thread for synchronous code, to close
        stale database connections: with a thousand sockets, every message of every
        socket queued there behind the heartbeats' queries. `feed_batch` uses no
        connection; the replays it may start close their own, as every
        `database_sync_to_async` call does."""
        if message["type"] == BATCH_TYPE:
            await self.feed_batch(message)
        else:
            await super().dispatch(message)

    async def feed_batch(self, event: dict) -> None:
        """A baker's batch for one group, from the channel layer (`eventstore.feed_batches`)."""
        entries = event["entries"]
        for index, entry in enumerate(entries):
            if not self.live:
                self.buffer.extend(entries[index:])
                return
            if not await self._send_entry(entry):
                self.buffer.extend(entries[index:])
                self._refill()
                return

    async def disconnect(self, code: int) -> None:
        tasks = [task for task in (self.catching_up, self.heartbeat) if task is not None]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)  # a send to a gone client
