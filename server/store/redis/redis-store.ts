import { createHash, randomUUID } from "node:crypto";
import { Cluster, Command } from "ioredis";
import { SCOPES, type Context, type Scope } from "@cache-fabric/client/api";
import { FabricError } from "@cache-fabric/client/api";
import type { Glob } from "../../contexts/glob.js";
import { defaultRedisSettings, type RedisSettings } from "./settings.js";
import { decodeChange, type StreamEntry } from "./change-stream.js";
import { ChangeReader } from "./change-reader.js";
import { connect, waitUntilReady, type RedisClient } from "./connection.js";
import { redisCall, toFabricError, writeFailure } from "./errors.js";
import { DUE_SCRIPT, EXPIRE_SCRIPT } from "./expire-script.js";
import { ExpirySweeper } from "./expiry-sweeper.js";
import { parseHead } from "./head.js";
import { HitCounter } from "./hit-counter.js";
import { keyLayout, scopeNumber, type KeyLayout } from "./keys.js";
import { MIGRATE_SCRIPT, MIGRATED_SCRIPT, migrateToFormat2 } from "./migration.js";
import { PREFIX_SCRIPT, runQuery } from "./query.js";
import { CHANGES_SCRIPT, FETCH_SCRIPT, IDENTITY_SCRIPT, READ_STATUS, ROTATE_SCRIPT } from "./read-scripts.js";
import { contextFromRecord, contextOf, encodeBody, legacyBody, parseRecord, parseRecordHeader, RECORD_HEADER_MAX } from "./records.js";
import { createReadBatcher, type ContextRef, type Fetched } from "./read-batch.js";
import { RedisClockBound } from "./redis-clock.js";
import { WRITE_OP_FIELDS, WRITE_SCRIPT, WRITE_STATUS } from "./write-script.js";
import type {
  ChangeEvent, ChangeListener, ChangesOutcome, CleanupOutcome, QueryOutcome, ReadOutcome, ResetListener, Store,
  StoreHeader, WriteOp, WriteOptions, WriteOutcome, WriteResult,
} from "../types.js";
import { contextFromHeader, fingerprint, replayOutcome, reusedKey, type CompactOutcome } from "../write-outcome.js";

export type LogFn = (level: "info" | "warn" | "error", msg: string) => void;

export interface RedisStoreOptions {
  /** Connection and behaviour settings (redis-settings.ts); missing ones take their defaults. */
  settings?: Partial<RedisSettings>;
  /** Changes kept in the stream for watch resumption (XADD MAXLEN). Default 10,000. */
  historySize?: number;
  /** Above this many keys sharing a pattern's literal prefix, a query walks the revision index. Default 4,096. */
  prefixScanLimit?: number;
  /** How often this server adds its hit/miss counts to Redis. Default 1,000 ms. */
  hitFlushMs?: number;
  /**
   * How long one XREAD of the change reader blocks. An idle server notices a replaced history (a
   * FLUSHALL, Redis restarted without its data) within this. Default 1,000 ms.
   */
  changeBlockMs?: number;
  /**
   * How long after its expiry a context's data key is kept by Redis itself (PEXPIREAT), so that the
   * sweeper still finds the context to report it; the Redis expiry only matters when no fabric
   * server sweeps. Default 60,000 ms.
   */
  backstopGraceMs?: number;
  /**
   * How long a reading of Redis' clock bounds it for plain reads of expiring contexts (redis-clock.ts).
   * Default 1,000 ms; tests lengthen it so that which path a read takes does not depend on speed.
   */
  clockSampleMaxAgeMs?: number;
  /** Stop reconnecting after this many attempts (tests; production retries forever). */
  retryLimit?: number;
  /** Where connection and background-task events go. Default: JSON lines on stdout, like the server. */
  log?: LogFn;
}

/** The Redis store, plus a hook to run the expiry sweep at once (tests, tools). */
export interface RedisStore extends Store {
  readonly kind: "redis";
  readonly keys: KeyLayout;
  /** Expires everything due now instead of waiting for the next sweep. */
  sweepNow(): Promise<void>;
}

