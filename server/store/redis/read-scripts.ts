import { luaScript } from "./lua-prelude.js";

/** First element of the read scripts' replies when there is no HEAD. */
export const READ_STATUS = { ok: 0, noHistory: 1, legacy: 2 } as const;

/**
 * `cfFetch` (read-only): the exact read, for the cases where a plain MGET cannot decide alone
 * (redis-store.ts `fetch`): the store header, then the live records at the given data keys. A
 * context whose expiry has passed is not returned even when the sweeper has not removed it yet:
 * the check uses the fabric's clock (Redis TIME, never before the last write's), the same one writes
 * and the sweeper use, so all fabric servers agree on what has expired whatever their own clocks say.
 *
 * KEYS: 1 HEAD, 2 META, then data keys. Reply: {status (READ_STATUS), revision, store id, Redis TIME
 * in ms, then one record per data key (false when absent or expired)}; only {status} without HEAD.
 */
export const FETCH_SCRIPT = luaScript(
  "no-writes",
  String.raw`
local head = read_head(KEYS[1])
if not head then return {legacy(KEYS[2]) and 2 or 1} end
local t = redis_ms()
local now = clock(head)
local out = {0, head.rev, head.id, t}
for i = 3, #KEYS do
  local rec = redis.call('GET', KEYS[i])
  if rec and expired(parse(rec), now) then rec = false end
  out[#out + 1] = rec
end
return out
`,
);

/**
 * `cfChanges` (read-only): changes after a revision, from the stream, with the compaction check
 * done on the same snapshot.
 *
 * KEYS: 1 HEAD, 2 META, 3 CHANGES. ARGV: 1 after revision, 2 at most this many.
 * Reply: {status, revision, store id, compactRevision or -1, entries} (only {status} without HEAD).
 * When the oldest entry still kept is above after + 1 (trimmed away), compactRevision is the lowest
 * `after` that can still be served (oldest - 1; the revision itself when nothing is kept) and
 * entries is empty.
 */
export const CHANGES_SCRIPT = luaScript(
  "no-writes",
  String.raw`
local head = read_head(KEYS[1])
if not head then return {legacy(KEYS[2]) and 2 or 1} end
local rev, id = head.rev, head.id
local after = tonumber(ARGV[1])
if after >= rev then return {0, rev, id, -1, {}} end
local first = redis.call('XRANGE', KEYS[3], '-', '+', 'COUNT', 1)[1]
local oldest = rev + 1
if first then oldest = tonumber(string.match(first[1], '^(%d+)')) end
if after + 1 < oldest then return {0, rev, id, oldest - 1, {}} end
return {0, rev, id, -1, redis.call('XRANGE', KEYS[3], int(after + 1) .. '-0', '+', 'COUNT', tonumber(ARGV[2]))}
`,
);

/**
 * `cfIdentity`: {store id, revision}, starting a history with id ARGV[1] when there is no HEAD (a
 * new prefix, or Redis lost or was flushed of its data); {false, 0} when the data is in format 1 and
 * must be migrated first. KEYS: 1 HEAD, 2 META.
 */
export const IDENTITY_SCRIPT = luaScript(
  "",
  String.raw`
local head = read_head(KEYS[1])
if head then return {head.id, head.rev} end
if legacy(KEYS[2]) then return {false, 0} end
write_head(KEYS[1], {rev = 0, clock = 0, id = ARGV[1]})
return {ARGV[1], 0}
`,
);

/**
 * `cfRotate`: gives the history a new identity (ARGV[2]) if it still has the one a server followed
 * (ARGV[1]), and returns {store id, revision} ({false, 0} without HEAD). Used when Redis came back
 * with an older revision than a server had seen (restored from an older snapshot, or a failover to
 * a replica that was behind): the revisions after it will name other changes than the ones clients
 * saw, so the history is a new one. Whichever server notices first rotates; the others find the id
 * already changed. KEYS: 1 HEAD.
 */
export const ROTATE_SCRIPT = luaScript(
  "",
  String.raw`
local head = read_head(KEYS[1])
if not head then return {false, 0} end
if head.id == ARGV[1] then
  head.id = ARGV[2]
  write_head(KEYS[1], head)
end
return {head.id, head.rev}
`,
);
