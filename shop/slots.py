"""Per-user slots in Redis: at most N held at once, across every server process.

A user's slots are one sorted set, each member scored with the time its lease ends, on
Redis's own clock so that servers whose clocks differ agree. Taking a slot first drops
lapsed ones, so a process that dies holding slots gives them back within a lease. Long
polls (`shop.api.long_polls`) and open websockets (`shop.websocket_guard`) both count
this way, each under its own key.
"""

TAKE = """
local now = tonumber(redis.call('TIME')[1])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[1]) then return 0 end
redis.call('ZADD', KEYS[1], now + tonumber(ARGV[2]), ARGV[3])
redis.call('EXPIRE', KEYS[1], ARGV[2])
return 1
"""
"""KEYS: the user's set; ARGV: the limit, the lease in seconds, the new member. 1 when
taken, 0 when the user already holds the limit."""

RENEW = """
local now = tonumber(redis.call('TIME')[1])
redis.call('ZADD', KEYS[1], now + tonumber(ARGV[1]), ARGV[2])
redis.call('EXPIRE', KEYS[1], ARGV[1])
return 1
"""
"""KEYS: the user's set; ARGV: the lease in seconds, the member. Extends its lease."""