/** The scripts as ioredis commands (defineCommand): EVALSHA, falling back to EVAL once per connection. */
interface ScriptCommands {
  cfExpire(numKeys: number, ...args: (string | number)[]): Promise<[number, number, string]>;
  cfDue(numKeys: number, ...args: (string | number)[]): Promise<[number, string[]]>;
  cfFetch(numKeys: number, ...args: (string | number)[]): Promise<(string | number | null)[]>;
  cfChanges(numKeys: number, ...args: (string | number)[]): Promise<[number, number, string, number, StreamEntry[]]>;
  cfPrefix(numKeys: number, ...args: (string | number | Buffer)[]): Promise<[number, number, string, number, ...string[]]>;
  cfIdentity(numKeys: number, ...args: (string | number)[]): Promise<[string | null, number]>;
  cfRotate(numKeys: number, ...args: (string | number)[]): Promise<[string | null, number]>;
  cfMigrate(numKeys: number, ...args: string[]): Promise<number>;
  cfMigrated(numKeys: number, ...args: string[]): Promise<[string | null, number]>;
}

type Client = RedisClient & ScriptCommands;

const SCRIPTS: Record<keyof ScriptCommands, string> = {
  cfExpire: EXPIRE_SCRIPT,
  cfDue: DUE_SCRIPT,
  cfFetch: FETCH_SCRIPT,
  cfChanges: CHANGES_SCRIPT,
  cfPrefix: PREFIX_SCRIPT,
  cfIdentity: IDENTITY_SCRIPT,
  cfRotate: ROTATE_SCRIPT,
  cfMigrate: MIGRATE_SCRIPT,
  cfMigrated: MIGRATED_SCRIPT,
};

/** Deletes per cleanup write: each is one script run, so this bounds how long Redis is kept busy. */
const CLEANUP_BATCH = 1000;

/**
 * Time a write script may take per operation on top of REDIS_COMMAND_TIMEOUT_MS before the write is
 * reported UNAVAILABLE ("may have been applied"). A script runs alone in Redis and its cost grows
 * with the batch: 10,000 operations take about 0.3-0.4 s on an idle 2-core machine and several times
 * that under load, so a fixed timeout would report the largest batches as failed although they apply.
 */
export const WRITE_TIMEOUT_PER_OP_MS = 0.5;

const WRITE_SHA = createHash("sha1").update(WRITE_SCRIPT).digest("hex");

/**
 * The production store: contexts in Redis, shared by any number of fabric servers, surviving their
 * restarts (and Redis restarts, as far as Redis persistence is configured: see README).
 *
 * Every change runs in one Lua script (write-script.ts, expire-script.ts) that checks, applies,
 * bumps the store revision, updates the indexes and appends the change to a Redis Stream, so there
 * is never half a write and every server sees every change in the same order: `changesSince` reads
 * the stream's history, `subscribe` follows it live (change-reader.ts). Reads are one plain MGET of
 * the records and the store header (`fetch`). Key layout: keys.ts; records: records.ts; data of
 * the previous record format is migrated before the store serves (migration.ts).
 *
 * Requires Redis >= 7.0 (script shebangs; checked at startup). Connects at once and waits up to the
 * connect timeout for Redis; after that, an outage makes calls fail with UNAVAILABLE within the
 * command timeout while the connection heals in the background.
 */
