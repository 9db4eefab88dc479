import { create, toBinary } from "@bufbuild/protobuf";
import * as grpc from "@grpc/grpc-js";
import { FabricError, type FabricClient, type WatchMessage } from "@cache-fabric/client";
import { ContextService } from "@cache-fabric/client/gen/context";
import { ExecutionService } from "@cache-fabric/client/gen/execution";
import { PromptService } from "@cache-fabric/client/gen/prompt";
import { SearchService } from "@cache-fabric/client/gen/search";
import { createMemoryStore } from "../../server/store/memory.js";
import { testSearch } from "../support/hash-embedder.js";
import { startOpsServer, tokenDocument, type OpsTestServer } from "../support/ops-server.js";
import { allMethods, bearer, rawCall } from "../support/raw-client.js";
import { eventually } from "../support/harness.js";

/**
 * Authentication and authorisation over real gRPC on loopback, through every RPC: the server is
 * wired as server/main.ts wires it (createOps), search runs on the real indexer and in-process index
 * (with a stand-in embedder, see support/hash-embedder.ts), executions on the real core.
 */

const SECRET = {
  admin: "admin-secret-0123456789",
  reader: "reader-secret-0123456789",
  alice: "alice-secret-0123456789",
  bob: "bob-secret-0123456789",
  teamA: "team-a-secret-0123456789",
};

const TOKENS = tokenDocument([
  { name: "admin", token: SECRET.admin, grants: [{ scope: "*", access: "read-write" }] },
  { name: "reader", token: SECRET.reader, grants: [{ scope: "*", access: "read" }] },
  {
    name: "alice",
    token: SECRET.alice,
    user: "alice",
    grants: [
      { scope: "USER", access: "read-write" },
      { scope: "GLOBAL", keys: "router:*", access: "read" },
    ],
  },
  { name: "bob", token: SECRET.bob, user: "bob", grants: [{ scope: "USER", access: "read-write" }] },
  {
    name: "team-a",
    token: SECRET.teamA,
    grants: [
      { scope: "EXECUTION", keys: "execution:a-*", access: "read-write" },
      { scope: "FEEDBACK", keys: "feedback:a-*", access: "write" },
    ],
  },
]);

let t: OpsTestServer;
let admin: FabricClient;
let reader: FabricClient;
let alice: FabricClient;
let teamA: FabricClient;

beforeAll(async () => {
  t = await startOpsServer(createMemoryStore(), { config: { authTokens: TOKENS }, fabric: { search: await testSearch() } });
  admin = t.client({ token: SECRET.admin });
  reader = t.client({ token: SECRET.reader });
  alice = t.client({ token: SECRET.alice });
  teamA = t.client({ token: SECRET.teamA });
  // Seeded in process (no gRPC call, so no principal: the wrapper passes through).
  const seed = t.fabric;
  await seed.setContext({ key: "user:alice:prefs", scope: "USER", value: "alice likes green tea" });
  await seed.setContext({ key: "user:bob:prefs", scope: "USER", value: "bob likes green tea too" });
  await seed.setContext({ key: "user:bob:secret", scope: "USER", value: "bob secret diary" });
  await seed.setContext({ key: "router:main:system_message", value: "You are a helpful assistant" });
  await seed.setContext({ key: "billing:config", value: { plan: "pro" } });
  for (const id of ["a-1", "b-1"]) {
    await seed.recordExecution({ id, latencyMs: 10, input: `question ${id}`, output: `answer ${id}` });
    await seed.recordFeedback({ executionId: id, rating: 5, comment: `good ${id}` });
  }
});

afterAll(async () => {
  await t?.stop();
});

const code = (p: Promise<unknown>) =>
  p.then(
    () => "OK",
    (e) => (e instanceof FabricError ? e.code : `not a FabricError: ${e}`),
  );

