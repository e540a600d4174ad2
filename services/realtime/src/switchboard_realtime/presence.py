"""Presence members kept in Redis so every node sees the same members.

Each presence channel is one hash: field ``{node}/{socket_id}`` -> ``{user_id}\\n{user_info}``.
A field counts only while its node is alive (its heartbeat in the ``nodes`` sorted set
is in the future), so a killed node's members vanish from every read within the TTL;
a surviving node later reaps the dead fields and announces ``member_removed``.
Join and leave are Lua scripts, so "first/last connection of a user" is decided
atomically across nodes.
"""

from __future__ import annotations

from dataclasses import dataclass

import msgspec

from switchboard_realtime.keys import Keys, text
from switchboard_realtime.redis_link import RedisClient

# Shared Lua: the live fields of a presence hash, as (user_id -> info) in join order,
# skipping the field ARGV[skip] and any field whose node's heartbeat has expired.
_LIVE_MEMBERS = """
local function live_members(key, nodes_key, now, skip)
  local fields = redis.call('HGETALL', key)
  local alive, members, order = {}, {}, {}
  for i = 1, #fields, 2 do
    local field, value = fields[i], fields[i + 1]
    local node = string.match(field, '^([^/]+)/')
    if alive[node] == nil then
      local score = redis.call('ZSCORE', nodes_key, node)
      alive[node] = score ~= false and score ~= nil and tonumber(score) >= now
    end
    if alive[node] and field ~= skip then
      local nl = string.find(value, '\\n', 1, true)
      local uid = string.sub(value, 1, nl - 1)
      if members[uid] == nil then
        members[uid] = string.sub(value, nl + 1)
        table.insert(order, uid)
      end
    end
  end
  return members, order
end
"""

# KEYS: presence hash, nodes zset, node's presence-channel set.
# ARGV: field, value, user_id, user_info, now_ms, max_members, set member.
# Returns {status, uid1, info1, ...}: status 1 = first connection, 0 = user already here,
# -1 = channel full (nothing written).
_JOIN = (
    _LIVE_MEMBERS
    + """
local members, order = live_members(KEYS[1], KEYS[2], tonumber(ARGV[5]), ARGV[1])
local uid = ARGV[3]
local first = members[uid] == nil
if first then
  if #order >= tonumber(ARGV[6]) then return {-1} end
  members[uid] = ARGV[4]
  table.insert(order, uid)
end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
redis.call('SADD', KEYS[3], ARGV[7])
local out = {first and 1 or 0}
for _, id in ipairs(order) do
  table.insert(out, id)
  table.insert(out, members[id])
end
return out
"""
)

# KEYS: presence hash, nodes zset. ARGV: field, user_id, now_ms.
# Returns 1 when that was the user's last live connection (announce member_removed).
_LEAVE = (
    _LIVE_MEMBERS
    + """
if redis.call('HDEL', KEYS[1], ARGV[1]) == 0 then return 0 end
local members = live_members(KEYS[1], KEYS[2], tonumber(ARGV[3]), '')
if members[ARGV[2]] == nil then return 1 end
return 0
"""
)

# KEYS: presence hash, nodes zset. ARGV: dead node id, now_ms.
# Removes the dead node's fields; returns the user ids left with no live connection.
_REAP = (
    _LIVE_MEMBERS
    + """
local fields = redis.call('HGETALL', KEYS[1])
local prefix = ARGV[1] .. '/'
local removed = {}
for i = 1, #fields, 2 do
  if string.sub(fields[i], 1, #prefix) == prefix then
    redis.call('HDEL', KEYS[1], fields[i])
    local nl = string.find(fields[i + 1], '\\n', 1, true)
    removed[string.sub(fields[i + 1], 1, nl - 1)] = true
  end
end
local members = live_members(KEYS[1], KEYS[2], tonumber(ARGV[2]), '')
local gone = {}
for uid, _ in pairs(removed) do
  if members[uid] == nil then table.insert(gone, uid) end
end
return gone
"""
)

# KEYS: presence hash, nodes zset. ARGV: now_ms. Returns {uid1, info1, ...}.
_MEMBERS = (
    _LIVE_MEMBERS
    + """
local members, order = live_members(KEYS[1], KEYS[2], tonumber(ARGV[1]), '')
local out = {}
for _, id in ipairs(order) do
  table.insert(out, id)
  table.insert(out, members[id])
end
return out
"""
)


class ChannelFull(Exception):
    """The presence channel already holds the maximum number of distinct users."""


@dataclass(frozen=True, slots=True)
class JoinResult:
    """Outcome of a join: whether it was the user's first connection, and who is here."""

    first: bool
    members: dict[str, msgspec.Raw]


def _pairs(flat: list[bytes]) -> dict[str, msgspec.Raw]:
    return {text(flat[i]): msgspec.Raw(flat[i + 1]) for i in range(0, len(flat), 2)}


class PresenceStore:
    """Cluster-wide presence membership of one node's connections."""

    def __init__(self, redis: RedisClient, keys: Keys, node_id: str, max_members: int) -> None:
        self._redis = redis
        self._keys = keys
        self._node_id = node_id
        self._max_members = max_members
        self._join = redis.register_script(_JOIN)
        self._leave = redis.register_script(_LEAVE)
        self._reap = redis.register_script(_REAP)
        self._members = redis.register_script(_MEMBERS)

    def _field(self, socket_id: str) -> str:
        return f"{self._node_id}/{socket_id}"

    async def join(
        self,
        app_id: str,
        channel: str,
        socket_id: str,
        *,
        user_id: str,
        user_info: bytes,
        now_ms: int,
    ) -> JoinResult:
        """Add this connection as ``user_id``; raise :class:`ChannelFull` when full."""
        value = user_id.encode() + b"\n" + user_info
        keys = [
            self._keys.presence(app_id, channel),
            self._keys.nodes,
            self._keys.node_presence(self._node_id),
        ]
        member = f"{app_id}\n{channel}"
        args: list[bytes | str | int] = [
            self._field(socket_id),
            value,
            user_id,
            user_info,
            now_ms,
            self._max_members,
            member,
        ]
        reply = await self._join(keys, args)
        status = int(reply[0])
        if status < 0:
            raise ChannelFull(channel)
        return JoinResult(status == 1, _pairs(reply[1:]))

    async def leave(
        self, app_id: str, channel: str, socket_id: str, *, user_id: str, now_ms: int
    ) -> bool:
        """Remove this connection; True when the user has no connection left."""
        keys = [self._keys.presence(app_id, channel), self._keys.nodes]
        return bool(await self._leave(keys, [self._field(socket_id), user_id, now_ms]))

    async def members(self, app_id: str, channel: str, now_ms: int) -> dict[str, msgspec.Raw]:
        """The live members of a channel: user id -> raw ``user_info`` JSON."""
        keys = [self._keys.presence(app_id, channel), self._keys.nodes]
        return _pairs(await self._members(keys, [now_ms]))

    async def reap(self, node_id: str, now_ms: int) -> list[tuple[str, str, str]]:
        """Drop a dead node's members; the (app, channel, user) triples that left for good."""
        gone: list[tuple[str, str, str]] = []
        node_key = self._keys.node_presence(node_id)
        for entry in await self._redis.smembers(node_key):
            app_id, channel = text(entry).split("\n", 1)
            keys = [self._keys.presence(app_id, channel), self._keys.nodes]
            for user_id in await self._reap(keys, [node_id, now_ms]):
                gone.append((app_id, channel, text(user_id)))
        await self._redis.delete(node_key)
        return gone
