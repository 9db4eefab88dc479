import type { Redis } from "ioredis";
import { SCOPES, type JsonValue, type Scope } from "@cache-fabric/client/api";
import { tagPrefix } from "../../server/store/redis/keys.js";

/**
 * A writer of record format 1, the Redis layout before format 2 (one hash per context, JSON inside
 * JSON, META holding id/rev/clock, an updatedAt index per scope, stream entries t/s/k/c/p), so that
 * the migration is tested on data the previous version really wrote: FORMAT_1_WRITE_SCRIPT is that
 * version's write script, verbatim (server/store/redis/{lua-prelude,write-script}.ts at commit
 * 61cc53c), and `writeFormat1` sends it what that version's store sent.
 */
export const FORMAT_1_WRITE_SCRIPT = String.raw`#!lua

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


local maxlen = ARGV[1]
local grace = tonumber(ARGV[2])
local n = tonumber(ARGV[3])
local function field(i, f) return ARGV[6 + (i - 1) * 8 + f] end

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
`;

export type Format1Op =
  | { op: "set"; scope: Scope; key: string; value: JsonValue; metadata?: Record<string, string>; ttlMs?: number; ifRevision?: number }
  | { op: "delete"; scope: Scope; key: string; ifRevision?: number };

/** The format-1 key layout under `prefix`. */
export function format1Keys(prefix: string) {
  const root = tagPrefix(prefix);
  return {
    meta: `${root}meta`,
    changes: `${root}changes`,
    expiry: `${root}expiry`,
    data: (scope: Scope, key: string) => `${root}d:${scope}:${key}`,
    idempotency: (key: string) => `${root}idem:${key}`,
    indexKeys: SCOPES.flatMap((s) => [`${root}rev:${s}`, `${root}lex:${s}`, `${root}mtime:${s}`]),
  };
}

/**
 * One write as the format-1 store made it (its reply as the script gives it). `idempotency` takes
 * the fingerprint that store computed over the same ARGV, passed in by the caller.
 */
export async function writeFormat1(
  redis: Redis,
  prefix: string,
  ops: readonly Format1Op[],
  options: {
    candidateId: string;
    historySize?: number;
    idempotency?: { key: string; fingerprint: string; windowMs: number };
    /** Keys deleted in the same MULTI, before the write: the prefix replaced at once, as a restore does. */
    replacing?: string[];
  },
): Promise<unknown[]> {
  const k = format1Keys(prefix);
  const args: (string | number)[] = [options.historySize ?? 10_000, 60_000, ops.length, options.candidateId, "", ""];
  for (const op of ops) args.push(...format1OpArgs(op));
  const keys = [k.meta, k.changes, k.expiry, ...k.indexKeys, ...ops.map((op) => k.data(op.scope, op.key))];
  if (options.idempotency) {
    args[4] = options.idempotency.fingerprint;
    args[5] = options.idempotency.windowMs;
    keys.push(k.idempotency(options.idempotency.key));
  }
  if (!options.replacing?.length) return (await redis.eval(FORMAT_1_WRITE_SCRIPT, keys.length, ...keys, ...args)) as unknown[];
  const results = await redis
    .multi()
    .del(...options.replacing)
    .eval(FORMAT_1_WRITE_SCRIPT, keys.length, ...keys, ...args)
    .exec();
  const failed = results?.find(([err]) => err);
  if (!results || failed) throw failed?.[0] ?? new Error("transaction aborted");
  return results[1][1] as unknown[];
}

/** The 8 ARGV fields the format-1 store sent per operation (its fingerprint covered exactly these). */
export function format1OpArgs(op: Format1Op): (string | number)[] {
  const set = op.op === "set";
  return [
    set ? "s" : "d",
    SCOPES.indexOf(op.scope) + 1,
    op.scope,
    op.key,
    set ? JSON.stringify({ value: op.value, metadata: op.metadata ?? {} }) : "",
    set && op.ttlMs !== undefined ? op.ttlMs : "",
    op.ifRevision ?? "",
    "",
  ];
}
