/**
 * Lua helpers shared by the scripts, prepended to each of them. Every script starts with a shebang
 * (`#!lua`, Redis >= 7.0): a script that may write is then refused as a whole when Redis is out of
 * memory, instead of failing at its first write after earlier ones were applied; `flags=no-writes`
 * marks the read-only ones.
 *
 * Conventions: META = KEYS[1], CHANGES = KEYS[2], EXPIRY = KEYS[3] for every script that has them;
 * numbers are written to Redis and into records with `int()` (never Lua's default number
 * formatting, which switches to exponents), and times are milliseconds. Every script that reports a
 * revision also reports the store's identity (META `id`) read in the same run, so the revision and
 * the history it belongs to are always read together.
 */
export const LUA_PRELUDE = String.raw`
local function int(x) return string.format('%d', x) end

-- The store's identity (META id): made with its history. A script that may write creates it when
-- it is absent (a new prefix, or a Redis that lost or was flushed of its data) from the candidate
-- the fabric server sends; read-only scripts report false then and the server creates it.
local function identity(candidate)
  local id = redis.call('HGET', KEYS[1], 'id')
  if not id and candidate and candidate ~= '' then
    redis.call('HSET', KEYS[1], 'id', candidate)
    id = candidate
  end
  return id
end

-- The fabric's clock: Redis TIME, but never before the last write's time, so that updatedAt
-- follows revision order even if the Redis clock steps back (e.g. after a failover).
local function clock(meta)
  local t = redis.call('TIME')
  local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
  local last = tonumber(redis.call('HGET', meta, 'clock'))
  if last and last > now then return last end
  return now
end

-- A context's fields (see records.ts), or nil when the key holds none.
local function load(dk)
  local h = redis.call('HMGET', dk, 'r', 'cr', 'v', 'c', 'u', 'e', 'b')
  if not h[1] then return nil end
  return h
end

local function expired(h, now) return h[6] and tonumber(h[6]) <= now end

-- A whole context as JSON, by concatenation: the body (b) is JSON written by Node, kept verbatim.
local function record(r, cr, v, c, u, e, b)
  local s = '{"r":' .. r .. ',"cr":' .. cr .. ',"v":' .. v .. ',"c":' .. c .. ',"u":' .. u
  if e then s = s .. ',"e":' .. e end
  return s .. ',"b":' .. b .. '}'
end

local function record_of(h) return record(h[1], h[2], h[3], h[4], h[5], h[6], h[7]) end
`;

/**
 * Helpers for the scripts that change contexts (write, expire). They take the fixed key block:
 * KEYS[1] META, KEYS[2] CHANGES, KEYS[3] EXPIRY, then for each scope s (1..4, SCOPES order) its
 * revision, name and updatedAt indexes at KEYS[3 + 3(s-1) + 1..3]; data keys follow from KEYS[16].
 */
export const LUA_CHANGE_HELPERS = String.raw`
local META, CHANGES, EXPIRY = KEYS[1], KEYS[2], KEYS[3]
local FIXED = 15

local function indexes(si)
  local base = 3 + (si - 1) * 3
  return KEYS[base + 1], KEYS[base + 2], KEYS[base + 3]
end

-- Removes a context from every index and from the expiry set (not the data key itself).
local function unindex(si, key, member)
  local by_rev, by_name, by_update = indexes(si)
  redis.call('ZREM', by_rev, key)
  redis.call('ZREM', by_name, key)
  redis.call('ZREM', by_update, key)
  redis.call('ZREM', EXPIRY, member)
end

-- Appends one change at id <revision>-0. Revisions are strictly increasing, so XADD cannot refuse
-- the id once guard_stream() has passed. The stream keeps exactly the last maxlen changes (exact
-- MAXLEN, not '~': approximate trimming only drops whole stream nodes, so the retained window would
-- depend on stream-node-max-entries; exact trimming marks about one entry per XADD).
local function append(maxlen, rev, kind, scope, key, ctx, prev)
  local args = {CHANGES, 'MAXLEN', maxlen, int(rev) .. '-0', 't', kind, 's', scope, 'k', key}
  if ctx then args[#args + 1] = 'c'; args[#args + 1] = ctx end
  if prev then args[#args + 1] = 'p'; args[#args + 1] = prev end
  redis.call('XADD', unpack(args))
end

-- Redis does not roll a script back when a command in it fails. The one command here that could
-- fail on consistent data is XADD, if the stream already held an id at or above the next revision
-- (META deleted or restored apart from the stream). Checked before the first write.
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