export async function createRedisStore(options: RedisStoreOptions = {}): Promise<RedisStore> {
  const settings: RedisSettings = { ...defaultRedisSettings(), ...stripUndefined(options.settings ?? {}) };
  const log = options.log ?? jsonLog;
  let closed = false;
  const quietLog: LogFn = (level, msg) => {
    if (!closed) log(level, msg);
  };
  const blockMs = options.changeBlockMs ?? 5000;
  const client = connect(settings, { name: "cache-fabric", retryLimit: options.retryLimit, log: quietLog }) as Client;
  const readerClient = connect(settings, {
    name: "cache-fabric-changes",
    commandTimeoutMs: blockMs + settings.redisCommandTimeoutMs,
    retryLimit: options.retryLimit,
    log: quietLog,
  });
  for (const [name, lua] of Object.entries(SCRIPTS)) client.defineCommand(name, { lua });
  try {
    await Promise.all([
      waitUntilReady(client, settings.redisConnectTimeoutMs),
      waitUntilReady(readerClient, settings.redisConnectTimeoutMs),
    ]);
    const version = /^redis_version:(\d+)\.(\d+)/m.exec(await redisCall(() => client.info("server")));
    if (version && Number(version[1]) < 7) {
      throw new FabricError("FAILED_PRECONDITION", `the Redis store needs Redis 7.0 or later (found ${version[1]}.${version[2]})`);
    }
    const keys = keyLayout(settings.redisKeyPrefix);
    const start = await readHeader(client, keys, randomUUID, quietLog);
    return new RedisStoreImpl(client, readerClient, keys, settings, options, start, quietLog, () => (closed = true));
  } catch (e) {
    client.disconnect();
    readerClient.disconnect();
    throw e;
  }
}

class RedisStoreImpl implements RedisStore {
  readonly kind = "redis" as const;
  private readonly historySize: number;
  private readonly graceMs: number;
  private readonly prefixScanLimit: number;
  private readonly listeners = new Set<ChangeListener>();
  private readonly resetListeners = new Set<ResetListener>();
  private readonly hits: HitCounter;
  private readonly commandTimeoutMs: number;
  /** The id a write or IDENTITY_SCRIPT creates if Redis has none; replaced once it has been used. */
  private candidate = randomUUID();
  private readonly reader: ChangeReader;
  private readonly sweeper: ExpirySweeper;
  /** Bounds the Redis clock between TIME readings, so that plain reads can hide expired contexts. */
  private readonly clock: RedisClockBound;
  /** Single-context reads, coalesced per event-loop turn into one MGET (read-batch.ts). */
  private readonly readOne = createReadBatcher((refs) => this.fetch(refs));
  /** The one header lookup (and migration, if needed) in flight. */
  private ensuring: Promise<StoreHeader> | undefined;
  private closing: Promise<void> | undefined;

  constructor(
    private readonly client: Client,
    readerClient: RedisClient,
    readonly keys: KeyLayout,
    settings: RedisSettings,
    options: RedisStoreOptions,
    start: StoreHeader,
    private readonly log: LogFn,
    private readonly markClosed: () => void,
  ) {
    this.commandTimeoutMs = settings.redisCommandTimeoutMs;
    this.historySize = options.historySize ?? 10_000;
    this.graceMs = options.backstopGraceMs ?? 60_000;
    this.prefixScanLimit = options.prefixScanLimit ?? 4096;
    this.hits = new HitCounter(client, keys.meta, options.hitFlushMs ?? 1000);
    this.clock = new RedisClockBound(options.clockSampleMaxAgeMs);
    // A lost connection may come back to another host (a failover) with another clock.
    client.on("close", () => this.clock.forget());
    client.on("-node", () => this.clock.forget());
    this.reader = new ChangeReader({
      client: readerClient,
      streamKey: keys.changes,
      headKey: keys.head,
      afterRevision: start.revision,
      storeId: start.storeId,
      identity: () => this.identity(),
      rotate: async (from) => {
        const [storeId, revision] = await redisCall(() => client.cfRotate(1, keys.head, from, this.takeCandidate()));
        return storeId === null ? this.identity() : { storeId, revision: Number(revision) };
      },
      reset: (header) => this.publishReset(header),
      blockMs: options.changeBlockMs ?? 1000,
      retryMinDelayMs: settings.redisRetryMinDelayMs,
      retryMaxDelayMs: settings.redisRetryMaxDelayMs,
      deliver: (events) => this.publish(events),
      wanted: () => this.listeners.size > 0,
      log,
    });
    this.sweeper = new ExpirySweeper({
      keys,
      intervalMs: settings.redisSweepIntervalMs,
      log,
      scripts: {
        due: async (limit) => {
          const sentAt = RedisClockBound.now();
          const [time, members] = await client.cfDue(2, keys.head, keys.expiry, limit);
          this.clock.record(sentAt, Number(time));
          return members;
        },
        expire: async (candidates) => {
          const args: (string | number)[] = [this.historySize, candidates.length, this.candidate];
          for (const c of candidates) args.push(scopeNumber(c.scope), c.key);
          const [revision, expired, id] = await client.cfExpire(
            keys.fixedKeys.length + candidates.length,
            ...keys.fixedKeys,
            ...candidates.map((c) => keys.data(c.scope, c.key)),
            ...args,
          );
          if (revision < 0) {
            await this.ensureHead(); // format-1 data: migrated, then the next sweep expires
            return 0;
          }
          this.used(id);
          return expired;
        },
      },
    });
  }

