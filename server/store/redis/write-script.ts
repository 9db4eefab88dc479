import { LUA_CHANGE_HELPERS, luaScript } from "./lua-prelude.js";

/** ARGV fields per operation, after the WRITE_HEAD_FIELDS leading ones. */
export const WRITE_OP_FIELDS = 8;
/** Leading ARGV fields, before the operations. */
export const WRITE_HEAD_FIELDS = 6;

/** Reply status (first element). */
export const WRITE_STATUS = { ok: 0, precondition: 1, replayed: 2, reusedKey: 3 } as const;

/**
 * `cfWrite`: applies a batch of set/delete operations, atomically (a Lua script runs alone on Redis:
 * no other command sees the batch half done).
 *
 * KEYS:  1 META, 2 CHANGES, 3 EXPIRY, 4..15 the index keys (lua-prelude.ts), then one data key per
 *        operation, in operation order (16 = operation 1), then the idempotency record's key when
 *        the write has one (16 + n).
 * ARGV:  1 history size (stream MAXLEN), 2 backstop grace (ms, see below), 3 operation count n,
 *        4 candidate store id (used when META has none: a new history), 5 request fingerprint and
 *        6 idempotency window (ms) when there is an idempotency key, then per operation i, at
 *        6 + 8(i-1) + 1..8:
 *        kind (`s` set / `d` delete), scope number (1..4), scope, key, body (set), ttl ms (set, or
 *        ''), if_revision (or ''), older-than ms (delete: only delete if updatedAt is before it; '').
 *
 * Steps, all inside the one script:
 *  0. The store's identity (made now if absent). With an idempotency key whose record exists: the
 *     same fingerprint returns {2, id, record} (the first outcome, nothing applied); another one
 *     returns {3, id} (the key was used for a different request; nothing applied).
 *  1. Read the revision and what each touched key holds. A context whose expiry has passed but that
 *     the sweeper has not reached yet counts as absent.
 *  2. Check every compare-and-set as the batch will see it (a set in the batch changes what a later
 *     operation on the same key sees). One mismatch returns {1, id, i, current} (i 0-based, current
 *     0 when absent) and nothing has been written.
 *  3. Expire the touched contexts whose time has passed (an EXPIRE change each), then apply the
 *     operations in order. Each change takes the next revision (no gaps), updates the data hash and
 *     the indexes, and is appended to CHANGES as entry `<revision>-0`: t (PUT/DELETE/EXPIRE), s, k,
 *     c (the context after a PUT), p (the context before, when there was one).
 *  4. Store the new revision and clock in META, only if something changed; with an idempotency
 *     key, the record `<fingerprint>\n<compact outcome>` (write-outcome.ts) with the window as TTL.
 *
 * TTL: the data hash records `e` (expiresAt) and EXPIRY orders it for the sweeper, which makes the
 * expiry a change. The data key also gets a Redis expiry at e + grace: a backstop that frees the
 * memory if no fabric server runs to sweep; the grace lets the sweeper find the context it reports.
 *
 * Reply: {0, id, revision, then per operation 2 slots}: set → revision, header JSON (r, cr, v, c,
 * u, e); delete → revision, record of the deleted context ('' when nothing was deleted).
 */
