import { FabricClient, type WatchMessage } from "@cache-fabric/client";
import { startRedis, type RedisProcess } from "../support/redis-server.js";
import { startServerProcess, type ServerProcess } from "../support/server-process.js";

/**
 * Crafted globs over gRPC, against a server in its own process (so that a server stuck in a match
 * cannot also stop this test's clients and timers): Query, Cleanup and a Watch filter with the
 * issue's patterns, over keys at the 512-character limit, while another client reads and writes.
 *
 * The old RegExp matcher took seconds per key for `s:*a*a…*b` (and longer than the universe for
 * these keys): the reader's GetContext and the writer's SetContext then hit their deadlines, and no
 * watch event came. Here every call is answered, the watch delivers exactly the one matching change,
 * in order, and the reads see every acknowledged write. Deadlines are a minute, far beyond the
 * milliseconds the work takes, so they only catch a server that is stuck, not a slow machine.
 */

const KEYS = 300;
const LONG = (i: number) => "s:" + "a".repeat(506) + String(i).padStart(4, "0"); // 512 characters
/** The issue's pattern: ten stars before a final `b` (backtracking explodes on runs of `a`). */
const ISSUE = "s:" + "*a".repeat(10) + "*b";
/** The new matcher's worst case: the longest segment a key can hold, scanned over the whole key (~8,200 steps). */
const WORST = "*" + "a".repeat(500) + "b*";
const TIMEOUT = { timeoutMs: 60_000 };

describe.each(["memory", "redis"] as const)("crafted globs on the %s store", (storeName) => {
  let redis: RedisProcess | undefined;
  let server: ServerProcess;
  let reader: FabricClient;
  let writer: FabricClient;
  let crafter: FabricClient;

  beforeAll(async () => {
    const args = ["--listen", "127.0.0.1:0", "--search", "false", "--store", storeName];
    if (storeName === "redis") {
      redis = await startRedis();
      args.push("--redis-url", redis.url);
    }
    server = startServerProcess(args);
    const address = await server.serving();
    [reader, writer, crafter] = [0, 1, 2].map(() => new FabricClient({ address }));
    const ops = Array.from({ length: KEYS }, (_, i) => ({ op: "set" as const, key: LONG(i), value: i }));
    await writer.batch(ops, TIMEOUT);
    await writer.setContext({ key: "plain", value: "still here" }, TIMEOUT);
  }, 120_000);

  afterAll(async () => {
    for (const c of [reader, writer, crafter]) await c?.close();
    await server?.stop();
    await redis?.stop();
  });

  test("Query and Cleanup with crafted patterns run beside another client's GetContext: every call answered", async () => {
    const later = new Date(Date.now() + 60_000);
    const queries = Promise.all([ISSUE, WORST].map((pattern) => crafter.query({ pattern, limit: 1000 }, TIMEOUT)));
    const cleanups = Promise.all([ISSUE, WORST].map((pattern) => crafter.cleanup({ before: later, pattern }, TIMEOUT)));
    const got = await reader.getContext({ key: "plain" }, TIMEOUT);
    const [[issue, worst], [cleanedIssue, cleanedWorst]] = await Promise.all([queries, cleanups]);
    expect(got?.value).toBe("still here");
    expect(issue.contexts).toEqual([]);
    expect(worst.contexts).toEqual([]);
    expect([cleanedIssue.deleted, cleanedWorst.deleted]).toEqual([0, 0]);
    expect(await reader.countContexts("GLOBAL", TIMEOUT)).toBe(KEYS + 1);
  }, 120_000);

  test("a Watch with a crafted pattern sees exactly its one matching change, while 100 other long keys are written and read", async () => {
    const abort = new AbortController();
    const messages: WatchMessage[] = [];
    let created!: () => void;
    const isCreated = new Promise<void>((r) => (created = r));
    const watching = (async () => {
      for await (const m of crafter.watch({ pattern: ISSUE, resume: false, signal: abort.signal })) {
        messages.push(m);
        if (m.kind === "created") created();
        if (m.kind === "event") break;
      }
    })();
    await isCreated;

    // Each write is matched against the crafted filter by the server's watch hub.
    const written: number[] = [];
    for (let i = 0; i < 100; i++) {
      written.push((await writer.setContext({ key: LONG(KEYS + i), value: i }, TIMEOUT)).revision);
      if (i % 10 === 0) expect((await reader.getContext({ key: LONG(KEYS + i) }, TIMEOUT))?.value).toBe(i);
    }
    const match = "s:" + "a".repeat(20) + "b";
    const matching = await writer.setContext({ key: match, value: "the one" }, TIMEOUT);
    await watching;
    abort.abort();

    expect(messages.map((m) => m.kind)).toEqual(["created", "event"]);
    const event = messages[1];
    expect(event.kind === "event" && { key: event.event.key, revision: event.event.revision }).toEqual({ key: match, revision: matching.revision });
    // Writes were acknowledged in order, each after the previous one: nothing was held back.
    expect(written).toEqual([...written].sort((a, b) => a - b));
    expect(matching.revision).toBeGreaterThan(written[written.length - 1]);
  }, 120_000);
});
