import { Writable } from "node:stream";
import type { FabricClient } from "@cache-fabric/client";
import { runCli } from "@cache-fabric/client/cli";
import { createEmbedder } from "../../server/search/embed/index.js";
import { createMemoryVectorIndex } from "../../server/search/index/memory.js";
import { createQdrantVectorIndex } from "../../server/search/index/qdrant.js";
import type { SearchOptions } from "../../server/search/search-ops.js";
import type { Embedder, VectorIndex } from "../../server/search/types.js";
import { createMemoryStore } from "../../server/store/memory.js";
import type { Store } from "../../server/store/types.js";
import { eventually, startTestServer, type TestServer } from "../support/harness.js";
import { startQdrantStandIn, type QdrantStandIn } from "../support/qdrant-standin.js";


/** The same store, whose close() leaves the data in place: a restart finds what was written. */
function outliving(store: Store): Store {
  return { ...bindAll(store), close: async () => {} };
}

/** One embedder for the file (loading the model is the slow part); each test gets its own index. */
let embedder: Embedder;
let standIn: QdrantStandIn | undefined;
beforeAll(async () => {
  embedder = await createEmbedder();
});
afterAll(async () => {
  await embedder.close();
  // Qdrant's schema was the referee for every request the adapter sent here.
  expect(standIn?.violations() ?? []).toEqual([]);
  await standIn?.close();
});

/** The embedder outlives each fabric: closing a fabric must not close the shared model. */
const shared = (): Embedder => ({ ...embedder, dimension: embedder.dimension, modelId: embedder.modelId, embed: (t) => embedder.embed(t), close: async () => {} });

type IndexFactory = () => Promise<{ index: VectorIndex; kind: "memory" | "qdrant" }>;

const INDEXES: Array<[string, IndexFactory]> = [
  ["in-process index", async () => ({ index: createMemoryVectorIndex(), kind: "memory" })],
  [
    process.env.QDRANT_URL ? "Qdrant (real, QDRANT_URL)" : "Qdrant adapter against the loopback Qdrant STAND-IN",
    async () => {
      const url = process.env.QDRANT_URL ?? (standIn ??= await startQdrantStandIn()).url;
      return { index: createQdrantVectorIndex({ url, collection: `e2e_${Date.now()}_${Math.random().toString(36).slice(2, 8)}` }), kind: "qdrant" };
    },
  ],
];

describe("restart over a persistent index", () => {
  test("a new fabric over the same store and the same Qdrant collection re-embeds only what changed", async () => {
    const url = process.env.QDRANT_URL ?? (standIn ??= await startQdrantStandIn()).url;
    const collection = `restart_${Date.now()}_${Math.random().toString(36).slice(2, 8)}`;
    let embedded = 0;
    const counting = (): Embedder => ({
      dimension: embedder.dimension,
      modelId: embedder.modelId,
      embed: (texts) => {
        embedded += texts.length;
        return embedder.embed(texts);
      },
      close: async () => {},
    });
    const store = createMemoryStore();
    const keep: Store = { ...bindAll(store), close: async () => {} };
    const open = async () => {
      const index = createQdrantVectorIndex({ url, collection });
      await index.init(embedder.dimension);
      return startTestServer(keep, { search: { embedder: counting(), index, indexKind: "qdrant" } });
    };
    let t = await open();
    const pipe = t.client.pipeline();
    for (let i = 0; i < 40; i++) pipe.setContext({ key: `doc:${i}`, value: `document number ${i} about ${i % 2 ? "cats" : "taxes"}` });
    await pipe.execute();
    await t.client.search({ query: "x", waitForIndex: true });
    await t.stop();
    // While no fabric runs, one context changes.
    await store.write([{ op: "set", scope: "GLOBAL", key: "doc:3", value: "now about gardening", metadata: {} }]);
    embedded = 0;
    t = await open();
    const [top] = await t.client.search({ query: "growing plants in the garden", waitForIndex: true, limit: 1 });
    expect(top.key).toBe("doc:3");
    // Since the restart: the one changed context and the one query were embedded, not all 40.
    expect(embedded).toBe(1 + 1);
    expect((await t.client.searchStatus()).vectors).toBe(40);
    await t.stop();
    await store.close();
  });
});

/** The store's methods bound to it, so a copy with another close() still works on the same data. */
function bindAll(store: Store): Store {
  return {
    kind: store.kind,
    get: (...a) => store.get(...a),
    read: (...a) => store.read(...a),
    write: (...a) => store.write(...a),
    query: (...a) => store.query(...a),
    cleanup: (...a) => store.cleanup(...a),
    counts: () => store.counts(),
    memoryUsage: () => store.memoryUsage(),
    hitStats: () => store.hitStats(),
    revision: () => store.revision(),
    header: () => store.header(),
    changesSince: (...a) => store.changesSince(...a),
    subscribe: (...a) => store.subscribe(...a),
    close: () => store.close(),
  };
}

