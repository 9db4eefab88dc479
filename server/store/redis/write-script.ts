import { LUA_CHANGE_HELPERS, luaScript } from "./lua-prelude.js";

/** ARGV fields per operation, after the WRITE_HEAD_FIELDS leading ones. */
export const WRITE_OP_FIELDS = 7;
/** Leading ARGV fields, before the operations. */
export const WRITE_HEAD_FIELDS = 6;

/** Reply status (first element). `legacy`: the prefix holds format-1 data; nothing was applied (migration.ts). */
export const WRITE_STATUS = { ok: 0, precondition: 1, replayed: 2, reusedKey: 3, legacy: 4 } as const;

/**
 * `cfWrite`: applies a batch of set/delete operations, atomically (a Lua script runs alone on Redis:
 * no other command sees the batch half done).
 *
 * KEYS:  the fixed block (lua-prelude.ts: 1 HEAD, 2 CHANGES, 3 EXPIRY, 4 META, 5..12 the indexes),
 *        then one data key per operation, in operation order (13 = operation 1), then the
 *        idempotency record's key when the write has one (13 + n).
 * ARGV:  1 history size (stream MAXLEN), 2 backstop grace (ms, see below), 3 operation count n,
 *        4 candidate store id (used when there is no HEAD: a new history), 5 request fingerprint and
 *        6 idempotency window (ms) when there is an idempotency key, then per operation i, at
 *        6 + 7(i-1) + 1..7:
 *        kind (`s` set / `d` delete), scope number (1..4), key, body (set: metadata and value JSON
 *        lines, records.ts), ttl ms (set, or ''), if_revision (or ''), older-than ms (delete: only
 *        delete if updatedAt is before it; '').
 *
 * Steps, all inside the one script:
 *  0. The store's header (a new history made now if there is none; {4} and nothing else when the
 *     data is still in format 1). With an idempotency key whose record exists: the same
 *     fingerprint returns {2, id, record} (the first outcome, nothing applied); another one returns
 *     {3, id} (the key was used for a different request; nothing applied).
 *  1. Read the revision and what each touched key holds. A context whose expiry has passed but that
 *     the sweeper has not reached yet counts as absent.
 *  2. Check every compare-and-set as the batch will see it (a set in the batch changes what a later
 *     operation on the same key sees). One mismatch returns {1, id, i, current} (i 0-based, current
 *     0 when absent) and nothing has been written.
 *  3. Expire the touched contexts whose time has passed (an EXPIRE change each), then apply the
 *     operations in order. Each change takes the next revision (no gaps), replaces the record and
 *     updates the indexes, and is appended to CHANGES as entry `<revision>-0` (lua-prelude.ts).
 *  4. Store the new revision and clock in HEAD, only if something changed; with an idempotency
 *     key, the record `<fingerprint>\n<compact outcome>` (write-outcome.ts) with the window as TTL.
 *
 * TTL: the record holds `e` (expiresAt) and EXPIRY orders it for the sweeper, which makes the
 * expiry a change. The data key also gets a Redis expiry at e + grace: a backstop that frees the
 * memory if no fabric server runs to sweep; the grace lets the sweeper find the context it reports.
 *
 * Reply: {0, id, revision, then per operation 2 slots}: set → revision, header JSON (r, cr, v, c,
 * u, e); delete → revision, the deleted context's record ('' when nothing was deleted).
 */
