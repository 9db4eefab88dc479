import { luaScript } from "./lua-prelude.js";

/**
 * `cfFetch` (read-only): the store revision, then the live contexts at the given data keys.
 * A context whose expiry has passed is not returned even when the sweeper has not removed it yet:
 * the check uses the fabric's clock (Redis TIME), the same one writes and the sweeper use, so all
 * fabric servers agree on what has expired whatever their own clocks say.
 *
 * KEYS: 1 META, then data keys. Reply: {revision, store id (false when none yet), then 7 fields per
 * data key (records.ts FIELDS order; all nil when absent or expired)}. GetContext is this with one key.
 */
export const FETCH_SCRIPT = luaScript(
  "no-writes",
  String.raw`
local now = clock(KEYS[1])
local out = {tonumber(redis.call('HGET', KEYS[1], 'rev')) or 0, identity()}
for i = 2, #KEYS do
  local h = load(KEYS[i])
  if h and not expired(h, now) then
    for f = 1, 7 do out[#out + 1] = h[f] end
  else
    for f = 1, 7 do out[#out + 1] = false end
  end
end
return out
`,
);

/**
 * `cfChanges` (read-only): changes after a revision, from the stream, with the compaction check
 * done on the same snapshot.
 *
 * KEYS: 1 META, 2 CHANGES. ARGV: 1 after revision, 2 at most this many.
 * Reply: {revision, store id (false when none yet), compactRevision or -1, entries}. When the
 * oldest entry still kept is above after + 1 (trimmed away), compactRevision is the lowest `after`
 * that can still be served (oldest - 1; the revision itself when nothing is kept) and entries is empty.
 */
export const CHANGES_SCRIPT = luaScript(
  "no-writes",
  String.raw`
local rev = tonumber(redis.call('HGET', KEYS[1], 'rev')) or 0
local id = identity()
local after = tonumber(ARGV[1])
if after >= rev then return {rev, id, -1, {}} end
local first = redis.call('XRANGE', KEYS[2], '-', '+', 'COUNT', 1)[1]
local oldest = rev + 1
if first then oldest = tonumber(string.match(first[1], '^(%d+)')) end
if after + 1 < oldest then return {rev, id, oldest - 1, {}} end
return {rev, id, -1, redis.call('XRANGE', KEYS[2], int(after + 1) .. '-0', '+', 'COUNT', tonumber(ARGV[2]))}
`,
);

/**
 * `cfHeader` (read-only): {store id (false when none yet), revision}. KEYS: 1 META.
 */
export const HEADER_SCRIPT = luaScript(
  "no-writes",
  String.raw`
return {identity(), tonumber(redis.call('HGET', KEYS[1], 'rev')) or 0}
`,
);

/**
 * `cfIdentity`: {store id, revision}, creating the id from ARGV[1] when META has none (a new prefix,
 * or Redis lost or was flushed of its data). KEYS: 1 META.
 */
export const IDENTITY_SCRIPT = luaScript(
  "",
  String.raw`
return {identity(ARGV[1]), tonumber(redis.call('HGET', KEYS[1], 'rev')) or 0}
`,
);

/**
 * `cfRotate`: gives the history a new identity (ARGV[2]) if it still has the one a server followed
 * (ARGV[1]), and returns {store id, revision}. Used when Redis came back with an older revision than
 * a server had seen (restored from an older snapshot, or a failover to a replica that was behind):
 * the revisions after it will name other changes than the ones clients saw, so the history is a new
 * one. Whichever server notices first rotates; the others find the id already changed. KEYS: 1 META.
 */
export const ROTATE_SCRIPT = luaScript(
  "",
  String.raw`
if redis.call('HGET', KEYS[1], 'id') == ARGV[1] then redis.call('HSET', KEYS[1], 'id', ARGV[2]) end
return {identity(ARGV[2]), tonumber(redis.call('HGET', KEYS[1], 'rev')) or 0}
`,
);
