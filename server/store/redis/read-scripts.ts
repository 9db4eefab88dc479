import { luaScript } from "./lua-prelude.js";

/**
 * `cfFetch` (read-only): the store revision, then the live contexts at the given data keys.
 * A context whose expiry has passed is not returned even when the sweeper has not removed it yet:
 * the check uses the fabric's clock (Redis TIME), the same one writes and the sweeper use, so all
 * fabric servers agree on what has expired whatever their own clocks say.
 *
 * KEYS: 1 META, then data keys. Reply: {revision, then 7 fields per data key (records.ts FIELDS
 * order; all nil when absent or expired)}. GetContext is this with one key.
 */
export const FETCH_SCRIPT = luaScript(
  "no-writes",
  String.raw`
local now = clock(KEYS[1])
local out = {tonumber(redis.call('HGET', KEYS[1], 'rev')) or 0}
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
 * Reply: {revision, compactRevision or -1, entries}. When the oldest entry still kept is above
 * after + 1 (trimmed away), compactRevision is the lowest `after` that can still be served
 * (oldest - 1; the revision itself when nothing is kept) and entries is empty.
 */
export const CHANGES_SCRIPT = luaScript(
  "no-writes",
  String.raw`
local rev = tonumber(redis.call('HGET', KEYS[1], 'rev')) or 0
local after = tonumber(ARGV[1])
if after >= rev then return {rev, -1, {}} end
local first = redis.call('XRANGE', KEYS[2], '-', '+', 'COUNT', 1)[1]
local oldest = rev + 1
if first then oldest = tonumber(string.match(first[1], '^(%d+)')) end
if after + 1 < oldest then return {rev, oldest - 1, {}} end
return {rev, -1, redis.call('XRANGE', KEYS[2], int(after + 1) .. '-0', '+', 'COUNT', tonumber(ARGV[2]))}
`,
);