export const WRITE_SCRIPT = luaScript(
  "",
  LUA_CHANGE_HELPERS,
  String.raw`
local maxlen = ARGV[1]
local grace = tonumber(ARGV[2])
local n = tonumber(ARGV[3])
local function field(i, f) return ARGV[${WRITE_HEAD_FIELDS} + (i - 1) * ${WRITE_OP_FIELDS} + f] end

-- 0. The header, and the outcome of an earlier write with this idempotency key.
local head = open_head(HEAD, META, ARGV[4])
if not head then return {4} end
local id = head.id
local idem = KEYS[FIXED + n + 1]
if idem then
  local rec = redis.call('GET', idem)
  if rec then
    local nl = string.find(rec, '\n', 1, true)
    if nl and string.sub(rec, 1, nl - 1) == ARGV[5] then return {2, id, string.sub(rec, nl + 1)} end
    return {3, id}
  end
end

local now = clock(head)
local rev = head.rev
local start = rev

-- 1. What each touched key holds; expired-but-unswept contexts are reaped in step 3.
local cur, cur_u, reap = {}, {}, {}
for i = 1, n do
  local dk = KEYS[FIXED + i]
  if cur[dk] == nil then
    local rec = redis.call('GET', dk)
    local p = rec and parse(rec)
    if p and expired(p, now) then
      reap[#reap + 1] = {i, rec}
      cur[dk] = 0
    elseif p then
      cur[dk] = p.r
      cur_u[dk] = p.u
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
  local want = field(i, 6)
  if want ~= '' and tonumber(want) ~= c then return {1, id, i - 1, c} end
  if field(i, 1) == 's' then
    r = r + 1
    cur[dk] = r
    cur_u[dk] = now
  else
    local older = field(i, 7)
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
  local i, rec = x[1], x[2]
  local si, key = tonumber(field(i, 2)), field(i, 3)
  rev = rev + 1
  unindex(si, key, SCOPE_NAMES[si] .. ':' .. key)
  redis.call('DEL', KEYS[FIXED + i])
  append(maxlen, rev, 'E', si, key, nil, rec)
end

-- 3b. The operations, in order; compact: the outcome as an idempotency record keeps it.
local out = {0, id, 0}
local compact = {}
for i = 1, n do
  local dk = KEYS[FIXED + i]
  local si, key = tonumber(field(i, 2)), field(i, 3)
  local member = SCOPE_NAMES[si] .. ':' .. key
  local prev = redis.call('GET', dk)
  local p = prev and parse(prev)
  if field(i, 1) == 's' then
    rev = rev + 1
    local ttl = field(i, 5)
    local cr, v, c = rev, 1, now
    if p then cr, v, c = p.cr, p.v + 1, p.c end
    local e = false
    if ttl ~= '' then e = now + tonumber(ttl) end
    local rec = record_header(rev, cr, v, c, now, e) .. '\n' .. field(i, 4)
    if e then
      redis.call('SET', dk, rec, 'PXAT', int(e + grace))
      redis.call('ZADD', EXPIRY, int(e), member)
    else
      redis.call('SET', dk, rec)
      if p and p.e then redis.call('ZREM', EXPIRY, member) end
    end
    local by_rev, by_name = indexes(si)
    redis.call('ZADD', by_rev, int(rev), key)
    if not p then redis.call('ZADD', by_name, 0, key) end
    append(maxlen, rev, 'P', si, key, rec, prev)
    local header = '{"r":' .. int(rev) .. ',"cr":' .. int(cr) .. ',"v":' .. int(v) .. ',"c":' .. int(c) .. ',"u":' .. int(now)
    if e then header = header .. ',"e":' .. int(e) end
    out[#out + 1] = rev
    out[#out + 1] = header .. '}'
    compact[i] = header .. '}'
  else
    local older = field(i, 7)
    if p and (older == '' or p.u < tonumber(older)) then
      rev = rev + 1
      unindex(si, key, member)
      redis.call('DEL', dk)
      append(maxlen, rev, 'D', si, key, nil, prev)
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
if rev > start then
  head.rev = rev
  head.clock = now
  write_head(HEAD, head)
end
out[3] = rev
if idem then
  redis.call('SET', idem, ARGV[5] .. '\n{"r":' .. int(rev) .. ',"o":[' .. table.concat(compact, ',') .. ']}', 'PX', ARGV[6])
end
return out
`,
);