describe("authentication", () => {
  const methods = allMethods(ContextService, SearchService, ExecutionService, PromptService);
  let raw: grpc.Client;
  beforeAll(() => {
    raw = new grpc.Client(t.address, grpc.credentials.createInsecure());
  });
  afterAll(() => raw.close());

  const cases: [string, () => grpc.Metadata][] = [
    ["no authorization header", () => new grpc.Metadata()],
    ["an unknown token", () => bearer("not-a-configured-token-at-all")],
    ["a malformed header", () => {
      const md = new grpc.Metadata();
      md.set("authorization", `Basic ${SECRET.admin}`);
      return md;
    }],
  ];

  test.each(methods.flatMap((m) => cases.map(([what, md]) => [`${m.parent.name}.${m.name}`, what, m, md] as const)))(
    "%s refuses %s with UNAUTHENTICATED",
    async (_name, _what, method, metadata) => {
      const body = Buffer.from(toBinary(method.input, create(method.input)));
      const outcome = await rawCall(raw, method, body, metadata());
      expect(outcome.code).toBe(grpc.status.UNAUTHENTICATED);
      expect(outcome.details).not.toContain(SECRET.admin);
    },
  );

  test("every method is covered (the list comes from the descriptors)", () => {
    expect(methods.length).toBeGreaterThanOrEqual(8 + 3 + 7);
  });

  test("a valid token passes", async () => {
    expect((await admin.getContext({ key: "router:main:system_message" }))?.value).toBe("You are a helpful assistant");
  });
});

describe("a read-only token", () => {
  test("reads", async () => {
    expect((await reader.getContext({ key: "billing:config" }))?.value).toEqual({ plan: "pro" });
    expect((await reader.query({ scope: "USER" })).contexts.length).toBe(3);
    expect((await reader.getExecution("a-1"))?.feedback?.rating).toBe(5);
  });

  test("cannot write through any writing RPC, and nothing is written", async () => {
    const before = await t.fabric.stats();
    const attempts: [string, Promise<unknown>][] = [
      ["setContext", reader.setContext({ key: "billing:config", value: "hacked" })],
      ["deleteContext", reader.deleteContext({ key: "billing:config" })],
      ["batch", reader.batch([{ op: "set", key: "new:key", value: 1 }])],
      ["pipeline", reader.pipeline().deleteContext({ key: "router:main:system_message" }).execute()],
      ["cleanup", reader.cleanup({ before: new Date(Date.now() + 60_000) })],
      ["recordExecution", reader.recordExecution({ id: "r-1", latencyMs: 1 })],
      ["recordFeedback", reader.recordFeedback({ executionId: "a-1", rating: 1 })],
    ];
    for (const [name, attempt] of attempts) expect([name, await code(attempt)]).toEqual([name, "PERMISSION_DENIED"]);
    const after = await t.fabric.stats();
    expect(after.revision).toBe(before.revision);
    expect((await t.fabric.getContext({ key: "billing:config" }))?.value).toEqual({ plan: "pro" });
    expect((await t.fabric.getExecution("a-1"))?.feedback?.rating).toBe(5);
  });
});