  async get(scope: Scope, key: string): Promise<Context | null> {
    return (await this.read(scope, key)).context;
  }

  async read(scope: Scope, key: string): Promise<ReadOutcome> {
    this.open();
    const outcome = await this.readOne({ scope, key });
    this.hits.record(outcome.context !== null);
    return outcome;
  }

  async write(ops: readonly WriteOp[], options: WriteOptions = {}): Promise<WriteOutcome> {
    this.open();
    return this.runWrite(ops, undefined, options.idempotency);
  }

  async query(scope: Scope, glob: Glob, options: { limit: number; beforeRevision?: number }): Promise<QueryOutcome> {
    this.open();
    return runQuery(
      {
        client: this.client,
        keys: this.keys,
        prefixScanLimit: this.prefixScanLimit,
        fetch: async (s, keys) => {
          const fetched = await this.fetch(keys.map((key) => ({ scope: s, key })));
          const failed = fetched.errors?.find((e) => e !== undefined);
          if (failed) throw failed;
          return fetched;
        },
        prefix: (s, min, max, limit) =>
          this.withHead(async () => {
            const [status, rev, id, ...rest] = await redisCall(() =>
              this.client.cfPrefix(4, this.keys.head, this.keys.meta, this.keys.byName(s), this.keys.byRevision(s), min, max, limit),
            );
            return status === READ_STATUS.ok ? ([rev, id, ...rest] as [number, string, number, ...string[]]) : undefined;
          }),
        firstPage: (s, max, count) =>
          this.withHead(async () => {
            const results = await redisCall(async () => {
              const r = await this.client.multi().get(this.keys.head).zrevrangebyscore(this.keys.byRevision(s), max, "-inf", "WITHSCORES", "LIMIT", 0, count).exec();
              const failed = r?.find(([err]) => err);
              if (!r || failed) throw failed?.[0] ?? new Error("transaction aborted");
              return r;
            });
            const head = results[0][1] as string | null;
            if (head === null) return undefined;
            const { revision, storeId } = parseHead(head);
            return { header: { revision, storeId }, page: results[1][1] as string[] };
          }),
      },
      scope,
      glob,
      options,
    );
  }

