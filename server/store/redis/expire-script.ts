import { LUA_CHANGE_HELPERS, luaScript } from "./lua-prelude.js";

/** ARGV fields per candidate of the expire script, after the EXPIRE_HEAD_FIELDS leading ones. */
export const EXPIRE_CANDIDATE_FIELDS = 2;
export const EXPIRE_HEAD_FIELDS = 3;

/**
 * `cfDue` (read-only): members of EXPIRY whose time has come, by the fabric's clock, oldest first.
 * KEYS: 1 HEAD, 2 EXPIRY. ARGV: 1 at most this many. Reply: {Redis TIME in ms, the members
 * (`<scope>:<key>`)}; the time also keeps the server's estimate of the Redis clock fresh
 * (redis-clock.ts). The sweeper then names their data keys to `cfExpire`, which re-checks each one.
 */
export const DUE_SCRIPT = luaScript(
  "no-writes",
  String.raw`
local t = redis_ms()
local now = clock(read_head(KEYS[1]))
return {t, redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', int(now), 'LIMIT', 0, tonumber(ARGV[1]))}
`,
);

/**
 * `cfExpire`: expires the named contexts whose time has come, each as an EXPIRE change with its own
 * revision, atomically with the index updates and the stream entry.
 *
 * KEYS:  the fixed block (lua-prelude.ts), then one data key per candidate (13 = candidate 1).
 * ARGV:  1 history size, 2 candidate count n, 3 candidate store id (when there is no HEAD), then
 *        per candidate i at 3 + 2(i-1) + 1..2: scope number, key.
 *
 * Every fabric server sweeps, so several may name the same candidate at once. Each candidate is
 * re-checked here: it is expired only while its EXPIRY entry is still due, so whichever script runs
 * first expires it and the others skip it (exactly one EXPIRE change). A write that replaced the
 * context in the meantime moved or removed the entry, so the new context is left alone. When the
 * data key is already gone (Redis' backstop expiry reclaimed it because no server swept in time)
 * the EXPIRE change has no previous context.
 *
 * Reply: {revision after, number expired, store id}; {-1} when the data is still in format 1.
 */
export const EXPIRE_SCRIPT = luaScript(
  "",
  LUA_CHANGE_HELPERS,
  String.raw`
local maxlen = ARGV[1]
local n = tonumber(ARGV[2])
local head = open_head(HEAD, META, ARGV[3])
if not head then return {-1} end
local now = clock(head)
local rev = head.rev
local start = rev
local guarded = false
for i = 1, n do
  local base = ${EXPIRE_HEAD_FIELDS} + (i - 1) * ${EXPIRE_CANDIDATE_FIELDS}
  local si, key = tonumber(ARGV[base + 1]), ARGV[base + 2]
  local dk = KEYS[FIXED + i]
  local member = SCOPE_NAMES[si] .. ':' .. key
  local due = tonumber(redis.call('ZSCORE', EXPIRY, member))
  if due and due <= now then
    local rec = redis.call('GET', dk)
    local p = rec and parse(rec)
    if p and not expired(p, now) then
      -- Out of step with the data (only possible if modified outside the fabric): follow the data.
      if p.e then redis.call('ZADD', EXPIRY, int(p.e), member) else redis.call('ZREM', EXPIRY, member) end
    else
      if not guarded then
        local err = guard_stream(rev)
        if err then return err end
        guarded = true
      end
      rev = rev + 1
      unindex(si, key, member)
      if rec then redis.call('DEL', dk) end
      append(maxlen, rev, 'E', si, key, nil, rec)
    end
  end
end
if rev > start then
  head.rev = rev
  write_head(HEAD, head)
end
return {rev, rev - start, head.id}
`,
);