describe("cache-fabric reindex", () => {
  test("re-embeds every indexed context through the CLI and reports the count", async () => {
    const index = createMemoryVectorIndex();
    await index.init(embedder.dimension);
    const t = await startTestServer(createMemoryStore(), { search: { embedder: shared(), index, indexKind: "memory" } });
    const pipe = t.client.pipeline();
    for (let i = 0; i < 20; i++) pipe.setContext({ key: `note:${i}`, value: `note ${i}` });
    pipe.setContext({ key: "run:1", value: "not indexed", scope: "EXECUTION" });
    await pipe.execute();
    let out = "";
    const sink = new Writable({
      write(chunk, _e, done) {
        out += String(chunk);
        done();
      },
    });
    const stderr = jest.spyOn(process.stderr, "write").mockImplementation(() => true);
    try {
      expect(await runCli(["reindex", "--address", t.server.address], sink)).toBe(0);
    } finally {
      stderr.mockRestore();
    }
    expect(out).toMatch(/^reindexed 20 contexts; 20 vectors, model use-lite-\w+ \(512 dims\), index memory\n$/);
    await t.stop();
  });
});

describe.each(INDEXES)("search over gRPC with the %s", (_name, makeIndex) => {
  let t: TestServer;
  let fabric: FabricClient;
  let store: Store;

  async function start(existing?: Store, search?: Partial<SearchOptions>): Promise<void> {
    // The fabric closes its store when it stops; the data outlives it, as a persistent store's does.
    store = existing ?? outliving(createMemoryStore());
    const { index, kind } = await makeIndex();
    await index.init(embedder.dimension);
    t = await startTestServer(store, { search: { embedder: shared(), index, indexKind: kind, ...search } });
    fabric = t.client;
  }
  afterEach(async () => {
    await t?.stop();
  });

  test("the guide's semantic search: similar prompts first, with similarity, key and value", async () => {
    await start();
    await fabric.setContext({ key: "prompt:1", value: "You are a helpful assistant focused on Python", scope: "GLOBAL" });
    await fabric.setContext({ key: "prompt:2", value: "You are a travel agent who books hotels", scope: "GLOBAL" });
    await fabric.setContext({ key: "prompt:3", value: "You write poems about the sea", scope: "GLOBAL" });
    // -1 keeps every hit; the default threshold leaves out the unrelated prompts.
    const similar = await fabric.search({ query: "Python programming help", scope: "GLOBAL", limit: 5, waitForIndex: true, minSimilarity: -1 });
    expect(similar.map((r) => r.key)[0]).toBe("prompt:1");
    expect(similar).toHaveLength(3);
    const relevant = await fabric.search({ query: "Python programming help", scope: "GLOBAL", limit: 5 });
    expect(relevant.map((r) => r.key)).toEqual(["prompt:1"]);
    expect((await fabric.searchStatus()).minSimilarity).toBe(0.4);
    expect(similar[0].value).toBe("You are a helpful assistant focused on Python");
    expect(similar[0].similarity).toBeGreaterThan(similar[1].similarity);
    expect(similar[0].context.revision).toBe(1);
  });

  test("no stale hit through update, delete, TTL expiry and cleanup", async () => {
    await start();
    await fabric.setContext({ key: "doc:a", value: "How do I reset my password?" });
    await fabric.setContext({ key: "doc:b", value: "The weather is sunny today" });
    // No TTL yet: on a loaded machine the first searches may take longer than any short TTL.
    await fabric.setContext({ key: "doc:c", value: "Forgot my login credentials, need a new password" });
    await fabric.setContext({ key: "doc:d", value: "Recover access to my account after losing the password" });
    const keys = async () => (await fabric.search({ query: "password reset", waitForIndex: true, minSimilarity: 0.3 })).map((r) => r.key).sort();
    expect(await keys()).toEqual(["doc:a", "doc:c", "doc:d"]);

    // update: doc:a no longer talks about passwords
    await fabric.setContext({ key: "doc:a", value: "Bananas are yellow fruit" });
    expect(await keys()).toEqual(["doc:c", "doc:d"]);
    // delete
    await fabric.deleteContext({ key: "doc:d" });
    expect(await keys()).toEqual(["doc:c"]);
    // TTL expiry: rewritten with a short TTL, then searched once the store has expired it.
    await fabric.setContext({ key: "doc:c", value: "Forgot my login credentials, need a new password", ttl: 0.2 });
    await eventually(async () => (await fabric.getContext({ key: "doc:c" })) === null, "doc:c to expire");
    expect(await keys()).toEqual([]);
    // cleanup
    await fabric.setContext({ key: "doc:e", value: "password reset instructions" });
    expect(await keys()).toEqual(["doc:e"]);
    await fabric.cleanup({ before: new Date(Date.now() + 1000) });
    expect(await keys()).toEqual([]);
    expect((await fabric.searchStatus()).vectors).toBe(0);
  });

  test("filters: scope, metadata, minimum similarity, limit", async () => {
    await start();
    await fabric.setContext({ key: "user:1:prefs", value: "prefers formal, polite answers", scope: "USER", metadata: { user_id: "1" } });
    await fabric.setContext({ key: "user:2:prefs", value: "prefers formal, polite answers", scope: "USER", metadata: { user_id: "2" } });
    await fabric.setContext({ key: "tone", value: "prefers formal, polite answers", scope: "GLOBAL" });
    await fabric.setContext({ key: "execution:1", value: "prefers formal, polite answers", scope: "EXECUTION" });
    const q = { query: "formal tone", waitForIndex: true };
    expect((await fabric.search({ ...q })).map((r) => r.key).sort()).toEqual(["tone", "user:1:prefs", "user:2:prefs"]);
    expect((await fabric.search({ ...q, scope: "USER" })).map((r) => r.key).sort()).toEqual(["user:1:prefs", "user:2:prefs"]);
    expect((await fabric.search({ ...q, scope: "USER", metadata: { user_id: "2" } })).map((r) => r.key)).toEqual(["user:2:prefs"]);
    expect(await fabric.search({ ...q, minSimilarity: 0.99 })).toEqual([]);
    expect(await fabric.search({ ...q, limit: 1 })).toHaveLength(1);
  });

  test("objects are searched by their text leaves; values with no text are not indexed", async () => {
    await start();
    await fabric.setContext({ key: "user:7:context", value: { preferences: { cuisine: "vegetarian Italian food" }, history: ["pasta", "pizza"] }, scope: "USER" });
    await fabric.setContext({ key: "user:8:context", value: { preferences: { sport: "mountain biking" } }, scope: "USER" });
    await fabric.setContext({ key: "empty", value: null });
    const [top] = await fabric.search({ query: "meal suggestions without meat", scope: "USER", waitForIndex: true });
    expect(top.key).toBe("user:7:context");
    expect((await fabric.searchStatus()).vectors).toBe(2);
  });

  test("bad input names the field", async () => {
    await start();
    await expect(fabric.search({ query: "" })).rejects.toMatchObject({ code: "INVALID_ARGUMENT", message: expect.stringMatching(/^query: is required/) });
    await expect(fabric.search({ query: "x", scope: "EXECUTION" })).rejects.toMatchObject({ message: expect.stringMatching(/^scope: EXECUTION is not indexed/) });
    await expect(fabric.search({ query: "x", limit: 101 })).rejects.toMatchObject({ message: expect.stringMatching(/^limit/) });
    await expect(fabric.search({ query: "x", minSimilarity: 2 })).rejects.toMatchObject({ message: expect.stringMatching(/^min_similarity/) });
  });

  test("reindex re-embeds everything with progress; a restarted fabric rebuilds its index from the store", async () => {
    await start();
    const pipe = fabric.pipeline();
    for (let i = 0; i < 150; i++) pipe.setContext({ key: `note:${i}`, value: `note number ${i} about ${i % 2 ? "cats" : "the stock market"}` });
    await pipe.execute();
    await fabric.search({ query: "x", waitForIndex: true });
    const progress = [];
    for await (const p of fabric.reindex()) progress.push(p);
    expect(progress.at(-1)).toEqual({ done: 150, total: 150 });
    expect(progress.length).toBeGreaterThan(1);
    expect((await fabric.searchStatus()).vectors).toBe(150);

    // Restart: a new fabric (new index) over the same data finds everything again.
    const data = store;
    await t.stop();
    await start(data);
    const status = await fabric.searchStatus();
    const hits = await fabric.search({ query: "felines", waitForIndex: true, limit: 3 });
    expect(hits.every((h) => h.key.startsWith("note:") && Number(h.key.slice(5)) % 2 === 1)).toBe(true);
    expect((await fabric.searchStatus()).vectors).toBe(150);
    expect(status.dimension).toBe(512);
  });
});