describe("a USER-bound token (alice) and another user's context (bob)", () => {
  test("getContext: own yes, another user's PERMISSION_DENIED", async () => {
    expect((await alice.getContext({ key: "user:alice:prefs", scope: "USER" }))?.value).toBe("alice likes green tea");
    expect(await code(alice.getContext({ key: "user:bob:prefs", scope: "USER" }))).toBe("PERMISSION_DENIED");
    // Prefix tricks do not help: the binding is `user:alice:` with its colon.
    expect(await code(alice.getContext({ key: "user:alice", scope: "USER" }))).toBe("PERMISSION_DENIED");
    expect(await code(alice.getContext({ key: "user:alicebob:x", scope: "USER" }))).toBe("PERMISSION_DENIED");
  });

  test("its other grants apply as configured: GLOBAL router:* readable, the rest not", async () => {
    expect((await alice.getContext({ key: "router:main:system_message" }))?.value).toBe("You are a helpful assistant");
    expect(await code(alice.getContext({ key: "billing:config" }))).toBe("PERMISSION_DENIED");
    expect(await code(alice.setContext({ key: "router:main:system_message", value: "x" }))).toBe("PERMISSION_DENIED");
  });

  test("setContext and deleteContext: own yes, another user's refused and untouched", async () => {
    const own = await alice.setContext({ key: "user:alice:notes", scope: "USER", value: "n" });
    expect(own.key).toBe("user:alice:notes");
    expect(await code(alice.setContext({ key: "user:bob:prefs", scope: "USER", value: "overwritten" }))).toBe("PERMISSION_DENIED");
    expect(await code(alice.deleteContext({ key: "user:bob:prefs", scope: "USER" }))).toBe("PERMISSION_DENIED");
    expect((await t.fabric.getContext({ key: "user:bob:prefs", scope: "USER" }))?.value).toBe("bob likes green tea too");
    expect((await alice.deleteContext({ key: "user:alice:notes", scope: "USER" })).deleted).toBe(true);
  });

  test("query: only its own keys, whatever the pattern", async () => {
    const keys = async (pattern?: string) => (await alice.query({ scope: "USER", pattern })).contexts.map((c) => c.key).sort();
    expect(await keys()).toEqual(["user:alice:prefs"]);
    expect(await keys("*")).toEqual(["user:alice:prefs"]);
    expect(await keys("user:*")).toEqual(["user:alice:prefs"]);
    expect(await keys("*prefs")).toEqual(["user:alice:prefs"]);
    expect(await keys("user:bob:*")).toEqual([]);
    expect(await code(alice.query({ scope: "EXECUTION" }))).toBe("PERMISSION_DENIED");
  });

  test("batch: one operation on another user's key refuses the whole batch", async () => {
    const attempt = alice.batch([
      { op: "set", key: "user:alice:batch", scope: "USER", value: 1 },
      { op: "delete", key: "user:bob:secret", scope: "USER" },
    ]);
    expect(await code(attempt)).toBe("PERMISSION_DENIED");
    expect(await t.fabric.getContext({ key: "user:alice:batch", scope: "USER" })).toBeNull();
    expect(await t.fabric.getContext({ key: "user:bob:secret", scope: "USER" })).not.toBeNull();
    const ok = await alice.batch([{ op: "set", key: "user:alice:batch", scope: "USER", value: 2 }]);
    expect(ok.results).toHaveLength(1);
    await alice.deleteContext({ key: "user:alice:batch", scope: "USER" });
  });

  test("cleanup: only when confined to its own namespace", async () => {
    const future = new Date(Date.now() + 60_000);
    expect(await code(alice.cleanup({ before: future }))).toBe("PERMISSION_DENIED");
    expect(await code(alice.cleanup({ before: future, scope: "USER" }))).toBe("PERMISSION_DENIED");
    expect(await code(alice.cleanup({ before: future, scope: "USER", pattern: "user:*" }))).toBe("PERMISSION_DENIED");
    await alice.setContext({ key: "user:alice:tmp", scope: "USER", value: 1 });
    const done = await alice.cleanup({ before: future, scope: "USER", pattern: "user:alice:tmp*" });
    expect(done.deleted).toBe(1);
    expect(await t.fabric.getContext({ key: "user:bob:prefs", scope: "USER" })).not.toBeNull();
  });

  test("watch: sees its own changes, never another user's", async () => {
    const controller = new AbortController();
    const seen: WatchMessage[] = [];
    const watching = (async () => {
      for await (const m of alice.watch({ scope: "USER", pattern: "user:*", signal: controller.signal, resume: false })) {
        seen.push(m);
        if (m.kind === "event" && m.event.key === "user:alice:watched") controller.abort();
      }
    })();
    await eventually(() => seen.some((m) => m.kind === "created"), "the watch to be created");
    await t.fabric.setContext({ key: "user:bob:watched", scope: "USER", value: "bob's change" });
    await t.fabric.setContext({ key: "user:alice:watched", scope: "USER", value: "alice's change" });
    await watching;
    const events = seen.flatMap((m) => (m.kind === "event" ? [m.event.key] : []));
    expect(events).toEqual(["user:alice:watched"]);
    expect(await code(drain(alice.watch({ scope: "USER", key: "user:bob:prefs", resume: false })))).toBe("PERMISSION_DENIED");
    expect(await code(drain(alice.watch({ scope: "USER", keys: ["user:alice:prefs", "user:bob:prefs"], resume: false })))).toBe("PERMISSION_DENIED");
    expect(await code(drain(alice.watch({ scope: "EXECUTION", resume: false })))).toBe("PERMISSION_DENIED");
  });

  test("search: only its own contexts among the matches", async () => {
    const keys = async (client: FabricClient, scope?: "USER") =>
      // Every match, however weak (-1): the stand-in embedder's similarities mean nothing.
      (await client.search({ query: "green tea diary", scope, limit: 100, waitForIndex: true, minSimilarity: -1 })).map((r) => r.key);
    // An unrestricted reader finds bob's contexts for this query...
    expect(await keys(reader, "USER")).toEqual(expect.arrayContaining(["user:bob:prefs", "user:bob:secret", "user:alice:prefs"]));
    // ...alice, in the USER scope or across every indexed scope, never does.
    for (const scope of ["USER", undefined] as const) {
      const found = await keys(alice, scope);
      expect(found).toContain("user:alice:prefs");
      expect(found.filter((k) => k.startsWith("user:") && !k.startsWith("user:alice:"))).toEqual([]);
      expect(found.filter((k) => !k.startsWith("user:") && !k.startsWith("router:"))).toEqual([]);
    }
  });

  test("executions and export: refused without EXECUTION grants", async () => {
    expect(await code(alice.getExecution("b-1"))).toBe("PERMISSION_DENIED");
    expect(await code(alice.listExecutions({}))).toBe("PERMISSION_DENIED");
    expect(await code(alice.executionStats({}))).toBe("PERMISSION_DENIED");
    expect(await code(alice.feedbackSummary({}))).toBe("PERMISSION_DENIED");
    expect(await code(drain(alice.exportTrainingData({})))).toBe("PERMISSION_DENIED");
    expect(await code(alice.recordExecution({ id: "alice-1", latencyMs: 1 }))).toBe("PERMISSION_DENIED");
  });

  test("stats describe the store, not contexts: allowed", async () => {
    expect((await alice.stats()).counts.USER).toBeGreaterThanOrEqual(3);
  });
});

