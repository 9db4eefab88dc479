import { SCOPES } from "@cache-fabric/client/api";
import { FIXED_KEYS } from "./keys.js";

/**
 * Lua helpers shared by the scripts, prepended to each of them. Every script starts with a shebang
 * (`#!lua`, Redis >= 7.0): a script that may write is then refused as a whole when Redis is out of
 * memory, instead of failing at its first write after earlier ones were applied; `flags=no-writes`
 * marks the read-only ones.
 *
 * Conventions: numbers are written to Redis and into records with `int()` (never Lua's default
 * number formatting, which switches to exponents), and times are milliseconds. Every script that
 * reports a revision also reports the store's identity, both read from HEAD in the same run, so the
 * revision and the history it belongs to are always read together.
 */
export const LUA_PRELUDE = String.raw`
local function int(x) return string.format('%d', x) end

-- HEAD (keys.ts): "<revision> <clock> <id>", or nil when the prefix has no history yet.
local function read_head(key)
  local s = redis.call('GET', key)
  if not s then return nil end
  local rev, clk, id = string.match(s, '^(%d+) (%d+) (%S+)$')
  if not rev then error('cache-fabric: unreadable store header at ' .. key) end
  return {rev = tonumber(rev), clock = tonumber(clk), id = id}
end

local function write_head(key, h)
  redis.call('SET', key, int(h.rev) .. ' ' .. int(h.clock) .. ' ' .. h.id)
end

-- A prefix without HEAD whose META still holds a format-1 id: its data must be migrated first.
local function legacy(meta) return redis.call('HEXISTS', meta, 'id') == 1 end

-- The header for a script that may write: HEAD, or a new history with the candidate id the fabric
-- server sends (a new prefix, or a Redis that lost or was flushed of its data), written at once.
-- nil when the data is in format 1: nothing may be written until it is migrated.
local function open_head(key, meta, candidate)
  local h = read_head(key)
  if h then return h end
  if legacy(meta) then return nil end
  h = {rev = 0, clock = 0, id = candidate}
  write_head(key, h)
  return h
end

-- Redis TIME in ms.
local function redis_ms()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end

-- The fabric's clock: Redis TIME, but never before the last write's time, so that updatedAt
-- follows revision order even if the Redis clock steps back (e.g. after a failover). Cleanup relies
-- on it (keys.ts), and so does every history written since the first version of this store.
local function clock(h)
  local now = redis_ms()
  if h and h.clock > now then return h.clock end
  return now
end

-- A record's header (records.ts), defaults applied; e is false when it does not expire.
local function parse(rec)
  local r, cr, v, c, u, e = string.match(rec, '^(%d+),(%d*),(%d+),(%d*),(%d+),(%d*)\n')
  if not r then error('cache-fabric: unreadable record') end
  r, u = tonumber(r), tonumber(u)
  return {
    r = r, cr = (cr == '' and r) or tonumber(cr), v = tonumber(v), c = (c == '' and u) or tonumber(c), u = u,
    e = e ~= '' and tonumber(e)
  }
end

local function expired(p, now) return p.e and p.e <= now end
`;

/**
 * Helpers for the scripts that change contexts (write, expire). They take the fixed key block
 * (keys.ts FIXED_KEYS): KEYS[1] HEAD, KEYS[2] CHANGES, KEYS[3] EXPIRY, KEYS[4] META, then for each
 * scope s (1..4, SCOPES order) its revision and name indexes at KEYS[4 + 2(s-1) + 1..2]; data keys
 * follow from KEYS[13].
 */
export const LUA_CHANGE_HELPERS = String.raw`
local HEAD, CHANGES, EXPIRY, META = KEYS[1], KEYS[2], KEYS[3], KEYS[4]
local FIXED = ${FIXED_KEYS}
local SCOPE_NAMES = {${SCOPES.map((s) => `'${s}'`).join(", ")}}

local function indexes(si)
  local base = 4 + (si - 1) * 2
  return KEYS[base + 1], KEYS[base + 2]
end

-- The header line of a record (records.ts): cr and c are left empty when they equal r and u.
local function record_header(r, cr, v, c, u, e)
  local s = int(r) .. ','
  if cr ~= r then s = s .. int(cr) end
  s = s .. ',' .. int(v) .. ','
  if c ~= u then s = s .. int(c) end
  s = s .. ',' .. int(u) .. ','
  if e then s = s .. int(e) end
  return s
end

-- Removes a context from both indexes and from the expiry set (not the data key itself).
local function unindex(si, key, member)
  local by_rev, by_name = indexes(si)
  redis.call('ZREM', by_rev, key)
  redis.call('ZREM', by_name, key)
  redis.call('ZREM', EXPIRY, member)
end

-- Appends one change at id <revision>-0, as one field x (change-stream.ts):
-- "<P|D|E><scope number><key>", then the context after a PUT, then the one before when there was
-- one, each a stored record on its own lines. Revisions are strictly increasing, so XADD cannot
-- refuse the id once guard_stream() has passed. The stream keeps exactly the last maxlen changes
-- (exact MAXLEN, not '~': approximate trimming only drops whole stream nodes, so the retained
-- window would depend on stream-node-max-entries; exact trimming marks about one entry per XADD).
local function append(maxlen, rev, kind, si, key, rec, prev)
  local x = kind .. si .. key
  if rec then x = x .. '\n' .. rec end
  if prev then x = x .. '\n' .. prev end
  redis.call('XADD', CHANGES, 'MAXLEN', maxlen, int(rev) .. '-0', 'x', x)
end

-- Redis does not roll a script back when a command in it fails. The one command here that could
-- fail on consistent data is XADD, if the stream already held an id at or above the next revision
-- (HEAD deleted or restored apart from the stream). Checked before the first write.
local function guard_stream(rev)
  local last = redis.call('XREVRANGE', CHANGES, '+', '-', 'COUNT', 1)[1]
  if last and tonumber(string.match(last[1], '^(%d+)')) > rev then
    return redis.error_reply('ERR cache-fabric: change stream is ahead of the store revision ' .. int(rev) .. '; the keys of this prefix were modified outside the fabric')
  end
  return nil
end
`;

/** A script's full source: shebang line first (Redis requires it there), then helpers, then body. */
export function luaScript(flags: "" | "no-writes", ...parts: string[]): string {
  return [flags ? `#!lua flags=${flags}` : "#!lua", LUA_PRELUDE, ...parts].join("\n");
}