  /**
   * Deletes, through the write script (a DELETE change each), the contexts last updated before
   * `before`. updatedAt follows revision order (keys.ts), so they are the oldest entries of each
   * scope's revision index: the walk reads the index upwards, a page at a time, with each context's
   * header line (GETRANGE: never the value), and stops at the first one updated at or after the
   * cutoff. Deletes run in batches of CLEANUP_BATCH, each atomic; a context rewritten after it was
   * listed is left alone (the script re-checks updatedAt) and met again higher up if still old. The
   * cutoff is capped at Redis' time when cleanup starts, so contexts written while it runs are not
   * its concern and it always ends.
   */
  async cleanup(options: { before: Date; scope?: Scope; glob?: Glob }): Promise<CleanupOutcome> {
    this.open();
    await this.header(); // format-2 records from here on (migrated first if need be)
    const [seconds, micros] = await redisCall(() => this.client.time());
    const startMs = Number(seconds) * 1000 + Math.floor(Number(micros) / 1000);
    const cutoff = Math.min(options.before.getTime(), startMs + 1);
    let deleted = 0;
    let last: StoreHeader | undefined;
    for (const scope of options.scope ? [options.scope] : SCOPES) {
      const index = this.keys.byRevision(scope);
      let after = "-inf";
      for (let reached = false; !reached; ) {
        const page = await redisCall(() => this.client.zrangebyscore(index, after, "+inf", "WITHSCORES", "LIMIT", 0, CLEANUP_BATCH));
        if (page.length === 0) break;
        const heads = await redisCall(async () => {
          const pipeline = this.client.pipeline();
          for (let i = 0; i < page.length; i += 2) pipeline.getrange(this.keys.data(scope, page[i]), 0, RECORD_HEADER_MAX - 1);
          return (await pipeline.exec()) ?? [];
        });
        const old: string[] = [];
        for (let i = 0; i < page.length; i += 2) {
          const [err, text] = heads[i / 2] ?? [new Error("no reply")];
          if (err) throw toFabricError(err);
          const h = text ? parseRecordHeader(text as string) : undefined;
          // Gone, or rewritten since listed (its new entry lies further up the index).
          if (!h || h.r !== Number(page[i + 1])) continue;
          if (h.u >= cutoff) {
            reached = true;
            break;
          }
          if (!options.glob || options.glob.matches(page[i])) old.push(page[i]);
        }
        if (old.length > 0) {
          const outcome = await this.runWrite(old.map((key) => ({ op: "delete", scope, key })), cutoff);
          last = outcome;
          deleted += outcome.results.filter((r) => r.op === "delete" && r.deleted).length;
        }
        if (page.length < CLEANUP_BATCH * 2) break;
        after = `(${page[page.length - 1]}`;
      }
    }
    const { revision, storeId } = last ?? (await this.header());
    return { deleted, revision, storeId };
  }

  /** ZCARD of each scope's revision index, after expiring what is due (an expired context is not counted). */
  async counts(): Promise<Record<Scope, number>> {
    this.open();
    await this.sweeper.sweepNow();
    const results = await redisCall(async () => {
      const pipeline = this.client.pipeline();
      for (const s of SCOPES) pipeline.zcard(this.keys.byRevision(s));
      return (await pipeline.exec()) ?? [];
    });
    return Object.fromEntries(
      SCOPES.map((s, i) => {
        const [err, n] = results[i] ?? [new Error("no reply")];
        if (err) throw toFabricError(err);
        return [s, Number(n)];
      }),
    ) as Record<Scope, number>;
  }

  /**
   * Redis' own used_memory: of the whole Redis instance, not only this fabric's keys (Redis cannot
   * tell them apart cheaply). In Cluster, of the master that holds this fabric's slot.
   */
  async memoryUsage(): Promise<number> {
    this.open();
    const info = await redisCall(async () => {
      if (!(this.client instanceof Cluster)) return this.client.info("memory");
      const slot = Number(await this.client.cluster("KEYSLOT", this.keys.meta));
      const owner = this.client.slots[slot]?.[0];
      const node = this.client.nodes("master").find((n) => `${n.options.host}:${n.options.port}` === owner);
      if (!node) throw new Error(`no master known for slot ${slot}`);
      return node.info("memory");
    });
    const m = /^used_memory:(\d+)/m.exec(info);
    return m ? Number(m[1]) : 0;
  }

  async hitStats(): Promise<{ hits: number; misses: number }> {
    this.open();
    return this.hits.totals();
  }

  async revision(): Promise<number> {
    return (await this.header()).revision;
  }

  async header(): Promise<StoreHeader> {
    this.open();
    return this.identity();
  }

  async changesSince(afterRevision: number, limit: number): Promise<ChangesOutcome> {
    this.open();
    return this.withHead(async () => {
      const [status, revision, storeId, compact, entries] = await redisCall(() =>
        this.client.cfChanges(3, this.keys.head, this.keys.meta, this.keys.changes, afterRevision, limit),
      );
      if (status !== READ_STATUS.ok) return undefined;
      if (compact >= 0) return { events: [], compactRevision: compact, revision, storeId };
      return { events: entries.map(decodeChange), revision, storeId };
    });
  }

