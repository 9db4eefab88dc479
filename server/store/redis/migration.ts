import { FabricError, SCOPES } from "@cache-fabric/client/api";
import type { StoreHeader } from "../types.js";
import type { RedisClient } from "./connection.js";
import { redisCall } from "./errors.js";
import type { KeyLayout } from "./keys.js";
import { luaScript } from "./lua-prelude.js";
import { LEGACY_FIELDS, recordFromLegacyFields } from "./records.js";

/**
 * `cfMigrate`: replaces format-1 data hashes with their format-2 records, each only if it is still
 * the hash that was read (a hash whose revision is the one expected): converting twice, or a key
 * another server converted first, is a no-op. The Redis expiry (the TTL backstop) is kept.
 * KEYS: data keys. ARGV: per key, its expected revision and its new record. Reply: keys converted.
 */
export const MIGRATE_SCRIPT = luaScript(
  "",
  String.raw`
local converted = 0
for i = 1, #KEYS do
  local dk = KEYS[i]
  if redis.call('TYPE', dk).ok == 'hash' and redis.call('HGET', dk, 'r') == ARGV[2 * i - 1] then
    local at = redis.call('PEXPIRETIME', dk)
    redis.call('DEL', dk)
    if at > 0 then redis.call('SET', dk, ARGV[2 * i], 'PXAT', at) else redis.call('SET', dk, ARGV[2 * i]) end
    converted = converted + 1
  end
end
return converted
`,
);

/**
 * `cfMigrated`: ends a migration: HEAD made from META's format-1 id, rev and clock (which are then
 * removed from META, so that HEAD is the one place they live), and format 1's updatedAt indexes
 * deleted. Idempotent: with HEAD already there only the indexes are deleted.
 * KEYS: 1 HEAD, 2 META, then the updatedAt indexes. Reply: {store id, revision} ({false, 0} when META
 * held no id either).
 */
export const MIGRATED_SCRIPT = luaScript(
  "",
  String.raw`
if not read_head(KEYS[1]) then
  local f = redis.call('HMGET', KEYS[2], 'id', 'rev', 'clock')
  if f[1] then
    write_head(KEYS[1], {rev = tonumber(f[2]) or 0, clock = tonumber(f[3]) or 0, id = f[1]})
    redis.call('HDEL', KEYS[2], 'id', 'rev', 'clock')
  end
end
for i = 3, #KEYS do redis.call('DEL', KEYS[i]) end
local head = read_head(KEYS[1])
if not head then return {false, 0} end
return {head.id, head.rev}
`,
);

export interface MigrationDeps {
  client: RedisClient;
  keys: KeyLayout;
  /** Runs MIGRATE_SCRIPT. */
  migrate(dataKeys: string[], args: string[]): Promise<number>;
  /** Runs MIGRATED_SCRIPT. */
  finish(): Promise<[string | null, number]>;
  log: (level: "info" | "warn" | "error", msg: string) => void;
}

/** Contexts read and converted per step: one MIGRATE_SCRIPT run each, so Redis is never kept busy long. */
const BATCH = 500;

/**
 * The one-shot migration from record format 1 (a hash per context, JSON inside JSON, an updatedAt
 * index per scope, the store header in META) to format 2 (records.ts, keys.ts). Run by a fabric
 * server that finds format-1 data: at start, before it serves, or when a script refuses to write on
 * such data (a Redis restored from a snapshot taken before the upgrade). Until it ends no script
 * writes (they find no HEAD and a format-1 id in META), so the revision indexes hold still and are
 * walked by rank; every live context is in them. Several servers may run it at once and a crashed
 * run may be run again: each conversion re-checks its key. Old stream entries and idempotency
 * records stay as they are (both formats are read).
 *
 * Servers of the previous version must all be stopped first: they would keep writing format 1.
 */
export async function migrateToFormat2(deps: MigrationDeps): Promise<StoreHeader> {
  const { client, keys } = deps;
  deps.log("warn", "data in record format 1 found: migrating to format 2 before serving");
  let seen = 0;
  let converted = 0;
  for (const scope of SCOPES) {
    const index = keys.byRevision(scope);
    for (let start = 0; ; start += BATCH) {
      const page = await redisCall(() => client.zrange(index, start, start + BATCH - 1));
      if (page.length === 0) break;
      seen += page.length;
      const results = await redisCall(async () => {
        const pipeline = client.pipeline();
        for (const key of page) pipeline.hmget(keys.data(scope, key), ...LEGACY_FIELDS);
        return (await pipeline.exec()) ?? [];
      });
      const dataKeys: string[] = [];
      const args: string[] = [];
      results.forEach(([err, fields], i) => {
        // WRONGTYPE: already a format-2 record (another server converted it); all null: gone.
        const f = fields as (string | null)[] | undefined;
        if (err || !f || f[0] === null || f[6] === null) return;
        dataKeys.push(keys.data(scope, page[i]));
        args.push(f[0], recordFromLegacyFields(f));
      });
      if (dataKeys.length > 0) converted += await redisCall(() => deps.migrate(dataKeys, args));
      if (page.length < BATCH) break;
    }
  }
  const [id, revision] = await redisCall(() => deps.finish());
  if (id === null) throw new FabricError("INTERNAL", "record format migration ended without a store header");
  deps.log("info", `migrated to record format 2: ${converted} of ${seen} contexts converted here; store ${id} at revision ${revision}`);
  return { storeId: id, revision: Number(revision) };
}