describe("a token scoped to some executions (team-a: execution:a-*, feedback write only)", () => {
  test("reads its executions, without feedback it may not read", async () => {
    const own = await teamA.getExecution("a-1");
    expect(own?.execution.id).toBe("a-1");
    expect(own?.feedback).toBeUndefined();
    expect(await code(teamA.getExecution("b-1"))).toBe("PERMISSION_DENIED");
  });

  test("listExecutions and exportTrainingData filter to its executions", async () => {
    expect((await teamA.listExecutions({})).executions.map((e) => e.id)).toEqual(["a-1"]);
    const exported = [];
    for await (const x of teamA.exportTrainingData({})) exported.push(x);
    expect(exported.map((x) => [x.execution.id, x.feedback])).toEqual([["a-1", undefined]]);
  });

  test("aggregates over all executions are refused", async () => {
    expect(await code(teamA.executionStats({}))).toBe("PERMISSION_DENIED");
    expect(await code(teamA.feedbackSummary({}))).toBe("PERMISSION_DENIED");
  });

  test("records its own executions and feedback, not others'", async () => {
    expect((await teamA.recordExecution({ id: "a-2", latencyMs: 3 })).id).toBe("a-2");
    expect(await code(teamA.recordExecution({ id: "b-2", latencyMs: 3 }))).toBe("PERMISSION_DENIED");
    expect(await code(teamA.recordExecution({ latencyMs: 3 }))).toBe("PERMISSION_DENIED"); // generated id: not provably a-*
    expect((await teamA.recordFeedback({ executionId: "a-2", rating: 4 })).rating).toBe(4);
    expect(await code(teamA.recordFeedback({ executionId: "b-1", rating: 1 }))).toBe("PERMISSION_DENIED");
    expect(await code(teamA.recordFeedback({ executionId: "a-2", scores: [{ name: "auto", value: 1, max: 1 }] }))).toBe("OK");
  });

  test("the generic API sees the same rule: execution:b-* is not readable as a context either", async () => {
    expect(await code(teamA.getContext({ key: "execution:b-1", scope: "EXECUTION" }))).toBe("PERMISSION_DENIED");
    const page = await teamA.query({ scope: "EXECUTION", pattern: "execution:*" });
    expect(page.contexts.every((c) => c.key.startsWith("execution:a-"))).toBe(true);
  });
});

describe("logs", () => {
  test("denials are logged with the token's name, and no secret is ever logged", async () => {
    await code(alice.getContext({ key: "user:bob:prefs", scope: "USER" }));
    const denial = t.logs.find((l) => l.code === "PERMISSION_DENIED" && l.principal === "alice");
    expect(denial).toMatchObject({ level: "warn", method: "cachefabric.v1.ContextService/GetContext" });
    expect(typeof denial!.requestId).toBe("string");
    const all = JSON.stringify(t.logs);
    for (const secret of Object.values(SECRET)) expect(all).not.toContain(secret);
    expect(t.logs.some((l) => l.code === "UNAUTHENTICATED")).toBe(true);
  });
});

async function drain(iterable: AsyncIterable<unknown>): Promise<void> {
  for await (const _ of iterable) break;
}