  subscribe(listener: ChangeListener, onReset?: ResetListener): () => void {
    this.listeners.add(listener);
    if (onReset) this.resetListeners.add(onReset);
    return () => {
      this.listeners.delete(listener);
      if (onReset) this.resetListeners.delete(onReset);
    };
  }

  sweepNow(): Promise<void> {
    this.open();
    return this.sweeper.sweepNow();
  }

  close(): Promise<void> {
    this.closing ??= (async () => {
      this.markClosed();
      this.listeners.clear();
      this.resetListeners.clear();
      await this.sweeper.close();
      await this.hits.close();
      await this.reader.close();
      await this.client.quit().catch(() => this.client.disconnect());
    })();
    return this.closing;
  }

  // ---- internals ----

  private open(): void {
    if (this.closing) throw new FabricError("UNAVAILABLE", "store is closed");
  }

  /**
   * Live contexts at `refs` (null where absent or expired), the store revision and id: one plain
   * MGET of the records and HEAD, so the contexts and the header come from one instant.
   *
   * A record without an expiry needs no clock. One with an expiry is hidden when it is due by the
   * last write's time (HEAD's clock: the fabric's clock is never before it), and returned when it
   * lies beyond the bound on Redis' clock (redis-clock.ts); in between (a context within a few ms
   * of its expiry, or no recent reading of the clock) the read is done again by FETCH_SCRIPT, which
   * checks against Redis' own TIME. An expired context is never returned. No HEAD: no history yet,
   * or format-1 data; the exact path sorts it out.
   */
  private async fetch(refs: readonly ContextRef[]): Promise<Fetched> {
    const dataKeys = refs.map((r) => this.keys.data(r.scope, r.key));
    const reply = await redisCall(() => this.client.mget(...dataKeys, this.keys.head));
    const arrived = RedisClockBound.now();
    const headText = reply[refs.length];
    if (headText === null || headText === undefined) return this.fetchExact(refs, dataKeys);
    const head = parseHead(headText);
    let bound = this.clock.upperBound(arrived);
    if (bound !== undefined && head.clock > bound) {
      this.clock.forget(); // a write's time beyond the bound: Redis' clock jumped, or the reading is wrong
      bound = undefined;
    }
    const contexts: (Context | null)[] = [];
    let errors: Error[] | undefined;
    for (let i = 0; i < refs.length; i++) {
      const text = reply[i];
      contexts.push(null);
      if (text === null) continue;
      const { scope, key } = refs[i];
      try {
        const parts = parseStored(scope, key, text);
        if (parts.e !== undefined && (bound === undefined || parts.e <= bound)) {
          if (parts.e > head.clock) return this.fetchExact(refs, dataKeys);
          continue;
        }
        contexts[i] = contextOf(scope, key, text, parts);
      } catch (e) {
        (errors ??= [])[i] = e as Error;
      }
    }
    return { revision: head.revision, storeId: head.storeId, contexts, ...(errors ? { errors } : {}) };
  }

  /** `fetch` decided by Redis (FETCH_SCRIPT), which also refreshes the clock bound. */
  private async fetchExact(refs: readonly ContextRef[], dataKeys: readonly string[]): Promise<Fetched> {
    return this.withHead(async () => {
      const sentAt = RedisClockBound.now();
      const reply = await redisCall(() => this.client.cfFetch(2 + dataKeys.length, this.keys.head, this.keys.meta, ...dataKeys));
      if (reply[0] !== READ_STATUS.ok) return undefined;
      this.clock.record(sentAt, Number(reply[3]));
      let errors: Error[] | undefined;
      const contexts = refs.map(({ scope, key }, i) => {
        const text = reply[4 + i];
        try {
          return typeof text === "string" ? contextFromRecord(scope, key, text) : null;
        } catch (e) {
          (errors ??= [])[i] = e as Error;
          return null;
        }
      });
      return { revision: Number(reply[1]), storeId: String(reply[2]), contexts, ...(errors ? { errors } : {}) };
    });
  }