export const WRITE_SCRIPT = luaScript(
  "",
  LUA_CHANGE_HELPERS,
  String.raw`
local maxlen = ARGV[1]
local grace = tonumber(ARGV[2])
local n = tonumber(ARGV[3])
local function field(i, f) return ARGV[${WRITE_HEAD_FIELDS} + (i - 1) * ${WRITE_OP_FIELDS} + f] end

-- 0. Identity, and the outcome of an earlier write with this idempotency key.
local id = identity(ARGV[4])
local idem = KEYS[FIXED + n + 1]
if idem then
  local rec = redis.call('GET', idem)
  if rec then
    local nl = string.find(rec, '\n', 1, true)
    if nl and string.sub(rec, 1, nl - 1) == ARGV[5] then return {2, id, string.sub(rec, nl + 1)} end
    return {3, id}
  end
end

local now = clock(META)
local rev = tonumber(redis.call('HGET', META, 'rev')) or 0
local start = rev

-- 1. What each touched key holds; expired-but-unswept contexts are reaped in step 3.
local cur, cur_u, reap = {}, {}, {}
for i = 1, n do
  local dk = KEYS[FIXED + i]
  if cur[dk] == nil then
    local h = load(dk)
    if h and expired(h, now) then
      reap[#reap + 1] = {i, h}
      cur[dk] = 0
    elseif h then
      cur[dk] = tonumber(h[1])
      cur_u[dk] = tonumber(h[5])
    else
      cur[dk] = 0
    end
  end
end

-- 2. Every compare-and-set, simulated through the batch, before anything is written.
local r = rev + #reap
for i = 1, n do
  local dk = KEYS[FIXED + i]
  local c = cur[dk]
  local want = field(i, 7)
  if want ~= '' and tonumber(want) ~= c then return {1, id, i - 1, c} end
  if field(i, 1) == 's' then
    r = r + 1
    cur[dk] = r
    cur_u[dk] = now
  else
    local older = field(i, 8)
    if c ~= 0 and (older == '' or cur_u[dk] < tonumber(older)) then
      r = r + 1
      cur[dk] = 0
    end
  end
end
if r > rev then
  local err = guard_stream(rev)
  if err then return err end
end

-- 3a. Expire what has expired among the touched keys.
for _, x in ipairs(reap) do
  local i, h = x[1], x[2]
  local scope, key = field(i, 3), field(i, 4)
  rev = rev + 1
  unindex(tonumber(field(i, 2)), key, scope .. ':' .. key)
  redis.call('DEL', KEYS[FIXED + i])
  append(maxlen, rev, 'EXPIRE', scope, key, nil, record_of(h))
end

-- 3b. The operations, in order; compact: the outcome as an idempotency record keeps it.
local out = {0, id, 0}
local compact = {}
for i = 1, n do
  local dk = KEYS[FIXED + i]
  local si, scope, key = tonumber(field(i, 2)), field(i, 3), field(i, 4)
  local member = scope .. ':' .. key
  local h = load(dk)
  if field(i, 1) == 's' then
    rev = rev + 1
    local body, ttl = field(i, 5), field(i, 6)
    local cr, v, c = rev, 1, now
    if h then cr, v, c = tonumber(h[2]), tonumber(h[3]) + 1, tonumber(h[4]) end
    redis.call('HSET', dk, 'r', int(rev), 'cr', int(cr), 'v', int(v), 'c', int(c), 'u', int(now), 'b', body)
    local e = false
    if ttl ~= '' then
      e = int(now + tonumber(ttl))
      redis.call('HSET', dk, 'e', e)
      redis.call('PEXPIREAT', dk, int(now + tonumber(ttl) + grace))
      redis.call('ZADD', EXPIRY, e, member)
    elseif h and h[6] then
      redis.call('HDEL', dk, 'e')
      redis.call('PERSIST', dk)
      redis.call('ZREM', EXPIRY, member)
    end
    local by_rev, by_name, by_update = indexes(si)
    redis.call('ZADD', by_rev, int(rev), key)
    if not h then redis.call('ZADD', by_name, 0, key) end
    redis.call('ZADD', by_update, int(now), key)
    local header = '{"r":' .. int(rev) .. ',"cr":' .. int(cr) .. ',"v":' .. int(v) .. ',"c":' .. int(c) .. ',"u":' .. int(now)
    if e then header = header .. ',"e":' .. e end
    append(maxlen, rev, 'PUT', scope, key, record(int(rev), int(cr), int(v), int(c), int(now), e, body), h and record_of(h))
    out[#out + 1] = rev
    out[#out + 1] = header .. '}'
    compact[i] = header .. '}'
  else
    local older = field(i, 8)
    if h and (older == '' or tonumber(h[5]) < tonumber(older)) then
      rev = rev + 1
      local prev = record_of(h)
      unindex(si, key, member)
      redis.call('DEL', dk)
      append(maxlen, rev, 'DELETE', scope, key, nil, prev)
      out[#out + 1] = rev
      out[#out + 1] = prev
      compact[i] = '[1,' .. int(rev) .. ']'
    else
      out[#out + 1] = rev
      out[#out + 1] = ''
      compact[i] = '[0,' .. int(rev) .. ']'
    end
  end
end

-- 4. The new revision, and the clock that keeps updatedAt in revision order; the outcome, remembered.
if rev > start then redis.call('HSET', META, 'rev', int(rev), 'clock', int(now)) end
out[3] = rev
if idem then
  redis.call('SET', idem, ARGV[5] .. '\n{"r":' .. int(rev) .. ',"o":[' .. table.concat(compact, ',') .. ']}', 'PX', ARGV[6])
end
return out
`,
);