  /**
   * Runs `read`; when it finds no HEAD (it answers undefined) makes sure there is one — a new
   * history, or format-1 data migrated — and runs it once more. Twice without HEAD means someone
   * is flushing Redis under the call: UNAVAILABLE, retry.
   */
  private async withHead<T>(read: () => Promise<T | undefined>): Promise<T> {
    const first = await read();
    if (first !== undefined) return first;
    await this.ensureHead();
    const second = await read();
    if (second === undefined) throw new FabricError("UNAVAILABLE", "the store's history was replaced during the call; retry");
    return second;
  }

  /** The store's identity and revision, starting a history or migrating format-1 data when Redis has no HEAD. */
  private identity(): Promise<StoreHeader> {
    return this.ensureHead();
  }

  private ensureHead(): Promise<StoreHeader> {
    this.ensuring ??= readHeader(this.client, this.keys, () => this.takeCandidate(), this.log).finally(() => (this.ensuring = undefined));
    return this.ensuring;
  }

  /** The candidate id for a script that may create the identity. */
  private takeCandidate(): string {
    const c = this.candidate;
    this.candidate = randomUUID();
    return c;
  }

  /** A script created the identity from the current candidate: never offer that id again. */
  private used(id: string): void {
    if (id === this.candidate) this.candidate = randomUUID();
  }

  /**
   * Runs the write script over `ops` (write-script.ts). `olderThan` (cleanup) makes each delete
   * conditional on the context's updatedAt being before it.
   */
  private async runWrite(ops: readonly WriteOp[], olderThan?: number, idempotency?: WriteOptions["idempotency"]): Promise<WriteOutcome> {
    const args: (string | number)[] = [this.historySize, this.graceMs, ops.length, this.candidate, "", ""];
    for (const op of ops) {
      const set = op.op === "set";
      args.push(
        set ? "s" : "d",
        scopeNumber(op.scope),
        op.key,
        set ? encodeBody(op.value, op.metadata) : "",
        set && op.ttlMs !== undefined ? op.ttlMs : "",
        op.ifRevision ?? "",
        olderThan ?? "",
      );
    }
    const keys = [...this.keys.fixedKeys, ...ops.map((op) => this.keys.data(op.scope, op.key))];
    if (idempotency) {
      args[4] = fingerprint(fingerprintParts(ops, args));
      args[5] = Math.max(1, Math.round(idempotency.windowMs));
      keys.push(this.keys.idempotency(idempotency.key));
    }
    const timeoutMs = this.commandTimeoutMs + Math.ceil(ops.length * WRITE_TIMEOUT_PER_OP_MS);
    let reply = await this.evalWrite(keys, args, timeoutMs);
    if (reply[0] === WRITE_STATUS.legacy) {
      // Format-1 data (nothing was applied): migrate it, then write.
      await this.ensureHead();
      reply = await this.evalWrite(keys, args, timeoutMs);
      if (reply[0] === WRITE_STATUS.legacy) throw new FabricError("UNAVAILABLE", "the store's data is being migrated; retry");
    }
    const storeId = String(reply[1]);
    this.used(storeId);
    switch (reply[0]) {
      case WRITE_STATUS.precondition:
        throw preconditionFailed(ops, Number(reply[2]), Number(reply[3]));
      case WRITE_STATUS.replayed:
        return replayOutcome(ops, JSON.parse(String(reply[2])) as CompactOutcome, storeId);
      case WRITE_STATUS.reusedKey:
        throw reusedKey();
    }
    const results: WriteResult[] = ops.map((op, i) => {
      const revision = Number(reply[3 + 2 * i]);
      const payload = String(reply[4 + 2 * i]);
      if (op.op === "set") return { op: "set", context: contextFromHeader(op, JSON.parse(payload)) };
      if (payload === "") return { op: "delete", deleted: false, revision };
      return { op: "delete", deleted: true, previous: contextFromRecord(op.scope, op.key, payload), revision };
    });
    return { results, revision: Number(reply[2]), storeId };
  }

  /**
   * Runs the write script with its own timeout (ioredis' Command, public API: EVALSHA, then EVAL
   * when Redis does not have the script yet). A failure says whether the write may have applied.
   */
  private async evalWrite(keys: readonly string[], args: readonly (string | number)[], timeoutMs: number): Promise<unknown[]> {
    const send = (name: "evalsha" | "eval", body: string) => {
      const command = new Command(name, [body, keys.length, ...keys, ...args], { replyEncoding: "utf8" });
      // Set before sending: the connection's default timeout then leaves this one in place.
      command.setTimeout(timeoutMs);
      return this.client.sendCommand(command) as Promise<unknown[]>;
    };
    try {
      return await send("evalsha", WRITE_SHA).catch((e: Error) => {
        if (!e.message?.startsWith("NOSCRIPT")) throw e;
        return send("eval", WRITE_SCRIPT);
      });
    } catch (e) {
      throw writeFailure(e);
    }
  }

  private publishReset(header: StoreHeader): void {
    for (const listener of this.resetListeners) {
      try {
        listener(header);
      } catch (e) {
        this.log("error", `reset listener threw: ${(e as Error).message}`);
      }
    }
  }

  private publish(events: ChangeEvent[]): void {
    for (const listener of this.listeners) {
      try {
        listener(events);
      } catch (e) {
        this.log("error", `change listener threw: ${(e as Error).message}`);
      }
    }
  }
}

/**
 * The store's identity and revision: a plain GET of HEAD, and only when Redis has none, IDENTITY_SCRIPT
 * (which starts a history), or the migration when the data is in format 1. A script that may write
 * is refused whole while Redis is at maxmemory, so reading first keeps start-up, health and the
 * change reader working then.
 */
async function readHeader(client: Client, keys: KeyLayout, candidate: () => string, log: LogFn): Promise<StoreHeader> {
  const head = await redisCall(() => client.get(keys.head));
  if (head !== null) {
    const { storeId, revision } = parseHead(head);
    return { storeId, revision };
  }
  const [storeId, revision] = await redisCall(() => client.cfIdentity(2, keys.head, keys.meta, candidate()));
  if (storeId !== null) return { storeId, revision: Number(revision) };
  return migrateToFormat2({
    client,
    keys,
    log,
    migrate: (dataKeys, args) => client.cfMigrate(dataKeys.length, ...dataKeys, ...args),
    finish: () => client.cfMigrated(2 + SCOPES.length, keys.head, keys.meta, ...SCOPES.map((s) => keys.legacyByUpdate(s))),
  });
}

/** A stored record's parts; an unreadable one is INTERNAL naming the context. */
function parseStored(scope: Scope, key: string, text: string) {
  try {
    return parseRecord(text);
  } catch (e) {
    throw new FabricError("INTERNAL", `stored context ${scope}/${key} is not readable`, { cause: e });
  }
}

/**
 * What an idempotency fingerprint covers: every field of every operation, as record format 1 sent
 * them to the script (kind, scope number, scope, key, `{"value":...,"metadata":...}`, ttl,
 * if_revision, older-than), so that a retry across the upgrade to format 2 still matches.
 */
function* fingerprintParts(ops: readonly WriteOp[], args: readonly (string | number)[]): Generator<string> {
  for (let i = 0; i < ops.length; i++) {
    const at = 6 + i * WRITE_OP_FIELDS;
    yield String(args[at]);
    yield String(args[at + 1]);
    yield ops[i].scope;
    yield String(args[at + 2]);
    yield ops[i].op === "set" ? legacyBody(String(args[at + 3])) : "";
    yield String(args[at + 4]);
    yield String(args[at + 5]);
    yield String(args[at + 6]);
  }
}

/** The same message as the memory store, so callers see one behaviour whatever the store. */
function preconditionFailed(ops: readonly WriteOp[], index: number, current: number): FabricError {
  const op = ops[index];
  const where = ops.length > 1 ? `operations[${index}].if_revision` : "if_revision";
  return new FabricError(
    "FAILED_PRECONDITION",
    `${where}: expected revision ${op.ifRevision} but ${op.scope}/${op.key} is ${current === 0 ? "absent" : `at revision ${current}`}`,
  );
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

function jsonLog(level: string, msg: string): void {
  process.stdout.write(JSON.stringify({ time: new Date().toISOString(), level, msg: `redis store: ${msg}` }) + "\n");
}
